"""Where an incident's escalation lives: its state row (locked while a unit of work decides), the
decisions waiting to be sent, each also a `decided` event on its stream, and the policy timer.
The caller owns the transaction. The consumer applies a fetch of events in one transaction
(`applying_many`): what its handlers save is then kept in memory and written once, a statement
per table for the lot, before its commit."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import timers
from village_platform.applier import ConsumedEvent
from village_platform.clock import Clock
from village_platform.egress import describe
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore, NewEvent
from village_platform.telemetry import current_traceparent

from .applying import ESCALATION_STREAM
from .configbook import ConfigBook, Key
from .domain.config import ConfigSnapshot, SupplierTiers
from .domain.escalation import Decision, IncidentEscalation, next_due

STATE = TypeAdapter(IncidentEscalation)
POLICY = "policy|"  # the timer of an incident's next timed policy: policy|<incident id>
SERVICE = "escalation"

_EXISTS = text("SELECT 1 FROM incident_escalation WHERE incident_id = :i")
StateOf = Callable[[ConsumedEvent], str | None]
"""The incident whose escalation state a consumed event's handler reads, if any."""
_LOCK_STATES = text(
    "SELECT incident_id, state::text AS state FROM incident_escalation"
    " WHERE incident_id = ANY(:ids) ORDER BY incident_id FOR UPDATE"
)
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
# The batch forms: one statement over column arrays for a fetch's states and decisions (rows of
# one statement never share a key; decisions keep their order, so `seq` does too).
_UPSERT_STATES = (
    "INSERT INTO incident_escalation (incident_id, customer, partner, provider, severity, product,"
    " title, status, opened_at, tier_party, tier, entered_at, traceparent, state, suppliers)"
    " SELECT u.i, u.c, u.pa, u.pr, u.sev, u.prod, u.ti, u.st, u.o, u.tp, u.t, u.e, u.tr,"
    " CAST(u.s AS jsonb), ARRAY(SELECT jsonb_array_elements_text(CAST(u.su AS jsonb)))"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    " $7::text[], $8::text[], $9::timestamptz[], $10::text[], $11::text[], $12::timestamptz[],"
    " $13::text[], $14::text[], $15::text[])"
    " AS u(i, c, pa, pr, sev, prod, ti, st, o, tp, t, e, tr, s, su)"
    " ON CONFLICT (incident_id) DO UPDATE SET severity = excluded.severity,"
    " status = excluded.status, tier_party = excluded.tier_party, tier = excluded.tier,"
    " entered_at = excluded.entered_at, state = excluded.state, suppliers = excluded.suppliers"
)
_INSERT_DECISIONS = (
    "INSERT INTO decisions (decision_id, incident_id, kind, trigger, from_party, from_tier,"
    " to_party, to_tier, basis, reason, decided_at, status, next_attempt_at, traceparent)"
    " SELECT u.d, u.i, u.k, u.tr, u.fp, u.ft, u.tp, u.tt, CAST(u.b AS jsonb), u.r, u.a,"
    " 'pending', u.a, u.tc"
    " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    " $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::text[])"
    " WITH ORDINALITY AS u(d, i, k, tr, fp, ft, tp, tt, b, r, a, tc, n) ORDER BY u.n"
    " ON CONFLICT (decision_id) DO NOTHING RETURNING decision_id"
)
_STATE_COLUMNS = (
    "incident_id", "customer", "partner", "provider", "severity", "product", "title", "status",
    "opened_at", "tier_party", "tier", "entered_at", "traceparent", "state", "suppliers",
)  # fmt: skip
_DECISION_COLUMNS = (
    "decision_id", "incident_id", "kind", "trigger", "from_party", "from_tier", "to_party",
    "to_tier", "basis", "reason", "at", "traceparent",
)  # fmt: skip
_UPSERT_CLOCKS = (
    "INSERT INTO sla_clocks (incident_id, contract_id, clock, contract_kind, owing, owed, state,"
    " due_at, updated_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    " $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[])"
    " ON CONFLICT (incident_id, contract_id, clock) DO UPDATE SET state = excluded.state,"
    " owed = excluded.owed, due_at = excluded.due_at, updated_at = excluded.updated_at"
    " WHERE sla_clocks.updated_at <= excluded.updated_at"
)  # one row per clock: a statement may not update a row twice
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


