"""The outbox relay against a real PostgreSQL and a real Kafka-protocol broker.

The centre piece is the no-gap proof (DESIGN.md, "Event store and outbox"): many concurrent
appenders while one early transaction stays open and commits late; every event must reach the
topic exactly once, in stream order per key, with gap-free positions, the late one included.

Each test gets a fresh database from conftest's `new_database` and the broker of conftest's
`kafka_bootstrap` (the village_devstack.testing `stack`'s, else env DATABASE_URL and
KAFKA_BOOTSTRAP_SERVERS).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from village_devstack.waiting import eventually
from village_platform.clock import ManualClock
from village_platform.cloudevent import from_kafka
from village_platform.db import plain_dsn
from village_platform.doorbell import Doorbell
from village_platform.eventstore import ConcurrencyError, EventStore, NewEvent
from village_platform.kafka import ensure_topics, make_producer
from village_platform.relay import YIELD_EVERY, Relay
from village_platform.settings import Settings

SOURCE = "village-test"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
META = {
    "actor_party": "partner-a",
    "actor_user": "alice",
    "visibility": "shared",
    "parties": ["provider", "partner-a", "customer-x"],
}

NewDatabase = Callable[..., Awaitable[AsyncEngine]]  # conftest's `new_database`
ReadTopic = Callable[[], Awaitable[list[ConsumerRecord]]]


@pytest.fixture
async def engine(new_database: NewDatabase) -> AsyncEngine:
    """A fresh database with the platform tables."""
    return await new_database(pool_size=10)


@pytest.fixture
def settings(kafka_bootstrap: str) -> Settings:
    return Settings(KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, KAFKA_PARTITIONS=4)


@pytest.fixture
async def topic(settings: Settings) -> str:
    name = f"test.relay.{uuid.uuid4().hex[:10]}"
    await ensure_topics(settings, [name])
    return name


@pytest.fixture
async def producer(settings: Settings) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(settings)
    await p.start()
    yield p
    await p.stop()


class ObservedRelay(Relay):
    """The real relay, counting its passes so tests can wait for "it has looked since X"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.started = 0
        self.completed: list[tuple[int, int]] = []  # (pass number, events published)
        self.active = 0
        self.max_active = 0

    async def publish_pending(self) -> int:
        self.started += 1
        number = self.started
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            n = await super().publish_pending()
        finally:
            self.active -= 1
        self.completed.append((number, n))
        return n

    def looked_since(self, mark: int) -> bool:
        return any(number > mark for number, _ in self.completed)


class Running:
    """A relay's run() as a task, stopped cleanly on exit."""

    def __init__(self, relay: Relay) -> None:
        self.relay, self.stop = relay, asyncio.Event()
        self.task = asyncio.ensure_future(relay.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=30)


class TopicReader:
    """A plain consumer on every partition of a topic, from the beginning, no group."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        self.records: list[ConsumerRecord] = []
        self.tps: list[TopicPartition] = []

    async def __aenter__(self) -> TopicReader:
        await self.consumer.start()
        await self.consumer.topics()  # metadata
        partitions = self.consumer.partitions_for_topic(self.topic)
        assert partitions, f"topic {self.topic} has no partitions"
        self.tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self.consumer.assign(self.tps)
        await self.consumer.seek_to_beginning(*self.tps)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def _poll(self) -> None:
        batches = await self.consumer.getmany(*self.tps, timeout_ms=200)
        for tp in self.tps:
            self.records.extend(batches.get(tp, []))

    async def take(self, n: int, timeout: float) -> list[ConsumerRecord]:
        """Wait until at least `n` records have arrived in all."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.records) < n:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"only {len(self.records)} of {n} records within {timeout}s")
            await self._poll()
        return self.records

    async def drain(
        self, producer: AIOKafkaProducer, timeout: float = 30.0
    ) -> list[ConsumerRecord]:
        """Everything published so far: puts a marker at the end of every partition and reads
        up to the markers. (End offsets would do, but tansu's ListOffsets undercounts after
        batched produces.)"""
        marker = uuid.uuid4().hex.encode()
        sent = [
            await producer.send(
                self.topic, value=b"", partition=tp.partition, headers=[("test-marker", marker)]
            )
            for tp in self.tps
        ]
        await asyncio.gather(*sent)
        seen: set[int] = set()
        deadline = asyncio.get_running_loop().time() + timeout
        while len(seen) < len(self.tps):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("could not read the topic to its end")
            await self._poll()
            kept = []
            for r in self.records:
                value = dict(r.headers).get("test-marker")
                if value is None:
                    kept.append(r)
                elif value == marker:
                    seen.add(r.partition)
            self.records = kept
        return self.records


