"""A party's configuration documents (tiers with their policies, profile, rules) through the API:
who may read and write them, their versions, and revising one (a command on the write path).
A party reads its own; partners never see each other's."""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform import idempotency
from village_platform.auth import Principal
from village_platform.clock import Clock
from village_platform.directory import PartyDirectory
from village_platform.envelope import Metadata
from village_platform.errors import Problem
from village_platform.headers import if_match_versions
from village_platform.writes import WriteContext, Writes, Written, stored

from .configbook import ConfigBook, Version
from .domain.config import RulesDoc


class Configuration:
    def __init__(
        self,
        engine: AsyncEngine,
        book: ConfigBook,
        parties: PartyDirectory,
        writes: Writes,
        clock: Clock,
    ) -> None:
        self.engine, self.book, self.parties = engine, book, parties
        self.writes, self.clock = writes, clock

    # ------------------------------------------------------------------ reads

    async def read(self, caller: Principal, party: str, kind: str, version: int | None) -> Version:
        """The latest version of the document, or `version` of it."""
        await self._may_read(caller, party, kind)
        async with self.engine.connect() as conn:
            found = await (
                self.book.get(conn, party, kind, version)
                if version
                else self.book.current(conn, party, kind)
            )
        if found is None:
            at = f" at version {version}" if version else ""
            raise Problem(404, "not-found", f"no {kind} for {party}{at}")
        return found

    async def versions(self, caller: Principal, party: str, kind: str) -> list[Version]:
        await self._may_read(caller, party, kind)
        async with self.engine.connect() as conn:
            found = await self.book.versions(conn, party, kind)
        if not found:
            raise Problem(404, "not-found", f"no {kind} for {party}")
        return found

    # ------------------------------------------------------------------ the command

    async def revise(
        self, ctx: WriteContext, party: str, kind: str, document: BaseModel, if_match: str | None
    ) -> Written:
        """A new version of the document (201 for the first, 200 after; new incidents use it)."""
        wanted = if_match_versions(if_match, kind)
        provider = await self._may_write(ctx.principal, party, kind)
        if kind == "rules":
            document = _rules_of(document, party, provider)
        origin = Metadata.from_dict(ctx.event_metadata())

        async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
            current = await self.book.current(conn, party, kind)
            version = current.version if current else 0
            if wanted is not None and version not in wanted:
                raise Problem(
                    412, "stale-version", f"the {kind} of {party} are at version {version}"
                )
            revised = await self.book.record(
                conn, party, kind, document, version + 1, provider, self.clock.now(), origin
            )
            return stored(
                201 if version == 0 else 200,
                jsonable_encoder(revised.view()),
                {"ETag": f'"{revised.version}"'},
            )

        return await self.writes.run(ctx, work)

    # ------------------------------------------------------------------ who may

    async def _may_read(self, caller: Principal, party: str, kind: str) -> None:
        """A party reads its own documents, a provider its partners' too, and a partner its
        provider's tiers (its rules route to them). Anything else is a 404, existence included."""
        if caller.kind == "service" or caller.party == party:
            return
        if caller.kind == "provider" or (kind == "tiers" and caller.kind == "partner"):
            directory = await self._directory()
            if caller.kind == "provider" and _provider_of(directory, party) == caller.party:
                return
            if caller.kind == "partner" and _provider_of(directory, caller.party) == party:
                return
        raise Problem(404, "not-found", f"no {kind} for {party}")

    async def _may_write(self, caller: Principal, party: str, kind: str) -> str:
        """Who may write, and the provider `party` works for (a partner's rules may route to it)."""
        if caller.kind == "service":
            return _provider_of(await self._directory(), party) or party
        if not caller.has_role("admin"):
            raise Problem(403, "forbidden", "escalation configuration is managed by admins")
        if kind == "profile":
            return await self._may_write_profile(caller, party)
        if caller.party != party or caller.kind not in ("provider", "partner"):
            raise Problem(403, "forbidden", f"{kind} are managed by the party's own admins")
        if caller.kind == "provider":
            return party
        return _provider_of(await self._directory(), party) or party

    async def _may_write_profile(self, caller: Principal, party: str) -> str:
        partner = (await self._directory()).get(party) or {}
        if (
            caller.kind != "provider"
            or partner.get("kind") != "partner"
            or partner.get("provider") != caller.party
        ):
            raise Problem(
                403, "forbidden", "a partner's profile is managed by its provider's admins"
            )
        return caller.party

    async def _directory(self) -> dict[str, dict[str, Any]]:
        return await self.parties.for_request()


def _provider_of(directory: dict[str, dict[str, Any]], party: str) -> str | None:
    return (directory.get(party) or {}).get("provider")


def _rules_of(document: BaseModel, owner: str, provider: str) -> RulesDoc:
    """Rules route only to their owner's tiers or, for a partner's, to its provider's."""
    try:
        return RulesDoc.for_owner(document.model_dump(mode="json"), owner, provider)
    except ValidationError as exc:
        raise Problem(422, "invalid-rules", "; ".join(e["msg"] for e in exc.errors())) from None
