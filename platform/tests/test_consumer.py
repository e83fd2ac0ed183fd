"""Consumer runner against a real PostgreSQL and broker: duplicates, replays, gaps, traces."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import event

from village_devstack.waiting import eventually
from village_platform.applier import Applier
from village_platform.clock import SystemClock
from village_platform.consumer import ConsumedEvent, ConsumerRunner
from village_platform.kafka import BUSY_POLL_MS, IDLE_POLL_MS
from village_platform.telemetry import current_traceparent, incident_id_var

EVENT = "village.test.happened.v1"  # the read model's one routed type (conftest.ReadModel)
# Internal to northwind: acme's topic carries only the bare fact (`n`), redacted.
INTERNAL = {
    "parties": ["northwind", "village"],
    "visibility": "internal",
    "provider": "acme",
    "actor_kind": "partner",
    "fact": ["n"],
}


async def test_kafka_and_feed_yield_equal_events(owner, read_model, consume) -> None:
    await owner.append("inc-1", {"n": 1}, {"n": 2}, visibility="restricted", traceparent=None)
    await owner.append("inc-2", {"n": 3}, actor_party="acme")
    assert await owner.publish() == 3
    await consume(owner, read_model, 3)

    async with owner.feed("reader") as feed:
        from_feed = [e async for e in feed.events()]
    from_kafka = sorted(read_model.seen, key=lambda e: e.position or 0)
    assert from_kafka == from_feed
    first = from_feed[0]
    assert isinstance(first, ConsumedEvent)
    assert (first.stream_id, first.sequence, first.position, first.source) == (
        "inc-1",
        1,
        1,
        "owner",
    )
    assert first.visibility == "restricted" and first.parties == ["acme", "northwind", "village"]


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
async def test_duplicate_delivery_is_applied_once(owner, read_model, consume, batch) -> None:
    events = await owner.append("inc-1", {"n": 1}, {"n": 2}, {"n": 3})
    await owner.publish()
    published = await owner.published("inc-1")
    await owner.send_raw(owner.topic, published[1], published[1])  # the same message twice more
    runner = await consume(owner, read_model, 5, batch=batch)
    assert (runner.batches > 0) == batch  # the batch path did the work (duplicates skipped in it)

    assert await read_model.rows() == [
        ("inc-1", v, str(e.event_id)) for v, e in enumerate(events, 1)
    ]
    assert (
        await read_model.scalar(
            "SELECT count(*) FROM handled_events WHERE consumer = :c", c=runner.name
        )
        == 3
    )


class CountingCommits(ConsumerRunner):
    """Keeps each offset commit's partitions."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commits: list[set[int]] = []

    async def _commit(self, consumer, offsets) -> None:
        self.commits.append({tp.partition for tp in offsets})
        await super()._commit(consumer, offsets)


