"""Who the caller is and what it may read, for the routes and the handlers alike: the party
directory and the supplies between parties (who buys from whom), the caller's search scope, an
article it may read and an incident it is on (404 for anything else, existence included)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from village_platform.auth import Principal
from village_platform.errors import DomainError

from . import search as searching
from . import views
from .domain.articles import Actor
from .domain.audience import Directory, audiences_for, providers_of
from .domain.supplies import Supply, legacy_supplies, merged


def actor(caller: Principal) -> Actor:
    return Actor(caller.party, caller.kind, caller.user, caller.roles)


class Parties(Protocol):
    """The party directory (village_platform.directory.PartyDirectory, `GET /parties`)."""

    async def for_request(self) -> Directory: ...


class Supplies(Protocol):
    """Who supplies whom (supply_directory.SupplyDirectory, `GET /supplies`)."""

    async def for_request(self) -> list[Supply]: ...


class Access:
    def __init__(self, engine: AsyncEngine, directory: Parties, supplies: Supplies) -> None:
        self.engine, self.parties, self.supplies = engine, directory, supplies

    async def directory(self) -> Directory:
        return await self.parties.for_request()

    async def web(self) -> tuple[Directory, list[Supply]]:
        """The directory and every supply: those listed, and those its registration fields imply
        (a partner's `provider`: every product from it)."""
        directory = await self.directory()
        return directory, merged(await self.supplies.for_request(), legacy_supplies(directory))

    async def scope(self, caller: Principal) -> searching.Scope:
        if caller.kind == "service":
            return searching.Scope(None, audiences_for("service"))
        if caller.kind == "provider":
            return searching.Scope((caller.party,), audiences_for("provider"))
        _, supplies = await self.web()
        return searching.Scope(
            providers_of(caller.party, caller.kind, supplies), audiences_for(caller.kind)
        )

    async def readable(self, caller: Principal, article_id: str) -> tuple[Any, bool]:
        """The article row and whether the caller manages it; 404 when it may not read it at all."""
        async with self.engine.connect() as conn:
            row = await views.article_row(conn, article_id)
        if row is not None:
            if views.manages(row, caller.party, caller.kind):
                return row, True
            if views.reads(row, await self.scope(caller)):
                return row, False
        raise DomainError.not_found("no such article")

    async def published(self, caller: Principal, article_id: str) -> Any:
        """An article the caller reads as published (managing it is not enough); 404 otherwise."""
        row, _ = await self.readable(caller, article_id)
        if not views.reads(row, await self.scope(caller)):
            raise DomainError.not_found("no such article")
        return row

    async def incident(self, caller: Principal, incident_id: str) -> Any:
        """The incident if the caller is on it now; 404 otherwise."""
        async with self.engine.connect() as conn:
            found = await views.on_incident(conn, incident_id, caller.party, caller.kind)
        if found is None:
            raise DomainError.not_found("no such incident")
        return found
