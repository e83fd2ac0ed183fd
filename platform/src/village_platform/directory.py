"""The party directory (who is a provider, a partner of which provider, a customer of which
partner), read from the incidents service's `GET /parties` as a service principal.

Every service that decides what a party may see needs the parties' kinds; the incidents service
owns them. The directory changes rarely, so it is kept for `max_age` seconds; a party it does not
name makes it be read again (at most every `MISS_REFRESH_SECONDS`), so a party registered a moment
ago can call at once.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from .errors import Problem
from .settings import Settings
from .tokens import ServiceAuth

MISS_REFRESH_SECONDS = 2.0


class DirectoryUnavailable(Exception):
    """The incidents service could not answer now."""


class PartyDirectory:
    def __init__(
        self,
        settings: Settings,
        *,
        name: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings, self.name = settings, name
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(
            base_url=settings.incidents_url.rstrip("/"), timeout=timeout, transport=transport
        )
        self._auth = ServiceAuth(settings, name)  # the service's own credentials, never a party's
        self._cached: tuple[float, dict[str, dict[str, Any]]] | None = None
        self._lock = asyncio.Lock()

    def _age(self) -> float:
        return float("inf") if self._cached is None else time.monotonic() - self._cached[0]

    async def get(self, max_age: float = 30.0) -> dict[str, dict[str, Any]]:
        """Party id -> `{id, kind, name, provider, partner, customers}`."""
        if self._age() < max_age:
            return self._cached[1]  # type: ignore[index]
        async with self._lock:  # one request reads it; the others waiting take its answer
            if self._age() < max_age:
                return self._cached[1]  # type: ignore[index]
            try:
                response = await self._http.get("/parties", auth=self._auth)
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
            raise Problem(
                503,
                "dependency-unavailable",
                f"the party directory cannot be read now: {exc}",
                headers={"Retry-After": "5"},
            ) from None

    async def kind_of(self, party: str) -> str | None:
        """The party's kind (the Authenticator asks), None for a party the directory does not
        name; a 503 problem while the directory cannot be read."""
        found = await self.for_request()
        if party not in found:
            found = await self.for_request(max_age=MISS_REFRESH_SECONDS)
        return found.get(party, {}).get("kind")

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()
