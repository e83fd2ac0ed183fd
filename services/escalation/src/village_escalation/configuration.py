"""A party's configuration documents (tiers with their policies, profile, rules) through the API:
who may read and write them, their versions, and revising one (a command on the write path).
A party reads its own; partners never see each other's.

Who else reads them (the API and the `config_revised` event's audience alike), the least that
keeps a single-vendor partner working as before:
- a provider's own tiers, rules: the provider alone (and the Village services, which read all);
- a partner's tiers and rules: the partner and, while it buys from one supplier only, that
  supplier. A partner of several vendors keeps them to itself: its rules name the products it
  sells and the tiers it routes to, so any one vendor reading them would learn of the others
  (that northwind also sells globex's firewalls is none of acme's business). Its vendors still
  see the decisions made for their own incidents, with the rule and the reason;
- a partner's profile: the partner and the provider that writes it (its registered provider);
  it counts for that provider's incidents only (repository.snapshot).
A partner reads the tiers of every supplier it buys from (its rules may route there)."""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform import idempotency
from village_platform.auth import Principal
from village_platform.clock import Clock
from village_platform.directory import PartyDirectory, SupplyDirectory
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
        supplies: SupplyDirectory | None = None,
    ) -> None:
        self.engine, self.book, self.parties = engine, book, parties
        self.writes, self.clock, self.supplies = writes, clock, supplies

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
        suppliers = await self._may_write(ctx.principal, party, kind)
        if kind == "rules":
            document = _rules_of(document, party, suppliers)
        readers, channel = await self._audience(party, kind)
        origin = Metadata.from_dict(ctx.event_metadata())

        async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
            current = await self.book.current(conn, party, kind)
            version = current.version if current else 0
            if wanted is not None and version not in wanted:
                raise Problem(
                    412, "stale-version", f"the {kind} of {party} are at version {version}"
                )
            revised = await self.book.record(
                conn,
                party,
                kind,
                document,
                version + 1,
                channel,
                self.clock.now(),
                origin,
                readers=readers,
            )
            return stored(
                201 if version == 0 else 200,
                jsonable_encoder(revised.view()),
                {"ETag": f'"{revised.version}"'},
            )

        return await self.writes.run(ctx, work)

    # ------------------------------------------------------------------ who may

    async def _may_read(self, caller: Principal, party: str, kind: str) -> None:
        """A party reads its own documents, their readers (module docstring) too, and a partner
        the tiers of its suppliers (its rules route to them). Anything else is a 404, existence
        included."""
        if caller.kind == "service" or caller.party == party:
            return
        if caller.kind in ("provider", "partner") and caller.party in await self._readers(
            party, kind
        ):
            return
        if (
            kind == "tiers"
            and caller.kind == "partner"
            and party in await self._suppliers_of(caller.party)
        ):
            return
        raise Problem(404, "not-found", f"no {kind} for {party}")

    async def _may_write(self, caller: Principal, party: str, kind: str) -> set[str]:
        """Who may write, and the suppliers `party` buys from (a partner's rules may route to
        their tiers)."""
        if caller.kind == "service":
            return await self._suppliers_of(party)
        if not caller.has_role("admin"):
            raise Problem(403, "forbidden", "escalation configuration is managed by admins")
        if kind == "profile":
            await self._may_write_profile(caller, party)
            return set()
        if caller.party != party or caller.kind not in ("provider", "partner"):
            raise Problem(403, "forbidden", f"{kind} are managed by the party's own admins")
        if caller.kind == "provider":
            return set()
        return await self._suppliers_of(party)

    async def _may_write_profile(self, caller: Principal, party: str) -> None:
        partner = (await self._directory()).get(party) or {}
        if (
            caller.kind != "provider"
            or partner.get("kind") != "partner"
            or partner.get("provider") != caller.party
        ):
            raise Problem(
                403, "forbidden", "a partner's profile is managed by its provider's admins"
            )

    async def _readers(self, party: str, kind: str) -> set[str]:
        return (await self._audience(party, kind))[0]

    async def _audience(self, party: str, kind: str) -> tuple[set[str], str | None]:
        """Who reads `party`'s document besides Village's services (`party` and at most one
        supplier, see the module docstring), and whose tooling channel (topic) carries its
        `config_revised` event whole: None for a partner of several vendors (the topic, which
        more than one of them reads, carries only the fact)."""
        entry = (await self._directory()).get(party) or {}
        if kind == "profile":  # what its registered provider says of it
            provider = entry.get("provider") or party
            return {party, provider}, provider
        if entry.get("kind") == "provider":
            return {party}, party
        suppliers = await self._suppliers_of(party)
        if len(suppliers) == 1:
            return {party, *suppliers}, next(iter(suppliers))
        return {party}, (party if not suppliers else None)

    async def _suppliers_of(self, party: str) -> set[str]:
        """Whom `party` buys from: its registered provider and the supplies naming it as buyer."""
        registered = _provider_of(await self._directory(), party)
        supplied = await self.supplies.suppliers_of(party) if self.supplies else set()
        return ({registered} if registered else set()) | supplied

    async def _directory(self) -> dict[str, dict[str, Any]]:
        return await self.parties.for_request()


def _provider_of(directory: dict[str, dict[str, Any]], party: str) -> str | None:
    return (directory.get(party) or {}).get("provider")


def _rules_of(document: BaseModel, owner: str, suppliers: set[str]) -> RulesDoc:
    """Rules route only to their owner's tiers or, for a partner's, to those of a supplier it
    buys from (at routing time, only to the incident's own provider's)."""
    try:
        return RulesDoc.for_owner(document.model_dump(mode="json"), owner, suppliers)
    except ValidationError as exc:
        raise Problem(422, "invalid-rules", "; ".join(e["msg"] for e in exc.errors())) from None
