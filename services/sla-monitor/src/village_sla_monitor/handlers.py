"""The SLA monitor's units of work: an incident event consumed, or a timer fired. Each runs in
the caller's transaction (the consumer's, with its handled record; the scheduler's, with the
timer's removal): load the incident's SLA state under a row lock, project, then write the state,
its clock rows, the facts as events on `village.sla.v1`, credits and the next timers."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import timers
from village_platform.applier import ConsumedEvent
from village_platform.egress import describe
from village_platform.eventstore import EventStore, NewEvent
from village_platform.telemetry import current_traceparent

from .contractbook import ContractBook
from .domain import availability
from .domain.contracts import Terms, decimal_text
from .domain.projection import Fact, IncidentSla, Projector

log = logging.getLogger(__name__)
STATE = TypeAdapter(IncidentSla)
# Event ids derive from the fact's key: a fact projected twice (redelivery, rebuild, a timer
# racing the consumer) is appended once.
FACT_NAMESPACE = uuid.UUID("6f1d3a52-5b7e-4d0c-9a51-0c0ffee5a1a0")
_NAMESPACE_BYTES = FACT_NAMESPACE.bytes
_VARIANT_VERSION_MASK = ~((0xC000 << 48) | (0xF000 << 64))
_VARIANT_VERSION_5 = (0x8000 << 48) | (5 << 76)
_sha1, _new, _set, _UUID, _UNKNOWN_SAFETY = hashlib.sha1, object.__new__, object.__setattr__, uuid.UUID, uuid.SafeUUID.unknown
ACTOR = "sla-monitor"
# What the topic says of a clock event its provider may not see (a partner's contract with its
# customer): only that something happened to the incident's service levels.
SLA_FACT = ("incident_id",)
_CREDITS_THIS_MONTH = text("SELECT coalesce(sum(amount), 0) FROM credits WHERE contract_id = :c AND month = :m")
# One statement per table for any number of rows: columns as arrays, unnested on the server
# (a rebuild writes thousands of rows per page; executemany would run the statement per row).
# Rows of one statement never share a key (ON CONFLICT DO UPDATE could not touch a row twice).
_UPSERT_STATE = (
    "INSERT INTO incident_sla (incident_id, customer, partner, provider, severity, status, opened_at,"
    " resolved_at, rating, state)"
    " SELECT u.i, u.c, u.p, u.pr, u.sev, u.st, u.o, u.r, u.ra, CAST(u.s AS jsonb)"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    " $7::timestamptz[], $8::timestamptz[], $9::integer[], $10::text[]) AS u(i, c, p, pr, sev, st, o, r, ra, s)"
    " ON CONFLICT (incident_id) DO UPDATE SET severity = excluded.severity, status = excluded.status,"
    " resolved_at = excluded.resolved_at, rating = excluded.rating, state = excluded.state"
)
_UPSERT_CLOCK = (
    "INSERT INTO sla_clocks (incident_id, contract_id, clock, contract_kind, owing, owed, severity,"
    " target_seconds, elapsed_seconds, started_at, running, paused, due_at, stopped_at, outcome, breached_at)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],"
    " $8::float8[], $9::float8[], $10::timestamptz[], $11::boolean[], $12::boolean[], $13::timestamptz[],"
    " $14::timestamptz[], $15::text[], $16::timestamptz[])"
    " ON CONFLICT (incident_id, contract_id, clock) DO UPDATE SET severity = excluded.severity,"
    " target_seconds = excluded.target_seconds, elapsed_seconds = excluded.elapsed_seconds,"
    " running = excluded.running, paused = excluded.paused, due_at = excluded.due_at,"
    " stopped_at = excluded.stopped_at, outcome = excluded.outcome, breached_at = excluded.breached_at"
)
_INSERT_CREDITS = (
    "INSERT INTO credits (key, contract_id, incident_id, month, rule, amount, uncapped, accrued_at)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[],"
    " $7::numeric[], $8::timestamptz[]) ON CONFLICT (key) DO NOTHING"
)
_INSERT_CREDIT_SQL = (
    "INSERT INTO credits (key, contract_id, incident_id, month, rule, amount, uncapped, accrued_at)"
    " VALUES (:k, :c, :i, :m, :r, :a, :u, :t) ON CONFLICT (key) DO NOTHING"
)
_INSERT_CREDIT_ONCE = text(_INSERT_CREDIT_SQL + " RETURNING 1")


def fact_event_id(key: str) -> uuid.UUID:
    """`uuid.uuid5(FACT_NAMESPACE, key)`, without its per-call overheads (a rebuild makes one per
    fact: hundreds of thousands)."""
    digest = _sha1(_NAMESPACE_BYTES + key.encode()).digest()
    event_id = _new(_UUID)
    _set(event_id, "int", int.from_bytes(digest[:16]) & _VARIANT_VERSION_MASK | _VARIANT_VERSION_5)
    _set(event_id, "is_safe", _UNKNOWN_SAFETY)
    return event_id


class Batch:
    """States and facts held in memory across many events, written by `flush` (rebuilds)."""

    MAX_CACHED = 50_000  # states kept between flushes, so most loads cost no query

    def __init__(self) -> None:
        self.states: dict[str, IncidentSla] = {}  # evict() when it grows past MAX_CACHED
        self.dirty: set[str] = set()
        self.facts: dict[str, list[Fact]] = {}
        # Credits: running totals per (contract, month) for the cap, rows written at flush.
        self.credit_totals: dict[tuple[str, str], Decimal] = {}
        self.credit_keys: set[str] = set()
        self.credit_rows: list[dict[str, Any]] = []
        # Timers written by this batch's flushes and not cancelled since. A batch starts on an
        # empty timers table (rebuilds reset it), so a clock that ends before any write of it
        # has no timer row to cancel: most of a history's timers (about 56,000 of 68,000 in
        # the benchmark's) are never written at all.
        self.written_timers: set[str] = set()

    def too_big(self) -> bool:
        return len(self.states) > self.MAX_CACHED

    def evict(self) -> None:
        """Forget the cached states, all written (loads then read them back from the database)."""
        assert not self.dirty, "unwritten states would be lost"
        self.states.clear()


@dataclass(frozen=True)
class Prepared:
    """One batch's writes, built and ready to send."""

    credit_rows: list[dict[str, Any]]
    events: dict[str, list[NewEvent]]
    state_rows: list[tuple[Any, ...]]
    clock_rows: list[tuple[Any, ...]]
    due_timers: list[tuple[str, datetime, datetime]]
    done_timers: list[str]


