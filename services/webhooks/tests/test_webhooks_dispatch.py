"""Fan-out and dispatcher on a real PostgreSQL, delivering to a real receiver, on a ManualClock:
retry times are the clock's, so the test moves time through a whole day of failures instead of
waiting for it. Everything but Kafka (the fan-out is called as the consumer calls it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import sqlalchemy
from sqlalchemy import text
from webhooks_support import SEALER, event, loopback_dispatcher
from webhooks_support import register as register_all

from village_devstack.waiting import eventually
from village_devstack.webhook_receiver import Receiver, ReceiverServer
from village_platform.clock import ManualClock, SystemClock
from village_platform.db import driver_of
from village_webhooks import dispatcher as dispatcher_module
from village_webhooks import endpoints
from village_webhooks.domain.retry import BREAKER_FAILURES, RetryPolicy
from village_webhooks.fanout import FanOut


async def register(engine: Any, clock: ManualClock, party: str, kind: str, types: list[str]) -> Any:
    """An endpoint of `party` (a `kind`) subscribing to `types`, registered now."""
    body = {"url": "http://127.0.0.1:9/", "description": "", "filter": {}, "event_types": types}
    async with engine.begin() as conn:
        made, _ = await endpoints.create(conn, SEALER, party, kind, body, clock.now())
    return made


# Backoffs without jitter (the highest draw), so a test knows when each retry falls due.
STEADY = RetryPolicy(base_seconds=5, cap_seconds=3600, random=lambda: 1.0)


async def _queue(engine: Any, clock: ManualClock, events: list[Any]) -> None:
    """`events` fanned out in one transaction, as the consumer fans out a fetch."""
    fan_out = FanOut(clock)
    async with engine.begin() as conn, fan_out.applying_many(conn, events):
        for e in events:
            await fan_out(conn, e)


async def test_fan_out_by_visibility_subscription_and_exactly_once(engine: Any) -> None:
    clock = ManualClock()
    fan_out = FanOut(clock)
    async with engine.begin() as conn:
        body = {"url": "http://127.0.0.1:9/", "description": "", "filter": {}}
        partner, _ = await endpoints.create(
            conn, SEALER, "northwind", "partner", {**body, "event_types": ["*"]}, clock.now()
        )
        customer, _ = await endpoints.create(
            conn, SEALER, "initech", "customer", {**body, "event_types": ["*"]}, clock.now()
        )
        other, _ = await endpoints.create(
            conn, SEALER, "umbrella", "customer", {**body, "event_types": ["*"]}, clock.now()
        )
        only_sla, _ = await endpoints.create(
            conn,
            SEALER,
            "acme",
            "provider",
            {**body, "event_types": ["village.sla.*"]},
            clock.now(),
        )
    clock.advance(timedelta(seconds=1))
    shared, restricted = event("i-1", 1, clock), event("i-1", 2, clock, visibility="restricted")
    internal, acme_internal = (
        event("i-1", 3, clock, visibility="internal"),
        event("i-1", 4, clock, visibility="internal", actor="acme"),
    )
    for e in (
        shared,
        restricted,
        internal,
        acme_internal,
        shared,
    ):  # the last: a redelivered record
        async with engine.begin() as conn:
            await fan_out(conn, e)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT endpoint_id, event_id FROM deliveries"))).all()
    got = {(r.endpoint_id, str(r.event_id)) for r in rows}
    assert got == {
        (partner.endpoint_id, shared.id),
        (partner.endpoint_id, restricted.id),
        (partner.endpoint_id, internal.id),
        (customer.endpoint_id, shared.id),
    }
    assert len(rows) == 4 and other.endpoint_id not in {r.endpoint_id for r in rows}
    assert only_sla.endpoint_id not in {r.endpoint_id for r in rows}


async def test_a_fetch_fans_out_with_one_read_and_one_insert_as_one_at_a_time_would(
    engine: Any,
) -> None:
    """The consumer's batch scope: the endpoints read once for a whole fetch and its
    deliveries inserted together, with the same deliveries (visibility, subscription, an
    endpoint registered mid-fetch, a failing one parked, each queue in the events' order)."""
    clock = ManualClock()
    fan_out = FanOut(clock)
    partner = await register(engine, clock, "northwind", "partner", ["*"])
    customer = await register(engine, clock, "initech", "customer", ["village.incident.*"])
    failing = await register(engine, clock, "northwind", "partner", ["*"])
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE endpoints SET status = 'failing' WHERE endpoint_id = :e"),
            {"e": failing.endpoint_id},
        )
    clock.advance(timedelta(seconds=1))
    early = [event("i-1", 1, clock), event("i-1", 2, clock, visibility="internal")]
    clock.advance(timedelta(seconds=1))
    late_customer = await register(engine, clock, "initech", "customer", ["*"])  # after `early`
    clock.advance(timedelta(seconds=1))
    late = [
        event("i-2", 1, clock, type="village.sla.clock_started.v1"),
        event("i-1", 3, clock, parties=("acme", "umbrella")),  # no endpoint of theirs
        event("i-1", 4, clock),
    ]
    fetch = early + late

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sqlalchemy.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with engine.begin() as conn, fan_out.applying_many(conn, fetch):
            for e in fetch:
                await fan_out(conn, e)
    finally:
        sqlalchemy.event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert sum("FROM endpoints" in s for s in statements) == 1
    assert sum("INSERT INTO deliveries" in s for s in statements) == 1
    async with engine.connect() as conn:
        batched = (
            await conn.execute(
                text("SELECT endpoint_id, event_id, status FROM deliveries ORDER BY seq")
            )
        ).all()
        await conn.execute(text("DELETE FROM deliveries"))
        await conn.commit()
    for e in fetch:  # one at a time, as the one-by-one path applies them
        async with engine.begin() as conn:
            await fan_out(conn, e)
    async with engine.connect() as conn:
        single = (
            await conn.execute(
                text("SELECT endpoint_id, event_id, status FROM deliveries ORDER BY seq")
            )
        ).all()

    def queues(rows: list[Any]) -> dict[Any, list[tuple[str, str]]]:
        """Each endpoint's deliveries in `seq` order (the order they are sent in)."""
        found: dict[Any, list[tuple[str, str]]] = {}
        for r in rows:
            found.setdefault(r.endpoint_id, []).append((str(r.event_id), r.status))
        return found

    e1, e2, s1, _, e4 = (e.id for e in fetch)
    assert (
        queues(batched)
        == queues(single)
        == {
            partner.endpoint_id: [
                (e1, "pending"),
                (e2, "pending"),
                (s1, "pending"),
                (e4, "pending"),
            ],
            customer.endpoint_id: [(e1, "pending"), (e4, "pending")],
            failing.endpoint_id: [(e1, "parked"), (e2, "parked"), (s1, "parked"), (e4, "parked")],
            late_customer.endpoint_id: [(s1, "pending"), (e4, "pending")],
        }
    )


