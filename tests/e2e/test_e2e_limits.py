"""Request limits on a running service: a 50 MB body, a 50 MB header and JSON nested 100,000
deep are refused with problems at once, before authentication, and the service's memory stays
flat (its peak resident size, read from /proc, does not move)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from e2e_support import assert_problem, incident_body

MB = 2**20
BODY_LIMIT = 1 * MB  # VILLAGE_MAX_BODY_BYTES, default


def memory(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


async def raw_exchange(
    url: str, head: bytes, chunks: AsyncIterator[bytes] | None = None
) -> tuple[int, dict[str, Any], int, float]:
    """Send `head` and then `chunks` (chunked encoding) while reading the answer; returns its
    status, its problem body, how much of the body had been sent when it came, and how long it
    took. Stops sending as soon as the answer is in, as a client that reads would."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    started = time.monotonic()
    answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
    sent = 0
    try:
        writer.write(head)
        if chunks is not None:
            async for chunk in chunks:
                if answer.done():
                    break
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                await writer.drain()
                sent += len(chunk)
                await asyncio.sleep(0)  # a turn for the reader: not a wait
        response_head = await asyncio.wait_for(answer, 30)
        elapsed = time.monotonic() - started
        lines = response_head.decode().split("\r\n")
        headers = {
            k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if line)
        }
        body = await reader.readexactly(int(headers["content-length"]))
        assert headers["content-type"] == "application/problem+json", headers
        return int(lines[0].split()[1]), json.loads(body), sent, elapsed
    finally:
        writer.close()


async def fifty_megabytes() -> AsyncIterator[bytes]:
    chunk = b"[" + b"1," * (32 * 1024 - 1) + b"1]"  # 64 KiB of harmless JSON text
    for _ in range(50 * MB // len(chunk)):
        yield chunk


def post_head(path: str, *extra: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: village", "Content-Type: application/json", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_a_50_mb_body_is_refused_at_once_with_flat_memory(incidents_service, api) -> None:
    pid = incidents_service.pid
    before = memory(pid)

    # Streamed (chunked, no length), unauthenticated: refused once it passes the limit.
    status, problem, sent, elapsed = await raw_exchange(
        incidents_service.url,
        post_head("/incidents", "Transfer-Encoding: chunked"),
        fifty_megabytes(),
    )
    assert status == 413 and problem["type"] == "/problems/body-too-large", problem
    # what was sent includes what the kernel buffers on both sides (a few MB on loopback)
    assert sent < 16 * MB, f"answered only after {sent} bytes"
    assert elapsed < 2, elapsed
    print(f"\n50 MB chunked body: 413 after {sent / MB:.1f} MB sent, {elapsed * 1000:.0f} ms")

    # Declared: refused from the head alone, the body never read.
    status, problem, _, elapsed = await raw_exchange(
        incidents_service.url, post_head("/incidents", f"Content-Length: {50 * MB}")
    )
    assert status == 413, problem
    assert elapsed < 1, elapsed
    print(f"50 MB declared: 413 in {elapsed * 1000:.0f} ms")

    # An ordinary client sending all of it, authenticated: the same problem.
    started = time.monotonic()
    response = await api("northwind").post(
        "/incidents", content=fifty_megabytes(), headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413, "body-too-large")
    print(f"httpx streaming 50 MB: 413 in {(time.monotonic() - started) * 1000:.0f} ms")

    after = memory(pid)
    grown = after["VmHWM"] - before["VmHWM"]
    print(
        f"service memory: peak {before['VmHWM'] / MB:.1f} -> {after['VmHWM'] / MB:.1f} MB, "
        f"now {before['VmRSS'] / MB:.1f} -> {after['VmRSS'] / MB:.1f} MB"
    )
    assert grown < 8 * MB, f"the service's peak memory grew by {grown / MB:.1f} MB"
    assert (await api(None).get("/healthz")).status_code == 200


async def test_a_50_mb_header_is_431_while_it_arrives(incidents_service) -> None:
    before = memory(incidents_service.pid)

    async def header_bytes() -> AsyncIterator[bytes]:
        for _ in range(800):  # 50 MB
            yield b"a" * 65536

    parts = urlsplit(incidents_service.url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(b"GET /incidents HTTP/1.1\r\nHost: village\r\nX-Padding: ")
    answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
    sent = 0
    async for chunk in header_bytes():
        if answer.done():
            break
        writer.write(chunk)
        await writer.drain()
        sent += len(chunk)
        await asyncio.sleep(0)  # a turn for the reader: not a wait
    head = await asyncio.wait_for(answer, 30)
    writer.close()
    assert head.startswith(b"HTTP/1.1 431 "), head
    # what was sent includes what the kernel buffers on both sides (a few MB on loopback)
    assert sent < 16 * MB, f"answered only after {sent} bytes"
    grown = memory(incidents_service.pid)["VmHWM"] - before["VmHWM"]
    print(f"\n50 MB header: 431 after {sent / MB:.1f} MB sent, peak memory +{grown / MB:.1f} MB")
    assert grown < 8 * MB, f"the service's peak memory grew by {grown / MB:.1f} MB"


async def test_deep_json_is_422_before_parsing_and_before_authentication(
    incidents_service, api
) -> None:
    deep = b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for client in (api(None), api("northwind")):
        response = await client.post(
            "/incidents", content=deep, headers={"Content-Type": "application/json"}
        )
        problem = assert_problem(response, 422, "json-too-deep")
        assert problem["max_depth"] == 32
    # Unauthenticated and within the limits: only then does authentication answer.
    assert_problem(await api(None).post("/incidents", json=incident_body()), 401)


async def test_every_service_has_the_limits(
    incidents_service, sla_service, knowledge_service, escalation_service, webhooks_service, api
) -> None:
    deep = b"[" * 1000 + b"]" * 1000
    for service in (
        incidents_service,
        sla_service,
        knowledge_service,
        escalation_service,
        webhooks_service,
    ):
        status, problem, _, _ = await raw_exchange(
            service.url, post_head("/events", f"Content-Length: {2 * MB}")
        )
        assert status == 413, (service.name, problem)
        status, problem, _, _ = await raw_exchange(
            service.url, post_head("/events", f"Content-Length: {len(deep)}") + deep
        )
        assert status == 422 and problem["type"] == "/problems/json-too-deep", (
            service.name,
            problem,
        )
