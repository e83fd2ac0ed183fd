"""Where an incident's escalation lives: its state row (locked while a unit of work decides), the
decisions waiting to be sent, each also a `decided` event on its stream, and the policy timer.
The caller owns the transaction."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import timers
from village_platform.clock import Clock
from village_platform.egress import describe
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore
from village_platform.telemetry import current_traceparent

from .applying import ESCALATION_STREAM
from .configbook import ConfigBook, Key
from .domain.config import ConfigSnapshot, SupplierTiers
from .domain.escalation import Decision, IncidentEscalation, next_due

STATE = TypeAdapter(IncidentEscalation)
POLICY = "policy|"  # the timer of an incident's next timed policy: policy|<incident id>
SERVICE = "escalation"

_EXISTS = text("SELECT 1 FROM incident_escalation WHERE incident_id = :i")
_TRACEPARENT = text("SELECT traceparent FROM incident_escalation WHERE incident_id = :i")
_UPSERT_STATE = text(
    "INSERT INTO incident_escalation (incident_id, customer, partner, provider, severity, product,"
    " title, status, opened_at, tier_party, tier, entered_at, traceparent, state, suppliers)"
    " VALUES (:incident_id, :customer, :partner, :provider, :severity, :product, :title, :status,"
    " :opened_at, :tier_party, :tier, :entered_at, :traceparent, CAST(:state AS jsonb),"
    " :suppliers)"
    " ON CONFLICT (incident_id) DO UPDATE SET severity = excluded.severity,"
    " status = excluded.status, tier_party = excluded.tier_party, tier = excluded.tier,"
    " entered_at = excluded.entered_at, state = excluded.state, suppliers = excluded.suppliers"
)
_INSERT_DECISION = text(
    "INSERT INTO decisions (decision_id, incident_id, kind, trigger, from_party, from_tier,"
    " to_party, to_tier, basis, reason, decided_at, status, next_attempt_at, traceparent)"
    " VALUES (:decision_id, :incident_id, :kind, :trigger, :from_party, :from_tier, :to_party,"
    " :to_tier, CAST(:basis AS jsonb), :reason, :at, 'pending', :at, :traceparent)"
    " ON CONFLICT (decision_id) DO NOTHING RETURNING decision_id"
)
_UPSERT_CLOCK = text(
    "INSERT INTO sla_clocks (incident_id, contract_id, clock, contract_kind, owing, owed, state,"
    " due_at, updated_at) VALUES (:incident_id, :contract_id, :clock, :contract_kind,"
    " :owing_party, :owed_party, :state, :due_at, :at)"
    " ON CONFLICT (incident_id, contract_id, clock) DO UPDATE SET state = excluded.state,"
    " owed = excluded.owed, due_at = excluded.due_at, updated_at = excluded.updated_at"
    " WHERE sla_clocks.updated_at <= excluded.updated_at"
)
_CLOCK_FIELDS = (
    "incident_id",
    "contract_id",
    "clock",
    "contract_kind",
    "owing_party",
    "owed_party",
    "state",
)
# The documents in force for a new incident: the latest version of each, in one query; of the
# partner's profiles, only the one its provider keeps (each provider keeps its own).
_CURRENT_CONFIG = text(
    "SELECT DISTINCT ON (party, kind) party, kind, provider, version FROM config_versions"
    " WHERE party = ANY(:parties)"
    " AND (kind <> 'profile' OR (party = :partner AND provider = :provider))"
    " ORDER BY party, kind, version DESC"
)


class EscalationRepository:
    def __init__(self, store: EventStore, book: ConfigBook, clock: Clock) -> None:
        self.store, self.book, self.clock = store, book, clock

    async def exists(self, conn: AsyncConnection, incident_id: str) -> bool:
        return bool(await conn.scalar(_EXISTS, {"i": incident_id}))

    async def traceparent(self, conn: AsyncConnection, incident_id: str) -> str | None:
        """The incident's trace, as the opened event carried it."""
        return await conn.scalar(_TRACEPARENT, {"i": incident_id})

    async def load(
        self, conn: AsyncConnection, incident_id: str, *, skip_locked: bool = False
    ) -> IncidentEscalation | None:
        """The state, locked for this transaction; None when unknown (or, with `skip_locked`,
        locked by another transaction)."""
        lock = "FOR UPDATE SKIP LOCKED" if skip_locked else "FOR UPDATE"
        raw = await conn.scalar(
            text(f"SELECT state::text FROM incident_escalation WHERE incident_id = :i {lock}"),
            {"i": incident_id},
        )
        return None if raw is None else STATE.validate_json(raw)

    async def keep_clock(self, conn: AsyncConnection, data: dict[str, Any]) -> None:
        """An SLA clock as an SLA event (its data) shows it, for the queues' SLA remaining; an
        older event than the one kept changes nothing."""
        row = {k: data.get(k) for k in _CLOCK_FIELDS}
        await conn.execute(
            _UPSERT_CLOCK, {**row, "due_at": _when(data.get("due_at")), "at": _when(data["at"])}
        )

    async def snapshot(
        self, conn: AsyncConnection, partner: str, provider: str, middle: tuple[str, ...] = ()
    ) -> ConfigSnapshot:
        """The documents in force now which a new incident pins: its partner's, its own
        provider's (never another provider's: of the partner's profiles, the one this provider
        keeps) and its middle suppliers' tiers."""
        found: dict[str, Any] = {}
        middle_tiers: list[SupplierTiers] = []
        parties = list(dict.fromkeys((partner, provider, *middle)))
        rows = await conn.execute(
            _CURRENT_CONFIG, {"parties": parties, "partner": partner, "provider": provider}
        )
        for row in rows:
            version = await self.book.get(conn, Key(row.party, row.kind, row.provider), row.version)
            if version is None:
                continue
            if row.party not in (partner, provider):
                if row.kind == "tiers":  # a middle supplier: its tiers only
                    middle_tiers.append(SupplierTiers(party=row.party, **_pinned(version)))
                continue
            name = f"{'provider' if row.party == provider else 'partner'}_{row.kind}"
            found[name], found[f"{name}_version"] = version.document, version.version
        middle_tiers.sort(key=lambda m: middle.index(m.party))
        return ConfigSnapshot(
            provider=provider,
            partner=partner,
            middle=middle,
            middle_tiers=tuple(middle_tiers),
            **found,
        )

    async def save(
        self,
        conn: AsyncConnection,
        state: IncidentEscalation,
        decisions: list[Decision],
        title: str = "",
        traceparent: str | None = None,
    ) -> None:
        """The state, its new decisions and its next policy timer. `title` and `traceparent`:
        only when the incident is first saved."""
        await conn.execute(_UPSERT_STATE, _state_row(state, title, traceparent))
        await self._record(conn, state, decisions)
        due = next_due(state)
        if due is None:
            await timers.cancel(conn, POLICY + state.incident_id)
        else:
            await timers.schedule(conn, POLICY + state.incident_id, due, now=self.clock.now())

    async def _record(
        self, conn: AsyncConnection, state: IncidentEscalation, decisions: list[Decision]
    ) -> None:
        # A decision redecided (a replayed event) is stored already and published once.
        fresh = [d for d in decisions if await conn.scalar(_INSERT_DECISION, _decision_row(d))]
        if not fresh:
            return
        events = [d.new(event_id=uuid.UUID(d.decision_id)) for d in fresh]
        # Every supplier on the chain (the owner, middle suppliers, the provider): never the
        # customer, never a party off the chain.
        audience = describe(parties=set(state.suppliers), provider=state.provider)
        metadata = Metadata.of_service(SERVICE, current_traceparent()).about(audience)
        await self.store.append_streams(
            conn, {ESCALATION_STREAM.format(state.incident_id): events}, metadata.as_dict()
        )


