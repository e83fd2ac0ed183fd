"""Command handlers: one unit of work each, run by the platform's write path (`Writes.run`: the
Idempotency-Key, the transaction, the retry on a concurrent append, the relay's doorbell). The
work loads the incident (the latest snapshot and the events after it), decides, appends the
events, projects the read model (and every so often a snapshot) and answers with the view.
Nothing is published here: the relay does that. Reads: reads.py."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.auth import Principal
from village_platform.errors import DomainError
from village_platform.eventstore import ConcurrencyError, EventStore, NewEvent
from village_platform.idempotency import StoredResponse
from village_platform.telemetry import incident_id_var
from village_platform.writes import Work, WriteContext, Writes, Written, stored

from . import readmodel, snapshots
from .domain import commands as c
from .domain import directory, supply
from .domain import events as e
from .domain.incident import Incident, Note, Party, describe, evolve, evolve_note
from .domain.rules import Limits, decide, decide_open, decide_part, role_of
from .notes import NoteBook
from .paging import WINDOW
from .reads import IncidentReads, actor_of
from .views import party_view

MINIMAL_APPLIED = {"Preference-Applied": "return=minimal"}
log = logging.getLogger(__name__)
Follower = Callable[
    [AsyncConnection, WriteContext, Incident, list[e.IncidentEvent]], Awaitable[Incident]
]
# Without If-Match a command that lost a race is decided again on fresh state, this often in all.
MAX_ATTEMPTS = 5


class Appended(NamedTuple):
    """An incident after a command's events, and whether it has parts (the read model's answer
    as it projected them: the command's answer reads the parts page only then)."""

    state: Incident
    has_parts: bool


