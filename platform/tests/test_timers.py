"""Durable timers against a real PostgreSQL: fire once, after the due time, survive restarts.

Time is a ManualClock the tests move; nothing sleeps. Each test gets a fresh database from
conftest's `new_database` with the timers table and `fired_timers`, where the test handler
records what it fired under a primary key of (key, due_at): a double fire would fail there.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from village_devstack.waiting import eventually
from village_platform import timers
from village_platform.clock import ManualClock, SystemClock
from village_platform.timers import Timer, TimerScheduler

# One row per firing; the key includes due_at so that a rescheduled key may fire again.
FIRED_TABLE = """
CREATE TABLE fired_timers (
    key     text NOT NULL,
    due_at  timestamptz NOT NULL,
    payload jsonb NOT NULL,
    PRIMARY KEY (key, due_at)
)
"""
MINUTE = timedelta(minutes=1)


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for statement in [*timers.UPGRADE, FIRED_TABLE]:
            await conn.execute(text(statement))


@pytest.fixture
async def engine(new_database: Callable[..., Awaitable[AsyncEngine]]) -> AsyncEngine:
    engine = await new_database()
    await create_tables(engine)
    return engine


class Recorder:
    """A fire handler: records the timer in `fired_timers` and `calls`, then runs `then[key]`."""

    def __init__(self) -> None:
        self.calls: list[Timer] = []
        self.then: dict[str, Callable[[AsyncConnection, Timer, datetime], Awaitable[None]]] = {}

    async def __call__(self, conn: AsyncConnection, timer: Timer, now: datetime) -> None:
        self.calls.append(timer)
        await conn.execute(
            text(
                "INSERT INTO fired_timers (key, due_at, payload) VALUES (:k, :d, CAST(:p AS jsonb))"
            ),
            {"k": timer.key, "d": timer.due_at, "p": json.dumps(timer.payload)},
        )
        if timer.key in self.then:
            await self.then[timer.key](conn, timer, now)

    @property
    def keys(self) -> list[str]:
        return [t.key for t in self.calls]


async def schedule(
    engine: AsyncEngine, clock: ManualClock, key: str, due: timedelta, **payload: Any
) -> None:
    async with engine.begin() as conn:
        await timers.schedule(conn, key, clock.now() + due, payload, now=clock.now())


async def query(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def pending(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return await timers.pending(conn)


async def test_fires_once_after_its_due_time(engine: AsyncEngine, clock: ManualClock) -> None:
    recorder = Recorder()
    scheduler = TimerScheduler(engine, clock, recorder)
    due = clock.now() + 10 * MINUTE
    await schedule(engine, clock, "inc-1:breach", 10 * MINUTE, percent=100)

    assert await scheduler.fire_due() == 0
    clock.advance(9 * MINUTE)
    assert await scheduler.fire_due() == 0
    clock.advance(MINUTE)  # due_at <= now: exactly at the due time it fires
    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    clock.advance(MINUTE)
    assert await scheduler.fire_due() == 0

    assert recorder.calls == [Timer("inc-1:breach", due, {"percent": 100}, 0)]
    assert scheduler.fired == 1 and await pending(engine) == 0
    assert await query(engine, "SELECT key FROM fired_timers") == [("inc-1:breach",)]


async def test_reschedule_replaces_and_cancel_removes(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    recorder = Recorder()
    scheduler = TimerScheduler(engine, clock, recorder)
    await schedule(engine, clock, "k", 5 * MINUTE, version=1)
    await schedule(engine, clock, "k", 10 * MINUTE, version=2)
    await schedule(engine, clock, "gone", 1 * MINUTE)
    async with engine.begin() as conn:
        assert await timers.pending(conn) == 2
        assert await timers.next_due(conn) == clock.now() + MINUTE
        await timers.cancel(conn, "gone")
        await timers.cancel(conn, "never-scheduled")
        assert await timers.next_due(conn) == clock.now() + 10 * MINUTE

    clock.advance(5 * MINUTE)
    assert await scheduler.fire_due() == 0
    clock.advance(5 * MINUTE)
    assert await scheduler.fire_due() == 1
    assert [(t.key, t.payload) for t in recorder.calls] == [("k", {"version": 2})]


async def test_cancel_prefix_takes_the_prefix_literally(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    keys = [
        "inc-1:warn",
        "inc-1:breach",
        "inc-10:breach",
        "inc_1:x",
        "incX1:x",
        "50%:a",
        "50abc:a",
        "a\\b:1",
        "a\\\\b:1",
    ]
    for key in keys:
        await schedule(engine, clock, key, MINUTE)
    async with engine.begin() as conn:
        for prefix in ["inc-1:", "inc_1:", "50%:", "a\\b"]:
            await timers.cancel_prefix(conn, prefix)
        with pytest.raises(ValueError):
            await timers.cancel_prefix(conn, "")
    left = await query(engine, "SELECT key FROM timers ORDER BY key")
    assert sorted(k for (k,) in left) == sorted(["inc-10:breach", "incX1:x", "50abc:a", "a\\\\b:1"])


async def test_overdue_timers_fire_once_oldest_first_after_downtime(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    start = clock.now()
    before = TimerScheduler(engine, clock, Recorder())
    dues = {"e": 1, "d": 2, "c": 3, "b": 4, "a": 5, "a2": 5}  # minutes; ties go by key
    for key, minutes in dues.items():
        await schedule(engine, clock, key, minutes * MINUTE)
    assert await before.fire_due() == 0

    # The process dies; a day later a new one starts, with its own engine.
    clock.advance(timedelta(days=1))
    restarted = create_async_engine(engine.url)
    try:
        recorder = Recorder()
        after = TimerScheduler(restarted, clock, recorder, batch_size=2)
        assert await after.fire_due() == len(dues)
        assert await after.fire_due() == 0
    finally:
        await restarted.dispose()
    assert recorder.keys == ["e", "d", "c", "b", "a", "a2"]
    assert [t.due_at - start for t in recorder.calls] == [m * MINUTE for m in [1, 2, 3, 4, 5, 5]]


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batch-scope"])
async def test_concurrent_schedulers_fire_each_timer_exactly_once(
    engine: AsyncEngine, clock: ManualClock, batched: bool
) -> None:
    async with engine.begin() as conn:
        for i in range(500):
            await timers.schedule(conn, f"t{i:03}", clock.now() + (i % 7) * MINUTE, now=clock.now())
    clock.advance(10 * MINUTE)
    other_engine = create_async_engine(engine.url)
    try:
        recorders = [Recorder() for _ in range(4)]
        schedulers = [
            TimerScheduler(e, clock, r, batch_size=25, batch_scope=Scopes() if batched else None)
            for e, r in zip([engine, other_engine, engine, other_engine], recorders, strict=True)
        ]
        counts = await asyncio.gather(*(s.fire_due() for s in schedulers))
    finally:
        await other_engine.dispose()

    calls = Counter(key for r in recorders for key in r.keys)
    assert sum(counts) == 500 and len(calls) == 500 and set(calls.values()) == {1}
    assert all(n > 0 for n in counts), f"no race happened: {counts}"
    assert await query(engine, "SELECT count(*) FROM fired_timers") == [(500,)]
    assert await pending(engine) == 0


async def test_a_failing_handler_rolls_back_alone_and_is_retried_with_backoff(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    recorder = Recorder()
    broken = True

    async def poison(conn: AsyncConnection, timer: Timer, now: datetime) -> None:
        if broken:
            raise RuntimeError("cannot fire yet")

    recorder.then["b-poison"] = poison
    scheduler = TimerScheduler(engine, clock, recorder, max_backoff_seconds=3)
    for key, minutes in [("a-before", 1), ("b-poison", 2), ("c-after", 3)]:
        await schedule(engine, clock, key, minutes * MINUTE)
    clock.advance(5 * MINUTE)

    assert await scheduler.fire_due() == 2
    rows = await query(engine, "SELECT key, attempts, last_error, due_at FROM timers")
    retry_at = clock.now() + timedelta(seconds=1)
    assert rows == [("b-poison", 1, "RuntimeError: cannot fire yet", retry_at)]
    # The poison handler's own insert into fired_timers was rolled back with it.
    fired = await query(engine, "SELECT key FROM fired_timers ORDER BY key")
    assert fired == [("a-before",), ("c-after",)]
    assert await scheduler.fire_due() == 0  # backed off: no spinning on it

    retries = []
    for _ in range(3):
        clock.set(rows[0].due_at)
        assert await scheduler.fire_due() == 0
        rows = await query(engine, "SELECT key, attempts, last_error, due_at FROM timers")
        retries.append((rows[0].attempts, rows[0].due_at - clock.now()))
    # 1 s, 2 s, then 4 s and 8 s capped at max_backoff_seconds=3
    assert retries == [(n, timedelta(seconds=d)) for n, d in [(2, 2), (3, 3), (4, 3)]]

    broken = False
    clock.set(rows[0].due_at)
    assert await scheduler.fire_due() == 1
    assert recorder.calls[-1].key == "b-poison" and recorder.calls[-1].attempts == 4
    assert await pending(engine) == 0 and scheduler.fired == 3


async def test_rescheduling_resets_attempts(engine: AsyncEngine, clock: ManualClock) -> None:
    async def fail(conn: AsyncConnection, timer: Timer, now: datetime) -> None:
        raise ValueError("no")

    await schedule(engine, clock, "k", MINUTE)
    clock.advance(MINUTE)
    assert await TimerScheduler(engine, clock, fail).fire_due() == 0
    await schedule(engine, clock, "k", MINUTE)
    assert await query(engine, "SELECT attempts, last_error FROM timers") == [(0, None)]


async def test_a_handler_that_reschedules_its_own_key_keeps_the_new_timer(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    recorder = Recorder()

    async def next_threshold(conn: AsyncConnection, timer: Timer, now: datetime) -> None:
        if timer.payload["percent"] == 75:
            later = timer.due_at + 10 * MINUTE
            await timers.schedule(conn, timer.key, later, {"percent": 100}, now=now)

    recorder.then["inc-1:sla"] = next_threshold
    scheduler = TimerScheduler(engine, clock, recorder)
    await schedule(engine, clock, "inc-1:sla", 30 * MINUTE, percent=75)

    clock.advance(30 * MINUTE)
    assert await scheduler.fire_due() == 1
    async with engine.connect() as conn:
        assert await timers.next_due(conn) == clock.now() + 10 * MINUTE
    clock.advance(9 * MINUTE)
    assert await scheduler.fire_due() == 0
    clock.advance(MINUTE)
    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    assert [t.payload["percent"] for t in recorder.calls] == [75, 100]
    assert await pending(engine) == 0


async def test_a_handler_may_cancel_or_postpone_others_in_its_batch(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    recorder = Recorder()

    async def resolve(conn: AsyncConnection, timer: Timer, now: datetime) -> None:
        await timers.cancel_prefix(conn, "inc-1:")
        await timers.schedule(conn, "inc-2:breach", now + MINUTE, now=now)

    recorder.then["inc-0:resolved"] = resolve
    keys = ["inc-0:resolved", "inc-1:breach", "inc-2:breach", "inc-3:breach"]
    for minutes, key in enumerate(keys, start=1):
        await schedule(engine, clock, key, minutes * MINUTE)
    clock.advance(5 * MINUTE)
    assert await TimerScheduler(engine, clock, recorder).fire_due() == 2
    assert recorder.keys == ["inc-0:resolved", "inc-3:breach"]
    assert await query(engine, "SELECT key FROM timers") == [("inc-2:breach",)]


class WatchedClock(ManualClock):
    """A ManualClock that counts its readers: the scheduler reads it last just before it waits."""

    reads = 0

    def now(self) -> datetime:
        self.reads += 1
        return super().now()


async def test_run_fires_on_wake_and_stops_promptly(engine: AsyncEngine) -> None:
    clock = WatchedClock()
    recorder = Recorder()
    rings: list[int] = []
    scheduler = TimerScheduler(
        engine, clock, recorder, poll_seconds=30, on_fired=lambda: rings.append(1)
    )
    await schedule(engine, clock, "k", MINUTE)
    await schedule(engine, clock, "later", 2 * MINUTE)
    stop = asyncio.Event()
    clock.reads = 0
    task = asyncio.create_task(scheduler.run(stop))
    try:
        # One read to fire (nothing due), one to compute the wait: now it waits, up to 30 s.
        await eventually(lambda: clock.reads >= 2, timeout=3, what="the scheduler to wait")
        clock.advance(MINUTE)
        scheduler.wake()  # without it the scheduler would look again only after 30 s
        await eventually(lambda: scheduler.fired == 1, timeout=3, what="the timer to fire on wake")
        assert recorder.keys == ["k"] and rings == [1]
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)


async def test_a_look_with_nothing_due_is_one_read_and_no_firing_transaction(
    engine: AsyncEngine,
) -> None:
    clock = WatchedClock()
    scheduler = TimerScheduler(engine, clock, Recorder(), poll_seconds=30)
    await schedule(engine, clock, "later", 10 * MINUTE)
    firing: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM timers WHERE due_at <=" in statement:  # the batch's select or take
            firing.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    stop = asyncio.Event()
    clock.reads = 0
    task = asyncio.create_task(scheduler.run(stop))
    try:
        for looks in range(1, 6):  # woken five times, nothing due
            scheduler.wake()
            await eventually(lambda n=looks: clock.reads >= 2 * n, timeout=3, what="a look")
        assert firing == [] and scheduler.fired == 0
        clock.advance(10 * MINUTE)
        scheduler.wake()
        await eventually(lambda: scheduler.fired == 1, timeout=3, what="the timer to fire")
        assert firing  # due: the batch ran
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)
        event.remove(engine.sync_engine, "before_cursor_execute", seen)


async def test_run_sleeps_until_the_next_due_time(engine: AsyncEngine) -> None:
    clock = SystemClock()
    scheduler = TimerScheduler(engine, clock, Recorder(), poll_seconds=30)
    stop = asyncio.Event()
    async with engine.begin() as conn:
        soon = clock.now() + timedelta(milliseconds=300)
        await timers.schedule(conn, "soon", soon, now=clock.now())
    task = asyncio.create_task(scheduler.run(stop))
    try:
        await eventually(lambda: scheduler.fired == 1, timeout=3, what="firing by itself")
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)


async def test_run_survives_database_errors(
    new_database: Callable[..., Awaitable[AsyncEngine]],
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = await new_database()  # no timers table yet: every pass fails
    scheduler = TimerScheduler(engine, clock, Recorder(), poll_seconds=30)
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    try:
        with caplog.at_level(logging.ERROR, logger="village_platform.timers"):
            await eventually(lambda: "timers failed" in caplog.text, timeout=3, what="an error")
        await create_tables(engine)
        await schedule(engine, clock, "k", timedelta(0))
        scheduler.wake()
        await eventually(lambda: scheduler.fired == 1, timeout=3, what="firing after the errors")
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)
    assert not task.cancelled() and task.exception() is None


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        with pytest.raises(ValueError):
            await timers.schedule(conn, "k", datetime(2026, 1, 1), now=datetime(2026, 1, 1))


async def test_schedule_many_sets_replaces_and_takes_a_repeated_key_as_its_last(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    now = clock.now()
    await schedule(engine, clock, "a", 5 * MINUTE, note="old")
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE timers SET attempts = 3, last_error = 'boom' WHERE key = 'a'")
        )
        await timers.schedule_many(
            conn,
            [
                ("a", now + MINUTE, now),
                ("b", now + 2 * MINUTE, now),
                ("b", now + 3 * MINUTE, now),
                ("c", now + 4 * MINUTE, now),
            ],
        )
        await timers.schedule_many(conn, [])
    rows = await query(
        engine, "SELECT key, due_at, payload, attempts, last_error FROM timers ORDER BY key"
    )
    assert [(r.key, r.due_at, r.payload, r.attempts, r.last_error) for r in rows] == [
        ("a", now + MINUTE, {}, 0, None),
        ("b", now + 3 * MINUTE, {}, 0, None),
        ("c", now + 4 * MINUTE, {}, 0, None),
    ]
    with pytest.raises(ValueError):
        async with engine.begin() as conn:
            await timers.schedule_many(conn, [("d", datetime(2026, 1, 1), now)])


class Scopes:
    """A batch scope that records the keys of each batch it is entered for, and how it ended."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.ended: list[str] = []

    @asynccontextmanager
    async def __call__(self, conn: AsyncConnection, due: Sequence[Timer]) -> AsyncIterator[None]:
        self.batches.append([t.key for t in due])
        try:
            yield
        except Exception:
            self.ended.append("raised")
            raise
        self.ended.append("clean")