class SlaProjection:
    def __init__(self, store: EventStore, book: ContractBook) -> None:
        self.store, self.book = store, book
        self.projector = Projector(book.terms_of)
        self.earliest_timer: datetime | None = None  # the soonest timer written: wake the scheduler
        self.batch: Batch | None = None
        self._audience: dict[tuple[str, int, str | None], dict[str, Any]] = {}  # fact metadata

    # ------------------------------------------------------------------ entry points

    async def on_incident_event(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        name = event.type.split(".")[2]
        if name == "opened":
            data = event.data
            terms = await self.book.in_force(conn, "customer_facing", data["partner"], data["customer"], event.time)
            state, facts = self.projector.open(data, event.time, terms)
            await self._save(conn, state, facts)
            return
        state = await self.load(conn, event.stream_id, lock=True)
        if state is None:  # opened before any contract existed and never seen: nothing to track
            log.warning("no SLA state for %s; skipping %s", event.stream_id, event.type)
            return
        underpinning = None
        party = event.data.get("to_party") or event.data.get("party")
        if name in ("escalated", "assigned") and party == state.provider and state.handed_off_at is None:
            underpinning = await self.book.in_force(conn, "underpinning", state.provider, state.partner,
                                                    state.opened_at)
        facts = self.projector.apply(state, name, event.data, event.time, actor=event.actor_party,
                                     visibility=event.visibility, underpinning=underpinning)
        if name == "impact_ended":
            facts += await self._downtime(conn, state, event.data)
        await self._save(conn, state, facts)

    async def on_timer(self, conn: AsyncConnection, timer: timers.Timer, now: datetime) -> None:
        incident_id = timer.key.split("|", 1)[0]
        state = await self.load(conn, incident_id, lock=True, skip_locked=True)
        if state is None:
            # Busy: the consumer is applying an event to this incident right now and will write
            # fresh timers when it commits; look again shortly rather than wait on its lock.
            if await conn.scalar(text("SELECT 1 FROM incident_sla WHERE incident_id = :i"), {"i": incident_id}):
                await timers.schedule(conn, timer.key, now, timer.payload, now=now)
            return
        await self._save(conn, state, self.projector.advance(state, now))

    # ------------------------------------------------------------------ state

    async def load(self, conn: AsyncConnection, incident_id: str, *, lock: bool = False,
                   skip_locked: bool = False) -> IncidentSla | None:
        if self.batch is not None and incident_id in self.batch.states:
            return self.batch.states[incident_id]  # rebuilds own the streams: no lock needed
        sql = "SELECT state FROM incident_sla WHERE incident_id = :i"
        if lock:
            sql += " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"
        raw = await conn.scalar(text(sql), {"i": incident_id})
        if raw is None:
            return None
        state = STATE.validate_python(raw)
        await self.book.load(conn, [(c.contract_id, c.version) for c in state.coverages])
        return state

    async def _save(self, conn: AsyncConnection, state: IncidentSla, facts: list[Fact]) -> None:
        if any(f.name == "credit_due" for f in facts):
            accrued = [await self._accrue(conn, f) if f.name == "credit_due" else f for f in facts]
            facts = [f for f in accrued if f is not None]
        if self.batch is not None:
            self.batch.states[state.incident_id] = state
            self.batch.dirty.add(state.incident_id)
            self.batch.facts.setdefault(state.incident_id, []).extend(facts)
            return
        await self.write_batch(conn, Prepared([], {state.incident_id: self._events(facts, state.provider)},
                                               **self._rows([state])))

    async def flush(self, conn: AsyncConnection) -> None:
        """Write what the batch holds: states, clock rows and timers, and the facts as events."""
        prepared = self.take_batch()
        if prepared is not None:
            await self.write_batch(conn, prepared)

    def take_batch(self) -> Prepared | None:
        """What the batch holds, as rows and events built now (later events may change the
        states; these rows do not), and an empty batch. A rebuild writes them while it
        projects the next page."""
        batch = self.batch
        if batch is None or not batch.dirty:
            return None
        rows = self._rows([batch.states[i] for i in batch.dirty])
        written = batch.written_timers
        rows["done_timers"] = [k for k in rows["done_timers"] if k in written]
        written.difference_update(rows["done_timers"])
        written.update(k for k, _, _ in rows["due_timers"])
        prepared = Prepared(
            credit_rows=list(batch.credit_rows),
            events={i: self._events(facts, batch.states[i].provider) for i, facts in batch.facts.items()},
            **rows,
        )
        batch.dirty.clear()
        batch.facts.clear()
        batch.credit_rows.clear()
        return prepared

    async def write_batch(self, conn: AsyncConnection, prepared: Prepared) -> None:
        await self.write_facts(conn, prepared)
        await self.write_rows(conn, prepared)

    async def write_facts(self, conn: AsyncConnection, prepared: Prepared) -> None:
        """The facts as events. Facts projected before (redelivery, rebuild, a timer racing the
        consumer) are stored already: append_streams skips their ids."""
        metadata = {"visibility": "shared", "actor_party": ACTOR, "actor_user": ACTOR,
                    "traceparent": current_traceparent()}
        await self.store.append_streams(conn, prepared.events, metadata)

    async def write_rows(self, conn: AsyncConnection, prepared: Prepared) -> None:
        """The read model: credits, states, clock rows and timers."""
        if prepared.credit_rows:
            rows = prepared.credit_rows
            await conn.exec_driver_sql(_INSERT_CREDITS, tuple([r[k] for r in rows] for k in "kcimraut"))
        await self._write_rows(conn, prepared)

    def _rows(self, states: list[IncidentSla]) -> dict[str, Any]:
        state_rows = [(s.incident_id, s.customer, s.partner, s.provider, s.severity, s.status, s.opened_at,
                       s.resolved_at, s.rating, STATE.dump_json(s).decode()) for s in states]
        clock_rows = []
        for state, cov in ((s, c) for s in states for c in s.coverages):
            calendar = self.book.terms_of(cov.contract_id, cov.version).calendar
            for clock in cov.clocks.values():
                clock_rows.append((
                    state.incident_id, cov.contract_id, clock.name, cov.kind, cov.owing, cov.owed, state.severity,
                    clock.target, clock.elapsed_at(calendar, state.last_at), clock.started_at, clock.running,
                    clock.paused, clock.due_at(calendar), clock.stopped_at, clock.outcome, clock.breached_at,
                ))  # fmt: skip
        due_timers, done = [], []
        for state in states:
            for key, due in self.projector.timers(state).items():
                if due is None:
                    done.append(key)
                else:
                    due_timers.append((key, due, state.last_at))
                    if self.earliest_timer is None or due < self.earliest_timer:
                        self.earliest_timer = due
        return {"state_rows": state_rows, "clock_rows": clock_rows, "due_timers": due_timers, "done_timers": done}

    async def _write_rows(self, conn: AsyncConnection, prepared: Prepared) -> None:
        # Column arrays on the driver: a rebuild writes thousands of rows per page, and
        # SQLAlchemy's per-row parameter processing would cost more than the statement itself.
        if prepared.state_rows:
            await conn.exec_driver_sql(_UPSERT_STATE, tuple(map(list, zip(*prepared.state_rows))))
        if prepared.clock_rows:
            await conn.exec_driver_sql(_UPSERT_CLOCK, tuple(map(list, zip(*prepared.clock_rows))))
        await timers.cancel_many(conn, prepared.done_timers)
        await timers.schedule_many(conn, prepared.due_timers)

    # ------------------------------------------------------------------ facts -> events

    def _events(self, facts: list[Fact], provider: str | None) -> list[NewEvent]:
        """One event per fact key (the first wins), visible to the contract's two parties only:
        a customer never learns the terms or clocks between its partner and the provider, nor
        the provider (and its topic) those between its partner and the customer."""
        events, seen = [], set()
        for f in facts:
            if f.key in seen:
                continue
            seen.add(f.key)
            events.append(NewEvent(f"village.sla.{f.name}.v1", f.data, fact_event_id(f.key),
                                   self._metadata(f, provider)))
        return events

    def _metadata(self, fact: Fact, provider: str | None) -> dict[str, Any]:
        """The metadata of a fact's event (shared by all of one contract version's facts on the
        incidents of one provider: never changed once built)."""
        key = (fact.contract_id, int(fact.data["contract_version"]), provider)
        metadata = self._audience.get(key)
        if metadata is None:
            metadata = self._audience[key] = describe(parties=self.book.terms_of(*key[:2]).parties,
                                                      provider=provider, fact=SLA_FACT)
        return metadata

    def _terms(self, fact: Fact) -> Terms:
        return self.book.terms_of(fact.contract_id, int(fact.data["contract_version"]))

    async def _accrue(self, conn: AsyncConnection, fact: Fact) -> Fact | None:
        """A credit due becomes a credit accrued, within the contract's monthly cap."""
        terms = self._terms(fact)
        month, uncapped = fact.data["month"], Decimal(fact.data["amount"])
        batch, period = self.batch, (fact.contract_id, month)
        if batch is not None and fact.key in batch.credit_keys:
            return None
        if batch is None or period not in batch.credit_totals:
            already = Decimal(await conn.scalar(_CREDITS_THIS_MONTH, {"c": fact.contract_id, "m": month}))
        else:
            already = batch.credit_totals[period]
        amount = terms.credits.capped(uncapped, already)
        row = {"k": fact.key, "c": fact.contract_id, "i": fact.data["incident_id"], "m": month,
               "r": fact.data["rule"], "a": amount, "u": uncapped, "t": datetime.fromisoformat(fact.data["at"])}
        if batch is not None:  # written at flush, counted from now on
            batch.credit_keys.add(fact.key)
            batch.credit_rows.append(row)
            batch.credit_totals[period] = already + amount
            inserted = True
        else:
            inserted = bool(await conn.scalar(_INSERT_CREDIT_ONCE, row))
        if not inserted or uncapped == 0:  # accrued before (a replay), or a rule worth nothing
            return None
        return Fact("credit_accrued", fact.key, fact.contract_id, {**fact.data, "amount": decimal_text(amount),
                    "uncapped_amount": decimal_text(uncapped), "capped": amount < uncapped})

    async def _downtime(self, conn: AsyncConnection, state: IncidentSla, data: dict[str, Any]) -> list[Fact]:
        """Record the impact window for every contract covering the incident; a month pushed
        below its availability target is a fact (and, per the rules, a credit), once."""
        window = (datetime.fromisoformat(data["started_at"]), datetime.fromisoformat(data["ended_at"]))
        facts = []
        for cov in state.coverages:
            terms = self.book.terms_of(cov.contract_id, cov.version)
            await conn.execute(text(
                "INSERT INTO downtime (contract_id, incident_id, started_at, ended_at) VALUES (:c, :i, :s, :e)"
                " ON CONFLICT DO NOTHING"), {"c": cov.contract_id, "i": state.incident_id, "s": window[0], "e": window[1]})
            if terms.availability_target is None:
                continue
            tz = terms.calendar.timezone
            for month in availability.months_touched(window, tz):
                bounds = availability.month_bounds(month, tz)
                rows = await conn.execute(text(
                    "SELECT started_at, ended_at FROM downtime WHERE contract_id = :c"
                    " AND started_at < :end AND ended_at > :start"),
                    {"c": cov.contract_id, "start": bounds[0], "end": bounds[1]})
                down = availability.downtime_seconds([(r.started_at, r.ended_at) for r in rows], bounds)
                allowed = availability.allowed_seconds(terms.availability_target, bounds)
                if down <= allowed:
                    continue
                base = {"incident_id": state.incident_id, "contract_id": cov.contract_id,
                        "contract_version": cov.version, "contract_kind": cov.kind, "owing_party": cov.owing,
                        "owed_party": cov.owed, "month": month, "downtime_seconds": round(down, 3),
                        "allowed_seconds": round(allowed, 3), "availability_target": decimal_text(terms.availability_target),
                        "availability_percent": round(availability.availability_percent(down, bounds), 4),
                        "at": window[1].isoformat()}
                key = f"availability/{cov.contract_id}/{month}"
                recorded = self.batch is not None and f"{key}/credit" in self.batch.credit_keys
                if recorded or await conn.scalar(text("SELECT 1 FROM credits WHERE key = :k"), {"k": f"{key}/credit"}):
                    continue  # this month's miss is already on record (its credit row, even of 0)
                facts.append(Fact("availability_missed", key, cov.contract_id, base))
                credit = terms.credits.for_availability_miss()
                facts.append(Fact("credit_due", f"{key}/credit", cov.contract_id, {
                    **base, "rule": "availability", "amount": decimal_text(credit), "currency": terms.credits.currency}))
        return facts