class IncidentHandlers:
    def __init__(
        self,
        writes: Writes,
        store: EventStore,
        *,
        limits: Limits | None = None,
        snapshot_every: int = snapshots.EVERY,
        notes: NoteBook | None = None,
        window: int = WINDOW,
    ) -> None:
        self.writes, self.store = writes, store
        self.engine, self.clock = writes.engine, writes.clock
        self.limits = limits or Limits()
        self.snapshot_every = max(1, snapshot_every)
        self.notes = notes or NoteBook(window)
        # The reads of one incident (its view, its notes, its timeline); every command answers
        # with the view, read in its own transaction.
        self.reads = IncidentReads(store, self.notes, window)
        # What else an incident's events change, in the same transaction (outages.py: a linked
        # incident's confirmation or rejection of the outage's resolution).
        self.followers: list[Follower] = []

    async def load(self, conn: AsyncConnection, incident_id: str) -> Incident | None:
        return await self.reads.load(conn, incident_id)

    async def open(self, ctx: WriteContext, cmd: c.OpenIncident) -> Written:
        incident_id_var.set(cmd.incident_id)

        async def work(conn: AsyncConnection) -> StoredResponse:
            # The opener, the customer it names, and their partner and provider.
            actor = actor_of(ctx.principal)
            wanted = [actor.party] + ([cmd.customer] if cmd.customer else [])
            directory, supplies = await readmodel.opening(
                conn, wanted, cmd.customer or actor.party, supply.MAX_CHAIN
            )
            opened = decide_open(cmd, actor, directory, supplies)
            state = (await self._append(conn, ctx, None, 0, opened, {})).state
            if taken := await readmodel.add_external_refs(conn, state.id, cmd.external_refs):
                # Raising rolls the whole unit of work back: nothing is appended.
                holder = await readmodel.external_ref_owner(conn, taken)
                seen = bool(holder) and await self._may_see(conn, holder, ctx.principal)
                raise DomainError(
                    409,
                    "external-ref-taken",
                    "an incident already carries this external reference",
                    incident_id=holder if seen else None,
                )
            return stored(
                201,
                await self.reads.present(conn, state, ctx.principal, parts=False),
                {"Location": f"/incidents/{state.id}", "ETag": etag(state.version)},
            )

        return await self._run(ctx, work, pinned=False)

    async def open_part(self, ctx: WriteContext, cmd: c.OpenPart) -> Written:
        """A part of an incident for another vendor: an incident of its own (its own stream and
        `opened`), its chain resolved from the owning partner's supply path of its product as
        the open path resolves it. The parent's stream is not touched: its audience (its
        provider among it) must not learn of a part it is not on."""
        incident_id_var.set(cmd.incident_id)

        async def work(conn: AsyncConnection) -> StoredResponse:
            parent = await self.load(conn, cmd.parent_id)
            supplies = (
                await readmodel.supplies_upstream_of(conn, parent.customer, supply.MAX_CHAIN)
                if parent is not None
                else []
            )
            opened = decide_part(parent, cmd, actor_of(ctx.principal), supplies)
            state = (await self._append(conn, ctx, None, 0, opened, {})).state
            return stored(
                201,
                await self.reads.present(conn, state, ctx.principal, parts=False),
                {"Location": f"/incidents/{state.id}", "ETag": etag(state.version)},
            )

        return await self._run(ctx, work, pinned=False)

    async def execute(
        self,
        ctx: WriteContext,
        incident_id: str,
        cmd: object,
        if_match: frozenset[int] | None,
        *,
        minimal: bool = False,
    ) -> Written:
        """Run `cmd`; with `if_match`, only if the incident is at one of those versions.
        `minimal` (Prefer: return=minimal): answer 204 with the new version only, so the
        incident is not read back and presented for a caller that does not look at it."""
        incident_id_var.set(incident_id)

        async def work(conn: AsyncConnection) -> StoredResponse:
            after, has_parts = await self.apply(conn, ctx, incident_id, cmd, if_match)
            if minimal:
                return stored(204, None, {"ETag": etag(after.version), **MINIMAL_APPLIED})
            return stored(
                200,
                await self.reads.present(conn, after, ctx.principal, parts=has_parts),
                {"ETag": etag(after.version)},
            )

        return await self._run(ctx, work, pinned=if_match is not None)

    async def apply(
        self,
        conn: AsyncConnection,
        ctx: WriteContext,
        incident_id: str,
        cmd: object,
        if_match: frozenset[int] | None = None,
    ) -> Appended:
        """Decide `cmd` on the incident and append its events in the caller's transaction (a
        command's own, or the outage fan-out's, which deletes its delivery in the same one);
        then what follows from them elsewhere (`followers`: a provider incident's link)."""
        loaded = await snapshots.load(conn, self.store, incident_id)
        state = _current(loaded.state, ctx.principal, if_match)
        directory = await self.parties_named(conn, cmd)
        notes = await self._notes_named(conn, incident_id, cmd)
        events = decide(
            state, cmd, actor_of(ctx.principal), self.clock.now(), directory, notes, self.limits
        )
        after, has_parts = await self._append(
            conn, ctx, state, loaded.snapshot_version, events, notes
        )
        for follow in self.followers:  # they append to this incident, never open a part of it
            after = await follow(conn, ctx, after, events)
        return Appended(after, has_parts)

    async def record(
        self,
        conn: AsyncConnection,
        ctx: WriteContext,
        loaded: snapshots.Loaded,
        events: list[e.IncidentEvent],
    ) -> Incident:
        """Append `events` to the incident as `loaded` (another aggregate's command changing the
        incident in its own transaction: a link to a provider incident); the read model too."""
        appended = await self._append(conn, ctx, loaded.state, loaded.snapshot_version, events, {})
        return appended.state

    async def parties_named(self, conn: AsyncConnection, cmd: object) -> dict[str, Party]:
        """The directory entries `cmd` names, as `decide` takes them."""
        if isinstance(cmd, c.InviteCollaborator):  # the only command that asks who a party is
            return await readmodel.load_directory(conn, [cmd.partner])
        return {}

    async def _notes_named(
        self, conn: AsyncConnection, incident_id: str, cmd: object
    ) -> dict[str, Note]:
        """The note the command names, as the notes read model holds it (if it exists)."""
        if not isinstance(cmd, (c.AddNote, c.EditNote, c.DeleteNote)):
            return {}
        if isinstance(cmd, c.AddNote) and cmd.minted:
            return {}
        found = await self.notes.find(conn, incident_id, cmd.note_id)
        return {found.id: found} if found else {}

    async def _append(
        self,
        conn: AsyncConnection,
        ctx: WriteContext,
        state: Incident | None,
        snapshot_version: int,
        events: list[e.IncidentEvent],
        notes: dict[str, Note],
    ) -> Appended:
        """Append `events` after `state`; project the incident, the notes they touch (`notes`:
        those the command read) and, `snapshot_every` events after the last one, a snapshot.
        Each event's metadata: the command's origin and the event's audience (`describe`)."""
        now = self.clock.now()
        after, new_events, touched = evolved(state, events, notes, now)
        await self.store.append(
            conn,
            after.id,
            state.version if state else 0,
            new_events,
            ctx.event_metadata(),
            recorded_at=now,
        )
        has_parts = await readmodel.project(conn, after)
        await self.notes.save(conn, after, touched.values())
        if after.version - snapshot_version >= self.snapshot_every:
            await snapshots.save(conn, after)
        # The log line carries trace and incident ids (telemetry's filter adds them).
        log.info(
            "events appended",
            extra={
                "event_types": [ev.type for ev in events],
                "version": after.version,
                "party": ctx.principal.party,
            },
        )
        return Appended(after, has_parts)

    async def _may_see(self, conn: AsyncConnection, incident_id: str, principal: Principal) -> bool:
        state = await self.load(conn, incident_id)
        return state is not None and role_of(state, actor_of(principal)) is not None

    async def _run(self, ctx: WriteContext, work: Work, *, pinned: bool) -> Written:
        """`work` on the write path. Another writer may get there first: without If-Match the
        caller asked for "the latest", so it is decided again on fresh state (409 when it keeps
        losing); with If-Match (`pinned`) the answer is 412 at once."""
        try:
            return await self.writes.run(ctx, work, attempts=1 if pinned else MAX_ATTEMPTS)
        except ConcurrencyError as err:
            # Same answer as the stale-If-Match check: where the incident is now.
            async with self.engine.connect() as conn:
                latest = await self.load(conn, err.stream_id)
            raise DomainError(
                412 if pinned else 409,
                "concurrent-update",
                f"incident {err.stream_id} changed concurrently; reload and retry",
                current_version=latest.version if latest else None,
            ) from err