async def test_the_dispatcher_is_woken_after_a_commit_that_stored_deliveries_only(
    engine: Any,
) -> None:
    """Most consumed events go to nobody (SLA, escalation, knowledge facts nobody subscribes
    to): their commits do not wake the dispatcher, whose every wake costs a claim query."""
    clock = ManualClock()
    woken: list[int] = []
    fan_out = FanOut(clock, queued=lambda: woken.append(1))
    await register(engine, clock, "northwind", "partner", ["village.incident.*"])
    clock.advance(timedelta(seconds=1))
    nobodys = event("i-1", 1, clock, type="village.sla.clock_started.v1")
    async with engine.begin() as conn, fan_out.applying_many(conn, [nobodys]):
        await fan_out(conn, nobodys)
    fan_out.committed()  # as the consumer calls it after the commit
    assert woken == []
    async with engine.begin() as conn:
        await fan_out(conn, event("i-1", 2, clock))
        assert woken == []  # not before the commit: the dispatcher would not see it yet
    fan_out.committed()
    fan_out.committed()
    assert woken == [1]  # once for that commit


async def test_a_day_of_failures_on_the_clock_then_parked(engine: Any) -> None:
    clock = ManualClock()
    healthy = False
    receiver = Receiver(respond=lambda arrival: 204 if healthy else 503)
    policy = RetryPolicy(base_seconds=5, cap_seconds=3600, max_age=timedelta(days=1))
    async with ReceiverServer(receiver) as url:
        endpoint, secret = await register_all(engine, clock, url)
        receiver.secrets.append(secret)
        dispatcher = loopback_dispatcher(engine, clock, policy)
        async with _running(dispatcher):
            clock.advance(timedelta(seconds=1))
            first, second = event("i-9", 1, clock), event("i-9", 2, clock)
            for e in (first, second):
                async with engine.begin() as conn:
                    await FanOut(clock)(conn, e)
            dispatcher.wake()
            queued_at = clock.now()

            async def state() -> tuple[str, int]:
                async with engine.connect() as conn:
                    return tuple(
                        (
                            await conn.execute(
                                text(
                                    "SELECT e.status, d.attempts"
                                    " FROM deliveries d JOIN endpoints e USING (endpoint_id)"
                                    " WHERE event_id = :e"
                                ),
                                {"e": first.id},
                            )
                        ).one()
                    )

            attempts = 0
            while (await state())[0] == "active":
                attempts = (
                    await eventually(
                        state,
                        lambda s, attempts=attempts: s[1] > attempts or s[0] != "active",
                        timeout=20,
                    )
                )[1]
                # Only the head of the incident's queue is tried; the clock has not moved, so no
                # retry yet.
                assert {a.event["id"] for a in receiver.arrivals} == {first.id}
                clock.advance(timedelta(minutes=61))  # past any capped backoff
            assert attempts >= 24 and clock.now() - queued_at >= timedelta(hours=23)
            async with engine.connect() as conn:
                statuses = (
                    (await conn.execute(text("SELECT status FROM deliveries ORDER BY seq")))
                    .scalars()
                    .all()
                )
            assert statuses == ["parked", "parked"] and len(receiver.arrivals) == attempts
            # A new event for the failing endpoint is stored parked; replay after enabling
            # delivers all, in order.
            third = event("i-9", 3, clock)
            async with engine.begin() as conn:
                await FanOut(clock)(conn, third)
                row = await endpoints.get(conn, "northwind", endpoint.endpoint_id)
                row = await endpoints.update(conn, row, {"status": "active"}, clock.now())
                count = await endpoints.replay(
                    conn, row, {"event_ids": [first.id, second.id, third.id]}, clock.now()
                )
            assert count == 3
            healthy = True
            dispatcher.wake()
            await eventually(lambda: receiver.events(), lambda ev: len(ev) == 3, timeout=20)
            assert [e["id"] for e in receiver.events()] == [first.id, second.id, third.id]
            assert all(a.verified for a in receiver.arrivals)


