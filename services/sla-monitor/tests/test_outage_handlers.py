"""Provider outages through the SLA monitor's routing table, against a real PostgreSQL: the
incidents service's `outage_linked` / `outage_unlinked` put the ball in the provider's court and
back, the stored state says so, a state stored before outages loads, and a rebuild from the same
events (the rebuild's batch path) gives the same states and clock rows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sla_support import database_with, fire_all, handlers
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from village_platform.applier import APPLIED, Applier, ConsumedEvent
from village_platform.clock import ManualClock
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore
from village_platform.timers import TimerScheduler
from village_sla_monitor.batch import Batch
from village_sla_monitor.consumer import reset, routes
from village_sla_monitor.contractbook import ContractBook
from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.domain.state import IncidentSla
from village_sla_monitor.handlers.incident_events import IncidentEventHandlers

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIGNED = T0 - timedelta(days=30)
OUTAGE = "0a7d5c3e-2b1f-4c6d-8e9a-7b6c5d4e3f21"
HELD = f"acme/outage:{OUTAGE}"


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def terms(contract_id: str, kind: str, provider: str, customer: str) -> Terms:
    spec = {
        "kind": kind,
        "provider": provider,
        "customer": customer,
        "targets": {"S1": {"respond_minutes": 30, "resolve_minutes": 480}},
    }
    return Terms.from_spec(contract_id, 1, spec, SIGNED)


CONTRACTS = [
    terms("initech-northwind", "customer_facing", "northwind", "initech"),
    terms("northwind-acme", "underpinning", "acme", "northwind"),
]


@pytest.fixture
async def engine(stack: Any) -> AsyncIterator[AsyncEngine]:
    """A fresh database with the two contracts (each test may reset its read model)."""
    async with database_with(stack, "sla-outage", CONTRACTS, SIGNED) as engine:
        yield engine


def story(incident_id: str) -> list[ConsumedEvent]:
    """Opened; escalated to acme TAC L1 at 10; back at northwind L2 at 20 (acknowledged);
    linked to acme's outage 30-90; resolved at 120."""
    steps: list[tuple[str, float, str, dict[str, Any]]] = [
        ("opened", 0, "northwind", {"customer": "initech", "partner": "northwind",
                                    "provider": "acme", "severity": "S1",
                                    "chain": ["initech", "northwind", "acme"]}),
        ("escalated", 10, "northwind", {"from_party": "northwind", "from_tier": "L1",
                                        "to_party": "acme", "to_tier": "TAC L1"}),
        ("acknowledged", 12, "acme", {"party": "acme"}),
        ("assigned", 20, "acme", {"party": "northwind", "tier": "L2", "assignee": None}),
        ("outage_linked", 30, "acme", {"outage_id": OUTAGE, "provider": "acme",
                                       "title": "Router firmware defect"}),
        ("outage_unlinked", 90, "northwind", {"outage_id": OUTAGE, "reason": "not it"}),
        ("resolved", 120, "northwind", {"resolution_code": "fixed"}),
    ]  # fmt: skip
    return [
        ConsumedEvent(
            id=str(uuid.uuid4()),
            type=f"village.incident.{name}.v1",
            source="/village/incidents",
            stream_id=incident_id,
            sequence=i,
            position=None,
            time=minutes(at),
            data={"incident_id": incident_id, **data},
            visibility="shared",
            parties=[],
            actor_party=actor,
            traceparent=None,
        )
        for i, (name, at, actor, data) in enumerate(steps, start=1)
    ]


async def apply(engine: AsyncEngine, live: IncidentEventHandlers, event: ConsumedEvent) -> None:
    """One event as the consumer applies it, through the routing table."""
    async with engine.begin() as conn:
        await routes(live)[event.type](conn, event)


async def state_of(engine: AsyncEngine, live: IncidentEventHandlers, iid: str) -> IncidentSla:
    async with engine.connect() as conn:
        state = await live.load(conn, iid)
    assert state is not None
    return state


async def read_model(engine: AsyncEngine) -> tuple[list[Any], list[Any]]:
    async with engine.connect() as conn:
        states = await conn.execute(text("SELECT incident_id, state FROM incident_sla ORDER BY 1"))
        clocks = await conn.execute(text("SELECT * FROM sla_clocks ORDER BY 1, 2, 3"))
        return [tuple(r) for r in states], [tuple(r) for r in clocks]