async def test_a_fetch_is_one_transaction_and_one_offset_commit_across_partitions(
    owner, read_model, consume
) -> None:
    """Batch mode: a fetch's records of every partition in one transaction, whatever their
    number (one record too), each stream in its order; one offset commit per fetch."""
    streams = [f"inc-{n}" for n in range(12)]  # keys spread over the topic's partitions
    for stream in streams:
        await owner.append(stream, {"n": 1}, {"n": 2})
    await owner.publish()
    runner = await consume(owner, read_model, 24, batch=True, runner_class=CountingCommits)

    partitions = set().union(*runner.commits)
    assert len(partitions) > 1  # else the test shows nothing
    assert runner.batches == len(runner.commits) < len(partitions)
    assert any(len(c) > 1 for c in runner.commits)
    rows = await read_model.rows()
    assert sorted((s, v) for s, v, _ in rows) == [(s, v) for s in sorted(streams) for v in (1, 2)]
    for stream in streams:  # each stream's events applied in order
        assert [v for s, v, _ in rows if s == stream] == [1, 2]

    batches = runner.batches
    await owner.append("inc-0", {"n": 3})
    await owner.publish()
    await eventually(lambda: runner.committed == 25, what="the 25th record")
    assert runner.batches == batches + 1  # a fetch of one record takes the batch path too


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
async def test_replayed_old_events_are_skipped_by_stream_position(
    owner, read_model, eventually, consume, batch
) -> None:
    await owner.append("inc-1", {"n": 1}, {"n": 2}, {"n": 3})
    await owner.publish()
    runner = await consume(owner, read_model, 3, batch=batch)
    # Handled records pruned (or a restored backup): the stream position alone must hold.
    async with read_model.engine.begin() as conn:
        from sqlalchemy import text

        await conn.execute(text("DELETE FROM handled_events"))
    published = await owner.published("inc-1")
    await owner.send_raw(owner.topic, published[0], published[1])
    await eventually(lambda: runner.committed == 5, what="5 records")

    assert [r[1] for r in await read_model.rows()] == [1, 2, 3]
    assert (
        await read_model.scalar(
            "SELECT version FROM stream_positions WHERE consumer = :c AND stream_id = 'inc-1'",
            c=runner.name,
        )
        == 3
    )


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
async def test_gap_heals_from_the_owners_feed(owner, read_model, consume, batch) -> None:
    await owner.append("inc-a", {"n": 1}, {"n": 2}, {"n": 3})
    await owner.append("inc-b", *({"n": i} for i in range(1, 6)))
    await owner.publish()  # to owner.topic; the consumer listens to a lossy copy instead
    a, b = await owner.published("inc-a"), await owner.published("inc-b")
    lossy = f"{owner.topic}.lossy"
    from village_platform.kafka import ensure_topics

    await ensure_topics(owner.settings, [lossy])
    # inc-a arrives 1, 3, 2 (out of order); inc-b only its 5th event (the broker lost 1-4).
    await owner.send_raw(lossy, a[0], a[2], a[1], b[4])
    await consume(owner, read_model, 4, topic=lossy, batch=batch)

    rows = await read_model.rows()
    assert [r[1] for r in rows if r[0] == "inc-a"] == [1, 2, 3]
    assert [r[1] for r in rows if r[0] == "inc-b"] == [1, 2, 3, 4, 5]
    assert len({r[2] for r in rows}) == len(rows) == 8


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
async def test_unrouted_event_types_advance_the_stream(owner, read_model, consume, batch) -> None:
    await owner.append("inc-1", {"n": 1})
    await owner.append("inc-1", {"n": 2}, type="village.test.ignored.v1")
    await owner.append("inc-1", {"n": 3})
    await owner.publish()
    runner = await consume(owner, read_model, 3, batch=batch)
    assert [r[1] for r in await read_model.rows()] == [1, 3]
    assert (
        await read_model.scalar(
            "SELECT version FROM stream_positions WHERE consumer = :c", c=runner.name
        )
        == 3
    )


async def test_consume_span_continues_the_producers_trace(owner, read_model, consume) -> None:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with trace.get_tracer("test").start_as_current_span("partner request") as request_span:
        await owner.append("inc-traced", {"n": 1}, traceparent=current_traceparent())
    await owner.publish()
    seen_incident: list[str | None] = []

    async def handler(conn, event) -> None:
        seen_incident.append(incident_id_var.get())

    runner = await consume(owner, read_model, 1, routes={EVENT: handler})

    spans = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.CONSUMER]
    assert len(spans) == 1
    span = spans[0]
    assert span.context.trace_id == request_span.get_span_context().trace_id
    assert span.attributes["messaging.system"] == "kafka"
    assert span.attributes["messaging.destination.name"] == owner.topic
    assert span.attributes["messaging.consumer.group.name"] == runner.name
    assert seen_incident == ["inc-traced"]