@pytest.fixture
def topic_records(kafka_bootstrap: str, topic: str, producer: AIOKafkaProducer) -> ReadTopic:
    """`await topic_records()`: everything published to `topic` so far."""

    async def read() -> list[ConsumerRecord]:
        async with TopicReader(kafka_bootstrap, topic) as reader:
            return await reader.drain(producer)

    return read


def header(record: ConsumerRecord, name: str) -> str | None:
    for k, v in record.headers:
        if k == name:
            return v.decode()
    return None


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    """(events stored, events published)."""
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT count(*), count(position) FROM events"))).one()
    return row[0], row[1]


async def all_published(engine: AsyncEngine, total: int, timeout: float = 60.0) -> None:
    await eventually(lambda: counts(engine), lambda c: c == (total, total), timeout=timeout)


async def append_retrying(
    engine: AsyncEngine, store: EventStore, stream_id: str, events: list[NewEvent], conn=None
) -> int:
    """Read the head, append, retry on conflict (what a command handler does)."""

    async def attempt(c) -> bool:
        try:
            async with c.begin():
                version = (
                    await c.execute(
                        text(
                            "SELECT coalesce(max(stream_version), 0) FROM events"
                            " WHERE stream_id = :s"
                        ),
                        {"s": stream_id},
                    )
                ).scalar_one()
                await store.append(c, stream_id, version, events, META)
            return True
        except ConcurrencyError:
            return False

    tries = 1
    if conn is not None:
        while not await attempt(conn):
            tries += 1
    else:
        async with engine.connect() as c:
            while not await attempt(c):
                tries += 1
    return tries


async def db_rows(engine: AsyncEngine) -> list:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT id, event_id, stream_id, stream_version, position,"
                    " CAST(tx_id AS text) AS tx"
                    " FROM events ORDER BY id"
                )
            )
        ).all()


def check_topic(records: list[ConsumerRecord], rows: list, *, exactly_once: bool = True) -> None:
    """Every stored event on the topic (once, if asked), in stream order per key."""
    ids = [header(r, "ce_id") for r in records]
    assert set(ids) == {str(r.event_id) for r in rows}, "events missing from the topic"
    if exactly_once:
        assert len(ids) == len(set(ids)), "duplicates on the topic"
    # per key, in offset order (records of one key share a partition): sequence 1, 2, 3 ...
    # (after dropping redeliveries, which consumers deduplicate by id)
    by_key: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        key = r.key.decode()
        assert header(r, "ce_subject") == key == header(r, "ce_partitionkey")
        event_id = header(r, "ce_id")
        if event_id in seen:
            continue
        seen.add(event_id)
        by_key[key].append(int(header(r, "ce_sequence")))
    for key, sequences in by_key.items():
        assert sequences == list(range(1, len(sequences) + 1)), f"stream {key} out of order"
    # positions: gap-free 1..N, and the topic carries each event's position
    positions = sorted(r.position for r in rows)
    assert positions == list(range(1, len(rows) + 1)), "positions are not gap-free"
    position_of = {str(r.event_id): r.position for r in rows}
    for r in records:
        assert int(header(r, "ce_position")) == position_of[header(r, "ce_id")]
    # and within a stream, positions follow versions
    by_stream: dict[str, list] = defaultdict(list)
    for r in rows:
        by_stream[r.stream_id].append(r)
    for stream_rows in by_stream.values():
        stream_rows.sort(key=lambda r: r.stream_version)
        assert [r.position for r in stream_rows] == sorted(r.position for r in stream_rows)


# --- the no-gap proof ------------------------------------------------------------------------