async def _endpoint_for(engine: Any, clock: ManualClock, url: str, receiver: Receiver) -> Any:
    endpoint, secret = await register_all(engine, clock, url)
    receiver.secrets.append(secret)
    return endpoint


async def _breaker(engine: Any, endpoint: Any) -> tuple[int, Any, int]:
    """The endpoint's failures in a row, its pause, and the attempts recorded on it."""
    async with engine.connect() as conn:
        return tuple(
            (
                await conn.execute(
                    text(
                        "SELECT failures, paused_until,"
                        " (SELECT coalesce(sum(attempts), 0) FROM deliveries d"
                        "  WHERE d.endpoint_id = e.endpoint_id)"
                        " FROM endpoints e WHERE endpoint_id = :e"
                    ),
                    {"e": endpoint.endpoint_id},
                )
            ).one()
        )


async def test_an_endpoint_that_is_down_is_paused_then_probed_one_delivery_at_a_time(
    engine: Any,
) -> None:
    """20 incidents queued for a receiver that answers 503: the breaker trips after 5 failures
    in a row (with 4 requests at a time, at most 3 more were already in flight), nothing more
    goes until its pause is over, then one probe; once a probe gets through, the whole backlog
    flows, each incident's events in order. Without the breaker all 20 are tried at once, and
    again at each one's own backoff."""
    clock = ManualClock()
    healthy = False
    receiver = Receiver(respond=lambda arrival: 204 if healthy else 503)
    per_endpoint = 4
    async with ReceiverServer(receiver) as url:
        endpoint = await _endpoint_for(engine, clock, url, receiver)
        dispatcher = loopback_dispatcher(engine, clock, STEADY, per_endpoint=per_endpoint)
        queued = [event(f"i-{n}", seq, clock) for n in range(20) for seq in (1, 2)]
        await _queue(engine, clock, queued)

        async def settled() -> tuple[int, Any, int]:
            """Once every attempt sent is recorded and none is in flight."""
            return await eventually(
                lambda: _breaker(engine, endpoint),
                lambda b: b[2] == len(receiver.arrivals) and not dispatcher._tasks,
                timeout=20,
            )

        async with _running(dispatcher):
            dispatcher.wake()
            failures, paused_until, attempts = await eventually(
                lambda: _breaker(engine, endpoint), lambda b: b[0] >= 5, timeout=20
            )
            failures, paused_until, attempts = await settled()
            tripped = len(receiver.arrivals)
            assert 5 <= tripped <= 5 + per_endpoint - 1 and attempts == failures == tripped
            assert paused_until > clock.now()
            assert await dispatcher.dispatch_due() == 0  # paused: nothing may go
            async with engine.connect() as conn:  # and its owner reads until when
                row = await endpoints.get(conn, "northwind", endpoint.endpoint_id)
            assert endpoints.view(row, clock.now())["paused_until"] == paused_until

            clock.advance(timedelta(hours=2))  # past the pause and every delivery's own backoff
            dispatcher.wake()
            await eventually(lambda: len(receiver.arrivals), lambda n: n > tripped, timeout=20)
            failures, paused_until, attempts = await settled()
            assert len(receiver.arrivals) == tripped + 1  # one probe, not 20 heads
            assert failures == tripped + 1 and paused_until > clock.now()

            healthy = True
            clock.advance(timedelta(hours=2))
            dispatcher.wake()
            await eventually(lambda: receiver.events(), lambda ev: len(ev) == 40, timeout=30)
            assert (await _breaker(engine, endpoint))[:2] == (0, None)  # closed again
            async with engine.connect() as conn:
                row = await endpoints.get(conn, "northwind", endpoint.endpoint_id)
            assert endpoints.view(row, clock.now())["paused_until"] is None
            order = [e["id"] for e in receiver.events()]
            for n in range(20):
                first, second = queued[2 * n].id, queued[2 * n + 1].id
                assert order.index(first) < order.index(second)
            assert all(a.verified for a in receiver.arrivals)


