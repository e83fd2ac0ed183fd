"""Command handlers: one transaction each — idempotency claim, load (the latest snapshot and the
events after it), decide, append events, project the read model (and every so often a snapshot),
store the response. Nothing is published here: the relay does that.

The reads of one incident live here too (its view, its notes, its timeline): each loads the
state the same way and pages what it shows, so their cost does not grow with the incident."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform import egress, idempotency
from village_platform.auth import Principal
from village_platform.clock import Clock
from village_platform.doorbell import Doorbell
from village_platform.errors import Problem
from village_platform.eventstore import ConcurrencyError, EventStore, NewEvent, StoredEvent
from village_platform.telemetry import current_traceparent, incident_id_var

from . import readmodel, snapshots
from .domain import commands as c
from .domain import events as e
from .domain.events import Event
from .domain.incident import Incident, Note, describe, evolve, evolve_note
from .domain.rules import DomainError, Limits, decide, decide_open, role_of
from .notes import NoteBook
from .paging import WINDOW, windowed
from .views import present, present_notes

log = logging.getLogger(__name__)
MAX_CONFLICT_RETRIES = 5
VIEW_NOTES = 20  # the latest notes the incident view (and every command's answer) carries
MAX_VERSION = 2**31 - 1  # stream versions are PostgreSQL integers


@dataclass(frozen=True)
class Result(idempotency.StoredResponse):
    """A command's response; `replayed` when it is the stored answer to a retried request."""

    replayed: bool = False


@dataclass(frozen=True)
class RequestContext:
    principal: Principal
    idempotency: idempotency.IdempotencyKey | None = None
    correlation_id: str | None = None

    @property
    def actor(self) -> c.Actor:
        return c.Actor(self.principal.party, self.principal.kind, self.principal.user)


def domain_problem(err: DomainError) -> Problem:
    return Problem(err.status, err.kind, err.detail, **err.extensions)


NOT_FOUND = "no such incident"


