"""Which URLs an endpoint may point at, checked at registration and again before each delivery
(DNS may have changed since): https only outside development, and no private, loopback,
link-local, multicast, reserved or unspecified address unless the configuration allows its
network (`WEBHOOKS_ALLOWED_NETWORKS`, e.g. `127.0.0.0/8,::1/128` in tests)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Iterable, Sequence
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRefused(ValueError):
    """The URL may not be delivered to; the message says why (a problem's detail)."""


def parse_networks(spec: str | Iterable[str]) -> tuple[Network, ...]:
    items = spec.split(",") if isinstance(spec, str) else spec
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


def check_url(url: str, *, development: bool) -> tuple[str, int]:
    """The host and port of an acceptable URL, before resolving it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TargetRefused("the URL must be an absolute http(s) URL")
    if parts.scheme != "https" and not development:
        raise TargetRefused("endpoints must use https (plain http is accepted in development only)")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not accepted; use the signing secret")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def forbidden(address: Address) -> str | None:
    """Why an address is not a public target, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return forbidden(address.ipv4_mapped)
    for reason in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    if not address.is_global:
        return "non-global"
    return None


def check_addresses(host: str, addresses: Sequence[Address], allowed: Sequence[Network]) -> None:
    if not addresses:
        raise TargetRefused(f"{host} does not resolve")
    for address in addresses:
        reason = forbidden(address)
        if reason and not any(address in network for network in allowed):
            raise TargetRefused(f"{host} resolves to {address}, a {reason} address: not an allowed target")


async def resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TargetRefused(f"{host} does not resolve: {exc.strerror}") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


async def check_target(url: str, *, development: bool, allowed: Sequence[Network]) -> None:
    host, port = check_url(url, development=development)
    check_addresses(host, await resolve(host, port), allowed)