async def test_a_retry_after_pauses_the_whole_endpoint(engine: Any) -> None:
    """429 with Retry-After: 120 on one incident's delivery: the endpoint's other incidents wait
    the two minutes too (the receiver is throttling all of it), then everything goes."""
    clock = ManualClock()
    answers = [(429, {"Retry-After": "120"})]
    receiver = Receiver(respond=lambda arrival: answers.pop() if answers else 204)
    async with ReceiverServer(receiver) as url:
        endpoint = await _endpoint_for(engine, clock, url, receiver)
        dispatcher = loopback_dispatcher(engine, clock, STEADY, per_endpoint=1)
        queued = [event(f"i-{n}", 1, clock) for n in range(3)]
        await _queue(engine, clock, queued)
        async with _running(dispatcher):
            dispatcher.wake()
            failures, paused_until, _ = await eventually(
                lambda: _breaker(engine, endpoint), lambda b: b[2] == 1, timeout=20
            )
            await eventually(lambda: not dispatcher._tasks, timeout=20)
            assert failures == 1 and paused_until == clock.now() + timedelta(seconds=120)
            clock.advance(timedelta(seconds=119))
            assert await dispatcher.dispatch_due() == 0 and len(receiver.arrivals) == 1
            clock.advance(timedelta(seconds=1))
            dispatcher.wake()
            await eventually(lambda: receiver.events(), lambda ev: len(ev) == 3, timeout=20)
            # An answer arrives before it is recorded (its slot is freed first): the breaker
            # closes with the record's commit, a moment after the last arrival.
            await eventually(lambda: _breaker(engine, endpoint), lambda b: b[:2] == (0, None))


