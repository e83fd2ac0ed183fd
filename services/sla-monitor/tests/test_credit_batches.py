"""Credits accrued by the timers fired together (`firing_many`), against a real PostgreSQL: a
wave of breaches on one contract and month accrues exactly the credits, cap included, and
publishes exactly the events that firing them one timer at a time does; a credit accrued before
(a redelivery, a timer racing the consumer) is not accrued again."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sla_support import database_with, fire_all, handlers
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from village_platform.applier import ConsumedEvent
from village_platform.clock import ManualClock
from village_platform.timers import TimerScheduler
from village_sla_monitor.consumer import reset, routes
from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.handlers.incident_events import IncidentEventHandlers

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIGNED = T0 - timedelta(days=30)
# 250 per breach, at most 1,000 a month: the fifth breach of the wave accrues nothing.
CONTRACT = Terms.from_spec(
    "initech-northwind",
    1,
    {
        "kind": "customer_facing",
        "provider": "northwind",
        "customer": "initech",
        "targets": {"S1": {"respond_minutes": 30, "resolve_minutes": 480}},
        "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "1000"},
    },
    SIGNED,
)
INCIDENTS = 6


@pytest.fixture
async def engine(stack: Any) -> AsyncIterator[AsyncEngine]:
    async with database_with(stack, "sla-credits", [CONTRACT], SIGNED) as engine:
        yield engine


def opened(incident_id: str, minute: int) -> ConsumedEvent:
    return ConsumedEvent(
        id=str(uuid.uuid4()),
        type="village.incident.opened.v1",
        source="/village/incidents",
        stream_id=incident_id,
        sequence=1,
        position=None,
        time=T0 + timedelta(minutes=minute),
        data={
            "incident_id": incident_id,
            "customer": "initech",
            "partner": "northwind",
            "provider": "acme",
            "severity": "S1",
            "chain": ["initech", "northwind"],
        },
        visibility="shared",
        parties=[],
        actor_party="northwind",
        traceparent=None,
    )


async def open_all(engine: AsyncEngine, live: IncidentEventHandlers, iids: list[str]) -> None:
    for n, iid in enumerate(iids):
        async with engine.begin() as conn:
            await routes(live)["village.incident.opened.v1"](conn, opened(iid, n))


async def ledger_and_events(engine: AsyncEngine, iids: list[str]) -> tuple[list[Any], list[Any]]:
    async with engine.connect() as conn:
        credits = await conn.execute(
            text("SELECT key, incident_id, amount, uncapped FROM credits ORDER BY accrued_at, key")
        )
        events = await conn.execute(
            text(
                "SELECT stream_id, stream_version, type, data FROM events"
                " WHERE stream_id = ANY(:s) ORDER BY 1, 2"
            ),
            {"s": iids},
        )
        return [tuple(r) for r in credits], [tuple(r) for r in events]


async def test_a_wave_of_breaches_fired_together_accrues_as_one_by_one(
    engine: AsyncEngine,
) -> None:
    iids = [str(uuid.uuid4()) for _ in range(INCIDENTS)]
    clock = ManualClock(T0 + timedelta(hours=2))  # past every respond target: all breached

    one = handlers(T0)
    await open_all(engine, one, iids)
    assert await fire_all(TimerScheduler(engine, clock, one.on_timer)) >= INCIDENTS
    expected = await ledger_and_events(engine, iids)
    amounts = [row[2] for row in expected[0]]
    assert len(amounts) == INCIDENTS  # one credit row per breach, even those worth nothing
    assert sum(amounts) == Decimal("1000")  # capped: 4 × 250, then 0
    accrued = [e[3] for e in expected[1] if e[2] == "village.sla.credit_accrued.v1"]
    assert sorted(Decimal(e["amount"]) for e in accrued) == [0, 0, 250, 250, 250, 250]

    async with engine.begin() as conn:
        await reset(conn)
        await conn.execute(text("DELETE FROM events WHERE stream_id = ANY(:s)"), {"s": iids})
    live = handlers(T0)
    await open_all(engine, live, iids)
    batched = TimerScheduler(engine, clock, live.on_timer, batch_scope=live.firing_many)
    assert await fire_all(batched) >= INCIDENTS
    assert live.batch is None
    assert await ledger_and_events(engine, iids) == expected


async def test_a_credit_accrued_before_is_not_accrued_again_in_a_batch(
    engine: AsyncEngine,
) -> None:
    iids = [str(uuid.uuid4()) for _ in range(3)]
    clock = ManualClock(T0 + timedelta(hours=2))
    one_by_one = handlers(T0)
    await open_all(engine, one_by_one, iids)
    await fire_all(TimerScheduler(engine, clock, one_by_one.on_timer))
    first = await ledger_and_events(engine, iids)
    assert len(first[0]) == len(iids)  # the credits accrued before
    async with engine.begin() as conn:  # the states as before the timers, the credits kept
        await conn.execute(text("DELETE FROM events WHERE stream_id = ANY(:s)"), {"s": iids})
        await conn.execute(text("DELETE FROM incident_sla"))
        await conn.execute(text("DELETE FROM sla_clocks"))
        await conn.execute(text("DELETE FROM timers"))
    live = handlers(T0)
    await open_all(engine, live, iids)
    batched = TimerScheduler(engine, clock, live.on_timer, batch_scope=live.firing_many)
    assert await fire_all(batched) >= len(iids)
    credits, events = await ledger_and_events(engine, iids)
    assert credits == first[0]  # no row added, none changed
    assert not [e for e in events if e[2] == "village.sla.credit_accrued.v1"]
    assert [e for e in events if e[2] == "village.sla.breached.v1"]  # the breaches themselves
