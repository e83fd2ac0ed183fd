"""The SLA monitor's measurement (d): its projection, rebuilt from the incidents feed and applied
event by event as the live consumer does; and the setup (e) shares (sla_timers.py).

Real PostgreSQL and the real broker throughout. The incident events are generated
(sla_history.py) and written straight into an incidents database, served by an incidents
service subprocess: producing 100,000 events through the HTTP API would take longer than the
whole benchmark. The SLA code runs as its operators run it: `rebuild` (what
`village-sla-monitor rebuild-read-model` calls) in this process, the service as a subprocess.
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from village_devstack import demo
from village_devstack.services import INCIDENTS, SLA_MONITOR
from village_platform.applier import APPLIED, Applier, ConsumedEvent
from village_platform.clock import SystemClock
from village_platform.db import make_engine
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore
from village_platform.feedclient import FeedClient, FeedPage
from village_platform.settings import Settings
from village_sla_monitor import consumer as sla_consumer
from village_sla_monitor.contractbook import ContractBook
from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.handlers.incident_events import IncidentEventHandlers
from village_sla_monitor.rebuild import rebuild

from . import sla_history
from .cpu import CpuMeter, CpuUsage
from .stack import BenchStack
from .stats import median

INCIDENT_SOURCE = "/village/incidents"
SLA_TOPIC = "village.sla.v1"
EFFECTIVE_FROM = datetime(2026, 1, 1, tzinfo=UTC)


def sla_settings(stack: BenchStack, database: str, prefix: str) -> Settings:
    return Settings(
        service="sla-monitor",
        port=0,
        DATABASE_URL=database,
        database_is_own=True,
        KAFKA_BOOTSTRAP_SERVERS=stack.kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=prefix,
    )


async def sla_database(
    stack: BenchStack, name: str, prefix: str, contracts: list[dict[str, Any]]
) -> Settings:
    """A migrated SLA monitor database with `contracts` registered (as `POST /contracts` records
    them)."""
    settings = sla_settings(
        stack, await asyncio.to_thread(stack.migrate_database, name, SLA_MONITOR), prefix
    )
    engine = make_engine(
        settings, statement_timeout=None
    )  # contracts, then a rebuild: offline work
    book = ContractBook(EventStore(SystemClock()))
    try:
        async with engine.begin() as conn:
            for spec in contracts:
                terms = Terms.from_spec(spec["id"], 1, spec, EFFECTIVE_FROM)
                provider = spec["provider"]
                admin = Metadata(actor_party=provider, actor_user=f"{provider}-admin")
                await book.record(conn, terms, admin, datetime.now(UTC))
    finally:
        await engine.dispose()
    return settings


class MemoryFeed:
    """The incidents feed from memory: FeedClient's paging, for setups that are not measured."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = [
            ConsumedEvent.from_feed_item(i, INCIDENT_SOURCE)
            for i in sla_history.with_positions(items)
        ]

    async def latest_position(self) -> int:
        return len(self.items)

    async def page(
        self, after: int = 0, limit: int | None = None, stream_id: str | None = None
    ) -> FeedPage:
        chunk = self.items[after : after + (limit or 500)]
        return FeedPage(chunk, chunk[-1].position if chunk else after)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        pass


async def scalar(settings: Settings, sql: str) -> Any:
    engine = make_engine(settings, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text(sql))
    finally:
        await engine.dispose()


SLA_FACTS = "SELECT count(*) FROM events WHERE stream_id NOT LIKE 'contract:%'"


# -- (d) rebuild and the live apply path --------------------------------------------------------


@dataclass
class RebuildRun:
    kind: str  # "empty" (first build: facts appended) | "again" (facts already stored)
    events: int
    seconds: float
    appended: int  # SLA events this rebuild added to the store
    cpu: CpuUsage | None = None

    @property
    def per_second(self) -> float:
        return self.events / self.seconds


@dataclass
class ProjectionResult:
    history: str
    mix: dict[str, int]
    page_size: int
    rebuilds: list[RebuildRun]
    apply_events: int = 0
    apply_seconds: float = 0.0
    apply_latency: list[float] = field(default_factory=list)
    apply_cpu: CpuUsage | None = None
    apply_facts: int = 0
    apply_batch: int = 1  # events per transaction on the apply path

    def runs(self, kind: str) -> list[RebuildRun]:
        return [r for r in self.rebuilds if r.kind == kind]

    def median(self, kind: str) -> float:
        return median([r.per_second for r in self.runs(kind)])

    @property
    def apply_per_second(self) -> float:
        return self.apply_events / self.apply_seconds if self.apply_seconds else 0.0


