"""Consumer faults: poison messages, dead letters and their replay, consumers killed mid-batch."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from village_platform.applier import is_infrastructure
from village_platform.clock import ManualClock
from village_platform.consumer import ConsumerRunner
from village_platform.dlq import replay_dead_letters
from village_platform.kafka import ensure_topics

EVENT = "village.test.happened.v1"


async def read_topic(bootstrap: str, topic: str, count: int, timeout: float = 20.0) -> list:
    """The first `count` records of every partition of `topic`."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        records: list = []
        deadline = time.monotonic() + timeout
        while len(records) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            records += [r for rs in batch.values() for r in rs]
        return records
    finally:
        await consumer.stop()


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
async def test_poison_message_goes_to_the_dlq_and_the_next_one_applies(
    owner, read_model, runners, eventually, make_runner, batch
) -> None:
    good1, poison, good2 = await owner.append("inc-1", {"n": 1}, {"poison": True}, {"n": 3})
    await owner.publish()
    await owner.producer.send_and_wait(owner.topic, key=b"junk", value=b"not a cloudevent")
    runner = make_runner(owner, read_model, max_retries=2, retry_backoff=0.001, batch=batch)
    runners(runner)
    await eventually(lambda: runner.committed == 4, what="4 records")
    (after,) = await owner.append("inc-1", {"n": 4})
    await owner.publish()
    await eventually(lambda: runner.committed == 5, what="the event after the poison one")

    assert [r[2] for r in await read_model.rows()] == [
        str(e.event_id) for e in (good1, good2, after)
    ]
    # First try + max_retries; in a batch, one more: the batch's, rolled back with the batch.
    assert read_model.attempts[str(poison.event_id)] == 3 + batch
    letters = await read_model.scalar(
        "SELECT json_agg(json_build_object('event', event_id, 'error', error) ORDER BY id)"
        " FROM dead_letters WHERE consumer = :c",
        c=runner.name,
    )
    errors = {d["event"]: d["error"] for d in letters}  # the junk went to another partition
    assert set(errors) == {str(poison.event_id), None}
    assert "poison event" in errors[str(poison.event_id)] and "unparseable" in errors[None]

    dlq = await read_topic(owner.settings.kafka_bootstrap_servers, f"{owner.topic}.dlq", 2)
    by_key = {r.key: dict(r.headers) for r in dlq}
    assert by_key[b"inc-1"]["ce_id"] == str(poison.event_id).encode()
    assert b"poison event" in by_key[b"inc-1"]["village_error"]
    assert by_key[b"junk"]["village_consumer"] == runner.name.encode()

    # The fix ships; replaying the parked events applies the poison one, once.
    read_model.poison_fixed = True
    result = await replay_dead_letters(
        runner.name, read_model.engine, read_model.routes, ManualClock()
    )
    assert (result.replayed, result.failed) == (1, 1)  # the unparseable one stays parked
    assert sorted(r[1] for r in await read_model.rows()) == [1, 2, 3, 4]
    again = await replay_dead_letters(
        runner.name, read_model.engine, read_model.routes, ManualClock()
    )
    assert (again.replayed, again.failed) == (0, 1)
    assert len(await read_model.rows()) == 4


class CrashBeforeOffsetCommit(ConsumerRunner):
    """Dies (hangs until cancelled) at its Nth offset commit: the records of that commit are
    applied in the database, their offsets never committed."""

    crash_at = 1

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offset_commits = 0
        self.crashed = asyncio.Event()

    async def _commit(self, consumer, offsets) -> None:
        self.offset_commits += 1
        if self.offset_commits == self.crash_at:
            self.crashed.set()
            await asyncio.Future()  # the process is gone: this offset is never committed
        await super()._commit(consumer, offsets)