async def test_no_event_skipped_when_an_early_transaction_commits_late(
    new_database: NewDatabase,
    store: EventStore,
    topic: str,
    producer: AIOKafkaProducer,
    topic_records: ReadTopic,
    clock: ManualClock,
):
    workers, appends_per_worker, streams = 20, 50, 12
    engine = await new_database(pool_size=workers + 5, max_overflow=10)
    relay = ObservedRelay(engine, producer, topic, SOURCE, clock, batch_size=100, poll_seconds=0.5)
    running = Running(relay)

    # The late committer: appends first (lowest id, lowest xid), then stays open.
    late_conn = await engine.connect()
    late_tx = await late_conn.begin()
    [late] = await store.append(late_conn, "inc-late", 0, [NewEvent("t.v1", {"late": True})], META)

    committed = 0
    conflicts = 0

    async def worker(w: int) -> None:
        nonlocal committed, conflicts
        rng = random.Random(w)
        async with engine.connect() as conn:
            for i in range(appends_per_worker):
                n = 2 if i % 7 == 3 else 1
                events = [NewEvent("t.v1", {"w": w, "i": i, "k": k}) for k in range(n)]
                tries = await append_retrying(
                    engine, store, f"inc-{rng.randrange(streams)}", events, conn
                )
                conflicts += tries - 1
                committed += n

    appenders = asyncio.gather(*(worker(w) for w in range(workers)))
    total = (
        workers * appends_per_worker
        + sum(1 for i in range(appends_per_worker) if i % 7 == 3) * workers
        + 1
    )
    try:
        await _no_gap_scenario(
            engine, store, relay, running, late, late_conn, late_tx, appenders, lambda: committed
        )
        assert committed + 1 == total
        await all_published(engine, total)
    finally:
        if not appenders.done():
            appenders.cancel()
        await running.close()

    rows = await db_rows(engine)
    assert len(rows) == total
    [late_row] = [r for r in rows if r.event_id == late.event_id]
    assert late_row.id == min(r.id for r in rows)  # it really did take the first slot
    assert late_row.position is not None
    records = await topic_records()
    check_topic(records, rows)
    assert str(late.event_id) in {header(r, "ce_id") for r in records}
    assert relay.published == total
    assert conflicts > 0, "the appenders never contended: the test lost its teeth"


async def _no_gap_scenario(
    engine, store, relay, running, late, late_conn, late_tx, appenders, committed
) -> None:
    try:
        # Hold the late transaction while a good share of later ones commit and the relay,
        # woken by their NOTIFYs, looks at the table again.
        await eventually(committed, lambda c: c >= 300)
        mark = relay.started
        await eventually(lambda: relay.looked_since(mark))
        rows = await db_rows(engine)
        assert len(rows) >= 300 and all(
            r.event_id != late.event_id for r in rows
        )  # not visible yet
        # Had the relay read `WHERE id > checkpoint`, these would be out and the late one lost:
        # nothing with a newer transaction id may be published while the late one is open.
        late_xid = int(
            (await late_conn.execute(text("SELECT pg_current_xact_id()::text"))).scalar_one()
        )
        assert all(int(r.tx) > late_xid for r in rows)
        assert all(r.position is None for r in rows)
        assert (await relay.lag()).unpublished >= len(rows)
    finally:
        await late_tx.commit()
        await late_conn.close()
    await appenders


async def test_stream_order_kept_when_a_writer_took_its_xid_before_reading_the_stream(
    engine: AsyncEngine,
    store: EventStore,
    topic: str,
    producer: AIOKafkaProducer,
    topic_records: ReadTopic,
    clock: ManualClock,
):
    """X takes its xid first (e.g. an idempotency-key insert), Y appends version 1 and commits,
    then X reads the stream and appends version 2. Ordering by xid alone would publish 2
    before 1."""
    relay = Relay(engine, producer, topic, SOURCE, clock)
    async with engine.connect() as x, engine.connect() as y:
        tx_x = await x.begin()
        xid_x = int((await x.execute(text("SELECT pg_current_xact_id()::text"))).scalar_one())
        async with y.begin():
            xid_y = int((await y.execute(text("SELECT pg_current_xact_id()::text"))).scalar_one())
            await store.append(y, "inc-1", 0, [NewEvent("t.v1", {"by": "y"})], META)
        await store.append(x, "inc-1", 1, [NewEvent("t.v1", {"by": "x"})], META)
        await tx_x.commit()
    assert xid_x < xid_y
    while await relay.publish_pending():
        pass
    rows = await db_rows(engine)
    assert [
        (r.stream_version, r.position) for r in sorted(rows, key=lambda r: r.stream_version)
    ] == [(1, 1), (2, 2)]
    records = await topic_records()
    assert [header(r, "ce_sequence") for r in records] == ["1", "2"]
    check_topic(records, rows)


