"""The party directory (who is a provider, a partner of which provider, a customer of which
partner), read from the incidents service's `GET /parties` as a service principal.

Every service that decides what a party may see needs the parties' kinds; the incidents service
owns them. The directory changes rarely, so it is kept for `max_age` seconds.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx

from .auth import mint_token
from .errors import Problem
from .settings import Settings


class DirectoryUnavailable(Exception):
    """The incidents service could not answer now."""


class PartyDirectory:
    def __init__(self, settings: Settings, *, name: str, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None,
                 http: httpx.AsyncClient | None = None) -> None:
        self.settings, self.name = settings, name
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(base_url=settings.incidents_url.rstrip("/"),
                                               timeout=timeout, transport=transport)
        self._cached: tuple[float, dict[str, dict[str, Any]]] | None = None

    def token(self) -> str:
        # Short-lived and minted per call: a service runs for longer than any token should.
        return mint_token(self.settings, party=self.name, kind="service", roles=["service"],
                          ttl=timedelta(minutes=5))

    async def get(self, max_age: float = 30.0) -> dict[str, dict[str, Any]]:
        """Party id -> `{id, kind, name, provider, partner, customers}`."""
        if self._cached is not None and time.monotonic() - self._cached[0] < max_age:
            return self._cached[1]
        try:
            response = await self._http.get("/parties", headers={"Authorization": f"Bearer {self.token()}"})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise DirectoryUnavailable(f"incidents service unavailable: {exc!r}") from exc
        found = {p["id"]: p for p in response.json()["items"]}
        self._cached = (time.monotonic(), found)
        return found

    async def for_request(self, max_age: float = 30.0) -> dict[str, dict[str, Any]]:
        """`get`, or, while the incidents service cannot answer, a 503 problem (with Retry-After)
        for the request that needed it."""
        try:
            return await self.get(max_age)
        except DirectoryUnavailable as exc:
            raise Problem(503, "dependency-unavailable", f"the party directory cannot be read now: {exc}",
                          headers={"Retry-After": "5"}) from None

    async def kind_of(self, party: str) -> str | None:
        return (await self.get()).get(party, {}).get("kind")

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()