@dataclass
class _Fetch:
    """What the handlers of one fetch saved, written by `applying_many` at its end."""

    states: dict[str, IncidentEscalation] = field(default_factory=dict)
    first: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # title, traceparent
    decisions: list[dict[str, Any]] = field(default_factory=list)  # rows, in decision order
    events: dict[str, NewEvent] = field(default_factory=dict)  # by decision id
    # Read (and locked) at the fetch's start, for the events whose handlers read them: each
    # incident's stored state, None for one that has none yet.
    loaded: dict[str, IncidentEscalation | None] = field(default_factory=dict)
    snapshots: dict[tuple[str, str, tuple[str, ...]], ConfigSnapshot] = field(
        default_factory=dict
    )  # the documents in force, per (partner, provider, middle suppliers)
    # The SLA clocks the fetch's events show, the latest per clock (a later event of the same
    # instant wins, as one upsert after another would have it).
    clocks: dict[tuple[str, str, str], tuple[Any, ...]] = field(default_factory=dict)


class EscalationRepository:
    def __init__(self, store: EventStore, book: ConfigBook, clock: Clock) -> None:
        self.store, self.book, self.clock = store, book, clock
        # The consumer's fetch in progress: per task, so that the timer scheduler, the sender
        # and the API (other tasks) read and write the database as before.
        self._fetch: ContextVar[_Fetch | None] = ContextVar(f"escalation-{id(self)}", default=None)

    @asynccontextmanager
    async def applying_many(
        self,
        conn: AsyncConnection,
        events: Sequence[ConsumedEvent] = (),
        *,
        reads: StateOf | None = None,
    ) -> AsyncIterator[None]:
        """Around the handlers of one fetch in one transaction (`Applier.batch_scope`): states,
        decisions, their events and policy timers written once, when all are applied (nothing if
        one fails: the transaction is rolled back and the events applied one by one).

        `reads` names the incident whose state an event's handler reads (None: none): those
        states are read and their rows locked in one statement, in incident order, before the
        handlers run (without it, each row is locked when first read, as one event at a time
        does). The documents in force are read once per partner, provider and chain."""
        fetch = _Fetch()
        if reads is not None:
            wanted = sorted({i for e in events if (i := reads(e)) is not None})
            if wanted:
                rows = await conn.execute(_LOCK_STATES, {"ids": wanted})
                fetch.loaded = dict.fromkeys(wanted)
                fetch.loaded |= {r.incident_id: STATE.validate_json(r.state) for r in rows}
        token = self._fetch.set(fetch)
        try:
            yield
            await self._write(conn, fetch)
        finally:
            self._fetch.reset(token)

    async def _write(self, conn: AsyncConnection, fetch: _Fetch) -> None:
        if fetch.clocks:
            await _upsert_clocks(conn, fetch.clocks.values())
        if not fetch.states:
            return
        rows = [_state_row(s, *fetch.first.get(i, ("", None))) for i, s in fetch.states.items()]
        for row in rows:  # an array per row: as JSON text, one element of a text[] column
            row["suppliers"] = json.dumps(row["suppliers"])
        await conn.exec_driver_sql(
            _UPSERT_STATES, tuple([r[c] for r in rows] for c in _STATE_COLUMNS)
        )
        if fetch.decisions:
            columns = [[r[c] for r in fetch.decisions] for c in _DECISION_COLUMNS]
            result = await conn.exec_driver_sql(_INSERT_DECISIONS, tuple(columns))
            # A decision redecided (a replayed event) is stored already and published once.
            fresh = {str(d) for d in result.scalars()}
            appends: dict[str, list[NewEvent]] = {}
            for row in fetch.decisions:
                decision_id = str(row["decision_id"])
                if decision_id in fresh:
                    fresh.discard(decision_id)  # decided twice in the fetch: one event
                    stream = ESCALATION_STREAM.format(row["incident_id"])
                    appends.setdefault(stream, []).append(fetch.events[decision_id])
            await self.store.append_streams(conn, appends, {})
        due, done = [], []
        for state in fetch.states.values():
            at = next_due(state)
            if at is None:
                done.append(POLICY + state.incident_id)
            else:
                due.append((POLICY + state.incident_id, at, self.clock.now()))
        await timers.cancel_many(conn, done)
        await timers.schedule_many(conn, due)

    async def exists(self, conn: AsyncConnection, incident_id: str) -> bool:
        fetch = self._fetch.get()
        if fetch is not None:
            if incident_id in fetch.states:
                return True
            if incident_id in fetch.loaded:
                return fetch.loaded[incident_id] is not None
        return bool(await conn.scalar(_EXISTS, {"i": incident_id}))

    async def traceparent(self, conn: AsyncConnection, incident_id: str) -> str | None:
        """The incident's trace, as the opened event carried it."""
        return await conn.scalar(_TRACEPARENT, {"i": incident_id})

    async def load(
        self, conn: AsyncConnection, incident_id: str, *, skip_locked: bool = False
    ) -> IncidentEscalation | None:
        """The state, locked for this transaction; None when unknown (or, with `skip_locked`,
        locked by another transaction)."""
        fetch = self._fetch.get()
        if fetch is not None:
            # Its row locked when first read (or at the fetch's start), or new; or none stored.
            if incident_id in fetch.states:
                return fetch.states[incident_id]
            if incident_id in fetch.loaded:
                return fetch.loaded[incident_id]
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
        due_at, at = _when(data.get("due_at")), _when(data["at"])
        clock = (*row.values(), due_at, at)
        fetch = self._fetch.get()
        if fetch is None:
            await _upsert_clocks(conn, [clock])
            return
        key = (row["incident_id"], row["contract_id"], row["clock"])
        kept = fetch.clocks.get(key)
        if kept is None or kept[-1] <= at:  # written once, with the fetch's other rows
            fetch.clocks[key] = clock

    async def snapshot(
        self, conn: AsyncConnection, partner: str, provider: str, middle: tuple[str, ...] = ()
    ) -> ConfigSnapshot:
        """The documents in force now which a new incident pins: its partner's, its own
        provider's (never another provider's: of the partner's profiles, the one this provider
        keeps) and its middle suppliers' tiers."""
        fetch = self._fetch.get()
        if fetch is not None and (partner, provider, middle) in fetch.snapshots:
            return fetch.snapshots[(partner, provider, middle)]
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
        snapshot = ConfigSnapshot(
            provider=provider,
            partner=partner,
            middle=middle,
            middle_tiers=tuple(middle_tiers),
            **found,
        )
        if fetch is not None:
            fetch.snapshots[(partner, provider, middle)] = snapshot
        return snapshot

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
        fetch = self._fetch.get()
        if fetch is not None:
            self._keep(fetch, state, decisions, title, traceparent)
            return
        await conn.execute(_UPSERT_STATE, _state_row(state, title, traceparent))
        await self._record(conn, state, decisions)
        due = next_due(state)
        if due is None:
            await timers.cancel(conn, POLICY + state.incident_id)
        else:
            await timers.schedule(conn, POLICY + state.incident_id, due, now=self.clock.now())

    def _keep(
        self,
        fetch: _Fetch,
        state: IncidentEscalation,
        decisions: list[Decision],
        title: str,
        traceparent: str | None,
    ) -> None:
        """`save` within a fetch: the rows and events as this event's handler makes them (its
        trace, the chain as it stands now), written at the fetch's end."""
        if state.incident_id not in fetch.states and (title or traceparent):
            fetch.first[state.incident_id] = (title, traceparent)
        fetch.states[state.incident_id] = state
        if decisions:
            metadata = _metadata(state)
            for d in decisions:
                fetch.decisions.append(_decision_row(d))
                event = d.new(event_id=uuid.UUID(d.decision_id))
                fetch.events[d.decision_id] = dataclasses.replace(
                    event, metadata={**metadata, **event.metadata}
                )

    async def _record(
        self, conn: AsyncConnection, state: IncidentEscalation, decisions: list[Decision]
    ) -> None:
        # A decision redecided (a replayed event) is stored already and published once.
        fresh = [d for d in decisions if await conn.scalar(_INSERT_DECISION, _decision_row(d))]
        if not fresh:
            return
        events = [d.new(event_id=uuid.UUID(d.decision_id)) for d in fresh]
        await self.store.append_streams(
            conn, {ESCALATION_STREAM.format(state.incident_id): events}, _metadata(state)
        )


def _metadata(state: IncidentEscalation) -> dict[str, Any]:
    """A decision's event metadata: every supplier on the chain (the owner, middle suppliers, the
    provider) as its audience, never the customer, never a party off the chain; the current
    trace."""
    audience = describe(parties=set(state.suppliers), provider=state.provider)
    return Metadata.of_service(SERVICE, current_traceparent()).about(audience).as_dict()


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


async def _upsert_clocks(conn: AsyncConnection, clocks: Iterable[tuple[Any, ...]]) -> None:
    """Clock rows (`_CLOCK_FIELDS`, due_at, at), at most one per clock."""
    await conn.exec_driver_sql(_UPSERT_CLOCKS, tuple(map(list, zip(*clocks, strict=True))))


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
