"""The escalation service's units of work: an incident or SLA event consumed, a policy timer fired,
a refusal recorded, a manual request. Each runs in one transaction (the consumer's, with its
handled record; the scheduler's, with the timer's removal; the write path's, with the
idempotency record): load the incident's state under its row lock, decide and evolve
(domain/escalation.py), save the state, the decisions and the next policy timer
(repository.py). `applying.DecisionSender` sends what was decided."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import idempotency, timers
from village_platform.applier import ConsumedEvent, Handler
from village_platform.clock import Clock
from village_platform.errors import DomainError
from village_platform.telemetry import context_from_traceparent
from village_platform.writes import WriteContext, Writes, Written, stored

from .domain import escalation as domain
from .domain.facts import Data, IncidentFact
from .repository import POLICY, EscalationRepository

log = logging.getLogger(__name__)
tracer = trace.get_tracer("village.escalation")


class FactType(Protocol):
    def of(self, data: Data, at: datetime) -> IncidentFact: ...


class EscalationProcess:
    def __init__(
        self,
        escalations: EscalationRepository,
        clock: Clock,
        writes: Writes,
        after_request: Callable[[], None] | None = None,
    ) -> None:
        self.escalations, self.clock, self.writes = escalations, clock, writes
        self.after_request = after_request  # a decision to send now

    # ------------------------------------------------------------------ incident events

    async def on_opened(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        if await self.escalations.exists(conn, event.stream_id):
            return
        data = event.data
        # The incident's own provider (its product's vendor) and suppliers decide it, never a
        # provider of the directory: a globex incident of northwind's is routed by globex's
        # tiers and rules and northwind's own, and never reaches acme's queues.
        middle = domain.middle_of(domain.chain_of(data))
        snapshot = await self.escalations.snapshot(conn, data["partner"], data["provider"], middle)
        state, decisions = domain.open(data, event.time, snapshot)
        await self.escalations.save(
            conn, state, decisions, title=data.get("title", ""), traceparent=event.traceparent
        )

    def follow(self, fact: FactType) -> Handler:
        """The handler of an incident event the process follows as `fact` (facts.py)."""

        async def handle(conn: AsyncConnection, event: ConsumedEvent) -> None:
            state = await self.escalations.load(conn, event.stream_id)
            if state is None:  # opened before this service existed: nothing to decide for it
                log.warning("no escalation state for %s; skipping %s", event.stream_id, event.type)
                return
            state, decisions = domain.follow(state, fact.of(event.data, event.time))
            await self.escalations.save(conn, state, decisions)

        return handle

    # ------------------------------------------------------------------ SLA events

    async def on_clock(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        await self.escalations.keep_clock(conn, event.data)

    async def on_warning(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        await self.on_clock(conn, event)
        state = await self.escalations.load(conn, event.data["incident_id"])
        if state is not None:
            state, decisions = domain.on_sla_warning(state, event.data, event.id, event.time)
            await self.escalations.save(conn, state, decisions)

    # ------------------------------------------------------------------ timers and outcomes

    async def on_timer(self, conn: AsyncConnection, timer: timers.Timer, now: datetime) -> None:
        incident_id = timer.key.removeprefix(POLICY)
        traceparent = await self.escalations.traceparent(conn, incident_id)
        # A policy firing continues the incident's trace: one escalation is one trace.
        with tracer.start_as_current_span(
            "escalation.policy",
            context=context_from_traceparent(traceparent),
            attributes={"village.incident_id": incident_id},
        ):
            await self._advance(conn, timer, incident_id, now)

    async def _advance(
        self, conn: AsyncConnection, timer: timers.Timer, incident_id: str, now: datetime
    ) -> None:
        state = await self.escalations.load(conn, incident_id, skip_locked=True)
        if state is None:  # busy (the consumer is deciding on it), or gone
            if await self.escalations.exists(conn, incident_id):
                await timers.fire_again_now(conn, timer, now)
            return
        state, decisions = domain.advance(state, now)
        await self.escalations.save(conn, state, decisions)

    async def refused(self, conn: AsyncConnection, incident_id: str, decision_id: str) -> None:
        """The incidents service refused a decision for good: stop waiting for it, so that later
        triggers may decide again."""
        state = await self.escalations.load(conn, incident_id)
        if state is not None:
            await self.escalations.save(conn, domain.drop_pending(state, decision_id), [])

    # ------------------------------------------------------------------ commands

    async def request(self, ctx: WriteContext, incident_id: str, reason: str) -> Written:
        """A manual escalation by the owning partner or the provider (202, the decision)."""
        caller = ctx.principal
        if caller.kind not in ("partner", "provider"):
            raise DomainError.forbidden(
                "escalation is requested by the owning partner or the provider"
            )
        request_id = ctx.key.key if ctx.key else str(uuid.uuid4())

        async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
            state = await self.escalations.load(conn, incident_id)
            if state is None or caller.party not in state.suppliers:
                raise DomainError.not_found("no such incident")
            state, decision = domain.request(
                state, reason, caller.party, caller.user, request_id, self.clock.now()
            )
            await self.escalations.save(conn, state, [decision])
            location = {"Location": f"/incidents/{incident_id}/escalations"}
            return stored(202, decision.to_data(), location)

        written = await self.writes.run(ctx, work)
        if self.after_request is not None:
            self.after_request()
        return written
