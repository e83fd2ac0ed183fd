"""Request limits: refused with a problem before the body is parsed or the caller authenticated,
over a real socket to uvicorn with the bounded protocol every service runs."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
import uvicorn
from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel

from village_devstack.waiting import eventually
from village_platform.errors import install_problem_handlers
from village_platform.httpserver import bounded_http_protocol
from village_platform.limits import RequestLimits, too_deep

MAX_BODY, MAX_HEAD, MAX_DEPTH = 64 * 1024, 8 * 1024, 8


class Note(BaseModel):
    body: Any


class Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reached = 0  # requests that got as far as authentication

    async def exchange(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(raw)
            await writer.drain()
            return await read_response(reader)
        finally:
            writer.close()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if line)}
    body = await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", 0))), 10)
    return status, headers, body


def request(body: bytes, *, path: str = "/notes", extra: bytes = b"", length: bool = True) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n".encode() + extra
    )
    if length:
        head += f"Content-Length: {len(body)}\r\n".encode()
    return head + b"\r\n" + body


def authenticate(request: Request) -> str:
    """Stands for authentication: counts the requests that got this far."""
    request.app.state.server.reached += 1
    return "caller"


async def add_note(note: Note, caller: Annotated[str, Depends(authenticate)]) -> dict[str, Any]:
    return {"stored": len(json.dumps(note.body))}


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    result = Server(sock.getsockname()[1])

    app = FastAPI()
    app.state.server = result
    install_problem_handlers(app)
    app.post("/notes")(add_note)

    app.add_middleware(
        RequestLimits, max_body_bytes=MAX_BODY, max_header_bytes=MAX_HEAD, max_json_depth=MAX_DEPTH
    )
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", http=bounded_http_protocol(MAX_HEAD)
    )
    uv = uvicorn.Server(config)
    serving = asyncio.create_task(uv.serve(sockets=[sock]))
    await eventually(lambda: uv.started, timeout=10, what="uvicorn")
    try:
        yield result
    finally:
        uv.should_exit = True
        await serving
        sock.close()


def assert_problem(
    response: tuple[int, dict[str, str], bytes], status: int, kind: str
) -> dict[str, Any]:
    got, headers, body = response
    assert got == status, (got, body[:300])
    assert headers["content-type"] == "application/problem+json", headers
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"] == f"/problems/{kind}", problem
    return problem


async def test_within_the_limits_the_request_reaches_the_route(server: Server) -> None:
    nested = json.dumps({"body": [[[["deep", "[[[[[[[[[[ in a string ]"]]]]})
    status, _, body = await server.exchange(request(nested.encode().ljust(MAX_BODY - 100)))
    assert status == 200, body
    assert server.reached == 1


async def test_a_declared_length_over_the_limit_is_413_before_reading_or_authenticating(
    server: Server,
) -> None:
    # Only the head is sent: the answer cannot wait for a body that never comes.
    started = time.monotonic()
    problem = assert_problem(
        await server.exchange(
            request(b"", extra=f"Content-Length: {50 * 2**20}\r\n".encode(), length=False)
        ),
        413,
        "body-too-large",
    )
    assert time.monotonic() - started < 2
    assert problem["max_bytes"] == MAX_BODY
    assert server.reached == 0


async def test_a_streamed_body_is_refused_as_it_passes_the_limit(server: Server) -> None:
    """Chunked, no length: the refusal comes once the limit is passed, not at the end of the
    body, and the connection is closed (the client stops sending)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"POST /notes HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"[" + b"0," * 4095 + b"0]"
    response = asyncio.ensure_future(read_response(reader))
    sent = 0
    try:
        while not response.done() and sent < 50 * 2**20:
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
            sent += len(chunk)
            await asyncio.sleep(0)  # let the response in
    except ConnectionError:
        pass  # the server closed the connection after answering
    problem = assert_problem(await response, 413, "body-too-large")
    assert problem["detail"]
    assert sent < 50 * 2**20 / 10, f"refused only after {sent} bytes"
    assert await reader.read() == b"", "the connection is closed"
    writer.close()
    assert server.reached == 0