def _pinned(version: Any) -> dict[str, Any]:
    return {"tiers": version.document, "version": version.version}


def _state_row(state: IncidentEscalation, title: str, traceparent: str | None) -> dict[str, Any]:
    current = state.queue  # the provider's queue of its outage while it holds the incident
    return {
        "incident_id": state.incident_id,
        "customer": state.customer,
        "partner": state.partner,
        "provider": state.provider,
        "severity": state.severity,
        "product": state.product,
        "title": title,
        "status": state.status,
        "opened_at": state.opened_at,
        "tier_party": current.party if current else None,
        "tier": current.tier if current else None,
        "entered_at": state.queued_at,
        "traceparent": traceparent,
        "state": STATE.dump_json(state).decode(),
        "suppliers": list(state.suppliers),
    }


def _decision_row(d: Decision) -> dict[str, Any]:
    origin = d.from_tier
    return {
        "decision_id": uuid.UUID(d.decision_id),
        "incident_id": d.incident_id,
        "kind": d.kind,
        "trigger": d.trigger,
        "from_party": origin.party if origin else None,
        "from_tier": origin.tier if origin else None,
        "to_party": d.to_tier.party,
        "to_tier": d.to_tier.tier,
        "basis": json.dumps(d.basis),
        "reason": d.reason,
        "at": d.at,
        "traceparent": current_traceparent(),
    }


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