async def test_linked_the_provider_holds_it_and_a_rebuild_agrees(engine: AsyncEngine) -> None:
    live, iid = handlers(T0), str(uuid.uuid4())
    events = story(iid)
    for event in events[:5]:
        await apply(engine, live, event)
    state = await state_of(engine, live, iid)
    assert state.outage == OUTAGE and state.holder == HELD
    for event in events[5:]:
        await apply(engine, live, event)
    state = await state_of(engine, live, iid)
    assert state.outage is None and state.holder == "northwind/L2"
    underpinning = next(c for c in state.coverages if c.contract_id == "northwind-acme")
    assert underpinning.held == {"acme/TAC L1": 600.0, "northwind/L2": 2400.0, HELD: 3600.0}
    customer_facing = next(c for c in state.coverages if c.contract_id == "initech-northwind")
    assert customer_facing.held[HELD] == 3600.0
    assert state.side(customer_facing, "acme") == state.side(underpinning, "acme") == "owing"

    before = await read_model(engine)
    rebuilt = handlers(T0)
    async with engine.begin() as conn:
        await reset(conn)
        await rebuilt.book.preload(conn)
    rebuilt.batch = batch = Batch()
    async with engine.begin() as conn:
        for event in events:
            await routes(rebuilt)[event.type](conn, event)
        prepared = rebuilt.writer.take(batch)
        assert prepared is not None
        await rebuilt.writer.write(conn, prepared)
    assert await read_model(engine) == before


async def test_a_state_stored_before_outages_loads_and_is_held(engine: AsyncEngine) -> None:
    live, iid = handlers(T0), str(uuid.uuid4())
    events = story(iid)
    for event in events[:4]:
        await apply(engine, live, event)
    async with engine.begin() as conn:  # as the monitor wrote it before outages
        await conn.execute(
            text("UPDATE incident_sla SET state = state - 'outage' WHERE incident_id = :i"),
            {"i": iid},
        )
    await apply(engine, live, events[4])
    assert (await state_of(engine, live, iid)).holder == HELD


async def timers_and_facts(engine: AsyncEngine, *iids: str) -> tuple[list[Any], list[Any]]:
    """The timers, and the SLA events of the incidents `iids` (their streams)."""
    async with engine.connect() as conn:
        timers = await conn.execute(text("SELECT key, due_at FROM timers ORDER BY 1"))
        facts = await conn.execute(
            text(
                "SELECT stream_id, stream_version, type, data FROM events"
                " WHERE stream_id = ANY(:s) ORDER BY 1, 2"
            ),
            {"s": list(iids)},
        )
        return [tuple(r) for r in timers], [tuple(r) for r in facts]


async def test_a_fetch_applied_in_one_transaction_equals_one_by_one(engine: AsyncEngine) -> None:
    """The live consumer's batch (`applying_many`: states kept for the fetch, written once) leaves
    the read model, the timers and the SLA events exactly as one transaction per event does;
    two incidents interleaved, one of them already stored before the fetch."""
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    one_by_one = Applier("sla-monitor", engine, routes(handlers(T0)), ManualClock(T0))
    a, b = story(first), story(second)
    for event in a + b:
        assert await one_by_one.apply(event) == APPLIED
    expected = await read_model(engine), await timers_and_facts(engine, first, second)
    assert len(expected[0][0]) == 2 and expected[1][0] == []  # both resolved: no timer left
    assert len(expected[1][1]) > 4  # clocks started, stopped, met or breached: facts to compare

    async with engine.begin() as conn:
        await reset(conn)
        await conn.execute(
            text("DELETE FROM events WHERE stream_id = ANY(:s)"), {"s": [first, second]}
        )
        await one_by_one.forget(conn)
    live = handlers(T0)
    batched = Applier(
        "sla-monitor", engine, routes(live), ManualClock(T0), batch_scope=live.applying_many
    )
    for event in a[:2]:  # stored before the fetch: the batch locks and reads its row
        assert await batched.apply(event) == APPLIED
    mid = await timers_and_facts(engine, first, second)
    assert len(mid[0]) > 0  # its clocks are running: timers to cancel in the batch
    interleaved = [e for pair in zip(a[2:], b, strict=False) for e in pair] + b[len(a) - 2 :]
    assert await batched.apply_many(interleaved)
    assert live.batch is None  # the fetch's batch is gone with its transaction
    assert (await read_model(engine), await timers_and_facts(engine, first, second)) == expected


