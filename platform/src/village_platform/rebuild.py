"""Drop a read model and rebuild it from the owner's feed, from position 0, with progress.

Stop the consumer first (or accept that it will skip whatever the rebuild already applied —
both use the same `handled_events` and `stream_positions` rows, so nothing is applied twice).

Every consuming service declares its read model once (`ReadModel`: consumer name, routing
table, reset) and gets the command for free:

    village-rebuild village_sla.consumer:READ_MODEL --service sla-monitor --feed http://127.0.0.1:8001
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tqdm.auto import tqdm

from .applier import Applier, ConsumedEvent, HandlerError, Routes
from .clock import Clock, SystemClock
from .db import make_engine
from .dlq import park
from .feedclient import FeedClient
from .settings import Settings

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
    applier = Applier(name, engine, routes, clock or SystemClock(), max_retries=max_retries)
    async with engine.begin() as conn:
        await reset(conn)
        await applier.forget(conn)

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


@dataclass(frozen=True)
class ReadModel:
    """A consuming service's read model: its consumer name, routing table and reset."""

    consumer: str
    routes: Routes
    reset: Reset


def load_read_model(target: str) -> ReadModel:
    """`package.module:ATTRIBUTE`, naming a ReadModel (or a function returning one)."""
    module_name, _, attribute = target.partition(":")
    found = getattr(importlib.import_module(module_name), attribute or "READ_MODEL")
    found = found() if callable(found) and not isinstance(found, ReadModel) else found
    if not isinstance(found, ReadModel):
        raise SystemExit(f"{target} is not a ReadModel")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="village-rebuild",
        description="Drop a read model and rebuild it from the owner's event feed.",
    )
    parser.add_argument("read_model", help="package.module:ATTRIBUTE naming the ReadModel")
    parser.add_argument(
        "--service", required=True, help="the consuming service (its settings and database)"
    )
    parser.add_argument(
        "--feed", required=True, help="base URL of the owning service, e.g. http://127.0.0.1:8001"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    read_model = load_read_model(args.read_model)
    settings = Settings.for_service(args.service, 0)

    async def run() -> int:
        engine = make_engine(settings, statement_timeout=None)  # offline: no statement timeout
        try:
            async with FeedClient.for_consumer(args.feed, settings, read_model.consumer) as feed:
                return await rebuild(
                    read_model.consumer,
                    engine,
                    feed,
                    read_model.routes,
                    read_model.reset,
                    progress=not args.quiet,
                )
        finally:
            await engine.dispose()

    count = asyncio.run(run())
    print(f"rebuilt {read_model.consumer}: {count} events", file=sys.stderr)
    return 0
