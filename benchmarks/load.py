"""The load generators' HTTP client: the services' own (`village_platform.http.service_client`,
httpx on aiohttp's connection pool). A partner's system runs on the partner's machines; here it
shares the two cores with the system under test, and httpx's own pool cost the openers 1.2-2.6 ms
of CPU per request (docs/benchmarks.md), a share of every rate measured that was not Village's.
"""

from __future__ import annotations

import httpx

from village_platform.http import service_client


def load_client(
    *,
    base_url: str = "",
    timeout: float | httpx.Timeout,
    headers: dict[str, str] | None = None,
    connections: int = 100,
) -> httpx.AsyncClient:
    return service_client(
        base_url=base_url, timeout=timeout, headers=headers, connections=connections
    )