async def test_timers_fired_in_one_transaction_equal_one_by_one(engine: AsyncEngine) -> None:
    """The scheduler's batch (`firing_many`: the due timers' states read in one statement, kept,
    written once) leaves the read model, the timers and the SLA events exactly as one savepoint
    per timer does; a state the consumer holds meanwhile is left to it and its timer fired
    again once it is free."""
    iids = [str(uuid.uuid4()) for _ in range(3)]
    opened = {iid: story(iid)[:n] for iid, n in zip(iids, [1, 2, 4], strict=True)}
    clock = ManualClock(minutes(600))  # past every respond and resolve threshold

    async def replay(live: IncidentEventHandlers) -> None:
        for events in opened.values():
            for event in events:
                await apply(engine, live, event)

    one = handlers(T0)
    await replay(one)
    before = await timers_and_facts(engine, *iids)
    assert len(before[0]) >= 3  # running clocks: timers due at minutes(600)
    assert await fire_all(TimerScheduler(engine, clock, one.on_timer)) >= 3
    expected = await read_model(engine), await timers_and_facts(engine, *iids)
    assert len(expected[1][1]) > len(before[1])  # warnings and breaches: facts to compare

    async with engine.begin() as conn:
        await reset(conn)
        await conn.execute(text("DELETE FROM events WHERE stream_id = ANY(:s)"), {"s": iids})
    live = handlers(T0)
    await replay(live)
    batched = TimerScheduler(engine, clock, live.on_timer, batch_scope=live.firing_many)
    held = iids[1]
    async with engine.connect() as consumer:  # the consumer is applying an event to `held`
        await consumer.execute(
            text("SELECT 1 FROM incident_sla WHERE incident_id = :i FOR UPDATE"), {"i": held}
        )
        await batched.fire_due()
        async with engine.connect() as conn:
            left = await conn.execute(
                text("SELECT key FROM timers WHERE due_at <= :now"), {"now": clock.now()}
            )
            assert {k.split("|", 1)[0] for (k,) in left} == {held}  # fired again, later
        await consumer.rollback()
    await fire_all(batched)
    assert live.batch is None
    assert (await read_model(engine), await timers_and_facts(engine, *iids)) == expected


async def test_a_fetch_reads_each_links_contracts_once_and_finds_the_version_in_force(
    engine: AsyncEngine,
) -> None:
    """In a live batch the contracts of a link are read once for all its events, yet each
    incident gets the version in force when it opened, as one transaction per event gives: a
    revision effective at minute 5 covers the incident opened at minute 10, not the one at 0."""
    revised = Terms.from_spec(
        "initech-northwind",
        2,
        {**CONTRACTS[0].to_spec(), "targets": {"S1": {"respond_minutes": 45,
                                                       "resolve_minutes": 600}}},
        minutes(5),
    )  # fmt: skip
    async with engine.begin() as conn:
        book = ContractBook(EventStore(ManualClock(SIGNED)))
        await book.record(conn, revised, Metadata.of_service("test"), SIGNED)
    early, late = str(uuid.uuid4()), str(uuid.uuid4())
    events = story(early) + [
        ConsumedEvent(**{**vars(e), "time": e.time + timedelta(minutes=10)}) for e in story(late)
    ]
    one_by_one = Applier("sla-monitor", engine, routes(handlers(T0)), ManualClock(T0))
    for event in events:
        assert await one_by_one.apply(event) == APPLIED
    expected = await read_model(engine)
    versions = {
        iid: {
            (c.contract_id, c.version)
            for c in (await state_of(engine, handlers(T0), iid)).coverages
        }
        for iid in (early, late)
    }
    assert versions == {
        early: {("initech-northwind", 1), ("northwind-acme", 1)},
        late: {("initech-northwind", 2), ("northwind-acme", 1)},
    }

    async with engine.begin() as conn:
        await reset(conn)
        await conn.execute(
            text("DELETE FROM events WHERE stream_id = ANY(:s)"), {"s": [early, late]}
        )
        await one_by_one.forget(conn)
    reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM contracts" in statement:
            reads.append(statement)

    live = handlers(T0)
    batched = Applier(
        "sla-monitor", engine, routes(live), ManualClock(T0), batch_scope=live.applying_many
    )
    sa_event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await batched.apply_many(events)
    finally:
        sa_event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert await read_model(engine) == expected
    assert len(reads) == 2  # the customer-facing link once, the underpinning link once
