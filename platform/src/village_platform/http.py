"""The HTTP client the services call each other with: httpx's API (auth flows, timeouts, its
exceptions, the tests' transports) on aiohttp's connection pool.

httpx's own pool (httpcore) cost the caller 1.6 ms of CPU per request on loopback with 8
requests in flight and 2.6 ms with 32; the same requests through httpx on aiohttp's pool cost
0.45-0.48 ms (`python -m benchmarks.service_client`, docs/benchmarks.md). The escalation service
sends a decision per incident, and the consumers read redacted events whole from the feeds:
in an outage those requests are a large share of both services' CPU.
"""

from __future__ import annotations

import httpx
from httpx_aiohttp import AiohttpTransport
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

CONNECTIONS = 100  # httpx's own default


def service_client(
    *,
    base_url: str = "",
    timeout: float | httpx.Timeout,
    auth: httpx.Auth | None = None,
    headers: dict[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    connections: int = CONNECTIONS,
) -> httpx.AsyncClient:
    """A pooled client; `transport` replaces the pool (tests call an app in process, and such
    a client is not traced, as before)."""
    pooled = transport is None
    if pooled:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        transport = AiohttpTransport(limits=limits)
    client = httpx.AsyncClient(
        base_url=base_url, timeout=timeout, auth=auth, headers=headers, transport=transport
    )
    return traced(client) if pooled else client


def traced(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """`client` with the httpx instrumentation on its own transport: telemetry.instrument wraps
    httpx's own transport class only, so a client on another one (aiohttp's pool, the webhooks'
    pinned transport) is wrapped here, and its requests carry the trace context (traceparent)
    and have their client spans all the same."""
    HTTPXClientInstrumentor.instrument_client(client)
    return client
