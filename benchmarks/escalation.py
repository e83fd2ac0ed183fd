"""The escalation service's measurement (f): decisions per second under a burst of incident
events, and how long a decision waits until it is applied.

Real services throughout: an incidents service and an escalation service (seeded with the demo
escalation set) as subprocesses on databases of their own, topics under a per-run prefix (no
SLA monitor: the escalation service's SLA consumer idles on an empty topic). The burst is
`incidents` incidents opened through the incidents API as fast as `concurrency` clients can:
each `opened` event makes exactly one route decision (mixed severities and products, so some
stay with the owning partner, an `assign`, and some go to the provider, an `escalate`). A plain
consumer of the incidents topic and of `village.escalations.v1` times every record on arrival
(`time.time()` in this process) and keeps the CloudEvent `time` and data of each.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from village_devstack import demo
from village_devstack.services import ESCALATION, INCIDENTS
from village_platform.http import service_client

from .cpu import CpuUsage
from .stack import BenchStack
from .stats import epoch

INCIDENTS_TOPIC = "village.incidents.v1"
ESCALATION_TOPIC = "village.escalations.v1"
NO_SLA_MONITOR = "http://127.0.0.1:9"  # nothing listens: the SLA feed is read only to heal gaps

# Who opens what, cycling by incident number: (owning partner, customer, product) and where the
# demo rules send it. northwind is certified for routers, contoso for firewalls; anything else
# goes to acme (TAC L2 for an S1, TAC L1 otherwise); northwind's S1 routers start at its L2.
MIX = (
    ("northwind", "initech", "routers"),
    ("northwind", "initech", "routers"),
    ("northwind", "initech", "firewalls"),
    ("contoso", "umbrella", "firewalls"),
    ("contoso", "umbrella", "routers"),
)
SEVERITIES = ("S1", "S2", "S3", "S4")


def plan(i: int) -> tuple[str, dict[str, Any], tuple[str, str]]:
    """Incident `i`: the opening party, the body, and the (party, tier) the route must pick."""
    partner, customer, product = MIX[i % len(MIX)]
    severity = SEVERITIES[(i // len(MIX)) % len(SEVERITIES)]
    certified = product == ("routers" if partner == "northwind" else "firewalls")
    if not certified:
        expected = ("acme", "TAC L2" if severity == "S1" else "TAC L1")
    elif partner == "northwind" and severity == "S1":
        expected = ("northwind", "L2")
    else:
        expected = (partner, "L1")
    body = {
        "title": f"Escalation benchmark {i}: {product} down for {customer}",
        "description": "Opened by the escalation benchmark.",
        "severity": severity,
        "product": product,
        "impacted_service": "branch-vpn",
        "customer": customer,
    }
    return partner, body, expected


@dataclass
class Seen:
    """One incident as the benchmark's consumer saw it (receive times: time.time())."""

    posted: float | None = None  # the open's 201 answer arrived
    opened: float | None = None
    decided: float | None = None
    decided_time: float | None = (
        None  # the decided event's CloudEvent time (the service appended it)
    )
    opened_time: float | None = None  # the decision's data.at: the opened event's time
    to: tuple[str, str] | None = None
    kind: str = ""
    applied: float | None = None
    applied_at: float | None = None  # the applied event's data.at (the timer batch's clock)
    failed: bool = False
    decisions: int = 0


