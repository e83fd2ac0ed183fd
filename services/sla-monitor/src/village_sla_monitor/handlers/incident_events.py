"""The SLA monitor's units of work for the incident events it consumes, and for its timers. Each
runs in the caller's transaction (the consumer's, with its handled record; the scheduler's, with
the timer's removal): load the incident's SLA state under a row lock, evolve it, then write the
next state, its clock rows, the facts as events on `village.sla.v1`, credits and the next timers.
A rebuild gives them a `Batch`: states are then kept in memory and written page by page. The live
consumer applies each fetch of a partition in one transaction (`applying_many`), and the timer
scheduler fires each batch of due timers in one (`firing_many`): states are kept in memory for
that transaction and written once at its end, with their rows locked as read."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from datetime import datetime

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import timers
from village_platform.applier import ConsumedEvent
from village_platform.envelope import event_name
from village_platform.eventstore import EventStore

from ..batch import STATE, Batch, BatchWriter
from ..contractbook import ContractBook
from ..credits import CreditLedger
from ..domain.contracts import Terms
from ..domain.events import CreditDue, SlaFact
from ..domain.projection import IncidentEvent, Projector
from ..domain.state import IncidentSla
from ..downtime import DowntimeLog

log = logging.getLogger(__name__)
_EXISTS = text("SELECT 1 FROM incident_sla WHERE incident_id = :i")
_CREDITED_BEFORE = text("SELECT key FROM credits WHERE key = ANY(:keys)")
_LOAD_MANY = text(
    "SELECT incident_id, state FROM incident_sla WHERE incident_id = ANY(:ids)"
    " ORDER BY incident_id FOR UPDATE"
)
_LOAD_MANY_FREE = text(  # the timers' batch: a row the consumer holds is left to it
    "SELECT incident_id, state FROM incident_sla WHERE incident_id = ANY(:ids)"
    " ORDER BY incident_id FOR UPDATE SKIP LOCKED"
)
_name = functools.cache(event_name)  # a handful of types, parsed once each


def _incident_of(timer: timers.Timer) -> str:
    return timer.key.split("|", 1)[0]


def incident_event(event: ConsumedEvent) -> IncidentEvent:
    """What the projection reads of a consumed incident event."""
    name = _name(event.type)
    return IncidentEvent(name, event.data, event.time, event.actor_party, event.visibility)


class IncidentEventHandlers:
    def __init__(self, store: EventStore, book: ContractBook) -> None:
        self.book = book
        self.projector = Projector(book.terms_of)
        self.writer = BatchWriter(store, book, self.projector)
        self.credits = CreditLedger(book)
        self.downtime = DowntimeLog(book)
        # A rebuild's batch, or the live consumer's for one fetch: per task, so that the timer
        # scheduler (another task) never reads or writes through the consumer's.
        self._batch: ContextVar[Batch | None] = ContextVar(f"sla-batch-{id(self)}", default=None)

    @property
    def batch(self) -> Batch | None:
        return self._batch.get()

    @batch.setter
    def batch(self, batch: Batch | None) -> None:
        self._batch.set(batch)

    def applying_many(
        self, conn: AsyncConnection, events: Sequence[ConsumedEvent] = ()
    ) -> AbstractAsyncContextManager[None]:
        """Around the handlers of one fetch in one transaction (`Applier.batch_scope`): the
        fetch's incidents' states read and locked in one statement, the states the handlers
        change written once when all are applied (nothing if one fails: the transaction is
        rolled back and the events applied one by one)."""
        return self._batched(conn, {e.stream_id for e in events}, _LOAD_MANY)

    def firing_many(
        self, conn: AsyncConnection, due: Sequence[timers.Timer]
    ) -> AbstractAsyncContextManager[None]:
        """Around the timers fired together (`TimerScheduler.batch_scope`), as `applying_many`;
        a state the consumer holds is skipped, and `on_timer` fires its timer again."""
        return self._batched(conn, {_incident_of(t) for t in due}, _LOAD_MANY_FREE)

    @asynccontextmanager
    async def _batched(
        self, conn: AsyncConnection, ids: set[str], load: TextClause
    ) -> AsyncIterator[None]:
        batch = Batch(live=True)
        token = self._batch.set(batch)
        try:
            await self._load_many(conn, batch, sorted(ids), load)
            yield
            await self._accrue_pending(conn, batch)
            prepared = self.writer.take(batch)
            if prepared is not None:
                await self.writer.write(conn, prepared)
        finally:
            self._batch.reset(token)

    def _seen(self) -> dict[tuple[str, str, str], list[Terms]] | None:
        """The live batch's contract versions by link, read once per batch (None: no batch)."""
        batch = self._batch.get()
        return batch.contracts if batch is not None and batch.live else None

    # ------------------------------------------------------------------ consumed events

    async def opened(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        """The customer-facing contract in force (the chain's first link) covers the incident
        from its opening."""
        data = event.data
        link = ("customer_facing", data["partner"], data["customer"])
        terms = await self.book.in_force(conn, *link, event.time, seen=self._seen())
        state, facts = self.projector.open(data, event.time, terms)
        await self._save(conn, state, facts)

    async def handed_over(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        """Assigned or escalated: the first hand-off to a party along the chain brings in the
        contract of every link up to it (in force when the incident opened)."""
        state = await self._tracked(conn, event)
        if state is None:
            return
        party = event.data.get("to_party") or event.data.get("party")
        underpinning: list[Terms] = []
        for customer, provider in state.links_handed_to(party):
            at = state.opened_at
            terms = await self.book.in_force(
                conn, "underpinning", provider, customer, at, seen=self._seen()
            )
            if terms is not None:
                underpinning.append(terms)
        await self._save(conn, *self.projector.evolve(state, incident_event(event), underpinning))

    async def impact_ended(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        """The downtime counts against every covering contract's availability target."""
        state = await self._tracked(conn, event)
        if state is None:
            return
        state, facts = self.projector.evolve(state, incident_event(event))
        batch = self.batch
        if batch is not None and batch.live:  # which misses are on record: the batch's so far too
            await self._accrue_pending(conn, batch)
        facts += await self.downtime.impact_ended(conn, state, event.data, batch)
        await self._save(conn, state, facts)

    async def moved(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        """Any other event that moves a clock, a holder or a rating."""
        state = await self._tracked(conn, event)
        if state is not None:
            await self._save(conn, *self.projector.evolve(state, incident_event(event)))

    # ------------------------------------------------------------------ timers

    async def on_timer(self, conn: AsyncConnection, timer: timers.Timer, now: datetime) -> None:
        """A clock's next threshold is due: time advances to now."""
        incident_id = _incident_of(timer)
        state = await self.load(conn, incident_id, lock=True, skip_locked=True)
        if state is None:  # busy (the consumer is applying an event to it), or gone
            if await conn.scalar(_EXISTS, {"i": incident_id}):
                await timers.fire_again_now(conn, timer, now)
            return
        await self._save(conn, *self.projector.advance(state, now))

    # ------------------------------------------------------------------ state

    async def load(
        self,
        conn: AsyncConnection,
        incident_id: str,
        *,
        lock: bool = False,
        skip_locked: bool = False,
    ) -> IncidentSla | None:
        if self.batch is not None and incident_id in self.batch.states:
            # Rebuilds own the streams; a live batch locked the row when it first read it.
            return self.batch.states[incident_id]
        sql = "SELECT state FROM incident_sla WHERE incident_id = :i"
        if lock:
            sql += " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"
        raw = await conn.scalar(text(sql), {"i": incident_id})
        if raw is None:
            return None
        state = STATE.validate_python(raw)
        await self.book.load(conn, [(c.contract_id, c.version) for c in state.coverages])
        return state

    async def _load_many(
        self, conn: AsyncConnection, batch: Batch, ids: list[str], load: TextClause
    ) -> None:
        """The states of `ids` into the batch, each row locked (in id order) as `load` would."""
        if not ids:
            return
        rows = (await conn.execute(load, {"ids": ids})).all()
        states = [STATE.validate_python(row.state) for row in rows]
        contracts = {(c.contract_id, c.version) for s in states for c in s.coverages}
        await self.book.load(conn, sorted(contracts))
        batch.states.update((s.incident_id, s) for s in states)

    async def _tracked(self, conn: AsyncConnection, event: ConsumedEvent) -> IncidentSla | None:
        """The incident's state, locked; None if it was never tracked."""
        state = await self.load(conn, event.stream_id, lock=True)
        if state is None:  # opened before any contract existed and never seen: nothing to track
            log.warning("no SLA state for %s; skipping %s", event.stream_id, event.type)
        return state

    async def _save(self, conn: AsyncConnection, state: IncidentSla, facts: list[SlaFact]) -> None:
        batch = self.batch
        if any(isinstance(f, CreditDue) for f in facts):
            if batch is not None and batch.live:  # accrued together before the batch is written
                batch.pending_credits += [f for f in facts if isinstance(f, CreditDue)]
            else:
                facts = await self._accrue(conn, facts)
        if batch is not None:
            batch.keep(state, facts)
        else:
            await self.writer.write(conn, self.writer.one(state, facts))

    async def _accrue_pending(self, conn: AsyncConnection, batch: Batch) -> None:
        """A live batch's credits due, accrued in the order they fell due: the ones accrued
        before (a redelivery, a timer racing the consumer) found in one query, each month's
        total read once, the rows written with the batch's. One credit at a time cost two
        statements each (a wave of 200 breaches, 400: bench (e)). The batch holds its
        incidents' rows locked, so no other transaction accrues their credits meanwhile."""
        pending, batch.pending_credits = batch.pending_credits, []
        if not pending:
            return
        keys = [due.key for due in pending]
        batch.credit_keys.update(await conn.scalars(_CREDITED_BEFORE, {"keys": keys}))
        accrued = {id(due): await self.credits.accrue(conn, due, batch) for due in pending}
        for incident_id in {due.incident_id for due in pending}:
            facts: list[SlaFact] = []
            for fact in batch.facts[incident_id]:
                kept = accrued[id(fact)] if isinstance(fact, CreditDue) else fact
                if kept is not None:  # None: accrued before, or worth nothing
                    facts.append(kept)
            batch.facts[incident_id] = facts

    async def _accrue(self, conn: AsyncConnection, facts: list[SlaFact]) -> list[SlaFact]:
        """Credits due become credits accrued (or nothing: accrued before, or worth nothing), as
        they come: one event's, or a rebuild's batch (a live batch's wait: `_accrue_pending`)."""
        accrued: list[SlaFact] = []
        for fact in facts:
            if not isinstance(fact, CreditDue):
                accrued.append(fact)
            elif (credit := await self.credits.accrue(conn, fact, self.batch)) is not None:
                accrued.append(credit)
        return accrued
