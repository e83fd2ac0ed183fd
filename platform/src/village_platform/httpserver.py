"""The HTTP protocol every service serves with: uvicorn's httptools protocol, with a limit on the
request head and a lingering close.

- Head limit: plain httptools buffers a request line and headers of any size (measured: a
  10 MB header is accepted and handed to the app). Here a head still arriving past the limit is
  answered 431 and the connection closed: memory stays flat whatever is sent.
- Lingering close: a refusal (413, 431) is sent while the client may still be sending. Closing
  at once makes the kernel reset the connection, and a reset can destroy the answer before the
  client reads it. So the server half-closes (the client reads the problem and an end of
  stream), discards what still arrives, and closes after `LINGER_SECONDS` (as nginx does).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .errors import PROBLEM_JSON
from .limits import head_too_large

LINGER_SECONDS = 2.0


class _LingeringTransport:
    """The connection's transport as the protocol sees it: `close()` lingers while the request
    is still arriving; everything else is the real transport's."""

    def __init__(self, transport: asyncio.Transport, protocol: BoundedHttpToolsProtocol) -> None:
        self._transport, self._protocol = transport, protocol
        self.lingering = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def is_closing(self) -> bool:
        return self.lingering or self._transport.is_closing()

    def close(self) -> None:
        real = self._transport
        if self.lingering or real.is_closing():
            return
        if not self._protocol.request_unread() or not real.can_write_eof():
            real.close()
            return
        self.lingering = True
        real.write_eof()  # the answer, then end of stream: the client reads both
        real.resume_reading()  # discard what comes, so the kernel does not reset
        asyncio.get_running_loop().call_later(LINGER_SECONDS, real.close)

    def abort(self) -> None:
        self._transport.abort()


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = 16_384
    _in_head = False
    _head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_LingeringTransport(transport, self))  # type: ignore[arg-type]

    def request_unread(self) -> bool:
        return self._in_head or bool(self.cycle and self.cycle.more_body)

    def on_message_begin(self) -> None:
        self._in_head, self._head_bytes = True, 0
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def eof_received(self) -> bool | None:
        if self.transport.lingering:
            self.transport._transport.close()
        return super().eof_received()

    def data_received(self, data: bytes) -> None:
        if self.transport.lingering:
            return  # answered and closing: what still arrives is discarded unparsed
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        # Counted after parsing, so a chunk holding the end of the head and a body does not
        # count; the overshoot is at most one read (256 KiB).
        self._head_bytes += len(data)
        if self._head_bytes > self.max_head_bytes:
            problem = head_too_large(self.max_head_bytes)
            body = json.dumps(problem.body()).encode()
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                + f"content-type: {PROBLEM_JSON}\r\ncontent-length: {len(body)}\r\n".encode()
                + b"connection: close\r\n\r\n"
                + body
            )
            self.transport.close()


def bounded_http_protocol(max_head_bytes: int) -> type[BoundedHttpToolsProtocol]:
    """The protocol class for `uvicorn.run(..., http=...)` with this head limit."""
    return type(
        "BoundedHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"max_head_bytes": max_head_bytes}
    )
