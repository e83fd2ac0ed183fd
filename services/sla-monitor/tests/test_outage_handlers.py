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
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from village_platform.applier import ConsumedEvent
from village_platform.clock import ManualClock
from village_platform.db import make_engine
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore
from village_platform.service_cli import migrate
from village_sla_monitor.batch import Batch
from village_sla_monitor.cli import MIGRATIONS
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
    settings = stack.settings(f"sla-outage-{uuid.uuid4().hex[:8]}")
    await migrate(settings, MIGRATIONS)
    engine = make_engine(settings)
    async with engine.begin() as conn:
        book = ContractBook(EventStore(ManualClock(T0)))
        for contract in CONTRACTS:
            await book.record(conn, contract, Metadata.of_service("test"), SIGNED)
    yield engine
    await engine.dispose()


def handlers() -> IncidentEventHandlers:
    store = EventStore(ManualClock(T0))
    return IncidentEventHandlers(store, ContractBook(store))


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
    live, iid = handlers(), str(uuid.uuid4())
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
    rebuilt = handlers()
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
    live, iid = handlers(), str(uuid.uuid4())
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
