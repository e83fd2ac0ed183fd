"""The SLA monitor's measurement (e): timer-firing lag with many open clocks, steady and in a burst.

The clocks are opened by `rebuild` from an in-memory feed before the service starts, timed so
that they fall due when the measurement wants; the SLA monitor then runs as a subprocess with
its own settings and publishes what its timers fire to Kafka, where a plain consumer measures it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from village_devstack.services import SLA_MONITOR
from village_platform.envelope import event_name
from village_sla_monitor.rebuild import rebuild

from . import sla_history
from .cpu import CpuMeter, CpuUsage
from .sla import SLA_TOPIC, MemoryFeed, scalar, sla_database
from .stack import BenchStack

# (e)'s contract: an S1 respond clock short enough to warn at 50/75/90 % and breach within 30 s;
# every other target long enough to stay open all run. Credits as in the demo contracts.
TIMER_CONTRACT = {
    "id": "bench-timers",
    "name": "Timer benchmark (24x7)",
    "provider": "northwind",
    "customer": "initech",
    "kind": "customer_facing",
    "calendar": {"type": "24x7"},
    "targets": {
        "S1": {"respond_minutes": 1, "resolve_minutes": 600},
        "S2": {"respond_minutes": 600, "resolve_minutes": 1200},
    },
    "credits": {
        "currency": "EUR",
        "monthly_fee": "12000",
        "per_breach": "250",
        "monthly_cap": "3000",
    },
}
RESPOND_SECONDS = 60.0
FIRINGS_PER_INCIDENT = 4  # the respond clock: three warnings and the breach


@dataclass
class Firings:
    """One group of clocks' thresholds as the benchmark's consumer received them."""

    incidents: set[str]
    lag: list[float] = field(default_factory=list)  # threshold instant -> received
    to_sent: list[float] = field(
        default_factory=list
    )  # threshold instant -> Kafka record timestamp
    sent_to_received: list[float] = field(default_factory=list)
    warnings: int = 0
    breaches: int = 0
    cpu: CpuUsage | None = None
    # lag by threshold instant: the burst's four waves (each 1,000 due at the same instant)
    waves: dict[float, list[float]] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        return len(self.incidents) * FIRINGS_PER_INCIDENT

    @property
    def received(self) -> int:
        return self.warnings + self.breaches

    def add(self, kind: str, at: float, sent: float, received: float) -> None:
        self.lag.append(received - at)
        self.waves.setdefault(round(at, 3), []).append(received - at)
        self.to_sent.append(sent - at)
        self.sent_to_received.append(received - sent)
        if kind == "warning":
            self.warnings += 1
        else:
            self.breaches += 1


@dataclass
class TimerResult:
    clocks: int  # open timers just before the first fell due
    incidents: int
    spread: float  # steady: first thresholds due evenly over this many seconds
    steady: Firings
    burst: Firings
    ready_margin: float  # seconds between everything ready and the first due time
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def steady_window(self) -> float:
        return self.spread + RESPOND_SECONDS / 2

    @property
    def missing(self) -> int:
        return (
            self.steady.expected + self.burst.expected - self.steady.received - self.burst.received
        )


async def timer_lag(
    stack: BenchStack,
    *,
    clocks: int,
    rate: float,
    spread: float,
    burst: int,
    lead: float,
    run: str,
    fetch_max_wait_ms: int,
    quiet_seconds: float = 15,
) -> TimerResult:
    """`clocks` open clocks (incidents × respond and resolve), built by `rebuild` before the SLA
    monitor starts (subprocess, its own settings: timer poll 1 s, relay woken by each batch fired).

    Steady: enough incidents that their respond thresholds (50, 75, 90 %, breach: 30 s apart
    from first to last) fall due at `rate` per second on average, first ones evenly over
    `spread` s. Burst, once that is over: `burst` incidents opened at the same instant, so
    `burst` thresholds fall due at once, four times. The rest stay open all run (long targets).
    A plain consumer of village.sla.v1 measures every warning and breach from its threshold
    instant (`data.at`) to when it has the record (receive time, this machine's clock)."""
    from aiokafka import TopicPartition

    from village_platform.kafka import ensure_topics

    prefix = f"bench{run}e."
    incidents = clocks // 2
    steady_n = min(round(rate * (spread + RESPOND_SECONDS / 2) / FIRINGS_PER_INCIDENT), incidents)
    burst_n = min(burst, incidents - steady_n)
    settings = await sla_database(stack, "sla-timers", prefix, [TIMER_CONTRACT])
    now = datetime.now(UTC)
    first_due = now + timedelta(seconds=lead)
    burst_due = first_due + timedelta(seconds=spread + RESPOND_SECONDS / 2 + 10)
    half = timedelta(seconds=RESPOND_SECONDS / 2)
    plan = [
        ("S1", first_due + timedelta(seconds=spread * i / max(steady_n - 1, 1)) - half)
        for i in range(steady_n)
    ]
    plan += [("S1", burst_due - half)] * burst_n
    plan += [("S2", now)] * (incidents - steady_n - burst_n)
    items = sla_history.opened(plan)
    steady = Firings(
        {
            i["stream_id"]
            for i in items
            if i["data"]["severity"] == "S1"
            and datetime.fromisoformat(i["recorded_at"]) < burst_due - half
        }
    )
    bursting = Firings(
        {i["stream_id"] for i in items if i["data"]["severity"] == "S1"} - steady.incidents
    )
    await rebuild(settings, feed=MemoryFeed(items), page_size=1000, progress=False)  # type: ignore[arg-type]
    topic = settings.topic(SLA_TOPIC)
    await ensure_topics(settings, [topic])
    consumer = stack.plain_consumer(f"village-bench-{run}-timers", fetch_max_wait_ms)
    await consumer.start()
    service = None
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions or [])]
        if not tps:
            raise RuntimeError(f"topic {topic} has no partitions")
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)
        service = await asyncio.to_thread(
            stack.start_on,
            SLA_MONITOR,
            settings.database_url,
            "sla-monitor-timers",
            KAFKA_TOPIC_PREFIX=prefix,
            INCIDENTS_URL="http://127.0.0.1:9",
        )
        print(
            f"  (e) SLA monitor pid {service.pid} on {service.url}; {incidents:,} incidents open "
            f"({steady_n:,} steady, {burst_n:,} burst), first due in "
            f"{(first_due - datetime.now(UTC)).total_seconds():.1f} s",
            flush=True,
        )
        # Its relay publishes the rebuild's clock_started facts first: done before the window.
        while await scalar(settings, "SELECT count(*) FROM events WHERE position IS NULL"):
            if datetime.now(UTC) > first_due - timedelta(seconds=1):
                raise RuntimeError("setup not ready before the first due time: raise --timer-lead")
            await asyncio.sleep(0.2)
        open_timers = await scalar(settings, "SELECT count(*) FROM timers")
        earliest = await scalar(settings, "SELECT min(due_at) FROM timers")
        margin = (first_due - datetime.now(UTC)).total_seconds()
        if margin <= 0 or earliest < first_due - timedelta(milliseconds=1):
            raise RuntimeError(
                f"timers fell due before the window (earliest {earliest}, margin {margin:.1f} s)"
            )
        result = TimerResult(open_timers, incidents, spread, steady, bursting, margin)
        meter = stack.meter(**{"sla service": service.pid})
        print(
            f"  (e) {open_timers:,} open timers, ready {margin:.1f} s before the first due time",
            flush=True,
        )
        arrived = await _collect(
            consumer,
            result,
            meter,
            burst_due.timestamp() - 5,
            quiet_seconds,
            hard_stop=time.time() + margin + spread + 3 * RESPOND_SECONDS + 10 + 120,
        )
        # The contract is northwind's with initech: the topic (acme's tooling channel) carries its
        # thresholds as bare facts, so each one's instant comes from the monitor's own store.
        due = await _due_instants(settings, [a[0] for a in arrived])
        for event_id, kind, incident_id, sent, received in arrived:
            group = result.steady if incident_id in result.steady.incidents else result.burst
            group.add(kind, due[event_id], sent, received)
        return result
    finally:
        await consumer.stop()
        if service is not None:
            await asyncio.to_thread(stack.stop, service)


