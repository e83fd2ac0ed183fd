"""Which URLs an endpoint may point at (pure rules; `pinning.py` resolves and connects).

https only outside development; the host a domain name or an IP address; and no address it
resolves to may be private, loopback, link-local, multicast, reserved or unspecified, nor an
IPv6 form that carries such an IPv4 address (mapped, compatible, 6to4, Teredo, NAT64, ISATAP),
unless the configuration allows its network (`WEBHOOKS_ALLOWED_NETWORKS`, e.g.
`127.0.0.0/8,::1/128` in tests). A refusal names the host and the kind of address, never the
address: what an internal name resolves to is not the caller's business.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator, Sequence

import httpx
import idna

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)
# WHATWG: a host whose last label is a number is an IPv4 address (0x7f.1, 2130706433), which
# resolvers read in ways nobody expects: refused rather than guessed.
_NUMERIC = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)

# IPv6 forms that carry an IPv4 address. Translations reach the IPv4 address itself; tunnels
# reach a relay that forwards to it: either way the IPv4 address is where the packets go.
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT, RFC 7915
_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated by RFC 4291
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix, RFC 6052
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local use, RFC 8215: anything inside
_SIXTOFOUR = ipaddress.ip_network("2002::/16")
_TEREDO = ipaddress.ip_network("2001::/32")


class TargetRefused(ValueError):
    """The URL may not be delivered to; the message says why (a problem's detail)."""


def parse_networks(spec: str | Iterable[str]) -> tuple[Network, ...]:
    items = spec.split(",") if isinstance(spec, str) else spec
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


def check_url(url: str | httpx.URL, *, development: bool) -> tuple[str, int]:
    """The host (ASCII: IDNA-encoded, or an IP address) and port of an acceptable URL, as the
    HTTP client will read them, before resolving the host."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
        port = parsed.port
        host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from None
    if parsed.scheme not in ("https", "http") or not host:
        raise TargetRefused("the URL must be an absolute http(s) URL")
    if parsed.scheme != "https" and not development:
        raise TargetRefused("endpoints must use https (plain http is accepted in development only)")
    if parsed.userinfo:
        raise TargetRefused("credentials in the URL are not accepted; use the signing secret")
    if port is not None and not 0 < port < 65536:
        raise TargetRefused(f"not a valid URL: port {port} is out of range")
    return check_host(host), port or (443 if parsed.scheme == "https" else 80)


def check_host(host: str) -> str:
    """`host` if it is an IP address or a well-formed domain name (RFC 1123 labels, valid IDNA)."""
    if ":" in host:
        try:
            if "%" not in host:  # a zone ("%eth0") names an interface of ours: refused
                ipaddress.IPv6Address(host)
                return host
        except ValueError:
            pass
        raise TargetRefused("not a valid URL: the host is not a valid IPv6 address")
    try:
        ipaddress.IPv4Address(host)
        return host
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise TargetRefused(f"not a valid URL: {host[:100]!r} is not a valid host name")
    if _NUMERIC.fullmatch(labels[-1]):
        raise TargetRefused(f"not a valid URL: {host[:100]!r} is neither a host name nor an IP")
    try:
        for label in labels:
            if label.lower().startswith("xn--"):
                idna.decode(label)
    except (idna.IDNAError, UnicodeError):
        raise TargetRefused(f"not a valid URL: {host[:100]!r} is not a valid IDNA name") from None
    return host


def _embedded(address: ipaddress.IPv6Address) -> Iterator[tuple[str, ipaddress.IPv4Address]]:
    """The IPv4 addresses an IPv6 address carries, with the name of the form."""
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _MAPPED:
        yield "IPv4-mapped", low32
    elif address in _TRANSLATED:
        yield "IPv4-translated", low32
    elif address in _COMPATIBLE and int(address) > 1:
        yield "IPv4-compatible", low32
    elif address in _NAT64:
        yield "NAT64", low32
    if address in _SIXTOFOUR:
        yield "6to4", ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF)
    if address in _TEREDO and address.teredo is not None:
        server, client = address.teredo
        yield "Teredo", server
        yield "Teredo", client
    if (int(address) >> 32) & 0xFDFFFFFF == 0x00005EFE:  # ISATAP interface identifier
        yield "ISATAP", low32


def forbidden(address: Address, allowed: Sequence[Network] = ()) -> str | None:
    """Why an address is not an acceptable target, or None. `allowed` networks are accepted as
    they are; an IPv6 form carrying one of their IPv4 addresses is not."""
    if any(address.version == network.version and address in network for network in allowed):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        translated = False
        for form, inner in _embedded(address):
            if form in ("IPv4-mapped", "IPv4-translated", "IPv4-compatible"):
                return f"{form} IPv6"  # no real receiver's address: refused whatever it carries
            if reason := forbidden(inner):  # allowed networks name addresses, not what they carry
                return f"{form} ({reason} IPv4 inside)"
            translated = translated or form == "NAT64"
        if translated:  # DNS64: the public IPv4 address inside is where the packets go
            return None
        if address in _NAT64_LOCAL:
            return "local-use NAT64"
    for reason in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    if not address.is_global:
        return "non-global"
    return None


def check_addresses(host: str, addresses: Sequence[Address], allowed: Sequence[Network]) -> None:
    """Every address `host` resolves to must be acceptable (the connection may use any of them)."""
    if not addresses:
        raise TargetRefused(f"{host} does not resolve")
    for address in addresses:
        if reason := forbidden(address, allowed):
            article = "an" if reason[0].lower() in "aeiou" else "a"
            raise TargetRefused(
                f"{host} resolves to {article} {reason} address: not an allowed target"
            )