async def test_json_nested_too_deep_is_422_before_parsing(server: Server) -> None:
    depth = 20_000  # Python's json module would recurse out of its stack
    body = b'{"body": ' + b"[" * depth + b"]" * depth + b"}"
    problem = assert_problem(await server.exchange(request(body)), 422, "json-too-deep")
    assert problem["max_depth"] == MAX_DEPTH
    at_limit = b'{"body": ' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}"
    status, _, answer = await server.exchange(request(at_limit))
    assert status == 200, answer
    assert server.reached == 1


async def test_headers_over_the_limit_are_431(server: Server) -> None:
    big = b"X-Padding: " + b"a" * (MAX_HEAD * 2) + b"\r\n"
    assert_problem(await server.exchange(request(b"{}", extra=big)), 431, "headers-too-large")
    assert server.reached == 0


async def test_a_huge_head_is_refused_while_it_arrives(server: Server) -> None:
    """10 MB of one header line: refused after the limit, the connection closed; the server never
    holds the rest (plain httptools would buffer all of it and answer 200)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /notes HTTP/1.1\r\nHost: test\r\nX-Big: ")
    response = asyncio.ensure_future(read_response(reader))
    sent = 0
    try:
        while not response.done() and sent < 10 * 2**20:
            writer.write(b"a" * 65536)
            await writer.drain()
            sent += 65536
            await asyncio.sleep(0)
    except ConnectionError:
        pass
    assert_problem(await response, 431, "headers-too-large")
    assert sent < 2 * 2**20, f"refused only after {sent} bytes"
    writer.close()


async def test_an_invalid_content_length_is_400(server: Server) -> None:
    raw = b"POST /notes HTTP/1.1\r\nHost: test\r\nContent-Length: 99999999999999999999999\r\n\r\n"
    status, _, _ = await server.exchange(raw)
    assert status == 400  # the HTTP parser or the limit: either way, refused before the app
    assert server.reached == 0


@pytest.mark.parametrize("target", [b"/notes%00", b"/notes?x=a%00b"])
async def test_a_nul_in_the_url_is_400_before_the_app(server: Server, target: bytes) -> None:
    raw = b"POST " + target + b" HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\n{}"
    problem = assert_problem(await server.exchange(raw), 400, "invalid-url")
    assert "NUL" in problem["detail"] and "\x00" not in problem["instance"]
    assert server.reached == 0


@pytest.mark.parametrize(
    ("body", "deep"),
    [
        (b"[" * 9 + b"]" * 9, True),
        (b"[" * 8 + b"]" * 8, False),
        (b'{"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {}}}}}}}}}', True),
        (b'{"a": "' + b"[" * 100 + b'"}', False),  # brackets inside a string
        (b'["\\"[[[[[[[[[[[[\\""]', False),  # escaped quotes do not end the string
        (b"[[],[],[],[],[],[],[],[],[],[],[],[]]", False),  # many, but shallow
        (b"[" * 100, False),  # unbalanced: the parser says what is wrong with it
    ],
)
def test_depth_is_measured_outside_strings(body: bytes, deep: bool) -> None:
    assert too_deep(body, 8) is deep


LINEAR_SECONDS = 10


def test_depth_check_is_linear() -> None:
    shallow = b"[" + b"[1]," * 250_000 + b"[1]]"  # 1 MB of brackets, depth 2
    started = time.monotonic()
    assert not too_deep(shallow, 32)
    assert too_deep(b"[" * 500_000 + b"]" * 500_000, 32)
    # Linear: milliseconds; quadratic: minutes. The bound leaves room for a loaded machine.
    assert time.monotonic() - started < LINEAR_SECONDS


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 40 + b'"' + b'\\"' * 300_000,  # an unterminated string of escaped quotes
        b"[" * 40 + b'"a' * 300_000,  # quotes everywhere
        b"[" * 40 + b'"' + b"\\" * 600_001,  # backslashes to the end
        b'["' + b'\\\\"]' * 150_000,  # escaped backslashes before quotes
    ],
    ids=["escaped-quotes", "many-quotes", "backslashes", "escaped-backslashes"],
)
def test_depth_check_is_linear_on_crafted_strings(body: bytes) -> None:
    """A scan that restarts at every quote inside a string is quadratic: minutes for 600 KB."""
    started = time.monotonic()
    too_deep(body, 32)
    assert time.monotonic() - started < LINEAR_SECONDS