def feed_reads(runner: ConsumerRunner) -> list[str]:
    """The URLs the runner asks its one feed for, as it asks them."""
    reads: list[str] = []
    [feed] = runner.feeds.values()

    async def count(request: httpx.Request) -> None:
        reads.append(str(request.url))

    feed._http.event_hooks["request"].append(count)
    return reads


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
async def test_a_redacted_event_on_the_topic_before_the_feed_shows_it_waits_for_the_feed(
    owner, read_model, make_runner, runners, batch
) -> None:
    """The relay sends, then records positions when the broker has acknowledged: a consumer
    can get the record first. It asks the feed again; it never applies the bare fact (the
    console once showed a webhook delivery without its type). In batch mode the fetch is
    asked for again as a whole, not taken apart record by record."""
    await owner.append("inc-1", {"n": 1, "text": "secret 1"}, **INTERNAL)
    release, sent = asyncio.Event(), asyncio.Event()
    publish = owner.relay._publish

    async def held(events) -> None:  # on the topic, its position not committed yet
        await publish(events)
        sent.set()
        await release.wait()

    owner.relay._publish = held
    publishing = asyncio.create_task(owner.relay.publish_pending())
    await sent.wait()
    runner = make_runner(owner, read_model, batch=batch, resolve_redacted=True)
    reads = feed_reads(runner)
    runners(runner)
    await eventually(lambda: len(reads) >= 2, what="the consumer asking the feed again")
    assert read_model.seen == [] and runner.committed == 0
    release.set()
    assert await publishing == 1
    await eventually(lambda: runner.committed == 1, what="the record")
    [whole] = read_model.seen
    assert (whole.data, whole.redacted) == ({"n": 1, "text": "secret 1"}, False)
    assert runner.batches == int(batch)  # a fetch that raced the relay stays one transaction


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
async def test_redacted_events_are_read_whole_from_the_feed_only_when_routed(
    owner, read_model, make_runner, runners, batch
) -> None:
    await owner.append("inc-1", *({"n": n, "text": f"secret {n}"} for n in (1, 2, 3)), **INTERNAL)
    await owner.append("inc-1", {"n": 4, "text": "x"}, type="village.test.ignored.v1", **INTERNAL)
    await owner.append("inc-1", {"n": 5, "text": "secret 5"}, **INTERNAL)
    await owner.publish()

    runner = make_runner(owner, read_model, batch=batch, resolve_redacted=True)
    reads = feed_reads(runner)
    runners(runner)
    await eventually(lambda: runner.committed == 5, what="5 records")

    assert [(e.data["n"], e.data["text"], e.redacted) for e in read_model.seen] == [
        (n, f"secret {n}", False) for n in (1, 2, 3, 5)
    ]
    # The ignored type (position 4) is never asked for; a fetch's run of positions is one page.
    asked = [r.split("?", 1)[1] for r in reads]
    if batch:
        assert runner.batches == 1 and asked == ["after=0&limit=5"]
    else:
        assert asked == [f"after={p}&limit=1" for p in (0, 1, 2, 4)]


async def test_environments_on_one_broker_consume_in_groups_of_their_own(
    owner, read_model, new_database, make_runner, runners
) -> None:
    """Two environments' consumers of the same name are two groups (the topic prefix), so each
    reads every partition: sharing one group, they would split the partitions between them
    (and every join, or a lost member, would stall the other)."""
    streams = [f"inc-{n}" for n in range(6)]  # keys spread over the topic's 3 partitions
    for stream in streams:
        await owner.append(stream, {"n": 1})
    await owner.publish()
    name = f"reader-{uuid.uuid4().hex[:8]}"
    started = []
    for prefix, engine in (("blue.", read_model.engine), ("green.", await new_database())):
        settings = read_model.settings.model_copy(update={"kafka_topic_prefix": prefix})
        model = type(read_model)(engine, settings)  # each environment's own read model
        runner = make_runner(owner, model, name=name)
        runners(runner)
        started.append((runner, model))
    for runner, _ in started:
        await eventually(lambda r=runner: r.committed == len(streams), what="every record")
    assert [r.group for r, _ in started] == [f"blue.{name}", f"green.{name}"]
    for _, model in started:
        assert sorted(s for s, _, _ in await model.rows()) == streams
    for runner, _ in started:  # a group each, so each was given every partition
        assert runner.consumer is not None
        assert {tp.partition for tp in runner.consumer.assignment()} == {0, 1, 2}


@pytest.mark.parametrize("when", ["consuming", "joining"])
async def test_a_stopped_member_leaves_its_group_even_in_the_first_generation(
    owner, read_model, make_runner, runners, kafka_bootstrap, when
) -> None:
    """A runner that stops leaves its group, so a restarted service (or another replica) gets
    its partitions at once. tansu numbers a group's first generation 0, and aiokafka's own stop
    leaves only from generation 1 on: without the runner's leave the member stayed in the group
    until its session timed out (kafka.stop_consumer). Stopped while still joining, the runner
    finishes the join first (aiokafka's start does), then leaves."""
    await owner.append("inc-1", {"n": 1})
    await owner.publish()
    runner = make_runner(owner, read_model)
    stop, task = runners(runner)
    if when == "consuming":
        await eventually(lambda: runner.committed == 1, what="the record")
        assert await _members(kafka_bootstrap, runner.group) == 1
    else:
        await eventually(lambda: runner.consumer is not None, what="the consumer starting")
    stop.set()
    await asyncio.wait_for(task, 30)
    assert await _members(kafka_bootstrap, runner.group) == 0


