"""The webhook dispatcher's measurement (g): deliveries per second out of a backlog, and
event → delivery latency at a steady rate of incidents opened.

Real services: an incidents service and the webhooks service as subprocesses on databases of
their own, topics under a per-run prefix (no SLA monitor: its topic stays empty). The receiver
is `make run`'s demo receiver in a process of its own (receivers.py), verifying every signature
with the `standardwebhooks` verifier, as a partner's system is one. Until 2026-12-05 it ran in
this process, where each answer waited on the event loop of the opens.

1. Backlog: `endpoints` endpoints subscribe to `village.incident.*`; the webhooks service stops;
   `events` incidents are opened (one `opened` event each) and published; the service starts
   again and fans out and delivers all of it: deliveries/s from its start to the last arrival.
2. The backlog replayed (every delivery queued at once): the dispatcher's deliveries/s alone.
3. Steady: incidents opened at `low_rate`/s for 8 s (below saturation, for information), then at
   `rate`/s for `duration` s, one endpoint: event time (the CloudEvent `time`, when the incidents
   service recorded it) → the receiver's arrival, p50/p99.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from village_devstack import demo
from village_devstack.services import INCIDENTS, WEBHOOKS
from village_devstack.stack import run_sql
from village_platform.http import service_client

from .cpu import CpuUsage
from .receivers import ReceiverProcess
from .report import Row
from .stack import BenchStack
from .stats import Latency, epoch

INCIDENTS_TOPIC = "village.incidents.v1"

DELIVERY_P99_TARGET_MS = 50.0  # issue 17: event → delivery at 100 events/s
NO_FEED = "http://127.0.0.1:9"  # nothing listens: feeds are read only to heal gaps
BODY = {
    "title": "Webhooks benchmark",
    "description": "Opened by the webhooks benchmark.",
    "severity": "S3",
    "product": "routers",
    "impacted_service": "branch-vpn",
    "customer": "initech",
}


@dataclass
class WebhooksResult:
    events: int
    endpoints: int
    rate: float
    duration: float
    backlog_delivered: int = 0
    backlog_seconds: float = 0.0  # service started -> last delivery arrived
    backlog_first_seconds: float = 0.0  # service started -> first delivery arrived
    replayed: int = 0  # the backlog again, all queued at once: the dispatcher alone
    replay_seconds: float = 0.0  # replay requested -> last arrival
    steady_sent: int = 0
    steady_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # event time -> arrival, seconds
    low_rate: float = 25.0
    low_sent: int = 0
    low_latencies: list[float] = field(default_factory=list)  # the same, below saturation
    fanned_out: list[float] = field(
        default_factory=list
    )  # event time -> delivery row written (steady)
    claimed: list[float] = field(
        default_factory=list
    )  # delivery row written -> attempt recorded (steady)
    # event time -> delivery written, split at the Kafka record's timestamp (the incidents
    # relay's producer stamps it as it sends, in ms): event -> sent, sent -> written (steady)
    to_sent: list[float] = field(default_factory=list)
    sent_to_written: list[float] = field(default_factory=list)
    cpu: CpuUsage | None = None  # the steady window
    unverified: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.backlog_delivered / self.backlog_seconds if self.backlog_seconds else 0.0


async def measure(
    stack: BenchStack,
    *,
    events: int,
    endpoints: int,
    rate: float,
    duration: float,
    run: str,
    low_rate: float = 25.0,
) -> WebhooksResult:
    prefix = f"bench{run}g."
    result = WebhooksResult(events, endpoints, rate, duration, low_rate=low_rate)
    incidents_db = await asyncio.to_thread(stack.migrate_database, "wh-incidents")
    webhooks_db = await asyncio.to_thread(stack.migrate_database, "webhooks", WEBHOOKS)
    services = []
    receiver = ReceiverProcess(stack, f"receiver-{run}g")

    def accepted() -> list[dict[str, Any]]:
        return [a for a in receiver.read() if a["verified"]]  # answered 204

    try:
        incidents = await asyncio.to_thread(
            stack.start_on, INCIDENTS, incidents_db, "incidents-webhooks", KAFKA_TOPIC_PREFIX=prefix
        )
        services.append(incidents)
        await asyncio.to_thread(demo.seed_parties, incidents.url)
        webhooks = await asyncio.to_thread(
            stack.start_on,
            WEBHOOKS,
            webhooks_db,
            "webhooks",
            KAFKA_TOPIC_PREFIX=prefix,
            INCIDENTS_URL=incidents.url,
            SLA_MONITOR_URL=NO_FEED,
            ESCALATION_URL=NO_FEED,
            KNOWLEDGE_URL=NO_FEED,
            WEBHOOKS_ALLOWED_NETWORKS="127.0.0.0/8",
            WEBHOOKS_POLL_SECONDS="0.2",
        )
        services.append(webhooks)
        print(
            f"  (g) incidents pid {incidents.pid} on {incidents.url}, webhooks pid {webhooks.pid} "
            f"on {webhooks.url}, topics {prefix}*",
            flush=True,
        )
        await asyncio.to_thread(receiver.start)
        async with (
            service_client(timeout=60, connections=32) as http,
        ):
            admin = {"Authorization": f"Bearer {demo.token('northwind', 'admin')}"}
            ids = []
            for n in range(endpoints):
                r = await http.post(
                    f"{webhooks.url}/endpoints",
                    headers=admin,
                    json={"url": receiver.url(f"g{n}"), "event_types": ["village.incident.*"]},
                )
                r.raise_for_status()
                receiver.trust(f"g{n}", r.json()["id"], r.json()["secret"])
                ids.append(r.json()["id"])
            await asyncio.to_thread(webhooks.stop)
            print(
                f"  (g) webhooks stopped; opening {events:,} incidents for the backlog ...",
                flush=True,
            )
            opener = {"Authorization": f"Bearer {demo.token('northwind')}"}
            await _open(http, incidents.url, opener, events, 32, result)
            await _published(http, incidents.url)
            started = time.time()
            await asyncio.to_thread(webhooks.start)
            wanted = events * endpoints
            print(f"  (g) webhooks started; waiting for {wanted:,} deliveries ...", flush=True)
            await _until(lambda: len(accepted()) >= wanted, deadline=started + 120 + wanted / 20)
            backlog = accepted()
            result.backlog_delivered = len(backlog)
            if backlog:
                result.backlog_seconds = epoch(backlog[-1]["at"]) - started
                result.backlog_first_seconds = epoch(backlog[0]["at"]) - started
            # The same backlog replayed: every delivery queued at once, so this is the dispatcher
            # alone.
            before = len(accepted())
            began = time.time()
            for endpoint in ids:
                r = await http.post(
                    f"{webhooks.url}/endpoints/{endpoint}/replay",
                    headers=admin,
                    json={"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"},
                )
                r.raise_for_status()
            await _until(
                lambda: len(accepted()) - before >= wanted,
                deadline=began + 60 + wanted / 20,
            )
            replayed = accepted()[before:]
            result.replayed = len(replayed)
            result.replay_seconds = epoch(replayed[-1]["at"]) - began if replayed else 0.0
            # Steady: one endpoint.
            for endpoint in ids[1:]:
                await http.patch(
                    f"{webhooks.url}/endpoints/{endpoint}", headers=admin, json={"disabled": True}
                )

            async def window(at: float, count: int) -> tuple[int, float, list[float]]:
                """Incidents opened at `at`/s: (sent, seconds, event time -> arrival of each)."""
                before, delivered = len(receiver.read()), len(accepted())
                began = time.perf_counter()
                sent = await _paced(http, incidents.url, opener, count, at, result)
                seconds = time.perf_counter() - began
                await _until(lambda: len(accepted()) - delivered >= sent, deadline=time.time() + 60)
                arrived = [a for a in receiver.read()[before:] if a["verified"]]
                return sent, seconds, [epoch(a["at"]) - epoch(a["time"]) for a in arrived]

            if low_rate > 0:
                print(
                    f"  (g) below saturation first: {int(low_rate * 8):,} incidents "
                    f"at {low_rate:.0f}/s ...",
                    flush=True,
                )
                result.low_sent, _, result.low_latencies = await window(low_rate, int(low_rate * 8))
            count = int(rate * duration)
            print(f"  (g) steady: {count:,} incidents at {rate:.0f}/s ...", flush=True)
            meter = stack.meter(
                incidents=incidents.pid, webhooks=webhooks.pid, receiver=receiver.process.pid
            )
            before = meter.sample()
            result.steady_sent, result.steady_seconds, result.latencies = await window(rate, count)
            result.cpu = meter.usage(before, meter.sample())
        split = await asyncio.to_thread(
            run_sql,
            webhooks_db,
            (
                "SELECT d.event_id, extract(epoch FROM d.event_time),"
                " extract(epoch FROM d.created_at), extract(epoch FROM d.last_attempt_at)"
                " FROM deliveries d JOIN endpoints e USING (endpoint_id) WHERE e.status = 'active'"
                f" ORDER BY seq DESC LIMIT {result.steady_sent}"
            ),
        )
        sent = await _record_times(stack, prefix + INCIDENTS_TOPIC)
        for event_id, event_time, written, answered in split[0]:
            result.fanned_out.append(float(written) - float(event_time))
            if answered is not None:
                result.claimed.append(float(answered) - float(written))
            if (at := sent.get(str(event_id))) is not None:
                result.to_sent.append(at - float(event_time))
                result.sent_to_written.append(float(written) - at)
        result.unverified = sum(not a["verified"] for a in receiver.read())
        return result
    finally:
        for service in reversed(services):
            await asyncio.to_thread(stack.stop, service)
        await asyncio.to_thread(receiver.stop)  # stopped last: no delivery finds it gone


async def _record_times(stack: BenchStack, topic: str) -> dict[str, float]:
    """Every record on `topic`: its event id -> the record's timestamp (epoch seconds)."""
    from aiokafka import TopicPartition

    consumer = stack.plain_consumer("village-bench-g-stamps", fetch_max_wait_ms=10)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        stamps: dict[str, float] = {}
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    ce_id = dict(record.headers).get("ce_id")
                    if ce_id is not None:
                        stamps[ce_id.decode()] = record.timestamp / 1000
        return stamps
    finally:
        await consumer.stop()