class IncidentHandlers:
    def __init__(self, engine: AsyncEngine, store: EventStore, clock: Clock, idempotency_ttl: timedelta,
                 doorbell: Doorbell | None = None, *, limits: Limits | None = None,
                 snapshot_every: int = snapshots.EVERY, notes: NoteBook | None = None,
                 window: int = WINDOW) -> None:
        self.engine, self.store, self.clock, self.ttl = engine, store, clock, idempotency_ttl
        self.doorbell = doorbell
        self.limits = limits or Limits()
        self.snapshot_every = max(1, snapshot_every)
        self.notes = notes or NoteBook(window)
        self.window = window  # versions one query of a page reads at most (paging.py)

    async def load(self, conn: AsyncConnection, incident_id: str) -> Incident | None:
        return (await snapshots.load(conn, self.store, incident_id)).state

    async def _visible(
        self, conn: AsyncConnection, incident_id: str, principal: Principal
    ) -> Incident:
        """The incident, if `principal` is on it; else 404 (it may not learn that it exists)."""
        state = await self.load(conn, incident_id)
        if state is None or role_of(state, _actor(principal)) is None:
            raise Problem(404, "not-found", NOT_FOUND)
        return state

    async def _present(
        self, conn: AsyncConnection, state: Incident, principal: Principal
    ) -> dict[str, Any]:
        """The incident view with the latest page of notes, and where the older ones are."""
        if not state.note_counts:  # none written: nothing to read
            return present(state, principal)
        notes, older = await self.notes.page(conn, state, principal, VIEW_NOTES, newest_first=True)
        more = (f"/incidents/{state.id}/notes?order=desc&cursor={readmodel.encode_cursor(older)}"
                if older is not None else None)
        return present(state, principal, reversed(notes), more)

    async def open(self, ctx: RequestContext, cmd: c.OpenIncident) -> Result:
        async def run(conn: AsyncConnection) -> Result:
            # The opener, the customer it names, and their partner and provider.
            wanted = [ctx.actor.party] + ([cmd.customer] if cmd.customer else [])
            directory = await readmodel.load_directory(conn, wanted)
            try:
                events = decide_open(cmd, ctx.actor, directory)
            except DomainError as err:
                raise domain_problem(err) from err
            state = await self._append(conn, ctx, None, 0, events, {})
            if taken := await readmodel.add_external_refs(conn, state.id, cmd.external_refs):
                # Raising rolls the whole unit of work back: nothing is appended.
                holder = await readmodel.external_ref_owner(conn, taken)
                raise Problem(409, "external-ref-taken", "an incident already carries this external reference",
                              incident_id=holder if holder and await self._may_see(conn, holder, ctx.principal) else None)
            return Result(201, await self._present(conn, state, ctx.principal),
                          {"Location": f"/incidents/{state.id}", "ETag": etag(state.version)})

        incident_id_var.set(cmd.incident_id)
        return await self._unit_of_work(ctx, run)

    async def execute(
        self, ctx: RequestContext, incident_id: str, cmd: object, if_match: frozenset[int] | None
    ) -> Result:
        """Run `cmd`; with `if_match`, only if the incident is at one of those versions."""
        incident_id_var.set(incident_id)

        async def run(conn: AsyncConnection) -> Result:
            loaded = await snapshots.load(conn, self.store, incident_id)
            state = loaded.state
            if state is None or role_of(state, ctx.actor) is None:
                raise Problem(404, "not-found", NOT_FOUND)
            if if_match is not None and state.version not in if_match:
                named = ", ".join(str(v) for v in sorted(if_match))
                raise Problem(412, "stale-version", f"the incident is at version {state.version}, not {named}",
                              current_version=state.version)
            directory: dict = {}
            if isinstance(cmd, c.InviteCollaborator):  # the only command that asks who a party is
                directory = await readmodel.load_directory(conn, [cmd.partner])
            notes: dict[str, Note] = {}
            named = cmd.note_id if isinstance(cmd, (c.AddNote, c.EditNote, c.DeleteNote)) else None
            if named is not None and (found := await self.notes.find(conn, incident_id, named)):
                notes[found.id] = found
            try:
                events = decide(state, cmd, ctx.actor, self.clock.now(), directory, notes,
                                self.limits)
            except DomainError as err:
                raise domain_problem(err) from err
            new_state = await self._append(conn, ctx, state, loaded.snapshot_version, events, notes)
            return Result(200, await self._present(conn, new_state, ctx.principal),
                          {"ETag": etag(new_state.version)})

        return await self._unit_of_work(ctx, run, retry_conflicts=if_match is None)

    async def _append(
        self, conn: AsyncConnection, ctx: RequestContext, state: Incident | None,
        snapshot_version: int, events: list[Event], notes: dict[str, Note],
    ) -> Incident:
        """Append `events` after `state`; project the incident, the notes they touch (`notes`:
        those the command read) and, `snapshot_every` events after the last one, a snapshot."""
        now = self.clock.now()
        new_state, new_events, touched = state, [], []
        for event in events:
            before, new_state = new_state, evolve(new_state, event, now)
            note = None
            if isinstance(event, e._NoteEvent):
                note = evolve_note(notes.get(event.note_id), event, now, new_state)
                notes[note.id] = note
                touched.append(note)
            metadata = describe(before, new_state, event, note)
            new_events.append(NewEvent(event.type, event.to_data(), metadata=metadata))
        assert new_state is not None
        base = {
            "actor_party": ctx.principal.party,
            "actor_kind": ctx.principal.kind,
            "actor_user": ctx.principal.user,
            "correlation_id": ctx.correlation_id,
            "causation_id": ctx.idempotency.key if ctx.idempotency else None,
            "traceparent": current_traceparent(),
        }
        await self.store.append(conn, new_state.id, state.version if state else 0, new_events, base, recorded_at=now)
        await readmodel.project(conn, new_state)
        await self.notes.save(conn, new_state, touched)
        if new_state.version - snapshot_version >= self.snapshot_every:
            await snapshots.save(conn, new_state)
        # The log line carries trace and incident ids (telemetry's filter adds them).
        log.info("events appended", extra={"event_types": [ev.type for ev in events], "version": new_state.version,
                                           "party": ctx.principal.party})
        return new_state

    async def _may_see(self, conn: AsyncConnection, incident_id: str, principal: Principal) -> bool:
        state = await self.load(conn, incident_id)
        return state is not None and role_of(state, _actor(principal)) is not None

    async def _unit_of_work(
        self, ctx: RequestContext, run: Callable[[AsyncConnection], Any], retry_conflicts: bool = True
    ) -> Result:
        for attempt in range(MAX_CONFLICT_RETRIES):
            try:
                response, replayed = await idempotency.run_once(
                    self.engine, ctx.idempotency, self.clock.now, self.ttl, run
                )
                if not replayed and self.doorbell is not None:
                    self.doorbell.ring()  # committed: the relay may publish now
                return Result(response.status_code, response.body, response.headers, replayed)
            except ConcurrencyError as err:
                # Another writer got there first. Without If-Match the caller asked for "the
                # latest", so decide again on fresh state; with If-Match the answer is 412.
                if not retry_conflicts or attempt == MAX_CONFLICT_RETRIES - 1:
                    # Same answer as the stale-If-Match check: tell the caller where the incident is now.
                    async with self.engine.connect() as conn:
                        latest = await self.load(conn, err.stream_id)
                    raise Problem(412 if not retry_conflicts else 409, "concurrent-update",
                                  f"incident {err.stream_id} changed concurrently; reload and retry",
                                  current_version=latest.version if latest else None) from err
        raise AssertionError("unreachable")

    # ----------------------------------------------------------------------- reads

    async def view(
        self, conn: AsyncConnection, incident_id: str, principal: Principal
    ) -> tuple[dict[str, Any], int]:
        """`GET /incidents/{id}`: the view and the version (its ETag)."""
        state = await self._visible(conn, incident_id, principal)
        return await self._present(conn, state, principal), state.version

    async def notes_page(
        self, conn: AsyncConnection, incident_id: str, principal: Principal,
        cursor: str | None, limit: int, newest_first: bool = False,
    ) -> dict[str, Any]:
        """`GET /incidents/{id}/notes`: a page of the notes `principal` may see."""
        state = await self._visible(conn, incident_id, principal)
        notes, following = await self.notes.page(conn, state, principal, limit,
                                                 cursor=_version_cursor(cursor),
                                                 newest_first=newest_first)
        next_cursor = readmodel.encode_cursor(following) if following is not None else None
        return {"items": present_notes(state, principal, notes), "next_cursor": next_cursor}

    async def timeline(
        self, conn: AsyncConnection, incident_id: str, principal: Principal,
        cursor: str | None = None, limit: int = 100,
    ) -> dict[str, Any]:
        """`GET /incidents/{id}/timeline`: a page of what happened, as `principal` may see it:
        the egress rule in SQL before the LIMIT, and item by item (`for_recipient`)."""
        state = await self._visible(conn, incident_id, principal)
        recipient = egress.Recipient(principal.party, principal.kind)

        async def fetch(first: int, last: int, n: int) -> list[StoredEvent]:
            return await self.store.load(conn, state.id, after=first - 1, until=last, limit=n,
                                         recipient=recipient)

        stored = await windowed(fetch, head=state.version, cursor=_version_cursor(cursor),
                                limit=limit, window=self.window)
        stored, more = stored[:limit], len(stored) > limit
        items = []
        for s in stored:
            shown = egress.for_recipient(s.data, s.metadata, recipient)
            if shown is None:
                continue
            items.append({
                "version": s.stream_version,
                "type": s.type,
                "at": s.recorded_at.isoformat(),
                "party": s.metadata.get("actor_party"),
                "user": s.metadata.get("actor_user"),
                "visibility": s.metadata.get("visibility"),
                "trace_id": _trace_id(s.metadata.get("traceparent")),
                "data": shown[0],
            })
        # The cursor is the version of the last event shown: every item shows its own version.
        next_cursor = readmodel.encode_cursor(stored[-1].stream_version) if more else None
        return {"incident_id": state.id, "items": items, "next_cursor": next_cursor}


def _actor(principal: Principal) -> c.Actor:
    return c.Actor(principal.party, principal.kind, principal.user)


def _version_cursor(cursor: str | None) -> int | None:
    """A notes or timeline cursor: a version of the incident's stream."""
    if cursor is None:
        return None
    version = readmodel.decode_cursor(cursor)
    if not 0 <= version <= MAX_VERSION:
        raise Problem(400, "invalid-cursor", "cursor is not one this API issued")
    return version


def etag(version: int) -> str:
    return f'"{version}"'


def new_incident_id() -> str:
    return str(uuid.uuid4())


def _trace_id(traceparent: str | None) -> str | None:
    if traceparent and traceparent.count("-") == 3:
        return traceparent.split("-")[1]
    return None