async def _due_instants(settings: Any, event_ids: list[str]) -> dict[str, float]:
    from sqlalchemy import text

    from village_platform.db import make_engine

    engine = make_engine(settings, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT CAST(event_id AS text), data->>'at' FROM events"
                    " WHERE event_id = ANY(CAST(:ids AS uuid[]))"
                ),
                {"ids": event_ids},
            )
            return {i: datetime.fromisoformat(at).timestamp() for i, at in rows}
    finally:
        await engine.dispose()


Arrival = tuple[str, str, str, float, float]  # event id, warning/breached, incident, sent, received


async def _collect(
    consumer: Any,
    result: TimerResult,
    meter: CpuMeter,
    between: float,
    quiet_seconds: float,
    hard_stop: float,
) -> list[Arrival]:
    """Read warnings and breaches until all arrived, or none came for `quiet_seconds` after the
    last was due; CPU is split at `between` (after the steady thresholds, before the burst)."""
    seen: set[str] = set()
    arrived: list[Arrival] = []
    counts = {"steady": 0, "burst": 0}
    groups = (result.steady, result.burst)
    last_due = between + 5 + RESPOND_SECONDS / 2
    sample = meter.sample()
    last_progress = time.time()
    while sum(counts.values()) < sum(g.expected for g in groups):
        now = time.time()
        if now > hard_stop or (now > last_due and now - last_progress > quiet_seconds):
            break
        if result.steady.cpu is None and now > between:
            after = meter.sample()
            result.steady.cpu, sample = meter.usage(sample, after), after
        batches = await consumer.getmany(timeout_ms=50)
        received = time.time()
        for messages in batches.values():
            for msg in messages:
                headers = dict(msg.headers)
                kind = event_name(headers.get("ce_type", b"village.x.x.v1").decode())
                if kind not in ("warning", "breached"):
                    continue
                event_id = headers.get("ce_id", b"").decode()
                if event_id in seen:
                    result.duplicates += 1
                    continue
                seen.add(event_id)
                incident_id = json.loads(msg.value)["incident_id"]  # the fact keeps it
                counts["steady" if incident_id in result.steady.incidents else "burst"] += 1
                arrived.append((event_id, kind, incident_id, msg.timestamp / 1000, received))
                last_progress = received
    result.burst.cpu = meter.usage(sample, meter.sample())
    return arrived