# --- waking, restarting, standing by ---------------------------------------------------------


@pytest.mark.parametrize("where", ["same process", "other process"])
async def test_a_doorbell_wakes_the_relay_long_before_the_poll_interval(
    engine: AsyncEngine,
    store: EventStore,
    kafka_bootstrap: str,
    topic: str,
    producer: AIOKafkaProducer,
    clock: ManualClock,
    where: str,
):
    """Appends do not NOTIFY (that would serialise commits); the unit of work rings after it
    commits: directly for a relay in its process, by NOTIFY for a relay elsewhere."""
    local = Doorbell()
    relay = ObservedRelay(
        engine,
        producer,
        topic,
        SOURCE,
        clock,
        poll_seconds=30,
        doorbell=local if where == "same process" else None,
    )
    # A writer whose process runs no relay: its doorbell can only NOTIFY.
    bell = (
        local
        if where == "same process"
        else Doorbell(plain_dsn(engine.url.render_as_string(hide_password=False)))
    )
    running = Running(relay)
    try:
        async with TopicReader(kafka_bootstrap, topic) as reader:
            # the relay has looked at the empty table and now sleeps for up to 30 s
            await eventually(lambda: relay.completed)
            await eventually(lambda: relay.leading)
            for round_ in range(3):
                await append_retrying(engine, store, "inc-1", [NewEvent("t.v1", {"r": round_})])
                bell.ring()
                started = asyncio.get_running_loop().time()
                await reader.take(round_ + 1, timeout=3.0)
                assert asyncio.get_running_loop().time() - started < 3.0
            assert [header(r, "ce_sequence") for r in reader.records] == ["1", "2", "3"]
    finally:
        await running.close()
        await bell.close()


async def test_relay_restart_resumes_without_loss_or_duplicates(
    engine: AsyncEngine,
    store: EventStore,
    topic: str,
    producer: AIOKafkaProducer,
    topic_records: ReadTopic,
    clock: ManualClock,
):

    async def append_some(n: int) -> None:
        for i in range(n):
            await append_retrying(engine, store, f"inc-{i % 5}", [NewEvent("t.v1", {"i": i})])

    first = Running(ObservedRelay(engine, producer, topic, SOURCE, clock, poll_seconds=0.2))
    await append_some(40)
    await all_published(engine, 40)
    await first.close()

    await append_some(40)  # while no relay runs
    assert await counts(engine) == (80, 40)
    second = Running(ObservedRelay(engine, producer, topic, SOURCE, clock, poll_seconds=0.2))
    await all_published(engine, 80)
    await append_some(20)
    await all_published(engine, 100)
    await second.close()
    assert (first.relay.published, second.relay.published) == (40, 60)

    check_topic(await topic_records(), await db_rows(engine))


