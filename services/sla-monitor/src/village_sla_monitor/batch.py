"""The SLA read model's writes: incident states, their clock rows and timers, credits, and the
facts as events on `village.sla.v1`, for one incident (the live path) or thousands at a time (a
rebuild's `Batch`, held in memory across pages and written by `BatchWriter.take` / `write`)."""

from __future__ import annotations

import uuid
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import timers
from village_platform.egress import describe
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore, NewEvent
from village_platform.telemetry import current_traceparent

from .contractbook import ContractBook
from .domain.contracts import Terms
from .domain.events import CreditDue, SlaFact, fact_event_id
from .domain.projection import Projector
from .domain.state import IncidentSla

STATE = TypeAdapter(IncidentSla)
Due = tuple[str, datetime, datetime]  # a timer: key, due at, as of
SERVICE = "sla-monitor"  # the actor of every fact: the monitor acting as itself
# What the topic says of a clock event its provider may not see (a partner's contract with its
# customer): only that something happened to the incident's service levels.
SLA_FACT = ("incident_id",)
# One statement per table for any number of rows: columns as arrays, unnested on the server
# (a rebuild writes thousands of rows per page; executemany would run the statement per row).
# Rows of one statement never share a key (ON CONFLICT DO UPDATE could not touch a row twice).
_UPSERT_STATE = (
    "INSERT INTO incident_sla (incident_id, customer, partner, provider, severity, status,"
    " opened_at, resolved_at, rating, state)"
    " SELECT u.i, u.c, u.p, u.pr, u.sev, u.st, u.o, u.r, u.ra, CAST(u.s AS jsonb)"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    " $7::timestamptz[], $8::timestamptz[], $9::integer[], $10::text[])"
    " AS u(i, c, p, pr, sev, st, o, r, ra, s)"
    " ON CONFLICT (incident_id) DO UPDATE SET severity = excluded.severity,"
    " status = excluded.status, resolved_at = excluded.resolved_at, rating = excluded.rating,"
    " state = excluded.state"
)
_UPSERT_CLOCK = (
    "INSERT INTO sla_clocks (incident_id, contract_id, clock, contract_kind, owing, owed, severity,"
    " target_seconds, elapsed_seconds, started_at, running, paused, due_at, stopped_at, outcome,"
    " breached_at)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    " $7::text[], $8::float8[], $9::float8[], $10::timestamptz[], $11::boolean[], $12::boolean[],"
    " $13::timestamptz[], $14::timestamptz[], $15::text[], $16::timestamptz[])"
    " ON CONFLICT (incident_id, contract_id, clock) DO UPDATE SET severity = excluded.severity,"
    " target_seconds = excluded.target_seconds, elapsed_seconds = excluded.elapsed_seconds,"
    " running = excluded.running, paused = excluded.paused, due_at = excluded.due_at,"
    " stopped_at = excluded.stopped_at, outcome = excluded.outcome,"
    " breached_at = excluded.breached_at"
)
_INSERT_CREDITS = (
    "INSERT INTO credits (key, contract_id, incident_id, month, rule, amount, uncapped, accrued_at)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::numeric[], $7::numeric[], $8::timestamptz[]) ON CONFLICT (key) DO NOTHING"
)