@dataclass
class EscalationResult:
    incidents: int
    concurrency: int
    opened: int = 0  # 201 answers
    post_seconds: float = 0.0  # first POST sent -> last answered
    seen: dict[str, Seen] = field(default_factory=dict)  # measured incidents only
    expected: dict[str, tuple[str, str]] = field(default_factory=dict)
    posted: dict[str, float] = field(
        default_factory=dict
    )  # incident -> its 201 arrived (time.time())
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    cpu: CpuUsage | None = None

    def _all(self, attr: str) -> list[float]:
        return [getattr(s, attr) for s in self.seen.values() if getattr(s, attr) is not None]

    @property
    def decided(self) -> int:
        return len(self._all("decided"))

    @property
    def applied(self) -> int:
        return len(self._all("applied"))

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.seen.values())

    @property
    def missing(self) -> int:
        return self.opened - self.applied - self.failed

    @property
    def wrong_route(self) -> int:
        return sum(
            1 for i, s in self.seen.items() if s.to is not None and s.to != self.expected.get(i)
        )

    @property
    def extra_decisions(self) -> int:
        return sum(max(s.decisions - 1, 0) for s in self.seen.values())

    def routes(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.seen.values():
            if s.to is not None:
                how = "escalate" if s.to[0] == "acme" else "assign"
                out[how] = out.get(how, 0) + 1
        return out

    @property
    def window(self) -> tuple[float, float, float]:
        """(first opened event received, last decided received, last applied received)."""
        first = min(self._all("opened"), default=0.0)
        return (
            first,
            max(self._all("decided"), default=first),
            max(self._all("applied"), default=first),
        )

    @property
    def decisions_per_second(self) -> float:
        first, last, _ = self.window
        return self.decided / (last - first) if last > first else 0.0

    @property
    def applied_per_second(self) -> float:
        first, _, last = self.window
        return self.applied / (last - first) if last > first else 0.0

    @property
    def opened_per_second(self) -> float:
        return self.opened / self.post_seconds if self.post_seconds else 0.0

    def gaps(self, start: str, end: str) -> list[float]:
        return [
            getattr(s, end) - getattr(s, start)
            for s in self.seen.values()
            if getattr(s, start) is not None and getattr(s, end) is not None
        ]


async def burst(
    stack: BenchStack,
    *,
    incidents: int,
    concurrency: int,
    warmup: int,
    run: str,
    fetch_max_wait_ms: int,
    quiet_seconds: float = 60,
) -> EscalationResult:
    """`incidents` incidents opened by `concurrency` clients as fast as the incidents service
    takes them, while the escalation service decides and applies; `warmup` incidents first,
    applied before the burst and not measured (the consumer group has joined, pools are warm)."""
    from aiokafka import TopicPartition

    prefix = f"bench{run}f."
    incidents_db = await asyncio.to_thread(stack.migrate_database, "esc-incidents")
    escalation_db = await asyncio.to_thread(stack.migrate_database, "escalation", ESCALATION)
    services = []
    consumer = stack.plain_consumer(f"village-bench-{run}-escalation", fetch_max_wait_ms)
    await consumer.start()
    stop = asyncio.Event()
    consuming: asyncio.Task[None] | None = None
    try:
        incidents_service = await asyncio.to_thread(
            stack.start_on,
            INCIDENTS,
            incidents_db,
            "incidents-escalation",
            KAFKA_TOPIC_PREFIX=prefix,
        )
        services.append(incidents_service)
        await asyncio.to_thread(demo.seed_parties, incidents_service.url)
        # The demo web's supplies: globex's profiles of its partners (seed_escalation) need them.
        await asyncio.to_thread(demo.seed_supplies, incidents_service.url)
        escalation = await asyncio.to_thread(
            stack.start_on,
            ESCALATION,
            escalation_db,
            "escalation",
            KAFKA_TOPIC_PREFIX=prefix,
            INCIDENTS_URL=incidents_service.url,
            SLA_MONITOR_URL=NO_SLA_MONITOR,
        )
        services.append(escalation)
        await asyncio.to_thread(demo.seed_escalation, escalation.url)
        print(
            f"  (f) incidents pid {incidents_service.pid} on {incidents_service.url}, escalation "
            f"pid {escalation.pid} on {escalation.url} (demo escalation set), topics {prefix}*",
            flush=True,
        )

        topics = [prefix + INCIDENTS_TOPIC, prefix + ESCALATION_TOPIC]
        await stack.ensure_topics(prefix, [INCIDENTS_TOPIC, ESCALATION_TOPIC])
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(t, p)
            for t in topics
            for p in sorted(consumer.partitions_for_topic(t) or [])
        ]
        if {tp.topic for tp in tps} != set(topics):
            raise RuntimeError(f"topics {topics} have no partitions")
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)

        result = EscalationResult(incidents, concurrency)
        records: dict[str, Seen] = {}
        consuming = asyncio.create_task(_consume(consumer, records, result, stop))
        tokens = {p: demo.token(p) for p in ("northwind", "contoso")}
        async with service_client(
            base_url=incidents_service.url, timeout=httpx.Timeout(60.0), connections=concurrency
        ) as client:
            warm = EscalationResult(warmup, concurrency)
            await _open_all(client, tokens, range(-warmup, 0), concurrency, run, warm)
            await _settle(
                records, set(warm.expected), deadline=time.time() + 120, quiet_seconds=quiet_seconds
            )
            warm_missing = [i for i in warm.expected if records.get(i, Seen()).applied is None]
            if warm.errors or warm_missing:
                raise RuntimeError(
                    f"warm-up: {len(warm_missing)} of {warmup} not applied; errors "
                    f"{warm.errors[:3]}"
                )
            print(
                f"  (f) warm-up: {warmup} incidents decided and applied; bursting {incidents:,} "
                f"opens, {concurrency} clients ...",
                flush=True,
            )
            meter = stack.meter(incidents=incidents_service.pid, escalation=escalation.pid)
            before = meter.sample()
            await _open_all(
                client, tokens, range(incidents), concurrency, run, result, progress=True
            )
        print(
            f"  (f) {result.opened:,} opened in {result.post_seconds:.1f} s "
            f"({result.opened_per_second:.0f}/s); waiting for the decisions to be applied ...",
            flush=True,
        )
        await _settle(
            records,
            set(result.expected),
            deadline=time.time() + settle_seconds(incidents),
            quiet_seconds=quiet_seconds,
            progress=True,
        )
        result.cpu = meter.usage(before, meter.sample())
        stop.set()
        await consuming
        result.seen = {i: records[i] for i in result.expected if i in records}
        for i, answered in result.posted.items():
            if i in result.seen:
                result.seen[i].posted = answered
        return result
    finally:
        stop.set()
        if consuming is not None and not consuming.done():
            consuming.cancel()
        await consumer.stop()
        for service in reversed(services):
            await asyncio.to_thread(stack.stop, service)