async def kill(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_consumer_killed_between_db_commit_and_offset_commit(
    owner, read_model, runners, eventually, make_runner
) -> None:
    for stream in ("inc-a", "inc-b"):
        await owner.append(stream, {"n": 1}, {"n": 2}, {"n": 3})
    await owner.publish()
    name = f"reader-{uuid.uuid4().hex[:8]}"
    crashing = make_runner(owner, read_model, runner_class=CrashBeforeOffsetCommit, name=name)
    _, task = runners(crashing)
    await eventually(crashing.crashed.is_set, what="the crash")
    await kill(task)
    applied = len(await read_model.rows())
    assert (
        applied >= 3 and crashing.committed == 0
    )  # a partition's records applied, no offset committed

    # Every record comes again; the applied ones are skipped (handled), none is applied twice.
    restarted = make_runner(owner, read_model, name=name)
    runners(restarted)
    await eventually(lambda: restarted.committed == 6, what="all 6 records, none committed before")
    rows = await read_model.rows()
    assert sorted((r[0], r[1]) for r in rows) == [
        (s, v) for s in ("inc-a", "inc-b") for v in (1, 2, 3)
    ]
    assert len({r[2] for r in rows}) == 6


async def test_consumer_killed_inside_the_transaction(
    owner, read_model, runners, eventually, make_runner
) -> None:
    await owner.append("inc-a", {"n": 1}, {"n": 2}, {"block": True}, {"n": 4})
    await owner.publish()
    entered = asyncio.Event()
    handle = read_model.handle

    async def blocking(conn, event) -> None:
        await handle(conn, event)  # the row is written inside the transaction...
        if event.data.get("block") and not entered.is_set():
            entered.set()
            await asyncio.Future()  # ...which never commits: the process dies here

    name = f"reader-{uuid.uuid4().hex[:8]}"
    first = make_runner(owner, read_model, name=name)
    first.applier.routes = {EVENT: blocking}
    _, task = runners(first)
    await eventually(entered.is_set, what="the blocked handler")
    await kill(task)
    assert [r[1] for r in await read_model.rows()] == [1, 2]

    restarted = make_runner(owner, read_model, name=name)
    runners(restarted)
    await eventually(lambda: restarted.committed == 2, what="the 2 uncommitted records")
    assert [r[1] for r in await read_model.rows()] == [1, 2, 3, 4]


async def test_graceful_stop_finishes_and_commits(
    owner, read_model, runners, eventually, make_runner
) -> None:
    await owner.append("inc-a", {"n": 1}, {"n": 2})
    await owner.publish()
    name = f"reader-{uuid.uuid4().hex[:8]}"
    first = make_runner(owner, read_model, name=name)
    stop, task = runners(first)
    await eventually(lambda: first.committed == 2, what="2 records")
    stop.set()
    await asyncio.wait_for(task, 30)

    await owner.append("inc-a", {"n": 3})
    await owner.publish()
    second = make_runner(owner, read_model, name=name)
    runners(second)
    await eventually(lambda: second.committed == 1, what="only the new record")
    assert second.processed == 1
    assert [r[1] for r in await read_model.rows()] == [1, 2, 3]


async def test_poison_event_fetched_from_the_feed_is_parked_too(
    owner, read_model, runners, eventually, make_runner
) -> None:
    _, poison, last = await owner.append("inc-1", {"n": 1}, {"poison": True}, {"n": 3})
    await owner.publish()
    lossy = f"{owner.topic}.lossy"
    await ensure_topics(owner.settings, [lossy])
    await owner.send_raw(lossy, (await owner.published("inc-1"))[2])  # 1 and 2 come from the feed
    runner = make_runner(owner, read_model, topic=lossy, max_retries=1, retry_backoff=0.001)
    runners(runner)
    await eventually(lambda: runner.committed == 1, what="1 record")
    assert [r[1] for r in await read_model.rows()] == [1, 3]
    assert runner.parked == 1

    dlq = await read_topic(owner.settings.kafka_bootstrap_servers, f"{lossy}.dlq", 1)
    assert dict(dlq[0].headers)["ce_id"] == str(poison.event_id).encode()
    read_model.poison_fixed = True
    result = await replay_dead_letters(
        runner.name, read_model.engine, read_model.routes, ManualClock()
    )
    assert (result.replayed, result.failed) == (1, 0)
    assert sorted(r[1] for r in await read_model.rows()) == [1, 2, 3]


@pytest.mark.parametrize(
    ("error", "infrastructure"),
    [
        (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"), True),
        (asyncpg.exceptions.InterfaceError("the underlying connection is closed"), True),
        (
            asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
            True,
        ),
        (asyncpg.exceptions.TooManyConnectionsError("too many clients"), True),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), False),
        (asyncpg.exceptions.DataError("invalid input"), False),
    ],
)
def test_a_driver_statements_lost_connection_is_infrastructure_not_the_events_fault(
    error: Exception, infrastructure: bool
) -> None:
    """Handlers write on the driver too (the event store's appends, bulk writes): their errors
    arrive as asyncpg's own, not wrapped by SQLAlchemy, and a lost connection or a timeout must
    still be waited out, never parked as the event's fault."""
    assert is_infrastructure(error) is infrastructure