class PartyHandlers:
    """The party directory's one command: register a party, or update the one registered. A
    registration is an event on the directory's stream (as the supplies are), so the directory
    has one version; the same registration again appends nothing."""

    def __init__(self, writes: Writes, store: EventStore) -> None:
        self.writes, self.store = writes, store

    async def register(self, ctx: WriteContext, party: Party) -> Written:
        _may_register(ctx.principal, party)

        async def work(conn: AsyncConnection) -> StoredResponse:
            existing = (await readmodel.load_directory(conn, [party.id])).get(party.id)
            if ctx.principal.kind != "service":
                named = [x.partner for x in (party, existing) if x and x.partner]
                partners = await readmodel.load_directory(conn, named)
                directory.may_register(ctx.principal.party, party, existing, partners)
            events = directory.register(existing, party)
            version = await _append_to_directory(self.store, conn, ctx, events)
            view = {**party_view(party), "changed": bool(events), "version": version}
            return stored(201 if existing is None else 200, view)

        # Decided again on the directory's fresh state when another registration got there first.
        return await self.writes.run(ctx, work, attempts=MAX_ATTEMPTS)


class SupplyHandlers:
    """The directory's supplies: who supplies whom with which products. Registered by the
    supplier's admins (or a service); one stream (`directory`), so that every change has a
    version and two racing registrations cannot both pass the checks."""

    def __init__(self, writes: Writes, store: EventStore) -> None:
        self.writes, self.store = writes, store

    async def register(self, ctx: WriteContext, wanted: supply.Supply) -> Written:
        _may_supply(ctx.principal, wanted.supplier)

        async def work(conn: AsyncConnection) -> StoredResponse:
            current = await readmodel.load_supplies(conn)
            kinds = await readmodel.kinds_of(conn, [wanted.supplier, wanted.buyer])
            events = supply.register(current, kinds, wanted)
            version = await _append_to_directory(self.store, conn, ctx, events)
            return stored(201 if events else 200, {**wanted.view(), "version": version})

        return await self.writes.run(ctx, work)

    async def end(self, ctx: WriteContext, supplier: str, buyer: str) -> Written:
        _may_supply(ctx.principal, supplier)

        async def work(conn: AsyncConnection) -> StoredResponse:
            current = await readmodel.load_supplies(conn, registered_only=True)
            events = supply.end(current, supplier, buyer)
            version = await _append_to_directory(self.store, conn, ctx, events)
            return stored(200, {"supplier": supplier, "buyer": buyer, "version": version})

        return await self.writes.run(ctx, work)


