"""Rebuild the SLA read model from the incidents feed: `village-sla-monitor rebuild-read-model`.

Stop the SLA monitor's consumer first. The feed is read page by page; each page is projected in
memory and written in one transaction (states, clock rows, timers, handled records, and any SLA
event not already in the store) while the next page is fetched and projected. The generic
`village-rebuild village_sla_monitor.consumer:read_model` gives the same result event by event.
"""

from __future__ import annotations

import asyncio

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


async def _write(engine: AsyncEngine, projection: SlaProjection, bookkeeping: Applier,
                 prepared: Prepared | None, events: list[ConsumedEvent]) -> None:
    async with engine.begin() as conn:
        if prepared is not None:
            await projection.write_batch(conn, prepared)
        await bookkeeping.mark_many(conn, events)


async def rebuild(settings: Settings, *, feed: FeedClient | None = None, page_size: int = MAX_LIMIT,
                  progress: bool = True) -> int:
    """Returns how many incident events it read."""
    engine = make_engine(settings)
    own_feed = feed is None
    feed = feed or incidents_feed(settings)
    store = EventStore(SystemClock())
    projection = SlaProjection(store, ContractBook(store))
    handlers = routes(projection)
    bookkeeping = Applier(NAME, engine, handlers, SystemClock())
    try:
        async with engine.begin() as conn:
            await reset(conn)
            await bookkeeping.forget(conn)
            await projection.book.preload(conn)
        projection.batch = Batch()
        total = await feed.latest_position()
        count, after = 0, 0
        with tqdm(total=total, desc="rebuild sla-monitor", unit="event", disable=not progress) as bar:
            next_page: asyncio.Task[FeedPage] = asyncio.create_task(feed.page(after, limit=page_size))
            writing: asyncio.Task[None] | None = None
            while True:
                page = await next_page
                if not page.items:
                    break
                next_page = asyncio.create_task(feed.page(page.next_after, limit=page_size))
                # Project this page while the previous one is written, on another connection.
                async with engine.begin() as conn:
                    for i, event in enumerate(page.items):
                        if event.type in handlers:
                            await handlers[event.type](conn, event)
                        if i % YIELD_EVERY == 0:
                            await asyncio.sleep(0)  # let the write of the previous page go on
                prepared = projection.take_batch()
                if writing is not None:
                    await writing  # pages are written in order
                writing = asyncio.create_task(_write(engine, projection, bookkeeping, prepared, page.items))
                if projection.batch.too_big():  # forget cached states only once they are written
                    await writing
                    writing = None
                    projection.batch.evict()
                count += len(page.items)
                bar.update(len(page.items))
            if writing is not None:
                await writing
            next_page.cancel()
        return count
    finally:
        if own_feed:
            await feed.aclose()
        await engine.dispose()