async def projection(
    stack: BenchStack,
    *,
    events: int,
    apply_events: int,
    repeats: int,
    page_size: int,
    run: str,
    apply_batch: int = 100,
) -> ProjectionResult:
    """Rebuild the SLA read model from `events` incident events (on an empty database, then
    `repeats` times again), then apply the first `apply_events` `apply_batch` per transaction."""
    prefix = f"bench{run}d."
    items = sla_history.history(events)
    mix = sla_history.check_schemas(items)
    history = sla_history.shape(items)
    incidents_db = await asyncio.to_thread(stack.migrate_database, "sla-feed")
    await sla_history.load_feed(incidents_db, items)
    del items
    feed_service = await asyncio.to_thread(
        stack.start_on, INCIDENTS, incidents_db, "incidents-feed", KAFKA_TOPIC_PREFIX=prefix
    )
    print(
        f"  (d) {events:,} incident events served by incidents pid {feed_service.pid} "
        f"on {feed_service.url}: " + ", ".join(f"{t.split('.')[2]} {n:,}" for t, n in mix.items()),
        flush=True,
    )
    meter = CpuMeter({"feed service": feed_service.pid}, {"postgres": stack.postgres_pid})
    contracts = list(demo.CONTRACTS)
    settings = await sla_database(stack, "sla-rebuild", prefix, contracts)
    result = ProjectionResult(history, mix, page_size, [])
    for i in range(1 + repeats):
        kind = "empty" if i == 0 else "again"
        facts = await scalar(settings, SLA_FACTS)
        async with FeedClient.for_consumer(
            feed_service.url, settings, sla_consumer.NAME, source=INCIDENT_SOURCE
        ) as feed:
            before = meter.sample()
            started = time.perf_counter()
            count = await rebuild(settings, feed=feed, page_size=page_size, progress=False)
            seconds = time.perf_counter() - started
            usage = meter.usage(before, meter.sample())
        appended = await scalar(settings, SLA_FACTS) - facts
        if count != events:
            raise RuntimeError(f"rebuild read {count} events, expected {events}")
        result.rebuilds.append(RebuildRun(kind, count, seconds, appended, usage))
        print(
            f"  (d) rebuild {i + 1} ({kind}): {count / seconds:8.0f} events/s, {seconds:.1f} s, "
            f"{appended:,} SLA events appended",
            flush=True,
        )

    if apply_events:
        settings = await sla_database(stack, "sla-apply", prefix, contracts)
        feed_items = await _feed_items(feed_service.url, settings, apply_events)
        await _apply(settings, feed_items, meter, result, apply_batch)
        print(
            f"  (d) apply path: {result.apply_per_second:8.0f} events/s "
            f"over {result.apply_events:,} events",
            flush=True,
        )
    await asyncio.to_thread(stack.stop, feed_service)
    return result


async def _feed_items(url: str, settings: Settings, n: int) -> list[ConsumedEvent]:
    """The first `n` events of the feed, read before anything is timed."""
    found: list[ConsumedEvent] = []
    async with FeedClient.for_consumer(
        url, settings, sla_consumer.NAME, source=INCIDENT_SOURCE
    ) as feed:
        after = 0
        while len(found) < n:
            page = await feed.page(after, limit=1000)
            if not page.items:
                break
            found += page.items
            after = page.next_after
    return found[:n]


async def _apply(
    settings: Settings,
    events: list[ConsumedEvent],
    meter: CpuMeter,
    result: ProjectionResult,
    batch: int,
) -> None:
    """The live consumer's path, one after another as ConsumerRunner applies a partition's
    records: `batch` events (a fetch) at a time through `Applier.apply_many` with the SLA
    monitor's batch scope (order checks, the handlers, each state written once, handled records,
    stream positions: one transaction), or with `batch` 1 `Applier.apply` per event, as before.
    Not included: the Kafka fetch and the offset commit."""
    engine = make_engine(settings)
    store = EventStore(SystemClock())
    projection = IncidentEventHandlers(store, ContractBook(store))
    applier = Applier(
        sla_consumer.NAME,
        engine,
        sla_consumer.routes(projection),
        SystemClock(),
        batch_scope=projection.applying_many,
    )

    async def apply(chunk: list[ConsumedEvent]) -> None:
        if len(chunk) > 1:
            if not await applier.apply_many(chunk):
                raise RuntimeError(f"apply path: a batch of {len(chunk)} fell back to one by one")
            return
        outcome = await applier.apply(chunk[0])
        if outcome != APPLIED:  # a gap or a duplicate: the history is not in feed order
            raise RuntimeError(f"apply path: {outcome} at {chunk[0].stream_id}")

    warm = min(200, len(events) // 10)
    chunks = [events[i : i + batch] for i in range(warm, len(events), batch)]
    result.apply_batch = batch
    try:
        for i in range(0, warm, batch):  # connections, contract cache, code paths warm
            await apply(events[i : min(i + batch, warm)])
        facts = await scalar(settings, SLA_FACTS)
        # This process holds the whole history and the rebuilds' leftovers: a full collection
        # of that heap took about 0.9 s inside one measured transaction. A live monitor holds
        # none of it, so the objects alive now are left out of the collector's scans.
        gc.collect()
        gc.freeze()
        before = meter.sample()
        started = time.perf_counter()
        for chunk in chunks:
            t = time.perf_counter()
            await apply(chunk)
            result.apply_latency.append(time.perf_counter() - t)
        result.apply_seconds = time.perf_counter() - started
        result.apply_cpu = meter.usage(before, meter.sample())
        result.apply_events = len(events) - warm
        result.apply_facts = await scalar(settings, SLA_FACTS) - facts
    finally:
        gc.unfreeze()
        await engine.dispose()
