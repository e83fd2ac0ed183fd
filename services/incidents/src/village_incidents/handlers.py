"""Command handlers: one transaction each — idempotency claim, load (the latest snapshot and the
events after it), decide, append events, project the read model (and every so often a snapshot),
store the response. Nothing is published here: the relay does that. Reads: reads.py."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform import idempotency
from village_platform.auth import Principal
from village_platform.clock import Clock
from village_platform.doorbell import Doorbell
from village_platform.errors import Problem
from village_platform.eventstore import ConcurrencyError, EventStore, NewEvent
from village_platform.telemetry import current_traceparent, incident_id_var

from . import readmodel, snapshots
from .domain import commands as c
from .domain import events as e
from .domain.events import Event
from .domain.incident import Incident, Note, describe, evolve, evolve_note
from .domain.rules import DomainError, Limits, decide, decide_open, role_of
from .notes import NoteBook
from .paging import WINDOW
from .reads import IncidentReads, actor_of

log = logging.getLogger(__name__)
MAX_CONFLICT_RETRIES = 5


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
        # The reads of one incident (its view, its notes, its timeline); every command answers
        # with the view, read in its own transaction.
        self.reads = IncidentReads(store, self.notes, window)

    async def load(self, conn: AsyncConnection, incident_id: str) -> Incident | None:
        return await self.reads.load(conn, incident_id)

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
            return Result(201, await self.reads.present(conn, state, ctx.principal),
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
                raise Problem(404, "not-found", "no such incident")
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
            return Result(200, await self.reads.present(conn, new_state, ctx.principal),
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
        return state is not None and role_of(state, actor_of(principal)) is not None

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

def etag(version: int) -> str:
    return f'"{version}"'


def new_incident_id() -> str:
    return str(uuid.uuid4())