async def test_relay_killed_mid_batch_loses_nothing(
    engine: AsyncEngine,
    store: EventStore,
    topic: str,
    producer: AIOKafkaProducer,
    topic_records: ReadTopic,
    clock: ManualClock,
):
    """A crash between sending and recording positions re-sends that batch (at-least-once:
    consumers deduplicate by id); nothing is lost and positions stay gap-free."""
    total = 400
    async with engine.connect() as conn:
        for i in range(total // 4):
            await append_retrying(
                engine,
                store,
                f"inc-{i % 9}",
                [NewEvent("t.v1", {"i": i, "k": k}) for k in range(4)],
                conn,
            )
    relay = ObservedRelay(engine, producer, topic, SOURCE, clock, batch_size=30, poll_seconds=0.2)
    running = Running(relay)
    await eventually(lambda: relay.published, lambda n: n >= 60)
    running.task.cancel()  # a crash, not a clean stop: possibly mid-batch
    with pytest.raises(asyncio.CancelledError):
        await running.task
    stored, published = await counts(engine)
    assert published < total and published % 30 == 0  # whole batches or nothing

    restarted = Running(
        ObservedRelay(engine, producer, topic, SOURCE, clock, batch_size=30, poll_seconds=0.2)
    )
    await all_published(engine, total)
    await restarted.close()
    records = await topic_records()
    check_topic(records, await db_rows(engine), exactly_once=False)
    assert len(records) - total <= 30  # at most the one interrupted batch again


async def test_a_failed_batch_is_rolled_back_and_its_connection_pooled_clean(
    engine: AsyncEngine,
    store: EventStore,
    topic: str,
    producer: AIOKafkaProducer,
    clock: ManualClock,
):
    """The batch's transaction is the relay's own on the pooled connection: when the broker
    fails, it is rolled back (no session left idle in a transaction, holding the batch lock
    and every relay's xmin), nothing is recorded, and the next batch sends it."""
    async with engine.begin() as conn:
        await store.append(conn, "inc-f", 0, [NewEvent("t.v1", {"i": 1})], META)

    class BrokerAway(Relay):
        failures = 1

        async def _publish(self, events):  # type: ignore[no-untyped-def]
            if self.failures:
                self.failures -= 1
                raise ConnectionError("broker away")
            await super()._publish(events)

    relay = BrokerAway(engine, producer, topic, SOURCE, clock)
    with pytest.raises(ConnectionError):
        await relay.publish_pending()
    async with engine.connect() as conn:
        stuck = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%'"
            )
        )
    assert stuck == 0
    assert (await relay.lag()).unpublished == 1
    assert await relay.publish_pending() == 1
    assert (await relay.lag()).unpublished == 0


async def test_two_relays_on_one_database_one_publishes_no_duplicates(
    engine: AsyncEngine,
    store: EventStore,
    topic: str,
    producer: AIOKafkaProducer,
    topic_records: ReadTopic,
    clock: ManualClock,
):
    relays = [
        ObservedRelay(engine, producer, topic, SOURCE, clock, batch_size=20, poll_seconds=0.1)
        for _ in range(2)
    ]
    runs = [Running(r) for r in relays]
    try:
        await asyncio.gather(
            *(
                append_retrying(engine, store, f"inc-{i % 7}", [NewEvent("t.v1", {"i": i})])
                for i in range(150)
            )
        )
        await all_published(engine, 150)
        active = [i for i, r in enumerate(relays) if r.started]
        assert len(active) == 1, "both relays published"
        a = active[0]
        standby = 1 - a
        # the active relay goes away; the standby takes the lock and carries on
        await runs[a].close()
        await asyncio.gather(
            *(
                append_retrying(engine, store, f"inc-{i % 7}", [NewEvent("t.v1", {"i": i})])
                for i in range(150, 200)
            )
        )
        await all_published(engine, 200)
        assert relays[standby].published == 50 and relays[a].published == 150
        assert max(r.max_active for r in relays) == 1
    finally:
        for r in runs:
            if not r.task.done():
                await r.close()
    check_topic(await topic_records(), await db_rows(engine))


async def test_concurrent_publish_pending_callers_do_not_duplicate(
    engine: AsyncEngine,
    store: EventStore,
    topic: str,
    producer: AIOKafkaProducer,
    topic_records: ReadTopic,
    clock: ManualClock,
):
    """publish_pending outside run() (no session lock): batches still serialize."""
    async with engine.connect() as conn:
        for i in range(60):
            await append_retrying(engine, store, f"inc-{i % 4}", [NewEvent("t.v1", {"i": i})], conn)
    relays = [Relay(engine, producer, topic, SOURCE, clock, batch_size=7) for _ in range(3)]

    async def drain(r: Relay) -> None:
        while await r.publish_pending():
            pass

    await asyncio.gather(*(drain(r) for r in relays))
    assert sum(r.published for r in relays) == 60
    check_topic(await topic_records(), await db_rows(engine))


