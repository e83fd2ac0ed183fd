"""Drop a read model and rebuild it from the owner's feed, from position 0, with progress.

Stop the consumer first (or accept that it will skip whatever the rebuild already applied —
both use the same `handled_events` and `stream_positions` rows, so nothing is applied twice).
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tqdm.auto import tqdm

from .applier import Applier, ConsumedEvent, HandlerError, Routes
from .clock import Clock, SystemClock
from .dlq import park
from .feedclient import FeedClient

log = logging.getLogger(__name__)

Reset = Callable[[AsyncConnection], Awaitable[None]]


async def rebuild(
    name: str,
    engine: AsyncEngine,
    feed: FeedClient,
    routes: Routes,
    reset: Reset,
    *,
    clock: Clock | None = None,
    max_retries: int = 0,
    progress: bool = True,
) -> int:
    """Reset consumer `name`'s read model and re-apply every event of `feed`; returns the count.

    `reset(conn)` truncates the service's read-model tables; it runs in the same transaction
    that forgets what `name` had handled. Events are then applied through the consumer's own
    apply path; one whose handler fails is parked in `dead_letters` (topic `feed`) and the
    rebuild goes on.
    """
    async with engine.begin() as conn:
        await reset(conn)
        await conn.execute(text("DELETE FROM handled_events WHERE consumer = :c"), {"c": name})
        await conn.execute(text("DELETE FROM stream_positions WHERE consumer = :c"), {"c": name})
    applier = Applier(name, engine, routes, clock or SystemClock(), max_retries=max_retries)

    async def park_failed(event: ConsumedEvent, error: HandlerError) -> None:
        await park(applier, event, str(error), "feed")

    total = await feed.latest_position()
    count, done = 0, 0
    with tqdm(total=total, desc=f"rebuild {name}", unit="pos", disable=not progress) as bar:
        async for event in feed.events(after=0):
            await applier.process(event, feed, park_failed)
            count += 1
            position = event.position or done
            bar.update(max(position - done, 0))
            done = max(done, position)
    log.info("rebuilt read model", extra={"consumer": name, "events": count})
    return count
