"""Request limits, checked before a request is parsed or authenticated: header size, body size
and JSON nesting depth, answered with a problem at once and with flat memory.

Two layers, because the HTTP server parses the head before any application code runs:
- httpserver.py: the server protocol stops reading a request head (request line and headers)
  past the limit and answers 431.
- `RequestLimits`: pure ASGI middleware, outermost in every service's app. A declared
  `Content-Length` over the limit is refused without reading the body; a chunked body is
  counted as it streams in and refused as soon as it passes the limit (never buffered beyond
  it); a JSON body nested deeper than the limit is refused before it reaches the JSON parser
  (Python's parser recurses, so a body of `[[[[...` would otherwise end in RecursionError).
  The body, once within limits, is handed on as one message. A URL with a NUL character
  (which PostgreSQL cannot store) is refused here too, 400.

Refusals close the connection (after a lingering close, httpserver.py), so a client streaming
50 MB is not read to the end.

`Instant` / `AwareInstant`: datetimes in requests, between 1970 and 2200 (422 otherwise).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime

from .errors import PROBLEM_JSON, Problem

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY_BYTES = 1_048_576
DEFAULT_MAX_HEADER_BYTES = 16_384
DEFAULT_MAX_JSON_DEPTH = 32

_TITLES = {413: "Content too large", 431: "Request header fields too large"}


def limit_problem(status: int, kind: str, detail: str, **extensions: Any) -> Problem:
    headers = {"Connection": "close"} if status in (400, 413, 431) else {}
    return Problem(status, kind, detail, title=_TITLES.get(status), headers=headers, **extensions)


def too_deep(body: bytes, limit: int) -> bool:
    """Whether JSON `body` nests arrays and objects deeper than `limit`.

    Linear in C: strings are cut out (their brackets do not count), then each round removes
    the innermost `[]` pairs (objects folded into arrays), so after `limit` rounds a matched pair
    left means a deeper nesting. Unbalanced text is not called deep: the parser reports it.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # the common case: fewer brackets than the limit, whatever the strings hold
    brackets = _without_strings(body).translate(_FOLD, _NOT_BRACKETS)
    for _ in range(limit):
        shorter = brackets.replace(b"[]", b"")
        if shorter == brackets:
            return False
        brackets = shorter
    return b"[]" in brackets


def _without_strings(body: bytes) -> bytes:
    return _STRING.sub(b"", body)


# A JSON string, or an unterminated one to the end of the body: an attempt that starts at a
# quote always matches, so no position is scanned twice (a closing quote that must be found
# would make `"\"\"\"...` quadratic: every escaped quote a new start).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)

_FOLD = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _is_json(scope: Scope) -> bool:
    """FastAPI parses a body as JSON when its content type says JSON or is missing."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media.endswith((b"/json", b"+json"))
    return True


class RequestLimits:
    """The outermost middleware of a service: limits before any parsing or authentication."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ) -> None:
        self.app = app
        self.max_body_bytes, self.max_header_bytes = max_body_bytes, max_header_bytes
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._head_refusal(scope)
        if refusal is not None:
            await _respond(send, scope, refusal)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before its body was complete: nothing to answer
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await _respond(send, scope, self._too_large())
                return
            if not message.get("more_body", False):
                break
        data = bytes(body)
        if data and _is_json(scope) and too_deep(data, self.max_json_depth):
            await _respond(
                send,
                scope,
                limit_problem(
                    422,
                    "json-too-deep",
                    f"JSON nested deeper than {self.max_json_depth} levels",
                    max_depth=self.max_json_depth,
                ),
            )
            return
        await self.app(scope, _replay(data, receive), send)

    def _head_refusal(self, scope: Scope) -> Problem | None:
        headers = scope["headers"]
        raw_path, query = scope.get("raw_path") or b"", scope.get("query_string") or b""
        if any(b"%00" in part or b"\x00" in part for part in (raw_path, query)):
            return Problem(400, "invalid-url", "NUL characters are not allowed in URLs")
        size = len(raw_path) + len(query)
        size += sum(len(name) + len(value) for name, value in headers)
        if size > self.max_header_bytes:
            return head_too_large(self.max_header_bytes)
        for name, value in headers:
            if name == b"content-length":
                if not value.isdigit() or len(value) > 18:
                    return limit_problem(
                        400, "invalid-content-length", "Content-Length is not a number of bytes"
                    )
                if int(value) > self.max_body_bytes:
                    return self._too_large()
        return None

    def _too_large(self) -> Problem:
        return limit_problem(
            413,
            "body-too-large",
            f"the request body is over {self.max_body_bytes} bytes",
            max_bytes=self.max_body_bytes,
        )


def head_too_large(limit: int) -> Problem:
    return limit_problem(
        431,
        "headers-too-large",
        f"the request line and headers are over {limit} bytes",
        max_bytes=limit,
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body as one message, then the client's own messages (a disconnect, eventually)."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _respond(send: Send, scope: Scope, problem: Problem) -> None:
    body = _problem_bytes(problem, scope.get("path", ""))
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in problem.headers.items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _problem_bytes(problem: Problem, instance: str | None) -> bytes:
    return json.dumps(problem.body(instance.replace("\x00", "") if instance else None)).encode()


# Instants a request may name: PostgreSQL and Python both handle year 1 to 9999, but the work
# done with an instant (months between two, a clock's due time) must stay bounded and in range.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def plausible(value: datetime) -> datetime:
    """`value` (a naive one read as UTC) if it lies in [1970, 2200); else ValueError."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not EARLIEST <= aware < LATEST:
        raise ValueError(f"must be from {EARLIEST.year} to before {LATEST.year}")
    return aware


Instant = Annotated[datetime, AfterValidator(plausible)]
AwareInstant = Annotated[AwareDatetime, AfterValidator(plausible)]
