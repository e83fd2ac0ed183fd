"""The three measurements: (a) command throughput, (b) POST-to-Kafka latency, (c) appends/s.

Every workload has a fixed amount of work and a deadline, so a run always ends by itself.
All clocks are `time.perf_counter()` in this one process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from village_platform.http import service_client
from village_platform.storage_schema import UPGRADE

from .cpu import CpuMeter, CpuUsage
from .stats import Latency, median

TOPIC = "village.incidents.v1"


def _client(base_url: str, token: str, connections: int) -> httpx.AsyncClient:
    # The services' own client, as every load generator here: httpx's pool cost the openers
    # CPU on the cores the services share, which a partner's system spends on its own machines.
    return service_client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(30.0),
        connections=connections,
    )


def _open_body(run: str, i: int) -> dict[str, Any]:
    return {
        "title": f"Branch office VPN down ({run}/{i})",
        "description": "Site-to-site tunnel to Leeds dropped at 09:12, no traffic since.",
        "severity": "S2",
        "product": "routers",
        "impacted_service": "branch-vpn",
        "customer": "initech",
        "external_refs": [{"owner": "northwind", "type": "bench", "id": f"{run}-{i}"}],
    }


NOTE = {"body": "Tunnel flaps every 30 s; IKE logs attached.", "visibility": "shared"}


# -- (a) open -> acknowledge -> note at fixed concurrency ------------------------------------


@dataclass
class CommandResult:
    sequences: int
    concurrency: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    cpu: CpuUsage | None = None

    @property
    def commands(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds

    def latency(self, step: str | None = None) -> Latency:
        if step is None:
            return Latency.of([x for v in self.latencies.values() for x in v])
        return Latency.of(self.latencies[step])


async def command_sequences(
    base_url: str,
    token: str,
    *,
    sequences: int,
    concurrency: int,
    warmup: int,
    run: str,
    meter: CpuMeter,
) -> CommandResult:
    """`concurrency` clients each run open -> acknowledge -> note until `sequences` are done.

    Every POST carries an Idempotency-Key, as a partner's integration would send it.
    """
    async with _client(base_url, token, concurrency) as client:

        async def sequence(i: int, result: CommandResult) -> None:
            incident = None
            for step in ("open", "acknowledge", "note"):
                if step == "open":
                    path, body = "/incidents", _open_body(run, i)
                elif step == "acknowledge":
                    path, body = f"/incidents/{incident}/acknowledge", {}
                else:
                    path, body = f"/incidents/{incident}/notes", NOTE
                started = time.perf_counter()
                try:
                    response = await client.post(
                        path, json=body, headers={"Idempotency-Key": f"{run}-{i}-{step}"}
                    )
                except httpx.HTTPError as exc:
                    result.errors.append(f"{step}: {exc!r}")
                    return
                elapsed = time.perf_counter() - started
                if response.status_code not in (200, 201):
                    result.errors.append(f"{step}: {response.status_code} {response.text[:200]}")
                    return
                result.latencies.setdefault(step, []).append(elapsed)
                if step == "open":
                    incident = response.json()["id"]

        async def phase(first: int, n: int) -> CommandResult:
            counter = itertools.count(first)
            result = CommandResult(n, concurrency, 0.0)

            async def worker() -> None:
                while (i := next(counter)) < first + n:
                    await sequence(i, result)

            before = meter.sample()
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            result.seconds = time.perf_counter() - started
            result.cpu = meter.usage(before, meter.sample())
            return result

        await phase(0, warmup)  # connections, pools and caches warm
        return await phase(warmup, sequences)


# -- (b) end-to-end: POST /incidents -> event consumed from Kafka -----------------------------


@dataclass
class EndToEndResult:
    rate: float
    sent: int
    seconds: float  # how long sending took (should be sent / rate)
    e2e: list[float]
    post: list[float]
    missing: int
    errors: list[str]
    late_starts: int  # POSTs that started more than 10 ms after their slot (client overloaded)
    cpu: CpuUsage | None = None
    # Split by the Kafka record timestamp (the relay's producer sets it when it sends; ms):
    # POST start -> relay sends, and relay sends -> this consumer has the record.
    to_produce: list[float] = field(default_factory=list)
    produce_to_consume: list[float] = field(default_factory=list)


async def end_to_end(
    base_url: str,
    token: str,
    bootstrap: str,
    *,
    rate: float,
    count: int,
    drain_seconds: float,
    run: str,
    meter: CpuMeter,
    fetch_max_wait_ms: int,
) -> EndToEndResult:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=fetch_max_wait_ms,
        client_id=f"village-bench-{run}",
    )
    await consumer.start()
    seen: dict[str, float] = {}
    stamps: dict[str, tuple[float, float]] = {}  # subject -> (record timestamp, received), wall s
    stop = asyncio.Event()
    try:
        partitions = consumer.partitions_for_topic(TOPIC)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(TOPIC)
        if not partitions:
            raise RuntimeError(f"topic {TOPIC} has no partitions")
        tps = [TopicPartition(TOPIC, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:  # resolve the end offsets now, before the first POST
            await consumer.position(tp)

        async def consume() -> None:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=50)
                now = time.perf_counter()
                for messages in batches.values():
                    for msg in messages:
                        subject = next((v for k, v in msg.headers if k == "ce_subject"), None)
                        if subject is not None and subject.decode() not in seen:
                            seen[subject.decode()] = now
                            stamps[subject.decode()] = (msg.timestamp / 1000, time.time())

        consuming = asyncio.create_task(consume())
        sent_at: dict[int, float] = {}
        wall_at: dict[int, float] = {}
        ids: dict[int, str] = {}
        post: list[float] = []
        errors: list[str] = []
        late = 0
        async with _client(base_url, token, 64) as client:

            async def open_one(i: int) -> None:
                started = time.perf_counter()
                sent_at[i] = started
                wall_at[i] = time.time()
                try:
                    response = await client.post(
                        "/incidents",
                        json=_open_body(f"{run}-e2e", i),
                        headers={"Idempotency-Key": f"{run}-e2e-{i}"},
                    )
                except httpx.HTTPError as exc:  # e.g. the overloaded service dropped the connection
                    errors.append(f"open: {exc!r}")
                    return
                post.append(time.perf_counter() - started)
                if response.status_code != 201:
                    errors.append(f"open: {response.status_code} {response.text[:200]}")
                    return
                ids[i] = response.json()["id"]

            tasks = []
            before = meter.sample()
            begin = time.perf_counter()
            for i in range(count):
                slot = begin + i / rate
                delay = slot - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                elif delay < -0.010:
                    late += 1
                tasks.append(asyncio.create_task(open_one(i)))
            sending = time.perf_counter() - begin
            await asyncio.gather(*tasks)
        deadline = time.perf_counter() + drain_seconds
        while time.perf_counter() < deadline and any(ids[i] not in seen for i in ids):
            await asyncio.sleep(0.05)
        cpu = meter.usage(before, meter.sample())
        stop.set()
        await consuming
    finally:
        stop.set()
        await consumer.stop()
    e2e = [seen[ids[i]] - sent_at[i] for i in ids if ids[i] in seen]
    done = [i for i in ids if ids[i] in stamps]
    return EndToEndResult(
        rate,
        count,
        sending,
        e2e,
        post,
        len(ids) - len(e2e),
        errors,
        late,
        cpu,
        [stamps[ids[i]][0] - wall_at[i] for i in done],
        [stamps[ids[i]][1] - stamps[ids[i]][0] for i in done],
    )


# -- (c) EventStore.append against raw single-row inserts -----------------------------------


# The events table's own DDL under another name: same columns, defaults and unique keys.
RAW_TABLE = UPGRADE[0].replace("CREATE TABLE events", "CREATE TABLE IF NOT EXISTS raw_events", 1)
RAW_INSERT = (
    "INSERT INTO raw_events"
    " (event_id, stream_id, stream_version, type, data, metadata, recorded_at)"
    " VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)"
)
EVENT_TYPE = "village.incident.note_added.v1"
EVENT_DATA = {
    "note_id": "00000000-0000-0000-0000-000000000000",
    "party": "northwind",
    "body": "Tunnel flaps every 30 s; IKE logs attached.",
    "visibility": "shared",
}
METADATA = {
    "actor_party": "northwind",
    "actor_kind": "partner",
    "actor_user": "northwind-user",
    "correlation_id": "00000000-0000-0000-0000-000000000000",
    "causation_id": "bench",
    "traceparent": None,
    "parties": ["acme", "initech", "northwind"],
}


@dataclass
class AppendRound:
    kind: str  # "store" | "raw"
    round: int
    count: int
    seconds: float
    cpu: CpuUsage | None = None

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


@dataclass
class AppendResult:
    writers: int
    count: int
    rounds: list[AppendRound]
    # Extra single rounds that explain the figure (not part of the ratio):
    # "store+notify" = EventStore.append plus pg_notify in the same transaction (the trigger we
    # dropped);
    # "raw+notify" = raw INSERT plus pg_notify in the same transaction.
    diagnostics: list[AppendRound] = field(default_factory=list)

    def median(self, kind: str) -> float:
        return median([r.per_second for r in self.rounds if r.kind == kind])

    def cpu_per_op(self, kind: str) -> dict[str, float]:
        """CPU ms per write, per group, over all rounds of `kind`."""
        rounds = [r for r in self.rounds if r.kind == kind and r.cpu is not None]
        n = sum(r.count for r in rounds)
        totals: dict[str, float] = {}
        for r in rounds:
            for k, v in r.cpu.parts.items():  # type: ignore[union-attr]
                totals[k] = totals.get(k, 0.0) + v
        return {k: v * 1000 / n for k, v in totals.items()} if n else {}

    @property
    def ratio(self) -> float:
        return self.median("store") / self.median("raw")


async def _writers(n: int, count: int, one: Callable[[int, int], Awaitable[None]]) -> float:
    """`n` concurrent writers do `count` single-event writes in all; writer w writes stream w."""
    counter = itertools.count()

    async def writer(w: int) -> None:
        version = 0
        while next(counter) < count:
            version += 1
            await one(w, version)

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(n)))
    return time.perf_counter() - started


async def appends(
    database_url: str,
    *,
    writers: int,
    count: int,
    rounds: int,
    warmup: int,
    run: str,
    diagnose: bool,
    meter: CpuMeter,
) -> AppendResult:
    """Alternate rounds of EventStore.append (one event, one statement: autocommit) and raw
    asyncpg single-row INSERTs (autocommit) into a same-shaped table, same database, same number
    of writers, same rows."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    from village_platform.clock import SystemClock
    from village_platform.eventstore import EventStore, NewEvent

    sa_url = make_url(database_url).set(drivername="postgresql+asyncpg")
    engine = create_async_engine(sa_url, pool_size=writers, max_overflow=0)
    pool = await asyncpg.create_pool(database_url, min_size=writers, max_size=writers)
    store = EventStore(SystemClock())
    data, meta = json.dumps(EVENT_DATA), json.dumps(METADATA)
    try:
        async with pool.acquire() as conn:
            await conn.execute(RAW_TABLE)

        def store_round(tag: str) -> Callable[[int, int], Awaitable[None]]:
            # An append on its own: one statement, like the raw insert it is compared with.
            async def one(w: int, version: int) -> None:
                async with engine.connect() as conn:
                    await store.append(
                        conn,
                        f"{tag}-{w}",
                        version - 1,
                        [NewEvent(EVENT_TYPE, EVENT_DATA)],
                        METADATA,
                        autocommit=True,
                    )

            return one

        def store_uow_round(tag: str) -> Callable[[int, int], Awaitable[None]]:
            # As a command handler appends: inside its unit of work (BEGIN, append, COMMIT).
            async def one(w: int, version: int) -> None:
                async with engine.begin() as conn:
                    await store.append(
                        conn,
                        f"{tag}-{w}",
                        version - 1,
                        [NewEvent(EVENT_TYPE, EVENT_DATA)],
                        METADATA,
                    )

            return one

        def store_notify_round(tag: str) -> Callable[[int, int], Awaitable[None]]:
            # The design we left: NOTIFY inside the appending transaction (as a trigger did).
            async def one(w: int, version: int) -> None:
                async with engine.begin() as conn:
                    await store.append(
                        conn,
                        f"{tag}-{w}",
                        version - 1,
                        [NewEvent(EVENT_TYPE, EVENT_DATA)],
                        METADATA,
                    )
                    await conn.exec_driver_sql("SELECT pg_notify('village_bench', '')")

            return one

        def raw_round(tag: str) -> Callable[[int, int], Awaitable[None]]:
            async def one(w: int, version: int) -> None:
                async with pool.acquire() as conn:
                    await conn.execute(
                        RAW_INSERT,
                        uuid.uuid4(),
                        f"{tag}-{w}",
                        version,
                        EVENT_TYPE,
                        data,
                        meta,
                        datetime.now(UTC),
                    )

            return one

        def raw_notify_round(tag: str) -> Callable[[int, int], Awaitable[None]]:
            async def one(w: int, version: int) -> None:
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute(
                        RAW_INSERT,
                        uuid.uuid4(),
                        f"{tag}-{w}",
                        version,
                        EVENT_TYPE,
                        data,
                        meta,
                        datetime.now(UTC),
                    )
                    await conn.execute("SELECT pg_notify('village_bench', '')")

            return one

        rounds_of = {"store": store_round, "raw": raw_round}
        for kind in ("store", "raw"):
            await _writers(writers, warmup, rounds_of[kind](f"{run}-warm-{kind}"))
        results: list[AppendRound] = []
        for r in range(rounds):
            order = ("store", "raw") if r % 2 == 0 else ("raw", "store")
            for kind in order:
                before = meter.sample()
                seconds = await _writers(writers, count, rounds_of[kind](f"{run}-{r}-{kind}"))
                usage = meter.usage(before, meter.sample())
                results.append(AppendRound(kind, r + 1, count, seconds, usage))
                print(f"  (c) round {r + 1} {kind:5}: {count / seconds:8.0f} /s", flush=True)
        result = AppendResult(writers, count, results)
        if diagnose:
            seconds = await _writers(writers, count, store_uow_round(f"{run}-diag-uow"))
            result.diagnostics.append(AppendRound("store-in-uow", 0, count, seconds))
            seconds = await _writers(writers, count, store_notify_round(f"{run}-diag-store"))
            result.diagnostics.append(AppendRound("store+notify", 0, count, seconds))
            seconds = await _writers(writers, count, raw_notify_round(f"{run}-diag-raw"))
            result.diagnostics.append(AppendRound("raw+notify", 0, count, seconds))
            for d in result.diagnostics:
                print(f"  (c) diagnostic {d.kind}: {d.per_second:8.0f} /s", flush=True)
        return result
    finally:
        await pool.close()
        await engine.dispose()
