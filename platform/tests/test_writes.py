"""The one write path on a real PostgreSQL: one transaction with the key, the relay rung after the
commit (never for a replay or a failure), a retry's stored answer, concurrent appends retried."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from village_devstack.waiting import eventually
from village_platform import idempotency
from village_platform.auth import Principal
from village_platform.errors import DomainError, Problem, as_problem
from village_platform.eventstore import ConcurrencyError, NewEvent
from village_platform.writes import WriteContext, Writes, stored

NORTHWIND = Principal("northwind", "partner", "jane", frozenset({"agent"}))


def context(key: str | None, body: object = None) -> WriteContext:
    made = idempotency.make_key("northwind", key, "POST", "/things", body) if key else None
    return WriteContext(NORTHWIND, made, "corr-1")


async def test_a_command_commits_rings_once_and_a_retry_gets_the_stored_answer(
    new_database, store, clock
) -> None:
    engine = await new_database()
    rung: list[int] = []
    writes = Writes(engine, clock, timedelta(hours=1), lambda: rung.append(1))
    runs: list[int] = []

    async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
        runs.append(1)
        await store.append(
            conn,
            "thing-1",
            0,
            [NewEvent("village.thing.made.v1", {"n": 1})],
            context("k-1").event_metadata(),
        )
        return stored(201, {"id": "thing-1"}, {"Location": "/things/thing-1"})

    first = await writes.run(context("k-1", {"n": 1}), work)
    again = await writes.run(context("k-1", {"n": 1}), work)
    assert (first.status_code, first.body, first.replayed) == (201, {"id": "thing-1"}, False)
    assert (again.body, again.headers, again.replayed) == (first.body, first.headers, True)
    assert again.response().headers["Idempotent-Replayed"] == "true"
    assert runs == [1] and rung == [1]  # the work ran once; only the commit rang the relay
    async with engine.connect() as conn:
        [event] = await store.load(conn, "thing-1")
    assert event.metadata["actor_party"] == "northwind" and event.metadata["causation_id"] == "k-1"
    assert event.metadata["correlation_id"] == "corr-1"
    with pytest.raises(DomainError) as reused:  # the same key with another body
        await writes.run(context("k-1", {"n": 2}), work)
    assert reused.value.status == 422


async def test_a_refused_command_writes_nothing_and_rings_nothing(
    new_database, store, clock
) -> None:
    engine = await new_database()
    rung: list[int] = []
    writes = Writes(engine, clock, timedelta(hours=1), lambda: rung.append(1))

    async def refused(conn: AsyncConnection) -> idempotency.StoredResponse:
        await store.append(conn, "thing-2", 0, [NewEvent("village.thing.made.v1", {})], {})
        raise DomainError.conflict("no")

    with pytest.raises(DomainError):
        await writes.run(context("k-2"), refused)
    async with engine.connect() as conn:
        assert await store.load(conn, "thing-2") == []
    assert rung == []


async def test_a_concurrent_append_is_decided_again_when_asked(new_database, store, clock) -> None:
    engine = await new_database()
    writes = Writes(engine, clock, timedelta(hours=1))
    tries: list[int] = []

    async def stale_first(conn: AsyncConnection) -> idempotency.StoredResponse:
        tries.append(1)
        if len(tries) == 1:
            raise ConcurrencyError("thing-3", 0, 1)
        return stored(200, {"tries": len(tries)})

    assert (await writes.run(context(None), stale_first, attempts=3)).body == {"tries": 2}
    tries.clear()
    with pytest.raises(ConcurrencyError):
        await writes.run(context(None), stale_first, attempts=1)


async def test_a_first_request_committed_after_the_claim_looked_is_replayed_not_run_twice(
    new_database, store, clock
) -> None:
    """The claim reads the key's row on a snapshot taken before its lock was granted: a first
    request that committed in between is not seen there. Its row is found when the response is
    stored; the unit of work is rolled back and goes again, and answers the stored response."""
    engine = await new_database()
    writes = Writes(engine, clock, timedelta(hours=1))
    ctx = context("k-race", {"n": 1})
    assert ctx.key is not None
    runs: list[int] = []

    async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
        runs.append(1)
        await store.append(conn, "thing-r", 0, [NewEvent("village.thing.made.v1", {})], {})
        # The first request commits now, after this one's claim found no row.
        async with engine.begin() as first:
            await idempotency.store(
                first, ctx.key, stored(201, {"id": "first"}), clock.now(), timedelta(hours=1)
            )
        return stored(201, {"id": "second"})

    written = await writes.run(ctx, work)
    assert (written.body, written.replayed) == ({"id": "first"}, True)
    assert runs == [1]  # the retry replayed the stored answer; the work did not run again
    async with engine.connect() as conn:
        assert await store.load(conn, "thing-r") == []  # the second run's append rolled back


async def test_an_expired_key_is_used_afresh(new_database, store, clock) -> None:
    engine = await new_database()
    writes = Writes(engine, clock, timedelta(hours=1))
    runs: list[int] = []

    async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
        runs.append(1)
        return stored(201, {"run": len(runs)})

    first = await writes.run(context("k-old", {"n": 1}), work)
    clock.advance(timedelta(hours=2))
    again = await writes.run(context("k-old", {"n": 2}), work)  # another body: a new request
    assert (first.body, again.body, again.replayed) == ({"run": 1}, {"run": 2}, False)


async def test_parties_commands_wait_for_a_slot_and_a_services_never_do(
    new_database, clock
) -> None:
    """In an outage partners' systems send changes as fast as they can. At most `party_writes`
    of them run at once; a service's command (the escalation service's decisions) goes at once
    whatever they hold, and a party's command that waits past its time is a 503 that ran
    nothing."""
    engine = await new_database()
    writes = Writes(engine, clock, timedelta(hours=1), party_writes=2, party_wait_seconds=0.2)
    release, inside, ran = asyncio.Event(), [0], []

    async def held(conn: AsyncConnection) -> idempotency.StoredResponse:
        inside[0] += 1
        await release.wait()
        return stored(201, {"held": True})

    async def quick(conn: AsyncConnection) -> idempotency.StoredResponse:
        ran.append(1)
        return stored(201, {"quick": True})

    service = WriteContext(Principal("escalation", "service", "escalation", frozenset()))
    holding = [asyncio.create_task(writes.run(context(None), held)) for _ in range(2)]
    await eventually(lambda: inside[0] == 2, timeout=10)
    assert (await asyncio.wait_for(writes.run(service, quick), 10)).status_code == 201
    with pytest.raises(Problem) as caught:
        await writes.run(context(None), quick)
    assert (caught.value.status, caught.value.kind) == (503, "unavailable")
    assert caught.value.headers["Retry-After"] == "1" and len(ran) == 1  # the service's only
    release.set()
    assert [w.status_code for w in await asyncio.gather(*holding)] == [201, 201]
    assert (await writes.run(context(None), quick)).status_code == 201  # a slot is free again


SERVICE = Principal("escalation", "service", "escalation", frozenset({"service"}))


def key(name: str, body: object) -> idempotency.IdempotencyKey:
    made = idempotency.make_key("escalation", name, "POST", "/things", body)
    assert made is not None
    return made


async def test_a_batch_answers_each_request_as_run_would_in_one_transaction(
    new_database, store, clock
) -> None:
    """Each request of a batch with its key: replayed when its answer is stored, refused by its
    key (another body: 422; its first request still running: 409), or run; a refusal by the work
    is not stored, an answer is, and expired keys are used afresh. The relay rings once."""
    engine = await new_database()
    rung: list[int] = []
    writes = Writes(engine, clock, timedelta(hours=1), lambda: rung.append(1))
    ran: list[list[str]] = []

    async def work(conn: AsyncConnection, todo: list[int]) -> list[Any]:
        names = [keys[i].key for i in todo]
        ran.append(names)
        for name in names:  # a request refused writes nothing (as batch.apply_many's job)
            if name != "refused":
                await store.append(conn, name, 0, [NewEvent("village.thing.made.v1", {})], {})
        return [
            as_problem(DomainError.conflict("no")) if n == "refused" else stored(204, None)
            for n in names
        ]

    async def solo(conn: AsyncConnection) -> idempotency.StoredResponse:
        return stored(201, {"alone": True})

    await writes.run(WriteContext(SERVICE, key("done", {"n": 1})), solo)
    await writes.run(WriteContext(SERVICE, key("other", {"n": 1})), solo)
    clock.advance(timedelta(hours=2))  # both expired: "done" is stored again
    await writes.run(WriteContext(SERVICE, key("done", {"n": 1})), solo)
    rung.clear()
    keys = [
        key("done", {"n": 1}),
        key("new", {"n": 1}),
        key("other", {"n": 2}),  # expired, so a new request whatever its body
        key("refused", {"n": 1}),
        key("busy", {"n": 1}),
    ]
    async with engine.connect() as holder:  # "busy"'s first request is still running
        await holder.exec_driver_sql(
            "SELECT pg_advisory_lock(hashtextextended('escalation' || '/' || 'busy', 0))"
        )
        answers = await writes.run_many(SERVICE, keys, work)
        await holder.exec_driver_sql("SELECT pg_advisory_unlock_all()")
    assert ran == [["new", "other", "refused"]]
    assert [(a.status_code, a.replayed) for a in answers[:3] if not isinstance(a, Problem)] == [
        (201, True),
        (204, False),
        (204, False),
    ]
    refused, busy = answers[3], answers[4]
    assert (
        isinstance(refused, Problem)
        and refused.status == 409
        and refused.kind == "invalid-transition"
    )
    assert isinstance(busy, Problem) and busy.kind == idempotency.IN_FLIGHT
    assert rung == [1]
    async with engine.connect() as conn:
        assert await store.load(conn, "refused") == []  # refused: nothing of it kept
        assert len(await store.load(conn, "new")) == 1

    # Again: what was answered is replayed, the refusal and the busy one run now.
    ran.clear()
    again = await writes.run_many(SERVICE, keys, work)
    assert ran == [["refused", "busy"]]
    assert [a.replayed for a in again[:3] if not isinstance(a, Problem)] == [True, True, True]
    reused = await writes.run_many(SERVICE, [key("new", {"n": 9})], work)
    assert isinstance(reused[0], Problem) and reused[0].status == 422


async def test_a_batch_whose_key_a_first_request_stored_meanwhile_runs_again_and_replays_it(
    new_database, store, clock
) -> None:
    engine = await new_database()
    writes = Writes(engine, clock, timedelta(hours=1))
    keys = [key("race", {"n": 1}), key("calm", {"n": 1})]
    ran: list[list[int]] = []

    async def work(conn: AsyncConnection, todo: list[int]) -> list[Any]:
        ran.append(todo)
        if len(ran) == 1:  # the first request with "race" commits after the claim looked
            async with engine.begin() as first:
                await idempotency.store(
                    first, keys[0], stored(201, {"id": "first"}), clock.now(), timedelta(hours=1)
                )
        return [stored(204, None) for _ in todo]

    answers = await writes.run_many(SERVICE, keys, work)
    assert ran == [[0, 1], [1]]
    assert [(a.status_code, a.replayed) for a in answers if not isinstance(a, Problem)] == [
        (201, True),
        (204, False),
    ]
