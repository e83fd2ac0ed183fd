"""A party's configuration documents (tiers with their policies, rules) and the providers'
profiles of a partner through the API: who may read and write them, their versions, and revising
one (a command on the write path). A party reads its own; partners never see each other's.

Who else reads them (the API and the `config_revised` event's audience alike), the least that
keeps a single-vendor partner working as before:
- a provider's own tiers, rules: the provider alone (and the Village services, which read all);
- a partner's tiers and rules: the partner and, while it buys from one supplier only, that
  supplier. A partner of several vendors keeps them to itself: its rules name the products it
  sells and the tiers it routes to, so any one vendor reading them would learn of the others
  (that northwind also sells globex's firewalls is none of acme's business). Its vendors still
  see the decisions made for their own incidents, with the rule and the reason;
- a partner's profiles: one per provider that supplies it (each written by that provider's
  admins, versioned on its own), read by the partner and by that provider only (never by another
  provider: northwind's level at globex is none of acme's business); each counts for its own
  provider's incidents only (repository.snapshot).
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

from .configbook import ConfigBook, Key, Version
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

    async def read(
        self,
        caller: Principal,
        party: str,
        kind: str,
        version: int | None,
        provider: str | None = None,
    ) -> Version:
        """The latest version of the document, or `version` of it (a profile: `provider`'s, see
        `_profile_to_read`)."""
        key = await self._readable(caller, party, kind, provider)
        async with self.engine.connect() as conn:
            found = await (
                self.book.get(conn, key, version) if version else self.book.current(conn, key)
            )
        if found is None:
            at = f" at version {version}" if version else ""
            raise Problem(404, "not-found", f"no {kind} for {party}{at}")
        return found

    async def versions(
        self, caller: Principal, party: str, kind: str, provider: str | None = None
    ) -> list[Version]:
        key = await self._readable(caller, party, kind, provider)
        async with self.engine.connect() as conn:
            found = await self.book.versions(conn, key)
        if not found:
            raise Problem(404, "not-found", f"no {kind} for {party}")
        return found

    async def profiles(self, caller: Principal, partner: str) -> list[Version]:
        """The latest profile of `partner` by each provider the caller may read it of: the
        partner (and Village's services) every provider's, a provider its own."""
        if caller.kind not in ("service", "provider") and caller.party != partner:
            raise Problem(404, "not-found", f"no profile for {partner}")
        async with self.engine.connect() as conn:
            found = await self.book.profiles(conn, partner)
        if caller.kind == "provider" and caller.party != partner:
            return [p for p in found if p.key.provider == caller.party]
        return found

    # ------------------------------------------------------------------ the command

    async def revise(
        self,
        ctx: WriteContext,
        party: str,
        kind: str,
        document: BaseModel,
        if_match: str | None,
        provider: str | None = None,
    ) -> Written:
        """A new version of the document (201 for the first, 200 after; new incidents use it).
        A profile is the writing provider's own (`_profile_to_write`)."""
        wanted = if_match_versions(if_match, kind)
        if kind == "profile":
            key = Key(party, kind, await self._profile_to_write(ctx.principal, party, provider))
            readers, channel = {party, key.provider}, key.provider
        else:
            suppliers = await self._may_write(ctx.principal, party, kind)
            if kind == "rules":
                document = _rules_of(document, party, suppliers)
            key = Key(party, kind)
            readers, channel = await self._audience(party)
        origin = Metadata.from_dict(ctx.event_metadata())

        async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
            current = await self.book.current(conn, key)
            version = current.version if current else 0
            if wanted is not None and version not in wanted:
                raise Problem(
                    412, "stale-version", f"the {kind} of {party} are at version {version}"
                )
            revised = await self.book.record(
                conn,
                key,
                document,
                version + 1,
                channel,
                self.clock.now(),
                origin,
                readers=readers,
                stream=current.stream_id if current else None,
            )
            return stored(
                201 if version == 0 else 200,
                jsonable_encoder(revised.view()),
                {"ETag": f'"{revised.version}"'},
            )

        return await self.writes.run(ctx, work)

    # ------------------------------------------------------------------ who may

    async def _readable(
        self, caller: Principal, party: str, kind: str, provider: str | None
    ) -> Key:
        if kind == "profile":
            return Key(party, kind, await self._profile_to_read(caller, party, provider))
        await self._may_read(caller, party, kind)
        return Key(party, kind)

    async def _may_read(self, caller: Principal, party: str, kind: str) -> None:
        """A party reads its own tiers and rules, their readers (module docstring) too, and a
        partner the tiers of its suppliers (its rules route to them). Anything else is a 404,
        existence included."""
        if caller.kind == "service" or caller.party == party:
            return
        if (
            caller.kind in ("provider", "partner")
            and caller.party in (await self._audience(party))[0]
        ):
            return
        if (
            kind == "tiers"
            and caller.kind == "partner"
            and party in await self._suppliers_of(caller.party)
        ):
            return
        raise Problem(404, "not-found", f"no {kind} for {party}")

    async def _profile_to_read(self, caller: Principal, partner: str, asked: str | None) -> str:
        """Whose profile of `partner` the caller reads: a provider its own, never another's (a
        404, existence included); the partner (or a service) the provider it names, by default
        its registered provider, else the only provider it buys from."""
        if caller.kind == "provider" and caller.party != partner:
            if asked not in (None, caller.party):
                raise Problem(404, "not-found", f"no profile for {partner}")
            return caller.party
        if caller.kind != "service" and caller.party != partner:
            raise Problem(404, "not-found", f"no profile for {partner}")
        return asked or await self._default_provider(partner)

    async def _profile_to_write(self, caller: Principal, partner: str, asked: str | None) -> str:
        """Whose profile of `partner` the caller writes: a provider's admins their own, of a
        partner their provider supplies (as its registered provider or by a supply); a service
        the one it names (by default as `_profile_to_read`)."""
        if caller.kind == "service":
            return asked or await self._default_provider(partner)
        if not caller.has_role("admin"):
            raise Problem(403, "forbidden", "escalation configuration is managed by admins")
        entry = (await self._directory()).get(partner) or {}
        if (
            caller.kind != "provider"
            or asked not in (None, caller.party)
            or entry.get("kind") != "partner"
            or caller.party not in await self._suppliers_of(partner)
        ):
            raise Problem(
                403,
                "forbidden",
                "a partner's profile is managed by the admins of each provider that supplies it,"
                " each its own",
            )
        return caller.party

    async def _default_provider(self, partner: str) -> str:
        registered = _provider_of(await self._directory(), partner)
        if registered:
            return registered
        providers = await self._providers_of(partner)
        if not providers:
            raise Problem(404, "not-found", f"no profile for {partner}")
        if len(providers) > 1:
            raise Problem(
                422,
                "provider-required",
                f"{partner} buys from {', '.join(sorted(providers))}: name whose profile"
                " (?provider=)",
            )
        return next(iter(providers))

    async def _may_write(self, caller: Principal, party: str, kind: str) -> set[str]:
        """Who may write tiers and rules, and the suppliers `party` buys from (a partner's
        rules may route to their tiers)."""
        if caller.kind == "service":
            return await self._suppliers_of(party)
        if not caller.has_role("admin"):
            raise Problem(403, "forbidden", "escalation configuration is managed by admins")
        if caller.party != party or caller.kind not in ("provider", "partner"):
            raise Problem(403, "forbidden", f"{kind} are managed by the party's own admins")
        if caller.kind == "provider":
            return set()
        return await self._suppliers_of(party)

    async def _audience(self, party: str) -> tuple[set[str], str | None]:
        """Who reads `party`'s tiers and rules besides Village's services (`party` and at most
        one supplier, see the module docstring), and whose tooling channel (topic) carries
        their `config_revised` events whole: None for a partner of several vendors (the topic,
        which more than one of them reads, carries only the fact)."""
        entry = (await self._directory()).get(party) or {}
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

    async def _providers_of(self, party: str) -> set[str]:
        """The providers `party` buys from (whose profiles of it count)."""
        directory = await self._directory()
        return {
            s
            for s in await self._suppliers_of(party)
            if (directory.get(s) or {}).get("kind") == "provider"
        }

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