async def test_dispatchers_side_by_side_skip_what_another_holds_and_send_each_event_once(
    engine: Any,
) -> None:
    """Replicas share one database: a claim passes over deliveries another transaction holds
    (SKIP LOCKED) instead of waiting for it, and two dispatchers running together send every
    event once, each incident's in order."""
    clock = ManualClock()
    receiver = Receiver()
    async with ReceiverServer(receiver) as url:
        endpoint = await _endpoint_for(engine, clock, url, receiver)
        queued = [event(f"i-{n}", seq, clock) for n in range(20) for seq in (1, 2)]
        await _queue(engine, clock, queued)
        first, second = (
            loopback_dispatcher(engine, clock, STEADY, per_endpoint=64) for _ in range(2)
        )
        held = {str(e.id) for e in queued[: 2 * 8 : 2]}  # the heads of the first 8 incidents
        async with engine.begin() as other:
            await other.execute(
                text(
                    "SELECT 1 FROM deliveries WHERE CAST(event_id AS text) = ANY(:ids) FOR UPDATE"
                ),
                {"ids": list(held)},
            )
            async with asyncio.timeout(10):  # waiting for the lock would never end
                assert await first.dispatch_due() == 12
        await eventually(lambda: receiver.events(), lambda ev: len(ev) == 12, timeout=20)
        assert not held & {e["id"] for e in receiver.events()}

        stop = asyncio.Event()
        running = [asyncio.create_task(d.run(stop)) for d in (first, second)]
        try:
            for d in (first, second):
                d.wake()
            await eventually(lambda: receiver.events(), lambda ev: len(ev) >= 40, timeout=30)
            await eventually(lambda: not (first._tasks or second._tasks), timeout=20)
        finally:
            stop.set()
            await asyncio.gather(*running)
        order = [e["id"] for e in receiver.events()]
        assert sorted(order) == sorted(str(e.id) for e in queued)  # each once
        for n in range(20):
            assert order.index(str(queued[2 * n].id)) < order.index(str(queued[2 * n + 1].id))
        assert (await _breaker(engine, endpoint))[2] == 40  # one attempt each, recorded


async def _claim_reads(
    engine: Any, clock: ManualClock, incidents: int, *, analyzed_at: int | None = None
) -> int:
    """Rows a claim reads with `incidents` incidents queued, two events each (the claim is
    run and rolled back); the table's statistics are taken with them, or when only
    `analyzed_at` of them were queued."""
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM deliveries"))
    queued = [event(f"i-{n}", s, clock) for n in range(incidents) for s in (1, 2)]
    split = 2 * (incidents if analyzed_at is None else analyzed_at)
    await _queue(engine, clock, queued[:split])
    async with engine.begin() as conn:  # committed: statistics are rolled back with the rest
        await conn.execute(text("ANALYZE deliveries"))
    await _queue(engine, clock, queued[split:])
    async with engine.connect() as conn:
        driver = await driver_of(conn)
        claim = driver.transaction()
        await claim.start()
        try:
            plan = await driver.fetchval(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + dispatcher_module._CLAIM,
                clock.now(), [], [], 8, BREAKER_FAILURES, 64, clock.now() + timedelta(minutes=1),
            )  # fmt: skip
            leased = await driver.fetchval(
                "SELECT count(*) FROM deliveries WHERE next_attempt_at > $1", clock.now()
            )
        finally:
            await claim.rollback()
    assert leased == 8  # the endpoint's slots, queue heads only
    return _rows_read(plan[0]["Plan"])  # json: decoded by the codec SQLAlchemy's connection has


