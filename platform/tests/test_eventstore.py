"""The event store against a real PostgreSQL: append/load, optimistic concurrency, idempotent
append, metadata, and the party-filtered feed (`published.read`).

Each test gets a fresh database from conftest's `new_database` (a copy of a template database on
the server of the `stack` fixture, village_devstack.testing, or env DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from village_devstack.waiting import eventually
from village_platform import published
from village_platform.clock import ManualClock
from village_platform.egress import Recipient, sees
from village_platform.eventstore import (
    ConcurrencyError,
    EventStore,
    NewEvent,
    StoredEvent,
)

NewDatabase = Callable[..., Awaitable[AsyncEngine]]  # conftest's `new_database`


@pytest.fixture
async def engine(new_database: NewDatabase) -> AsyncEngine:
    """A fresh database with the platform tables (pool big enough for the concurrent appenders)."""
    return await new_database(pool_size=20)


def stream() -> str:
    return f"inc-{uuid.uuid4()}"


META = {
    "actor_party": "partner-a",
    "actor_user": "alice@partner-a",
    "causation_id": "cmd-1",
    "correlation_id": "corr-1",
    "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "visibility": "shared",
    "parties": ["provider", "partner-a", "customer-x"],
}


async def append(
    engine: AsyncEngine,
    store: EventStore,
    stream_id: str,
    expected: int,
    events: list[NewEvent],
    metadata: dict | None = None,
) -> list[StoredEvent]:
    async with engine.begin() as conn:
        return await store.append(conn, stream_id, expected, events, metadata or META)


async def load(engine: AsyncEngine, store: EventStore, stream_id: str) -> list[StoredEvent]:
    async with engine.connect() as conn:
        return await store.load(conn, stream_id)


# --- append / load ---------------------------------------------------------------------------


async def test_append_load_round_trip(engine: AsyncEngine, store: EventStore, clock: ManualClock):
    s = stream()
    first = [
        NewEvent("village.incident.opened.v1", {"title": "db down", "n": 1}),
        NewEvent("village.incident.acknowledged.v1", {"by": "alice"}),
    ]
    stored = await append(engine, store, s, 0, first)
    assert [e.stream_version for e in stored] == [1, 2]
    assert [e.event_id for e in stored] == [e.event_id for e in first]

    clock.advance(timedelta(minutes=5))
    more = [
        NewEvent("village.incident.note-added.v1", {"text": "looking", "nested": {"a": [1, 2]}})
    ]
    await append(engine, store, s, 2, more)

    loaded = await load(engine, store, s)
    assert [(e.stream_version, e.type, e.data) for e in loaded] == [
        (1, "village.incident.opened.v1", {"title": "db down", "n": 1}),
        (2, "village.incident.acknowledged.v1", {"by": "alice"}),
        (3, "village.incident.note-added.v1", {"text": "looking", "nested": {"a": [1, 2]}}),
    ]
    assert [e.event_id for e in loaded] == [e.event_id for e in first + more]
    assert all(e.stream_id == s for e in loaded)
    # recorded_at comes from the injected clock, not the database's now()
    assert loaded[0].recorded_at == loaded[1].recorded_at == clock.now() - timedelta(minutes=5)
    assert loaded[2].recorded_at == clock.now()
    assert all(e.position is None for e in loaded)  # the relay has not published them
    # what append returned is what load reads
    assert [(e.event_id, e.stream_version, e.data, e.metadata) for e in stored] == [
        (e.event_id, e.stream_version, e.data, e.metadata) for e in loaded[:2]
    ]
    assert await load(engine, store, stream()) == []
    async with engine.begin() as conn:
        assert await store.append(conn, s, 3, [], META) == []


async def test_metadata_is_stored(engine: AsyncEngine, store: EventStore):
    s = stream()
    await append(engine, store, s, 0, [NewEvent("village.incident.opened.v1", {})], META)
    [event] = await load(engine, store, s)
    assert event.metadata == META
    async with engine.connect() as conn:
        raw = (
            await conn.execute(
                text(
                    "SELECT metadata->>'actor_party' AS party, metadata->>'actor_user' AS usr,"
                    " metadata->>'causation_id' AS causation, metadata->>'correlation_id' AS corr,"
                    " metadata->>'traceparent' AS tp FROM events WHERE stream_id = :s"
                ),
                {"s": s},
            )
        ).one()
    assert raw == ("partner-a", "alice@partner-a", "cmd-1", "corr-1", META["traceparent"])


async def test_per_event_metadata_is_merged_over_the_batch_metadata(
    engine: AsyncEngine, store: EventStore
):
    s = stream()
    events = [
        NewEvent("t.v1", {"i": 1}),
        NewEvent("t.v1", {"i": 2}, metadata={"visibility": "internal", "note": "x"}),
    ]
    stored = await append(engine, store, s, 0, events, META)
    loaded = await load(engine, store, s)
    assert (
        [e.metadata for e in loaded]
        == [e.metadata for e in stored]
        == [META, {**META, "visibility": "internal", "note": "x"}]
    )


# --- optimistic concurrency ------------------------------------------------------------------


async def test_stale_expected_version_conflicts_and_appends_nothing(
    engine: AsyncEngine, store: EventStore
):
    s = stream()
    await append(engine, store, s, 0, [NewEvent("t.v1", {"i": 1})])
    async with engine.begin() as conn:
        with pytest.raises(ConcurrencyError) as info:
            await store.append(conn, s, 0, [NewEvent("t.v1", {"i": "stale"})], META)
        assert (info.value.stream_id, info.value.expected, info.value.actual) == (s, 0, 1)
        # the caller's transaction is still usable after the conflict
        await store.append(conn, s, 1, [NewEvent("t.v1", {"i": 2})], META)
    # ahead of the stream would leave a hole: also a conflict
    with pytest.raises(ConcurrencyError) as info:
        await append(engine, store, s, 5, [NewEvent("t.v1", {"i": "ahead"})])
    assert info.value.actual == 2
    assert [e.data["i"] for e in await load(engine, store, s)] == [1, 2]


async def test_append_at_appends_to_many_streams_each_at_its_version_or_to_none(
    engine: AsyncEngine, store: EventStore
):
    """One statement for many streams (the outage fan-out's batch): each stream after the
    version its writer read, in order; one stale stream makes the whole batch a conflict, and
    the rolled-back transaction leaves every stream as it was."""
    a, b, fresh = stream(), stream(), stream()
    await append(engine, store, a, 0, [NewEvent("t.v1", {"i": 1})])
    await append(engine, store, b, 0, [NewEvent("t.v1", {"i": 1}), NewEvent("t.v1", {"i": 2})])
    meta = {**META, "by": "batch"}
    async with engine.begin() as conn:
        await store.append_at(
            conn,
            [
                (a, 1, [NewEvent("t.v1", {"i": 2}, metadata=meta)]),
                (b, 2, [NewEvent("t.v1", {"i": n}, metadata=meta) for n in (3, 4)]),
                (fresh, 0, [NewEvent("t.v1", {"i": 1}, metadata=meta)]),
            ],
        )
    assert [(e.stream_version, e.data["i"]) for e in await load(engine, store, b)] == [
        (1, 1),
        (2, 2),
        (3, 3),
        (4, 4),
    ]
    [*_, last] = await load(engine, store, a)
    assert (last.stream_version, last.metadata["by"]) == (2, "batch")
    assert len(await load(engine, store, fresh)) == 1
    # b is at 4, not 3: nothing of the batch stays, a's event neither.
    with pytest.raises(ConcurrencyError) as info:
        async with engine.begin() as conn:
            await store.append_at(
                conn,
                [
                    (a, 2, [NewEvent("t.v1", {"i": "lost"}, metadata=meta)]),
                    (b, 3, [NewEvent("t.v1", {"i": "stale"}, metadata=meta)]),
                ],
            )
    assert (info.value.stream_id, info.value.expected, info.value.actual) == (b, 3, 4)
    assert [e.data["i"] for e in await load(engine, store, a)] == [1, 2]
    assert len(await load(engine, store, b)) == 4


async def test_concurrent_appenders_at_the_same_version_exactly_one_wins(
    engine: AsyncEngine, store: EventStore
):
    s = stream()
    await append(engine, store, s, 0, [NewEvent("t.v1", {"who": "first"})])
    contenders = 12
    ready = asyncio.Barrier(contenders)

    async def contend(i: int) -> str:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))  # connection checked out before the race
            await conn.commit()
            await ready.wait()
            try:
                async with conn.begin():
                    await store.append(
                        conn,
                        s,
                        1,
                        [NewEvent("t.v1", {"who": i}), NewEvent("t.v1", {"who": i})],
                        META,
                    )
                return "won"
            except ConcurrencyError:
                return "lost"

    outcomes = await asyncio.gather(*(contend(i) for i in range(contenders)))
    assert sorted(outcomes) == ["lost"] * (contenders - 1) + ["won"]
    events = await load(engine, store, s)
    assert [e.stream_version for e in events] == [1, 2, 3]
    assert events[1].data == events[2].data  # both from the one winner


async def test_blocked_appender_fails_when_the_other_commits(
    engine: AsyncEngine, store: EventStore
):
    """Deterministic interleaving: B appends while A's append at the same version is open."""
    s = stream()
    async with engine.connect() as a, engine.connect() as b:
        ta = await a.begin()
        await store.append(a, s, 0, [NewEvent("t.v1", {"who": "a"})], META)
        tb = await b.begin()
        # B appends two events: version 1 collides with A's, version 2 does not
        pending = asyncio.ensure_future(
            store.append(
                b, s, 0, [NewEvent("t.v1", {"who": "b1"}), NewEvent("t.v1", {"who": "b2"})], META
            )
        )
        # B waits on A's uncommitted row in the unique index; wait until PostgreSQL shows it
        await eventually(lambda: blocked_backends(engine), lambda n: n >= 1, timeout=10.0)
        assert not pending.done()
        await ta.commit()
        with pytest.raises(ConcurrencyError) as info:
            await pending
        assert info.value.actual == 1
        # B's transaction is still usable, holds none of its half-done append, and can retry
        assert [e.data["who"] for e in await store.load(b, s)] == ["a"]
        await store.append(
            b, s, 1, [NewEvent("t.v1", {"who": "b1"}), NewEvent("t.v1", {"who": "b2"})], META
        )
        await tb.commit()
    events = await load(engine, store, s)
    assert [(e.stream_version, e.data["who"]) for e in events] == [(1, "a"), (2, "b1"), (3, "b2")]


# --- idempotent append -----------------------------------------------------------------------


async def test_appending_the_same_event_ids_twice_is_a_no_op(
    engine: AsyncEngine, store: EventStore, clock: ManualClock
):
    s = stream()
    events = [NewEvent("t.v1", {"i": 1}), NewEvent("t.v1", {"i": 2})]
    first = await append(engine, store, s, 0, events)
    clock.advance(timedelta(hours=1))
    # a retry (same ids), whatever version the retrier believes in
    for expected in (0, 2):
        again = await append(engine, store, s, expected, events, {**META, "actor_user": "retry"})
        assert [(e.event_id, e.stream_version, e.recorded_at, e.metadata) for e in again] == [
            (e.event_id, e.stream_version, e.recorded_at, e.metadata) for e in first
        ]
    assert len(await load(engine, store, s)) == 2
    # a different append that shares only some ids is not a retry
    with pytest.raises(ConcurrencyError):
        await append(engine, store, s, 2, [events[1], NewEvent("t.v1", {"i": 3})])
    # nor is the same ids on another stream
    with pytest.raises(ConcurrencyError):
        await append(engine, store, stream(), 0, events)
    assert len(await load(engine, store, s)) == 2


async def test_concurrent_retries_of_one_append_store_it_once(
    engine: AsyncEngine, store: EventStore
):
    s = stream()
    events = [NewEvent("t.v1", {"i": 1}), NewEvent("t.v1", {"i": 2})]
    tries = 6
    ready = asyncio.Barrier(tries)

    async def retry() -> list[uuid.UUID] | str:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await conn.commit()
            await ready.wait()
            try:
                async with conn.begin():
                    return [e.event_id for e in await store.append(conn, s, 0, events, META)]
            except ConcurrencyError:
                return "conflict"  # acceptable: a retry that raced onto the version index

    results = await asyncio.gather(*(retry() for _ in range(tries)))
    ids = [e.event_id for e in events]
    assert ids in results
    assert all(r == ids or r == "conflict" for r in results)
    assert [e.event_id for e in await load(engine, store, s)] == ids


# --- the feed: published.read and visibility -------------------------------------------------

PARTIES = {
    "provider": "provider",
    "partner-a": "partner",
    "partner-b": "partner",  # a collaborator on some incidents, a stranger on others
    "customer-x": "customer",
    "customer-y": "customer",  # on none of these incidents
}


async def test_read_published_filters_by_visibility_and_parties(
    new_database: NewDatabase, store: EventStore
):
    engine = await new_database(pool_size=2)
    on_incident = ["provider", "partner-a", "customer-x"]
    cases = []  # (stream, visibility, actor, parties)
    for visibility in ("internal", "restricted", "shared"):
        for actor in ("provider", "partner-a", "customer-x"):
            cases.append((visibility, actor, on_incident))
    cases.append(("shared", "partner-a", on_incident + ["partner-b"]))  # partner-b invited
    cases.append(("restricted", "provider", on_incident + ["partner-b"]))
    cases.append(("internal", "partner-b", on_incident + ["partner-b"]))
    cases.append((None, "provider", on_incident))  # no visibility recorded: shared
    s = stream()
    ids = []
    for i, (visibility, actor, parties) in enumerate(cases):
        meta = {"actor_party": actor, "parties": parties}
        if visibility is not None:
            meta["visibility"] = visibility
        [e] = await append(engine, store, s, i, [NewEvent("t.v1", {"case": i})], meta)
        ids.append(e.event_id)
    unpublished = await append(engine, store, s, len(cases), [NewEvent("t.v1", {"case": "late"})])
    async with engine.begin() as conn:  # what the relay does: give published rows a position
        await conn.execute(
            text("UPDATE events SET position = id WHERE event_id <> :late"),
            {"late": unpublished[0].event_id},
        )

    expected = {
        "provider": {0, 3, 4, 5, 6, 7, 8, 9, 10, 12},
        "partner-a": {1, 3, 4, 5, 6, 7, 8, 9, 10, 12},
        "partner-b": {9, 10, 11},
        "customer-x": {2, 6, 7, 8, 9, 12},
        "customer-y": set(),
    }
    async with engine.connect() as conn:
        everything = await published.read(conn, 0, 100)
        assert [e.data["case"] for e in everything] == list(range(len(cases)))  # not "late"
        assert [e.position for e in everything] == sorted(e.position for e in everything)
        for party, kind in PARTIES.items():
            seen = await published.read(conn, 0, 100, recipient=Recipient(party, kind))
            cases_seen = {e.data["case"] for e in seen}
            assert cases_seen == expected[party], party
            # the Python twin (for consumers and webhooks) agrees with the SQL
            assert cases_seen == {
                e.data["case"] for e in everything if sees(e.metadata, party, kind)
            }, party
        # paging: after/limit in position order, filter applied before the limit
        customer = Recipient("customer-x", "customer")
        page1 = await published.read(conn, 0, 3, recipient=customer)
        page2 = await published.read(conn, page1[-1].position, 3, recipient=customer)
        assert [e.data["case"] for e in page1 + page2] == [2, 6, 7, 8, 9, 12]
        assert await published.read(conn, 0, 100, stream_id=stream()) == []
        assert len(await published.read(conn, 0, 100, stream_id=s)) == len(cases)
        # a caller whose party kind is unknown sees no more than a customer would
        unknown_kind = await published.read(
            conn, 0, 100, recipient=Recipient("customer-x", "unknown")
        )
        assert {e.data["case"] for e in unknown_kind} <= expected["customer-x"]
        # One stream, published or not, in version order (a load after a snapshot, a timeline's
        # page): after, until and limit, and the same filter before the limit.
        loaded = await store.load(conn, s, recipient=customer)
        assert [e.data["case"] for e in loaded] == [2, 6, 7, 8, 9, 12, "late"]
        page = await store.load(conn, s, after=3, until=10, limit=2, recipient=customer)
        assert [e.data["case"] for e in page] == [6, 7]
        assert [e.stream_version for e in await store.load(conn, s, after=12)] == [13, 14]


# --- helpers ---------------------------------------------------------------------------------


async def blocked_backends(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            )
        ).scalar_one()