async def _open(
    http: httpx.AsyncClient,
    base: str,
    headers: dict[str, str],
    count: int,
    concurrency: int,
    result: WebhooksResult,
) -> None:
    numbers = iter(range(count))

    async def worker() -> None:
        for _ in numbers:
            r = await http.post(f"{base}/incidents", json=BODY, headers=headers)
            if r.status_code != 201:
                result.errors.append(f"open: {r.status_code} {r.text[:200]}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _paced(
    http: httpx.AsyncClient,
    base: str,
    headers: dict[str, str],
    count: int,
    rate: float,
    result: WebhooksResult,
) -> int:
    """Open `count` incidents at `rate`/s (open loop); returns how many were opened."""
    sent = 0

    async def one() -> None:
        nonlocal sent
        r = await http.post(f"{base}/incidents", json=BODY, headers=headers)
        if r.status_code == 201:
            sent += 1
        else:
            result.errors.append(f"open: {r.status_code} {r.text[:200]}")

    start, tasks = time.perf_counter(), []
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return sent


async def _published(http: httpx.AsyncClient, base: str) -> None:
    """Until the incidents service's relay has published everything (its /readyz says so)."""

    async def done() -> bool:
        body = (await http.get(f"{base}/readyz")).json()
        return body.get("relay", {}).get("unpublished", 1) == 0

    deadline = time.time() + 120
    while not await done():
        if time.time() > deadline:
            raise RuntimeError("the incidents relay did not publish the backlog")
        await asyncio.sleep(0.2)