def _rows_read(node: dict[str, Any]) -> int:
    """Table and index rows an executed plan read, those its filters then dropped included."""
    here = 0
    if "Relation Name" in node:
        kept, dropped = node["Actual Rows"], node.get("Rows Removed by Filter", 0)
        here = round((kept + dropped) * node["Actual Loops"])
    return here + sum(_rows_read(child) for child in node.get("Plans", ()))


async def test_a_claim_reads_a_few_rows_of_a_backlog_of_thousands(engine: Any) -> None:
    """A surge leaves thousands of deliveries pending; the dispatcher claims every few
    milliseconds, so a claim must not read all of them to find the queues' heads. (The first
    claim read 10,033 rows with 5,000 incidents queued; this one reads about 60.)"""
    clock = ManualClock()
    await register_all(engine, clock, "http://127.0.0.1:9/")
    assert await _claim_reads(engine, clock, 5_000) < 200


async def test_a_claim_reads_a_few_rows_when_the_statistics_predate_the_backlog(
    engine: Any,
) -> None:
    """A surge comes to a quiet village: the planner's statistics are from before the backlog.
    Counting the endpoint's leases then walked the whole backlog (6,063 rows read with 3,000
    incidents queued after statistics of an empty table); the leases are now counted among the
    deliveries whose next attempt is ahead, which no index walk makes the backlog."""
    clock = ManualClock()
    await register_all(engine, clock, "http://127.0.0.1:9/")
    for analyzed_at in (0, 10, 200):
        rows = await _claim_reads(engine, clock, 3_000, analyzed_at=analyzed_at)
        assert rows < 200, (analyzed_at, rows)


async def test_an_endpoints_slot_is_free_while_an_answered_delivery_is_recorded(
    engine: Any,
) -> None:
    """A delivery answered for good gives its endpoint slot back before its outcome is recorded
    (with others', in one commit): with one slot, a second incident's delivery goes while the
    first's record waits. Before, the slot was held through the record, and a loaded database
    halved what an endpoint could be sent (a surge: about 7 of 16 slots sending on average)."""
    clock = ManualClock()
    receiver = Receiver()
    async with ReceiverServer(receiver) as url:
        await _endpoint_for(engine, clock, url, receiver)
        queued = [event(f"i-{n}", 1, clock) for n in range(2)]
        await _queue(engine, clock, queued)
        dispatcher = loopback_dispatcher(engine, clock, STEADY, per_endpoint=1)
        stop = asyncio.Event()
        async with engine.begin() as other:  # every outcome's event waits for this lock
            await other.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
            running = asyncio.create_task(dispatcher.run(stop))
            dispatcher.wake()
            await eventually(lambda: receiver.events(), lambda ev: len(ev) == 2, timeout=10)
        try:
            await eventually(
                lambda: _statuses(engine), lambda s: s == ["delivered", "delivered"], timeout=10
            )
            assert [e["id"] for e in receiver.events()] == [str(e.id) for e in queued]
        finally:
            stop.set()
            await running


async def _statuses(engine: Any) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(text("SELECT status FROM deliveries ORDER BY seq")))


async def test_an_endpoints_limit_holds_across_dispatchers(engine: Any) -> None:
    """Replicas share an endpoint's limit: its deliveries under a lease are counted, whoever
    holds them. With two slots, a second dispatcher claims nothing while the first has two
    requests in flight (before, each counted only its own: four at once, N times the limit
    with N replicas), and takes the next two once those are answered and recorded."""
    clock = ManualClock()
    gate, inside, most = asyncio.Event(), [0], [0]

    async def slow(_arrival: Any) -> int:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        await gate.wait()
        inside[0] -= 1
        return 204

    receiver = Receiver(respond=slow)
    async with ReceiverServer(receiver) as url:
        await _endpoint_for(engine, clock, url, receiver)
        queued = [event(f"i-{n}", 1, clock) for n in range(4)]
        await _queue(engine, clock, queued)
        first, second = (loopback_dispatcher(engine, clock, STEADY, per_endpoint=2) for _ in "ab")
        try:
            assert await first.dispatch_due() == 2
            await eventually(lambda: inside[0] == 2, timeout=10)
            assert await second.dispatch_due() == 0
            gate.set()
            await eventually(
                lambda: _statuses(engine), lambda s: s.count("delivered") == 2, timeout=10
            )
            await eventually(lambda: not first._tasks, timeout=10)
            assert await second.dispatch_due() == 2
            await eventually(
                lambda: _statuses(engine), lambda s: s == ["delivered"] * 4, timeout=10
            )
            await eventually(lambda: not second._tasks, timeout=10)
        finally:  # dispatched without `run`, which closes its client when it stops
            await first.http.aclose()
            await second.http.aclose()
    assert most[0] == 2
    assert sorted(e["id"] for e in receiver.events()) == sorted(str(e.id) for e in queued)