async def test_a_batch_scope_fires_each_batch_together_oldest_first(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    recorder, scopes = Recorder(), Scopes()
    scheduler = TimerScheduler(engine, clock, recorder, batch_size=2, batch_scope=scopes)
    for key, minutes in {"e": 1, "d": 2, "c": 3, "b": 4, "a": 5}.items():
        await schedule(engine, clock, key, minutes * MINUTE)
    await schedule(engine, clock, "later", 60 * MINUTE)
    clock.advance(5 * MINUTE)

    assert await scheduler.fire_due() == 5
    assert scopes.batches == [["e", "d"], ["c", "b"], ["a"]]
    assert scopes.ended == ["clean"] * 3
    assert recorder.keys == ["e", "d", "c", "b", "a"]
    assert await query(engine, "SELECT key FROM timers") == [("later",)]
    assert await query(engine, "SELECT count(*) FROM fired_timers") == [(5,)]


async def test_a_failing_handler_in_a_batch_rolls_it_back_and_it_fires_one_by_one(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    recorder, scopes = Recorder(), Scopes()

    async def poison(conn: AsyncConnection, timer: Timer, now: datetime) -> None:
        raise RuntimeError("cannot fire yet")

    recorder.then["b-poison"] = poison
    scheduler = TimerScheduler(engine, clock, recorder, batch_scope=scopes)
    for key, minutes in [("a-before", 1), ("b-poison", 2), ("c-after", 3)]:
        await schedule(engine, clock, key, minutes * MINUTE)
    clock.advance(5 * MINUTE)

    assert await scheduler.fire_due() == 2
    assert scopes.ended == ["raised"]  # the batch ran into the poison and was rolled back
    # then one by one: a-before and c-after once each (the batch's writes are gone), the
    # poison backed off
    assert recorder.keys == ["a-before", "b-poison", "a-before", "b-poison", "c-after"]
    fired = await query(engine, "SELECT key FROM fired_timers ORDER BY key")
    assert fired == [("a-before",), ("c-after",)]
    rows = await query(engine, "SELECT key, attempts, due_at FROM timers")
    assert rows == [("b-poison", 1, clock.now() + timedelta(seconds=1))]
