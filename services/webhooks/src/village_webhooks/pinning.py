"""Where deliveries may go, by construction: a request's host is resolved once, every address
it resolves to is checked (domain/targets.py), and the connection goes to those addresses only.

The HTTP client never resolves a name itself: its connection pool's resolver answers with the
addresses pinned for the request in progress and nothing else, so a DNS answer that changes
between the check and the connection (DNS rebinding) changes nothing. The URL keeps its host
name: the `Host` header, TLS SNI and certificate verification are the client's own, for that
name. Proxies from the environment are ignored (a proxy would resolve the name again).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from httpx_aiohttp import AiohttpTransport

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


class PinnedResolver(AbstractResolver):
    """aiohttp's resolver for the connection pool: the addresses pinned for the request in
    progress, and nothing for any other name (no pin, another host). The pool asks it only to
    open a connection; it keeps no answers (`use_dns_cache=False`)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        target = _PINNED.get()
        if target is None or (target.host.lower(), target.port) != (host.lower(), port):
            raise OSError(f"{host}:{port} was not checked for this request")
        return [
            {
                "hostname": host,
                "host": str(address),
                "port": port,
                "family": socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in target.addresses  # all checked: the first that answers
        ]

    async def close(self) -> None:
        pass


class CheckedTransport(httpx.AsyncBaseTransport):
    """httpx's API on aiohttp's connection pool, with every request's target checked and its
    connection pinned (aiohttp's pool costs about a third of httpcore's CPU per delivery:
    docs/benchmarks.md).

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
        tls = ssl_context or httpx.create_ssl_context(trust_env=False)

        def session() -> aiohttp.ClientSession:  # made on first use, in the running loop
            connector = aiohttp.TCPConnector(
                resolver=PinnedResolver(),
                use_dns_cache=False,
                ssl=tls,
                limit=limits.max_connections or 0,
                keepalive_timeout=limits.keepalive_expiry,
            )
            return aiohttp.ClientSession(connector=connector, trust_env=False)

        self.inner = AiohttpTransport(client=session)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = await check_target(
            request.url, development=self.development, allowed=self.allowed, resolver=self.resolver
        )
        token = _PINNED.set(target)
        try:
            return await self.inner.handle_async_request(request)
        except httpx.TransportError as exc:
            raise _told(exc)(_unnamed(str(exc), target), request=request) from None
        finally:
            _PINNED.reset(token)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _told(exc: httpx.TransportError) -> type[httpx.TransportError]:
    """What the endpoint's owner reads (`last_error`) names the failure as it was: httpx-aiohttp
    calls every failed connection, a refused one or a bad certificate too, a ConnectTimeout."""
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientConnectorError):
        return httpx.ConnectError
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError
    return type(exc)


def _unnamed(message: str, target: Target) -> str:
    """The message without the addresses the name resolved to: they stay ours (the OS's words
    name the address it failed to reach)."""
    for address in target.addresses:
        if str(address) != target.host:
            message = message.replace(str(address), "(address)")
    return message
