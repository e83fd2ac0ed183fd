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

from village_platform.applier import Applier, ConsumedEvent
from village_platform.clock import SystemClock
from village_platform.db import make_engine
from village_platform.eventstore import EventStore
from village_platform.feed import MAX_LIMIT
from village_platform.feedclient import FeedClient, FeedPage
from village_platform.settings import Settings

from .consumer import NAME, incidents_feed, reset, routes
from .contractbook import ContractBook
from .handlers import Batch, Prepared, SlaProjection

# The projection awaits no I/O (contracts are preloaded, states cached): without a pause now and
# then it would hold the event loop for a whole page, and the previous page's write would send
# its next statement only when the page is done.
YIELD_EVERY = 25
# Events projected between writes. An incident's events are spread over several pages, and
# each write stores the states (and clock rows, timers) of every incident it touched: writing
# every few pages rather than every page stores each state fewer times (100,000 events of the
# benchmark's history: 45,728 state rows written page by page, 29,013 every 4 pages).
WRITE_EVERY = 4 * MAX_LIMIT


async def _write(engine: AsyncEngine, projection: SlaProjection, bookkeeping: Applier,
                 prepared: Prepared | None, events: list[ConsumedEvent]) -> None:
    """The facts on one connection, the read model and the handled records on another, at the
    same time: two database processes share the work (the events INSERT alone is about half of
    it). The facts commit on their own: they are true whatever happens to the rest, and a
    rebuild run again after a failure skips them by id."""

    async def facts(prepared: Prepared) -> None:
        async with engine.begin() as conn:
            await projection.write_facts(conn, prepared)

    async def rows() -> None:
        async with engine.begin() as conn:
            if prepared is not None:
                await projection.write_rows(conn, prepared)
            await bookkeeping.mark_many(conn, events)

    async with asyncio.TaskGroup() as group:
        if prepared is not None and prepared.events:
            group.create_task(facts(prepared))
        group.create_task(rows())


async def rebuild(settings: Settings, *, feed: FeedClient | None = None, page_size: int = MAX_LIMIT,
                  write_every: int = WRITE_EVERY, progress: bool = True) -> int:
    """Returns how many incident events it read."""
    engine = make_engine(settings, statement_timeout=None)  # offline: no statement timeout
    own_feed = feed is None
    feed = feed or incidents_feed(settings)
    store = EventStore(SystemClock())
    projection = SlaProjection(store, ContractBook(store))
    handlers = routes(projection)
    bookkeeping = Applier(NAME, engine, handlers, SystemClock())
    # The cached states are millions of objects that the cyclic garbage collector would walk
    # again and again (a third of the rebuild's CPU time), while a rebuild makes almost no
    # cyclic garbage (about 500 objects for 100,000 events): it is paused until the end.
    collecting = gc.isenabled()
    gc.disable()
    try:
        async with engine.begin() as conn:
            await reset(conn)
            await bookkeeping.forget(conn)
            await projection.book.preload(conn)
        batch = projection.batch = Batch()
        total = await feed.latest_position()
        count = 0
        with tqdm(total=total, desc="rebuild sla-monitor", unit="event", disable=not progress) as bar:
            next_page: asyncio.Task[FeedPage] = asyncio.create_task(feed.page(0, limit=page_size))
            writing: asyncio.Task[None] | None = None
            projected: list[ConsumedEvent] = []  # since the last write
            while True:
                page = await next_page
                if page.items:
                    next_page = asyncio.create_task(feed.page(page.next_after, limit=page_size))
                    # Project this page while the previous pages are written, on another connection.
                    async with engine.begin() as conn:
                        for i, event in enumerate(page.items):
                            if event.type in handlers:
                                await handlers[event.type](conn, event)
                            if i % YIELD_EVERY == 0:
                                await asyncio.sleep(0)  # let the write go on
                    projected += page.items
                    count += len(page.items)
                    bar.update(len(page.items))
                if projected and (len(projected) >= write_every or batch.too_big() or not page.items):
                    prepared = projection.take_batch()
                    if writing is not None:
                        await writing  # written in order
                    writing = asyncio.create_task(_write(engine, projection, bookkeeping, prepared, projected))
                    projected = []
                    if batch.too_big():  # forget cached states only once they are written
                        await writing
                        writing = None
                        batch.evict()
                if not page.items:
                    break
            if writing is not None:
                await writing
            next_page.cancel()
        return count
    finally:
        if collecting:
            gc.enable()
        if own_feed:
            await feed.aclose()
        await engine.dispose()
