"""Who supplies whom, read from the incidents service's `GET /supplies` as a service principal:
every supply in force, those the parties' registration fields imply included. Like the party
directory (village_platform.directory), it changes rarely and is kept for `max_age` seconds."""

from __future__ import annotations

import asyncio
import time

import httpx

from village_platform.directory import DirectoryUnavailable
from village_platform.errors import Problem
from village_platform.settings import Settings
from village_platform.tokens import ServiceAuth

from .domain.supplies import Supply


class SupplyDirectory:
    def __init__(
        self,
        settings: Settings,
        *,
        name: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=settings.incidents_url.rstrip("/"), timeout=timeout, transport=transport
        )
        self._auth = ServiceAuth(settings, name)  # the service's own credentials
        self._cached: tuple[float, list[Supply]] | None = None
        self._lock = asyncio.Lock()

    def _fresh(self, max_age: float) -> bool:
        return self._cached is not None and time.monotonic() - self._cached[0] < max_age

    async def get(self, max_age: float = 30.0) -> list[Supply]:
        if self._fresh(max_age):
            return self._cached[1]  # type: ignore[index]
        async with self._lock:  # one request reads it; the others waiting take its answer
            if self._fresh(max_age):
                return self._cached[1]  # type: ignore[index]
            try:
                response = await self._http.get("/supplies", auth=self._auth)
                if response.status_code != 404:  # 404: from before supplies (the fields alone)
                    response.raise_for_status()
            except httpx.HTTPError as exc:
                raise DirectoryUnavailable(f"incidents service unavailable: {exc!r}") from exc
            items = response.json()["items"] if response.status_code != 404 else []
            found = [Supply.from_view(item) for item in items]
            self._cached = (time.monotonic(), found)
            return found

    async def for_request(self, max_age: float = 30.0) -> list[Supply]:
        """`get`, or, while the incidents service cannot answer, a 503 problem (with Retry-After)
        for the request that needed it."""
        try:
            return await self.get(max_age)
        except DirectoryUnavailable as exc:
            raise Problem(
                503,
                "dependency-unavailable",
                f"the supplies cannot be read now: {exc}",
                headers={"Retry-After": "5"},
            ) from None

    async def aclose(self) -> None:
        await self._http.aclose()