async def test_a_lone_append_commits_by_itself(engine: AsyncEngine, store: EventStore):
    """`autocommit=True`: one event, one statement, visible to others at once; still checked
    against the stream head; more than one event needs a transaction."""
    s = stream()
    async with engine.connect() as conn:
        await store.append(conn, s, 0, [NewEvent("t.v1", {"n": 1})], META, autocommit=True)
    async with engine.connect() as other:
        assert [e.stream_version for e in await store.load(other, s)] == [1]
    async with engine.connect() as conn:
        with pytest.raises(ConcurrencyError):
            await store.append(conn, s, 0, [NewEvent("t.v1", {"n": 2})], META, autocommit=True)
        with pytest.raises(ValueError):
            await store.append(
                conn, s, 1, [NewEvent("t.v1", {}), NewEvent("t.v1", {})], META, autocommit=True
            )
    async with engine.connect() as other:
        assert [e.stream_version for e in await store.load(other, s)] == [1]


def test_stored_event_feed_item_is_json(clock: ManualClock):
    e = StoredEvent(uuid.uuid4(), "inc-1", 1, "t.v1", {"a": 1}, META, clock.now(), 7)
    item = json.loads(json.dumps(e.as_feed_item()))
    assert item["position"] == 7 and item["stream_version"] == 1 and item["metadata"] == META


async def test_expired_idempotency_keys_are_purged(new_database) -> None:
    """Keys are kept for their TTL and then deleted, so the table does not grow forever."""
    from datetime import datetime, timedelta

    from village_platform import idempotency

    engine = await new_database()
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    response = idempotency.StoredResponse(201, {"id": "x"}, {})
    async with engine.begin() as conn:
        for n, age in enumerate((timedelta(hours=25), timedelta(hours=1))):
            key = idempotency.make_key("northwind", f"k{n}", "POST", "/incidents", {"n": n})
            await idempotency.store(conn, key, response, t0 - age, timedelta(hours=24))
    async with engine.begin() as conn:
        assert await idempotency.purge_expired(conn, t0) == 1
        kept = (await conn.execute(text("SELECT key FROM idempotency_keys"))).scalars().all()
    assert kept == ["k1"]