async def test_new_deliveries_are_claimed_at_once_while_others_are_in_flight(
    engine: Any, monkeypatch: Any
) -> None:
    """While requests are in flight the dispatcher lets a few finish before it claims again
    (one claim for several free slots); a delivery just stored does not wait for that. Here
    the pause is an hour and the first request is held open: the second incident's delivery
    still goes as soon as it is queued. Before, it waited out the pause (5 ms in service, a
    tenth of (g)'s 50 ms target) behind the first."""
    monkeypatch.setattr(dispatcher_module, "CLAIM_GATHER_SECONDS", 3600)
    clock = ManualClock()
    gate = asyncio.Event()

    async def first_held(arrival: Any) -> int:
        if arrival.event["subject"] == "i-0":
            await gate.wait()
        return 204

    receiver = Receiver(respond=first_held)
    async with ReceiverServer(receiver) as url:
        await _endpoint_for(engine, clock, url, receiver)
        dispatcher = loopback_dispatcher(engine, clock, STEADY, poll_seconds=3600)
        async with _running(dispatcher):
            first = await _queued_and_woken(engine, clock, dispatcher, "i-0")
            await eventually(lambda: len(receiver.arrivals) == 1, timeout=10)
            second = await _queued_and_woken(engine, clock, dispatcher, "i-1")
            await eventually(lambda: receiver.events(), lambda ev: len(ev) == 1, timeout=10)
            assert receiver.events()[0]["id"] == str(second.id)  # the first still held
            assert [a.id for a in receiver.arrivals] == [str(first.id), str(second.id)]
            gate.set()  # the first is answered too before the loop stops


async def test_a_retry_goes_when_it_falls_due_though_the_poll_is_an_hour(engine: Any) -> None:
    """The dispatcher does not ask the database when the next delivery falls due: it looks
    again when a retry it scheduled (or an endpoint pause it set) ends, on a wake, or at the
    poll. Here the poll is an hour and the retry 0.3 s after a 500: the event arrives twice,
    the second time answered. Without the retry's own wake-up it would wait for the poll."""
    clock = SystemClock()
    answers = [204, 500]  # popped from the end: the first attempt fails
    receiver = Receiver(respond=lambda arrival: answers.pop() if answers else 204)
    async with ReceiverServer(receiver) as url:
        await _endpoint_for(engine, clock, url, receiver)
        soon = RetryPolicy(base_seconds=0.3, cap_seconds=0.3, random=lambda: 1.0)
        dispatcher = loopback_dispatcher(engine, clock, soon, poll_seconds=3600)
        async with _running(dispatcher):
            queued = await _queued_and_woken(engine, clock, dispatcher, "i-0")
            await eventually(lambda: receiver.events(), lambda ev: len(ev) == 1, timeout=10)
            assert [a.status for a in receiver.arrivals] == [500, 204]
            assert receiver.events()[0]["id"] == str(queued.id)


@contextlib.asynccontextmanager
async def _running(dispatcher: Any) -> AsyncIterator[None]:
    """The dispatcher's loop, stopped on the way out (it lets its requests finish)."""
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        yield
    finally:
        stop.set()
        await running


async def _queued_and_woken(engine: Any, clock: Any, dispatcher: Any, subject: str) -> Any:
    """An event of incident `subject` fanned out, and the dispatcher told, as the consumer
    does after its commit."""
    queued = event(subject, 1, clock)
    await _queue(engine, clock, [queued])
    dispatcher.wake()
    return queued