class Batch:
    """States and facts held in memory across many events, written by `flush` (rebuilds)."""

    MAX_CACHED = 50_000  # states kept between flushes, so most loads cost no query

    def __init__(self, *, live: bool = False) -> None:
        # A live consumer's batch (one fetch, one transaction) rather than a rebuild's: the
        # timers table is not its own, so every ended clock's timer is cancelled.
        self.live = live
        self.states: dict[str, IncidentSla] = {}  # evict() when it grows past MAX_CACHED
        self.dirty: set[str] = set()
        self.facts: dict[str, list[SlaFact]] = {}
        # Credits: running totals per (contract, month) for the cap, rows written at flush.
        self.credit_totals: dict[tuple[str, str], Decimal] = {}
        self.credit_keys: set[str] = set()
        self.credit_rows: list[dict[str, Any]] = []
        self.pending_credits: list[CreditDue] = []  # a live batch's, accrued before it is written
        # Timers written by this batch's flushes and not cancelled since. A batch starts on an
        # empty timers table (rebuilds reset it), so a clock that ends before any write of it
        # has no timer row to cancel: most of a history's timers (about 56,000 of 68,000 in
        # the benchmark's) are never written at all.
        self.written_timers: set[str] = set()
        # A live batch's contract versions by (kind, provider, customer): one read per link.
        self.contracts: dict[tuple[str, str, str], list[Terms]] = {}
        # A rebuild's: ids of facts stored before it began, whose events are not built again
        # (most facts, when a live monitor's read model is rebuilt). Any other fact's id is
        # looked up by append_streams, so a partial set is as correct as a whole one.
        self.stored_facts: set[uuid.UUID] = set()

    def keep(self, state: IncidentSla, facts: list[SlaFact]) -> None:
        """`state` replaces the incident's, to be written with `facts` at the next flush."""
        self.states[state.incident_id] = state
        self.dirty.add(state.incident_id)
        self.facts.setdefault(state.incident_id, []).extend(facts)

    def too_big(self) -> bool:
        return len(self.states) > self.MAX_CACHED

    def forget(self) -> None:
        """Drop the cached states and stored ids, written or not (a rebuild that is over)."""
        self.states.clear()
        self.stored_facts.clear()

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
    due_timers: list[Due]
    done_timers: list[str]


