"""Where deliveries may go, by construction: a request's host is resolved once, every address
it resolves to is checked (domain/targets.py), and the connection goes to those addresses only.

The HTTP client never resolves a name itself: its network backend connects to the addresses
pinned for the request in progress and to nothing else, so a DNS answer that changes between
the check and the connection (DNS rebinding) changes nothing. The URL keeps its host name: the
`Host` header, TLS SNI and certificate verification are httpx's own, for that name. Proxies from
the environment are ignored (a proxy would resolve the name again).
"""

from __future__ import annotations

import asyncio
import ipaddress
import select
import socket
import ssl
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import httpcore
import httpx

from .domain.targets import Address, Network, TargetRefused, check_addresses, check_url


class Resolver(Protocol):
    """The port through which host names become addresses."""

    async def resolve(self, host: str, port: int) -> list[Address]: ...


class SystemResolver:
    """The operating system's resolver (getaddrinfo)."""

    async def resolve(self, host: str, port: int) -> list[Address]:
        try:
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            why = exc.strerror if isinstance(exc, socket.gaierror) else "not a valid name"
            raise TargetRefused(f"{host} does not resolve: {why}") from None
        found: dict[Address, None] = {}
        for info in infos:
            found.setdefault(ipaddress.ip_address(str(info[4][0]).split("%")[0]), None)
        return list(found)


@dataclass(frozen=True)
class Target:
    """A checked target: the host and port of its URL and the addresses it may connect to."""

    host: str
    port: int
    addresses: tuple[Address, ...]


async def check_target(
    url: str | httpx.URL, *, development: bool, allowed: Sequence[Network], resolver: Resolver
) -> Target:
    """The URL's target if it is acceptable (every address it resolves to); TargetRefused if not."""
    host, port = check_url(url, development=development)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = await resolver.resolve(host, port)
    check_addresses(host, addresses, allowed)
    return Target(host, port, tuple(addresses))


# The target checked for the request in progress (a delivery is one task: one value per task).
_PINNED: ContextVar[Target | None] = ContextVar("village_webhooks_pinned_target", default=None)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend that connects only to the addresses pinned for the request in
    progress, and refuses anything else (no pin, another host, a Unix socket)."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        target = _PINNED.get()
        if target is None or (target.host.lower(), target.port) != (host.lower(), port):
            raise httpcore.ConnectError(f"{host}:{port} was not checked for this request")
        failure: type[httpcore.ConnectError] | type[httpcore.ConnectTimeout] = httpcore.ConnectError
        for address in target.addresses:  # all checked: the first that answers
            try:
                stream = await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return _KeptStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = type(exc)
        # Not the OS's message: it names the address, and what a name resolves to stays ours.
        raise failure(f"could not connect to {host}:{port}")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("Unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _KeptStream(httpcore.AsyncNetworkStream):
    """A connection's stream with its socket looked up once. Before each request the pool asks
    every kept-alive connection whether it is readable (closed by the receiver), and anyio
    builds all of a socket's attributes, a getpeername call among them, for each look-up: with
    a few dozen connections that cost more than the requests did."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self.inner = inner
        self.socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _KeptStream(await self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # data or EOF waiting on an idle connection: do not reuse it
            fd = self.socket.fileno() if self.socket is not None else -1
            if fd < 0:
                return True
            poll = select.poll()
            poll.register(fd, select.POLLIN)
            return bool(poll.poll(0))
        return self.inner.get_extra_info(info)


class CheckedTransport(httpx.AsyncBaseTransport):
    """httpx's transport, with every request's target checked and its connection pinned.

    Kept-alive connections are reused per host and port: each was opened to an address that
    was checked then, under the same rules."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        development: bool,
        allowed: Sequence[Network],
        limits: httpx.Limits = httpx.Limits(),
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.resolver, self.development, self.allowed = resolver, development, tuple(allowed)
        self.inner = httpx.AsyncHTTPTransport(trust_env=False, limits=limits)
        # httpx takes no network backend: its connection pool, made again with ours.
        self.inner._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = await check_target(
            request.url, development=self.development, allowed=self.allowed, resolver=self.resolver
        )
        token = _PINNED.set(target)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            _PINNED.reset(token)

    async def aclose(self) -> None:
        await self.inner.aclose()
