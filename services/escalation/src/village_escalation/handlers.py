"""The escalation service's units of work: an incident or SLA event consumed, a timer fired, a
manual request. Each runs in the caller's transaction (the consumer's, with its handled record;
the scheduler's, with the timer's removal; the API's, with its idempotency record): load the
incident's state under a row lock, decide, then write the state, the decisions (pending, each
also a `decided` event on `village.escalations.v1`) and the timers that follow:
`policy|<incident>` when the tier's policy is next due. `applying.DecisionSender` sends what
was decided."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Any

from opentelemetry import trace
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import timers
from village_platform.applier import ConsumedEvent
from village_platform.clock import Clock
from village_platform.egress import describe
from village_platform.eventstore import EventStore, NewEvent
from village_platform.telemetry import context_from_traceparent, current_traceparent

from .applying import ESCALATION_STREAM
from .configbook import ConfigBook
from .domain import escalation as domain
from .domain.config import ConfigSnapshot
from .domain.escalation import Decision, IncidentEscalation

log = logging.getLogger(__name__)
tracer = trace.get_tracer("village.escalation")
STATE = TypeAdapter(IncidentEscalation)
POLICY = "policy|"

_UPSERT_STATE = text(
    "INSERT INTO incident_escalation (incident_id, customer, partner, provider, severity, product, title, status,"
    " opened_at, tier_party, tier, entered_at, traceparent, state)"
    " VALUES (:incident_id, :customer, :partner, :provider, :severity, :product, :title, :status, :opened_at,"
    " :tier_party, :tier, :entered_at, :traceparent, CAST(:state AS jsonb))"
    " ON CONFLICT (incident_id) DO UPDATE SET severity = excluded.severity, status = excluded.status,"
    " tier_party = excluded.tier_party, tier = excluded.tier, entered_at = excluded.entered_at,"
    " state = excluded.state"
)
_INSERT_DECISION = text(
    "INSERT INTO decisions (decision_id, incident_id, kind, trigger, from_party, from_tier, to_party, to_tier,"
    " basis, reason, decided_at, status, next_attempt_at, traceparent)"
    " VALUES (:decision_id, :incident_id, :kind, :trigger, :from_party, :from_tier, :to_party, :to_tier,"
    " CAST(:basis AS jsonb), :reason, :at, 'pending', :at, :traceparent)"
    " ON CONFLICT (decision_id) DO NOTHING RETURNING decision_id"
)
_UPSERT_CLOCK = text(
    "INSERT INTO sla_clocks (incident_id, contract_id, clock, contract_kind, owing, owed, state, due_at, updated_at)"
    " VALUES (:incident_id, :contract_id, :clock, :contract_kind, :owing_party, :owed_party, :state, :due_at, :at)"
    " ON CONFLICT (incident_id, contract_id, clock) DO UPDATE SET state = excluded.state, owed = excluded.owed,"
    " due_at = excluded.due_at, updated_at = excluded.updated_at"
    " WHERE sla_clocks.updated_at <= excluded.updated_at"
)
# The documents in force for a new incident: the latest version of each, in one query.
_CURRENT_CONFIG = text(
    "SELECT DISTINCT ON (party, kind) party, kind, version FROM config_versions"
    " WHERE party IN (:partner, :provider) ORDER BY party, kind, version DESC"
)


class EscalationProcess:
    def __init__(self, store: EventStore, book: ConfigBook, clock: Clock) -> None:
        self.store, self.book, self.clock = store, book, clock

    # ------------------------------------------------------------------ entry points

    async def on_incident_event(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        name = event.type.split(".")[2]
        if name == "opened":
            if await conn.scalar(text("SELECT 1 FROM incident_escalation WHERE incident_id = :i"),
                                 {"i": event.stream_id}):
                return
            snapshot = await self.snapshot(conn, event.data["partner"], event.data["provider"])
            state, decisions = domain.open(event.data, event.time, snapshot)
            await self._save(conn, state, decisions, title=event.data.get("title", ""),
                             traceparent=event.traceparent)
            return
        state = await self.load(conn, event.stream_id)
        if state is None:  # opened before this service existed: nothing to decide for it
            log.warning("no escalation state for %s; skipping %s", event.stream_id, event.type)
            return
        decisions = domain.apply(state, name, event.data, event.time, event.actor_party)
        await self._save(conn, state, decisions)

    async def on_sla_event(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        data = event.data
        await conn.execute(_UPSERT_CLOCK, {**{k: data.get(k) for k in (
            "incident_id", "contract_id", "clock", "contract_kind", "owing_party", "owed_party", "state")},
            "due_at": _when(data.get("due_at")), "at": _when(data["at"])})
        if event.type != "village.sla.warning.v1":
            return
        state = await self.load(conn, data["incident_id"])
        if state is not None:
            await self._save(conn, state, domain.on_sla_warning(state, data, event.id, event.time))

    async def on_timer(self, conn: AsyncConnection, timer: timers.Timer, now: datetime) -> None:
        incident_id = timer.key.split("|", 1)[1]
        traceparent = await conn.scalar(text("SELECT traceparent FROM incident_escalation WHERE incident_id = :i"),
                                        {"i": incident_id})
        # A policy firing continues the incident's trace: one escalation is one trace.
        with tracer.start_as_current_span("escalation.policy", context=context_from_traceparent(traceparent),
                                          attributes={"village.incident_id": incident_id}):
            await self._advance(conn, timer, incident_id, now)

    async def _advance(self, conn: AsyncConnection, timer: timers.Timer, incident_id: str, now: datetime) -> None:
        state = await self.load(conn, incident_id, skip_locked=True)
        if state is None:
            # Busy: the consumer is deciding on this incident now and writes fresh timers when
            # it commits; look again shortly rather than wait on its lock.
            if await conn.scalar(text("SELECT 1 FROM incident_escalation WHERE incident_id = :i"), {"i": incident_id}):
                await timers.schedule(conn, timer.key, now, now=now)
            return
        await self._save(conn, state, domain.advance(state, now))

    async def refused(self, conn: AsyncConnection, incident_id: str, decision_id: str) -> None:
        """The incidents service refused a decision for good: stop waiting for it, so that later
        triggers may decide again."""
        state = await self.load(conn, incident_id)
        if state is not None:
            domain.drop_pending(state, decision_id)
            await self._save(conn, state, [])

    async def request(self, conn: AsyncConnection, incident_id: str, reason: str, party: str, user: str,
                      request_id: str) -> Decision | None:
        """A manual escalation by the owner (or the provider); None: no such incident for them."""
        state = await self.load(conn, incident_id)
        if state is None or party not in (state.partner, state.provider):
            return None
        decision = domain.request(state, reason, party, user, request_id, self.clock.now())
        await self._save(conn, state, [decision])
        return decision

    # ------------------------------------------------------------------ state

    async def snapshot(self, conn: AsyncConnection, partner: str, provider: str) -> ConfigSnapshot:
        fields: dict[str, Any] = {}
        for row in await conn.execute(_CURRENT_CONFIG, {"partner": partner, "provider": provider}):
            version = await self.book.get(conn, row.party, row.kind, row.version)
            if version is None or (row.kind == "profile" and row.party != partner):
                continue
            name = f"{'provider' if row.party == provider else 'partner'}_{row.kind}"
            fields[name], fields[f"{name}_version"] = version.document, version.version
        return ConfigSnapshot(provider=provider, partner=partner, **fields)

    async def load(self, conn: AsyncConnection, incident_id: str, *, skip_locked: bool = False
                   ) -> IncidentEscalation | None:
        lock = "FOR UPDATE SKIP LOCKED" if skip_locked else "FOR UPDATE"
        raw = await conn.scalar(text(f"SELECT state::text FROM incident_escalation WHERE incident_id = :i {lock}"),
                                {"i": incident_id})
        return None if raw is None else STATE.validate_json(raw)

    async def _save(self, conn: AsyncConnection, state: IncidentEscalation, decisions: list[Decision],
                    title: str = "", traceparent: str | None = None) -> None:
        """`title` and `traceparent`: only when the incident is first saved."""
        now = self.clock.now()
        current = state.current
        await conn.execute(_UPSERT_STATE, {
            "incident_id": state.incident_id, "customer": state.customer, "partner": state.partner,
            "provider": state.provider, "severity": state.severity, "product": state.product, "title": title,
            "status": state.status, "opened_at": state.opened_at, "tier_party": current.party if current else None,
            "tier": current.tier if current else None, "entered_at": state.entered_at, "traceparent": traceparent,
            "state": STATE.dump_json(state).decode()})
        fresh = [d for d in decisions if await conn.scalar(_INSERT_DECISION, _decision_row(d))]
        if fresh:
            # A decision redecided (a replayed event) is stored already and published once.
            events = [NewEvent("village.escalation.decided.v1", d.to_event_data(), event_id=uuid.UUID(d.decision_id))
                      for d in fresh]
            metadata = {**describe(parties={state.partner, state.provider}, provider=state.provider,
                                   actor_party="escalation"),
                        "actor_user": "escalation", "traceparent": current_traceparent()}
            await self.store.append_streams(conn, {ESCALATION_STREAM.format(state.incident_id): events}, metadata)
        due = domain.next_due(state)
        if due is None:
            await timers.cancel(conn, POLICY + state.incident_id)
        else:
            await timers.schedule(conn, POLICY + state.incident_id, due, now=now)


def _decision_row(d: Decision) -> dict[str, Any]:
    data = d.to_event_data()
    origin = data.get("from") or {}
    return {"decision_id": uuid.UUID(d.decision_id), "incident_id": d.incident_id, "kind": d.kind, "trigger": d.trigger,
            "from_party": origin.get("party"), "from_tier": origin.get("tier"), "to_party": data["to"]["party"],
            "to_tier": data["to"]["tier"], "basis": json.dumps(data["basis"]), "reason": d.reason, "at": d.at,
            "traceparent": current_traceparent()}


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