async def _open_all(
    client: httpx.AsyncClient,
    tokens: dict[str, str],
    numbers: range,
    concurrency: int,
    run: str,
    result: EscalationResult,
    progress: bool = False,
) -> None:
    counter = iter(numbers)
    step = max(len(numbers) // 5, 1)

    async def worker() -> None:
        for i in counter:
            party, body, expected = plan(i)
            headers = {
                "Authorization": f"Bearer {tokens[party]}",
                "Idempotency-Key": f"{run}-esc-{i}",
            }
            try:
                try:
                    response = await client.post("/incidents", json=body, headers=headers)
                except (
                    httpx.TransportError
                ):  # a dropped connection: retried once, same key, as a partner would
                    response = await client.post("/incidents", json=body, headers=headers)
            except httpx.HTTPError as exc:
                result.errors.append(f"open {i}: {exc!r}")
                continue
            if response.status_code != 201:
                result.errors.append(f"open {i}: {response.status_code} {response.text[:200]}")
                continue
            incident = response.json()["id"]
            result.expected[incident], result.posted[incident] = expected, time.time()
            result.opened += 1
            if progress and result.opened % step == 0:
                print(f"  (f)   {result.opened:,} opened", flush=True)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.post_seconds = time.perf_counter() - started


async def _consume(
    consumer: Any, records: dict[str, Seen], result: EscalationResult, stop: asyncio.Event
) -> None:
    ids: set[str] = set()
    while not stop.is_set():
        batches = await consumer.getmany(timeout_ms=50, max_records=2000)
        received = time.time()
        for messages in batches.values():
            for msg in messages:
                headers = {k: v.decode() for k, v in msg.headers if k.startswith("ce_")}
                kind = headers.get("ce_type", "")
                if kind not in (
                    "village.incident.opened.v1",
                    "village.escalation.decided.v1",
                    "village.escalation.applied.v1",
                    "village.escalation.failed.v1",
                ):
                    continue
                if headers.get("ce_id", "") in ids:
                    result.duplicates += 1
                    continue
                ids.add(headers.get("ce_id", ""))
                seen = records.setdefault(headers.get("ce_subject", ""), Seen())
                if kind == "village.incident.opened.v1":
                    seen.opened = received
                    continue
                data = json.loads(msg.value)
                if kind == "village.escalation.decided.v1":
                    seen.decisions += 1
                    if seen.decided is None:
                        seen.decided, seen.to, seen.kind = (
                            received,
                            (data["to"]["party"], data["to"]["tier"]),
                            data["kind"],
                        )
                        seen.decided_time = _timestamp(headers.get("ce_time"))
                        seen.opened_time = _timestamp(data.get("at"))
                elif kind == "village.escalation.applied.v1":
                    seen.applied, seen.applied_at = received, _timestamp(data.get("at"))
                else:
                    seen.failed = True
                    result.errors.append(
                        f"decision {data.get('decision_id')} failed: {data.get('problem')}"
                    )


def _timestamp(value: str | None) -> float | None:
    return None if not value else epoch(value)


async def _settle(
    records: dict[str, Seen],
    wanted: set[str],
    *,
    deadline: float,
    quiet_seconds: float,
    progress: bool = False,
) -> None:
    """Until every wanted incident's decision is applied (or failed), or nothing moved for
    `quiet_seconds`, or `deadline`."""

    def counts() -> tuple[int, int]:
        found = [s for i in wanted if (s := records.get(i)) is not None]
        return (
            sum(1 for s in found if s.decided is not None),
            sum(1 for s in found if s.applied is not None or s.failed),
        )

    last, moved, reported = (-1, -1), time.time(), time.time()
    while (n := counts())[1] < len(wanted):
        now = time.time()
        if n != last:  # decisions or outcomes still arriving
            last, moved = n, now
        if now > deadline or now - moved > quiet_seconds:
            return
        if progress and now - reported > 10:
            print(f"  (f)   decided {n[0]:,}, applied {n[1]:,} of {len(wanted):,}", flush=True)
            reported = now
        await asyncio.sleep(0.1)


def settle_seconds(incidents: int) -> float:
    """How long the decisions may take to be applied after the last open (about 12 applied/s
    measured on a loaded 2-core machine: the timer applies them one HTTP call at a time)."""
    return 120 + incidents * 0.15


def allowance(incidents: int) -> float:
    """(f)'s whole budget: setup, opens (~40/s at worst) and `settle_seconds`."""
    return 180 + incidents / 40 + settle_seconds(incidents)