class BatchWriter:
    """Turns states and facts into rows and events, and writes them."""

    def __init__(self, store: EventStore, book: ContractBook, projector: Projector) -> None:
        self.store, self.book, self.projector = store, book, projector
        self.earliest_timer: datetime | None = None  # the soonest timer written: wake the scheduler
        self._audiences: dict[tuple[str, int, str | None], dict[str, Any]] = {}  # facts' metadata

    def one(self, state: IncidentSla, facts: list[SlaFact]) -> Prepared:
        """The writes of one incident's state and facts (the live path)."""
        events = {state.incident_id: self._events(facts, state.provider)}
        return Prepared([], events, **self._rows([state]))

    def take(self, batch: Batch) -> Prepared | None:
        """What `batch` holds, as rows and events built now (later events may change the
        states; these rows do not), leaving it empty. A rebuild writes them while it projects
        the next page."""
        if not batch.dirty:
            return None
        rows = self._rows([batch.states[i] for i in batch.dirty])
        if not batch.live:
            written = batch.written_timers
            rows["done_timers"] = [k for k in rows["done_timers"] if k in written]
            written.difference_update(rows["done_timers"])
            written.update(k for k, _, _ in rows["due_timers"])
        events = {
            i: new
            for i, f in batch.facts.items()
            if (new := self._events(f, batch.states[i].provider, batch.stored_facts))
        }
        prepared = Prepared(credit_rows=list(batch.credit_rows), events=events, **rows)
        batch.dirty.clear()
        batch.facts.clear()
        batch.credit_rows.clear()
        return prepared

    async def write(self, conn: AsyncConnection, prepared: Prepared) -> None:
        await self.write_facts(conn, prepared)
        await self.write_rows(conn, prepared)

    async def write_facts(self, conn: AsyncConnection, prepared: Prepared) -> None:
        """The facts as events. Facts projected before (redelivery, rebuild, a timer racing the
        consumer) are stored already: append_streams skips their ids."""
        written_in = Metadata(traceparent=current_traceparent()).as_dict()  # the write's trace
        await self.store.append_streams(conn, prepared.events, written_in)

    async def write_rows(self, conn: AsyncConnection, prepared: Prepared) -> None:
        """The read model: credits, states, clock rows and timers."""
        # Column arrays on the driver: a rebuild writes thousands of rows per page, and
        # SQLAlchemy's per-row parameter processing would cost more than the statement itself.
        if prepared.credit_rows:
            rows = prepared.credit_rows
            columns = tuple([r[k] for r in rows] for k in "kcimraut")
            await conn.exec_driver_sql(_INSERT_CREDITS, columns)
        if prepared.state_rows:
            await conn.exec_driver_sql(
                _UPSERT_STATE, tuple(map(list, zip(*prepared.state_rows, strict=True)))
            )
        if prepared.clock_rows:
            await conn.exec_driver_sql(
                _UPSERT_CLOCK, tuple(map(list, zip(*prepared.clock_rows, strict=True)))
            )
        await timers.cancel_many(conn, prepared.done_timers)
        await timers.schedule_many(conn, prepared.due_timers)

    # ------------------------------------------------------------------ rows

    def _rows(self, states: list[IncidentSla]) -> dict[str, Any]:
        due_timers, done = self._timers(states)
        state_rows = [_state_row(s) for s in states]
        return {
            "state_rows": state_rows,
            "clock_rows": self._clock_rows(states),
            "due_timers": due_timers,
            "done_timers": done,
        }

    def _clock_rows(self, states: Iterable[IncidentSla]) -> list[tuple[Any, ...]]:
        rows = []
        for state, cov in ((s, c) for s in states for c in s.coverages):
            calendar = self.book.terms_of(cov.contract_id, cov.version).calendar
            for clock in cov.clocks.values():
                rows.append((
                    state.incident_id, cov.contract_id, clock.name, cov.kind, cov.owing, cov.owed,
                    state.severity, clock.target, clock.elapsed_at(calendar, state.last_at),
                    clock.started_at, clock.running, clock.paused, clock.due_at(calendar),
                    clock.stopped_at, clock.outcome, clock.breached_at,
                ))  # fmt: skip
        return rows

    def _timers(self, states: Iterable[IncidentSla]) -> tuple[list[Due], list[str]]:
        """Timers to set (key, due, as of) and to cancel, per clock of `states`."""
        due_timers: list[Due] = []
        done: list[str] = []
        for state in states:
            for key, due in self.projector.timers(state).items():
                if due is None:
                    done.append(key)
                else:
                    due_timers.append((key, due, state.last_at))
                    if self.earliest_timer is None or due < self.earliest_timer:
                        self.earliest_timer = due
        return due_timers, done

    # ------------------------------------------------------------------ facts -> events

    def _events(
        self, facts: list[SlaFact], provider: str | None, stored: Container[uuid.UUID] = ()
    ) -> list[NewEvent]:
        """One event per fact key (the first wins) not among `stored`, visible to the
        contract's two parties only: a customer never learns the terms or clocks between its
        partner and the provider, nor the provider (and its topic) those between its partner and
        the customer."""
        events, seen = [], set()
        for f in facts:
            if f.key in seen:
                continue
            seen.add(f.key)
            if (event_id := fact_event_id(f.key)) in stored:
                continue
            # Not `f.new(...)`: it copies the metadata, and one metadata object shared by many
            # events is encoded once (append_streams).
            metadata = self._metadata(f, provider)
            events.append(NewEvent(f.TYPE, f.to_data(), event_id, metadata))
        return events

    def _metadata(self, fact: SlaFact, provider: str | None) -> dict[str, Any]:
        """The metadata of a fact's event: the monitor as its actor, the contract's parties as its
        audience (shared by all of one contract version's facts on the incidents of one provider:
        never changed once built)."""
        data: Mapping[str, Any] = fact.__dict__
        key = (data["contract_id"], int(data["contract_version"]), provider)
        metadata = self._audiences.get(key)
        if metadata is None:
            parties = self.book.terms_of(*key[:2]).parties
            audience = describe(parties=parties, provider=provider, fact=SLA_FACT)
            metadata = self._audiences[key] = Metadata.of_service(SERVICE).about(audience).as_dict()
        return metadata


def _state_row(s: IncidentSla) -> tuple[Any, ...]:
    return (
        s.incident_id,
        s.customer,
        s.partner,
        s.provider,
        s.severity,
        s.status,
        s.opened_at,
        s.resolved_at,
        s.rating,
        STATE.dump_json(s).decode(),
    )