class _Pacing(ConsumerRunner):
    """A runner noting, as it applies each fetch that brought records, its consumer's fetch wait
    and its next poll's."""

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self.paced: list[tuple[int, int]] = []

    async def _apply_fetch(self, consumer: Any, fetched: Any, *args: Any) -> bool:
        if fetched:  # every poll comes here, those that found nothing too
            self.paced.append((consumer._fetcher._fetch_max_wait_ms, self.poll_ms))
        return await super()._apply_fetch(consumer, fetched, *args)


async def test_fetches_wait_briefly_while_records_come_and_long_once_they_stop(
    owner, read_model, make_runner, runners
) -> None:
    """A consumer with a busy wait (webhooks') asks the broker to wait that long for more while
    records come, and polls briefly, so a trickle of events does not keep the short waits
    going; once a poll finds nothing, its own fetch_max_wait_ms again (kafka.pace_fetches).
    Without one, its own wait throughout."""
    await owner.append("inc-1", {"n": 1})
    await owner.publish()
    options = {"fetch_max_wait_ms": 400, "runner_class": _Pacing}
    runner = make_runner(owner, read_model, fetch_busy_wait_ms=10, **options)
    plain = make_runner(owner, read_model, **options)
    runners(runner)
    runners(plain)
    await eventually(lambda: runner.committed == plain.committed == 1, what="the record")
    assert (runner.paced, plain.paced) == ([(10, BUSY_POLL_MS)], [(400, IDLE_POLL_MS)])
    # Nothing more to read: after a poll that found nothing, its own wait and poll again.
    consumer = runner.consumer
    assert consumer is not None
    await eventually(lambda: consumer._fetcher._fetch_max_wait_ms == 400, what="the idle wait")
    assert runner.poll_ms == IDLE_POLL_MS
    await owner.append("inc-2", {"n": 1})
    await owner.publish()
    await eventually(lambda: runner.committed == 2, what="the next record")
    assert runner.paced[-1] == (10, BUSY_POLL_MS)


async def _members(bootstrap: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
        (described,) = response.groups
        return len(described[5])  # error_code, group, state, protocol_type, protocol, members
    finally:
        await admin.close()


def _event(stream: str, sequence: int) -> ConsumedEvent:
    return ConsumedEvent(
        id=str(uuid.uuid4()),
        type=EVENT,
        source="test",
        stream_id=stream,
        sequence=sequence,
        position=None,
        time=datetime.now(UTC),
        data={"n": sequence},
        visibility="shared",
        parties=[],
        actor_party=None,
        traceparent=None,
    )


async def test_a_batchs_bookkeeping_is_three_statements_and_skips_what_was_handled(
    read_model,
) -> None:
    """apply_many: lock the streams, read their versions with what was handled already (one
    round trip), the handlers, then mark and advance (one). A batch holding an event handled
    before and one a stream already passed applies only the new ones, once."""
    applier = Applier("bookkeeping", read_model.engine, read_model.routes, SystemClock())
    first = [_event("inc-a", 1), _event("inc-b", 1)]
    assert await applier.apply_many(first)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    again = [first[0], _event("inc-a", 2), _event("inc-b", 1), _event("inc-c", 1)]
    sync = read_model.engine.sync_engine
    event.listen(sync, "before_cursor_execute", seen)
    try:
        assert await applier.apply_many(again)
    finally:
        event.remove(sync, "before_cursor_execute", seen)
    handlers = [s for s in statements if "INSERT INTO applied" in s]
    assert len(handlers) == 2 and len(statements) - len(handlers) == 3  # inc-a 2, inc-c 1
    assert sorted((s, v) for s, v, _ in await read_model.rows()) == [
        ("inc-a", 1),
        ("inc-a", 2),
        ("inc-b", 1),
        ("inc-c", 1),
    ]
    assert await read_model.scalar(
        "SELECT array_agg(version ORDER BY stream_id) FROM stream_positions WHERE consumer = :c",
        c="bookkeeping",
    ) == [2, 1, 1]