async def _until(condition: Any, *, deadline: float) -> None:
    while not condition() and time.time() < deadline:
        await asyncio.sleep(0.05)


def rows(g: WebhooksResult) -> list[Row]:
    lat = Latency.of(g.latencies)
    wanted = g.events * g.endpoints
    undelivered = (
        wanted
        + g.steady_sent
        + g.low_sent
        - g.backlog_delivered
        - len(g.latencies)
        - len(g.low_latencies)
    )
    ok = (
        g.backlog_delivered >= wanted
        and len(g.latencies) >= g.steady_sent
        and len(g.low_latencies) >= g.low_sent
        and not g.unverified
        and not g.errors
    )

    def ms(x: float) -> str:
        return f"{x:.1f} ms"

    return [
        Row(
            f"(g) webhook deliveries/s, backlog of {g.events:,} events × {g.endpoints} endpoints "
            "to a local receiver "
            "(service start → last arrival, consuming and fanning out included)",
            f"{g.per_second:,.0f} /s ({g.backlog_delivered:,} in {g.backlog_seconds:.1f} s; "
            f"first after {g.backlog_first_seconds:.1f} s)",
            "(report)",
        ),
        Row(
            "(g) webhook deliveries/s, the same backlog replayed "
            "(all queued at once: the dispatcher alone)",
            f"{g.replayed / g.replay_seconds if g.replay_seconds else 0:,.0f} /s "
            f"({g.replayed:,} in {g.replay_seconds:.1f} s)",
            "(report)",
        ),
        Row(
            "(g) event time → delivery arrival p50 / p99, "
            f"{g.rate:.0f} events/s × {g.steady_sent:,}",
            f"{ms(lat.p50_ms)} / {ms(lat.p99_ms)} (max {ms(lat.max_ms)})",
            f"p99 ≤ {DELIVERY_P99_TARGET_MS:.0f} ms",
            "pass" if lat.n and lat.p99_ms <= DELIVERY_P99_TARGET_MS else "FAIL",
        ),
        Row(
            f"(g) same, below saturation: {g.low_rate:.0f} events/s × {g.low_sent:,}",
            f"{ms(Latency.of(g.low_latencies).p50_ms)} / {ms(Latency.of(g.low_latencies).p99_ms)}",
            "(information)",
        ),
        Row(
            "(g)   event time → delivery written (consumed, fanned out) p50 / p99; "
            "written → attempt answered",
            f"{ms(Latency.of(g.fanned_out).p50_ms)} / {ms(Latency.of(g.fanned_out).p99_ms)}; "
            f"{ms(Latency.of(g.claimed).p50_ms)} / {ms(Latency.of(g.claimed).p99_ms)}",
        ),
        Row(
            "(g)   event time → delivery written, split at the record's timestamp p50 / p99: "
            "event → the incidents relay sends | sent → delivery written",
            f"{ms(Latency.of(g.to_sent).p50_ms)} / {ms(Latency.of(g.to_sent).p99_ms)} | "
            f"{ms(Latency.of(g.sent_to_written).p50_ms)} / "
            f"{ms(Latency.of(g.sent_to_written).p99_ms)}",
        ),
        Row(
            f"(g)   steady: {g.cpu.summary(g.steady_sent, 'event') if g.cpu else 'no CPU figures'}"
            " (client: the benchmark's opener)",
            "",
        ),
        Row(
            "(g)   steady rate achieved; not delivered; unverified signatures; failed opens",
            f"{g.steady_sent / g.steady_seconds if g.steady_seconds else 0:.1f} /s; "
            f"{undelivered:,}; "
            f"{g.unverified}; {len(g.errors)}",
            "all 0",
            "pass" if ok else "FAIL",
        ),
    ]