async def _append_to_directory(
    store: EventStore,
    conn: AsyncConnection,
    ctx: WriteContext,
    events: Sequence[supply.SupplyEvent | e.PartyRegistered],
) -> int:
    """Append to the directory's stream and project; the directory's version after."""
    version = await store.head(conn, supply.DIRECTORY_STREAM)
    if not events:
        return version
    new = [ev.new(ev.description()) for ev in events]
    await store.append(conn, supply.DIRECTORY_STREAM, version, new, ctx.event_metadata())
    for event in events:
        version += 1
        await readmodel.project_directory(conn, event, version)
    return version


def _may_supply(principal: Principal, supplier: str) -> None:
    if principal.kind == "service":
        return
    if principal.party != supplier or not principal.has_role("admin"):
        raise DomainError.forbidden("only the supplier's admins register its supplies")


def _may_register(principal: Principal, party: Party) -> None:
    if not (
        principal.kind == "service"
        or (principal.kind == "provider" and principal.has_role("admin"))
    ):
        raise DomainError.forbidden("only provider admins register parties")
    # A partner may name its provider (a supply of every product from it); one that buys
    # through supplies only (a managed-service provider buying through a reseller) need not.
    if party.kind == "customer" and not party.partner:
        raise DomainError.invalid("a customer names its partner", "invalid-party")


def _current(
    state: Incident | None, principal: Principal, if_match: frozenset[int] | None
) -> Incident:
    """The incident a command acts on: one `principal` is on (else 404: it may not learn that
    it exists), at a version `if_match` names (else 412)."""
    if state is None or role_of(state, actor_of(principal)) is None:
        raise DomainError.not_found("no such incident")
    if if_match is not None and state.version not in if_match:
        named = ", ".join(str(v) for v in sorted(if_match))
        raise DomainError(
            412,
            "stale-version",
            f"the incident is at version {state.version}, not {named}",
            current_version=state.version,
        )
    return state


def evolved(
    state: Incident | None, events: Sequence[e.IncidentEvent], notes: dict[str, Note], now: datetime
) -> tuple[Incident, list[NewEvent], dict[str, Note]]:
    """`events` applied to `state` in turn: the incident after them, each event as appended
    with its audience (`describe`), and the notes they touch by id (`notes`, those the command
    read, is kept up to date: a later event of the same command sees the note as it left it).
    The one place events become state, for a command and for the outage fan-out's batch."""
    after, new, touched = state, [], {}
    for event in events:
        before, after = after, evolve(after, event, now)
        note = None
        if isinstance(event, e.NoteEvent):
            note = notes[event.note_id] = touched[event.note_id] = evolve_note(
                notes.get(event.note_id), event, now, after
            )
        new.append(event.new(describe(before, after, event, note)))
    assert after is not None
    return after, new, touched


def etag(version: int) -> str:
    return f'"{version}"'


def new_incident_id() -> str:
    return str(uuid.uuid4())