async def test_a_large_batch_lets_other_tasks_run_while_it_is_sent(
    engine: AsyncEngine,
    store: EventStore,
    topic: str,
    producer: AIOKafkaProducer,
    topic_records: ReadTopic,
    clock: ManualClock,
):
    """The producer buffers without suspending, so a batch of hundreds would otherwise be
    encoded and sent in one turn of the event loop while every request of the process waits."""
    async with engine.connect() as conn:
        for i in range(200):
            await append_retrying(engine, store, f"inc-{i % 4}", [NewEvent("t.v1", {"i": i})], conn)
    turns = 0
    seen_at_send: list[int] = []

    class Watched(Relay):
        async def _send(self, event, topics):  # type: ignore[no-untyped-def]
            seen_at_send.append(turns)
            return await super()._send(event, topics)

    async def ticking() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    ticker = asyncio.ensure_future(ticking())
    try:
        relay = Watched(engine, producer, topic, SOURCE, clock, batch_size=500)
        assert await relay.publish_pending() == 200
    finally:
        ticker.cancel()
    longest = max(len(list(run)) for _, run in itertools.groupby(seen_at_send))
    assert len(seen_at_send) == 200 and longest <= YIELD_EVERY
    check_topic(await topic_records(), await db_rows(engine))


# --- the message ------------------------------------------------------------------------------


async def test_published_message_is_a_binary_mode_cloudevent(
    engine: AsyncEngine,
    store: EventStore,
    topic: str,
    producer: AIOKafkaProducer,
    topic_records: ReadTopic,
    clock: ManualClock,
):
    relay = Relay(engine, producer, topic, SOURCE, clock)
    meta = {**META, "traceparent": TRACEPARENT, "correlation_id": "corr-9", "causation_id": "cmd-9"}
    async with engine.begin() as conn:
        stored = await store.append(
            conn,
            "inc-42",
            0,
            [
                NewEvent("village.incident.opened.v1", {"title": "router down", "severity": 1}),
                NewEvent(
                    "village.incident.note-added.v1",
                    {"text": "on it"},
                    metadata={"visibility": "restricted"},
                ),
            ],
            meta,
        )
    clock.advance(timedelta(seconds=30))
    lag = await relay.lag()
    assert (lag.unpublished, lag.oldest_seconds) == (2, 30.0)
    assert await relay.publish_pending() == 2
    assert await relay.publish_pending() == 0
    assert (await relay.lag()).unpublished == 0

    records = await topic_records()
    assert len(records) == 2
    records.sort(key=lambda r: r.offset)
    for record, event, position in zip(records, stored, (1, 2), strict=True):
        assert record.key == b"inc-42"
        names = {k for k, _ in record.headers}
        assert "traceparent" in names and "ce_traceparent" in names
        assert header(record, "traceparent").split("-")[1] == TRACEPARENT.split("-")[1]
        ce = from_kafka(record.headers, record.key, record.value)
        assert ce.get_id() == str(event.event_id)
        assert ce.get_type() == event.type
        assert ce.get_source() == SOURCE
        assert ce.get_subject() == "inc-42"
        assert ce.get_specversion() == "1.0"
        assert ce.get_time() == event.recorded_at == clock.now() - timedelta(seconds=30)
        assert ce.get_datacontenttype() == "application/json"
        assert ce.get_data() == event.data
        assert ce.get_extension("partitionkey") == "inc-42"
        assert ce.get_extension("sequence") == str(event.stream_version)
        assert ce.get_extension("position") == str(position)
        assert ce.get_extension("traceparent") == TRACEPARENT
        assert ce.get_extension("correlationid") == "corr-9"
        assert ce.get_extension("causationid") == "cmd-9"
        assert ce.get_extension("actorparty") == "partner-a"
        assert ce.get_extension("parties") == "provider partner-a customer-x"
    assert [from_kafka(r.headers, r.key, r.value).get_extension("visibility") for r in records] == [
        "shared",
        "restricted",
    ]
    async with engine.connect() as conn:
        published_at = (await conn.execute(text("SELECT DISTINCT published_at FROM events"))).all()
    assert published_at == [(clock.now(),)]


def test_from_kafka_ignores_foreign_and_null_headers():
    headers = [
        ("ce_id", b"1"),
        ("ce_source", b"s"),
        ("ce_type", b"t.v1"),
        ("ce_specversion", b"1.0"),
        ("content-type", b"application/json"),
        ("traceparent", b"00-x"),
        ("x-broker", b"\xff\xfe"),
        ("nothing", None),
    ]
    ce = from_kafka(headers, b"inc-1", b'{"a": 1}')
    assert (ce.get_id(), ce.get_data(), ce.get_extension("partitionkey")) == (
        "1",
        {"a": 1},
        "inc-1",
    )
