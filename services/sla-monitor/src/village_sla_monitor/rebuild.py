"""Rebuild the SLA read model from the incidents feed: `village-sla-monitor rebuild-read-model`.

Stop the SLA monitor's consumer first. The feed is read page by page and projected in memory;
every few pages (`write_every` events) what they changed is written (states, clock rows, timers
and handled records in one transaction; any SLA event not already in the store in another, at
the same time) while the next pages are fetched and projected. The generic
`village-rebuild village_sla_monitor.consumer:read_model` gives the same result event by event.
"""

from __future__ import annotations

import asyncio
import gc

from sqlalchemy.ext.asyncio import AsyncEngine
from tqdm.auto import tqdm

from village_platform.applier import Applier, ConsumedEvent, Routes
from village_platform.clock import SystemClock
from village_platform.db import make_engine
from village_platform.eventstore import EventStore
from village_platform.feed import MAX_LIMIT
from village_platform.feedclient import FeedClient, FeedPage
from village_platform.settings import Settings

from .batch import Batch, BatchWriter, Prepared
from .consumer import NAME, incidents_feed, reset, routes
from .contractbook import ContractBook
from .handlers.incident_events import IncidentEventHandlers

# The projection awaits no I/O (contracts are preloaded, states cached): without a pause now and
# then it would hold the event loop for a whole page, and the previous page's write would send
# its next statement only when the page is done.
YIELD_EVERY = 25
# Events projected between writes. An incident's events are spread over several pages, and
# each write stores the states (and clock rows, timers) of every incident it touched: writing
# every few pages rather than every page stores each state fewer times (100,000 events of the
# benchmark's history: 45,728 state rows written page by page, 29,013 every 4 pages).
WRITE_EVERY = 4 * MAX_LIMIT
# Ids of facts already stored, held in memory (about 180 bytes each, with the set): a rebuild
# over a live store then builds and sends no event for them. Past this many, append_streams
# finds the rest by asking the database, as it does for any id not held.
STORED_FACTS_HELD = 1_000_000


async def _write(
    engine: AsyncEngine,
    writer: BatchWriter,
    bookkeeping: Applier,
    prepared: Prepared | None,
    events: list[ConsumedEvent],
) -> None:
    """The facts on one connection, the read model and the handled records on another, at the
    same time: two database processes share the work (the events INSERT alone is about half of
    it). The facts commit on their own: they are true whatever happens to the rest, and a
    rebuild run again after a failure skips them by id."""

    async def facts(prepared: Prepared) -> None:
        async with engine.begin() as conn:
            await writer.write_facts(conn, prepared)

    async def rows() -> None:
        async with engine.begin() as conn:
            if prepared is not None:
                await writer.write_rows(conn, prepared)
            await bookkeeping.mark_many(conn, events)

    async with asyncio.TaskGroup() as group:
        if prepared is not None and prepared.events:
            group.create_task(facts(prepared))
        group.create_task(rows())


class _Pipeline:
    """Pages projected in memory, one after another, and written behind them in order."""

    def __init__(
        self,
        engine: AsyncEngine,
        handlers: IncidentEventHandlers,
        table: Routes,
        bookkeeping: Applier,
        batch: Batch,
        write_every: int,
    ) -> None:
        self.engine, self.handlers, self.table = engine, handlers, table
        self.bookkeeping, self.batch, self.write_every = bookkeeping, batch, write_every
        self.projected: list[ConsumedEvent] = []  # since the last write
        self.writing: asyncio.Task[None] | None = None

    async def project(self, page: FeedPage) -> None:
        """This page, while the previous pages are written, on another connection."""
        async with self.engine.begin() as conn:
            for i, event in enumerate(page.items):
                if event.type in self.table:
                    await self.table[event.type](conn, event)
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # let the write go on
        self.projected += page.items

    async def write(self, *, last: bool) -> None:
        """What was projected since the last write, when enough was (or it is the last)."""
        enough = len(self.projected) >= self.write_every or self.batch.too_big()
        if not self.projected or not (enough or last):
            return
        prepared = self.handlers.writer.take(self.batch)
        await self.written()  # in order
        self.writing = asyncio.create_task(
            _write(self.engine, self.handlers.writer, self.bookkeeping, prepared, self.projected)
        )
        self.projected = []
        if self.batch.too_big():  # forget cached states only once they are written
            await self.written()
            self.batch.evict()

    async def written(self) -> None:
        if self.writing is not None:
            await self.writing
            self.writing = None


async def _start(
    engine: AsyncEngine, handlers: IncidentEventHandlers, bookkeeping: Applier, batch: Batch
) -> None:
    """Forget the read model and what was handled; every contract version in memory, and the
    ids of the events stored (facts, contracts: neither kind's id can be the other's)."""
    async with engine.begin() as conn:
        await reset(conn)
        await bookkeeping.forget(conn)
        await handlers.book.preload(conn)
        batch.stored_facts = await handlers.writer.store.stored_ids(conn, STORED_FACTS_HELD)


async def _run(feed: FeedClient, pipeline: _Pipeline, page_size: int, progress: bool) -> int:
    total, count = await feed.latest_position(), 0
    with tqdm(total=total, desc="rebuild sla-monitor", unit="event", disable=not progress) as bar:
        next_page: asyncio.Task[FeedPage] = asyncio.create_task(feed.page(0, limit=page_size))
        while True:
            page = await next_page
            if page.items:  # fetch the next page while this one is projected
                next_page = asyncio.create_task(feed.page(page.next_after, limit=page_size))
                await pipeline.project(page)
                count += len(page.items)
                bar.update(len(page.items))
            await pipeline.write(last=not page.items)
            if not page.items:
                break
        await pipeline.written()
        next_page.cancel()
    return count


async def rebuild(
    settings: Settings,
    *,
    feed: FeedClient | None = None,
    page_size: int = MAX_LIMIT,
    write_every: int = WRITE_EVERY,
    progress: bool = True,
) -> int:
    """Returns how many incident events it read."""
    engine = make_engine(settings, statement_timeout=None)  # offline: no statement timeout
    own_feed = feed is None
    feed = feed or incidents_feed(settings)
    store = EventStore(SystemClock())
    handlers = IncidentEventHandlers(store, ContractBook(store))
    table = routes(handlers)
    bookkeeping = Applier(NAME, engine, table, SystemClock())
    # The cached states are millions of objects that the cyclic garbage collector would walk
    # again and again (a third of the rebuild's CPU time), while a rebuild makes almost no
    # cyclic garbage (about 500 objects for 100,000 events): it is paused until the end.
    batch = handlers.batch = Batch()
    collecting = gc.isenabled()
    gc.disable()
    try:
        await _start(engine, handlers, bookkeeping, batch)
        return await _run(
            feed,
            _Pipeline(engine, handlers, table, bookkeeping, batch, write_every),
            page_size,
            progress,
        )
    finally:
        # What the batch holds is freed now, not walked first by the collector, which would
        # find every object made while it was paused (0.3 s for 100,000 events).
        batch.forget()
        if collecting:
            gc.enable()
        if own_feed:
            await feed.aclose()
        await engine.dispose()
