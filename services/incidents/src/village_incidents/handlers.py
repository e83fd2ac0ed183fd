"""Command handlers: one transaction each — idempotency claim, load, decide, append events,
project the read model, store the response. Nothing is published here: the relay does that."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform import egress, idempotency
from village_platform.auth import Principal
from village_platform.clock import Clock
from village_platform.doorbell import Doorbell
from village_platform.errors import Problem
from village_platform.eventstore import ConcurrencyError, EventStore, NewEvent, StoredEvent
from village_platform.telemetry import current_traceparent, incident_id_var

from . import readmodel
from .domain import commands as c
from .domain.events import Event, event_from
from .domain.incident import Incident, describe, evolve, replay
from .domain.rules import DomainError, decide, decide_open, role_of
from .views import present

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
    return Problem(err.status, err.kind, err.detail)


def history_of(stored: list[StoredEvent]) -> list[tuple[Event, Any]]:
    return [(event_from(s.type, s.data), s.recorded_at) for s in stored]


class IncidentHandlers:
    def __init__(self, engine: AsyncEngine, store: EventStore, clock: Clock, idempotency_ttl: timedelta,
                 doorbell: Doorbell | None = None) -> None:
        self.engine, self.store, self.clock, self.ttl = engine, store, clock, idempotency_ttl
        self.doorbell = doorbell

    async def load(self, conn: AsyncConnection, incident_id: str) -> Incident | None:
        return replay(history_of(await self.store.load(conn, incident_id)))

    async def open(self, ctx: RequestContext, cmd: c.OpenIncident) -> Result:
        async def run(conn: AsyncConnection) -> Result:
            # The opener, the customer it names, and their partner and provider.
            wanted = [ctx.actor.party] + ([cmd.customer] if cmd.customer else [])
            directory = await readmodel.load_directory(conn, wanted)
            try:
                events = decide_open(cmd, ctx.actor, directory)
            except DomainError as err:
                raise domain_problem(err) from err
            state = await self._append(conn, ctx, None, events)
            if taken := await readmodel.add_external_refs(conn, state.id, cmd.external_refs):
                # Raising rolls the whole unit of work back: nothing is appended.
                holder = await readmodel.external_ref_owner(conn, taken)
                raise Problem(409, "external-ref-taken", "an incident already carries this external reference",
                              incident_id=holder if holder and await self._may_see(conn, holder, ctx.principal) else None)
            return Result(201, present(state, ctx.principal),
                          {"Location": f"/incidents/{state.id}", "ETag": etag(state.version)})

        incident_id_var.set(cmd.incident_id)
        return await self._unit_of_work(ctx, run)

    async def execute(
        self, ctx: RequestContext, incident_id: str, cmd: object, if_match: frozenset[int] | None
    ) -> Result:
        """Run `cmd`; with `if_match`, only if the incident is at one of those versions."""
        incident_id_var.set(incident_id)

        async def run(conn: AsyncConnection) -> Result:
            state = await self.load(conn, incident_id)
            if state is None or role_of(state, ctx.actor) is None:
                raise Problem(404, "not-found", "no such incident")
            if if_match is not None and state.version not in if_match:
                named = ", ".join(str(v) for v in sorted(if_match))
                raise Problem(412, "stale-version", f"the incident is at version {state.version}, not {named}",
                              current_version=state.version)
            directory: dict = {}
            if isinstance(cmd, c.InviteCollaborator):  # the only command that asks who a party is
                directory = await readmodel.load_directory(conn, [cmd.partner])
            try:
                events = decide(state, cmd, ctx.actor, self.clock.now(), directory)
            except DomainError as err:
                raise domain_problem(err) from err
            new_state = await self._append(conn, ctx, state, events)
            return Result(200, present(new_state, ctx.principal), {"ETag": etag(new_state.version)})

        return await self._unit_of_work(ctx, run, retry_conflicts=if_match is None)

    async def _append(self, conn: AsyncConnection, ctx: RequestContext, state: Incident | None, events: list[Event]) -> Incident:
        now = self.clock.now()
        new_state, new_events = state, []
        for event in events:
            before, new_state = new_state, evolve(new_state, event, now)
            new_events.append(NewEvent(event.type, event.to_data(), metadata=describe(before, new_state, event)))
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
        # The log line carries trace and incident ids (telemetry's filter adds them).
        log.info("events appended", extra={"event_types": [ev.type for ev in events], "version": new_state.version,
                                           "party": ctx.principal.party})
        return new_state

    async def _may_see(self, conn: AsyncConnection, incident_id: str, principal: Principal) -> bool:
        state = await self.load(conn, incident_id)
        return state is not None and role_of(state, c.Actor(principal.party, principal.kind, principal.user)) is not None

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

    async def timeline(self, conn: AsyncConnection, incident_id: str, principal: Principal) -> list[dict[str, Any]]:
        stored = await self.store.load(conn, incident_id)
        state = replay(history_of(stored))
        if state is None or role_of(state, c.Actor(principal.party, principal.kind, principal.user)) is None:
            raise Problem(404, "not-found", "no such incident")
        items = []
        recipient = egress.Recipient(principal.party, principal.kind)
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
        return items


def etag(version: int) -> str:
    return f'"{version}"'


def new_incident_id() -> str:
    return str(uuid.uuid4())


def _trace_id(traceparent: str | None) -> str | None:
    if traceparent and traceparent.count("-") == 3:
        return traceparent.split("-")[1]
    return None
