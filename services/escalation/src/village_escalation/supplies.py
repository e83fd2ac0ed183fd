"""Whom a party buys from: the supplies the incidents service lists (`GET /supplies`, read as the
escalation service, which sees every supply, those the parties' registration fields imply
included). Configuration uses it to decide who may read a partner's documents; it changes
rarely, so it is kept for `max_age` seconds."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from village_platform.errors import Problem
from village_platform.settings import Settings
from village_platform.tokens import ServiceAuth


class SupplyDirectory:
    def __init__(self, settings: Settings, *, name: str, http: httpx.AsyncClient) -> None:
        self._http, self._auth = http, ServiceAuth(settings, name)
        self._cached: tuple[float, list[dict[str, Any]]] | None = None
        self._lock = asyncio.Lock()

    async def suppliers_of(self, buyer: str, max_age: float = 30.0) -> set[str]:
        """The parties `buyer` buys some product from (a 503 problem while the incidents service
        cannot answer)."""
        return {s["supplier"] for s in await self._supplies(max_age) if s["buyer"] == buyer}

    async def _supplies(self, max_age: float) -> list[dict[str, Any]]:
        if self._cached is not None and time.monotonic() - self._cached[0] < max_age:
            return self._cached[1]
        async with self._lock:  # one request reads it; the others waiting take its answer
            if self._cached is not None and time.monotonic() - self._cached[0] < max_age:
                return self._cached[1]
            try:
                response = await self._http.get("/supplies", auth=self._auth)
                found: list[dict[str, Any]] = []
                # An incidents service from before supplies: the registration fields alone.
                if response.status_code != 404:
                    response.raise_for_status()
                    found = list(response.json()["items"])
            except httpx.HTTPError as exc:
                raise Problem(
                    503,
                    "dependency-unavailable",
                    f"the supplies cannot be read now: {exc!r}",
                    headers={"Retry-After": "5"},
                ) from None
            self._cached = (time.monotonic(), found)
            return found
