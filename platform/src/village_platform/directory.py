"""The party directory (who is a provider, a partner of which provider, a customer of which
partner) and the supplies between parties, read from the incidents service's `GET /parties` and
`GET /supplies` as a service principal.

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
from .http import service_client
from .settings import Settings
from .tokens import ServiceAuth

MISS_REFRESH_SECONDS = 2.0


class DirectoryUnavailable(Exception):
    """The incidents service could not answer now."""


class _Listing:
    """One of the incidents service's listings (`path`), read as a service principal and kept
    for `max_age` seconds: one request reads it, the others waiting take its answer."""

    path: str
    what: str
    missing_ok = False  # a 404 (an incidents service from before the listing) reads as empty

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
        self._http = http or service_client(
            base_url=settings.incidents_url.rstrip("/"), timeout=timeout, transport=transport
        )
        self._auth = ServiceAuth(settings, name)  # the service's own credentials, never a party's
        self._cached: tuple[float, Any] | None = None
        self._lock = asyncio.Lock()

    def _age(self) -> float:
        return float("inf") if self._cached is None else time.monotonic() - self._cached[0]

    def _parse(self, items: list[dict[str, Any]]) -> Any:
        return items

    async def get(self, max_age: float = 30.0) -> Any:
        if self._age() < max_age:
            return self._cached[1]  # type: ignore[index]
        async with self._lock:
            if self._age() < max_age:
                return self._cached[1]  # type: ignore[index]
            try:
                response = await self._http.get(self.path, auth=self._auth)
                if not (self.missing_ok and response.status_code == 404):
                    response.raise_for_status()
            except httpx.HTTPError as exc:
                raise DirectoryUnavailable(f"incidents service unavailable: {exc!r}") from exc
            items = [] if response.status_code == 404 else response.json()["items"]
            found = self._parse(items)
            self._cached = (time.monotonic(), found)
            return found

    async def for_request(self, max_age: float = 30.0) -> Any:
        """`get`, or, while the incidents service cannot answer, a 503 problem (with Retry-After)
        for the request that needed it."""
        try:
            return await self.get(max_age)
        except DirectoryUnavailable as exc:
            raise Problem(
                503,
                "dependency-unavailable",
                f"the {self.what} cannot be read now: {exc}",
                headers={"Retry-After": "5"},
            ) from None

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()


class PartyDirectory(_Listing):
    """Party id -> `{id, kind, name, provider, partner, customers}`."""

    path, what = "/parties", "party directory"

    def _parse(self, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {p["id"]: p for p in items}

    async def get(self, max_age: float = 30.0) -> dict[str, dict[str, Any]]:
        return await super().get(max_age)

    async def for_request(self, max_age: float = 30.0) -> dict[str, dict[str, Any]]:
        return await super().for_request(max_age)

    async def kind_of(self, party: str) -> str | None:
        """The party's kind (the Authenticator asks), None for a party the directory does not
        name; a 503 problem while the directory cannot be read."""
        found = await self.for_request()
        if party not in found:
            found = await self.for_request(max_age=MISS_REFRESH_SECONDS)
        return found.get(party, {}).get("kind")


class SupplyDirectory(_Listing):
    """Every supply in force, `{supplier, buyer, products}` (products null: every product),
    those the parties' registration fields imply included (`GET /supplies` as a service)."""

    path, what, missing_ok = "/supplies", "supplies", True

    async def suppliers_of(self, buyer: str, max_age: float = 30.0) -> set[str]:
        """The parties `buyer` buys some product from (a 503 problem while the incidents service
        cannot answer)."""
        return {s["supplier"] for s in await self.for_request(max_age) if s["buyer"] == buyer}
