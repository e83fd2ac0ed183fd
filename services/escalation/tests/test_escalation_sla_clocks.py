"""The queues' SLA clocks (`sla_clocks`), kept from the SLA monitor's clock events against a real
PostgreSQL: a fetch applied in one transaction writes each clock once, in one statement, and
leaves the table as one transaction per event does (the latest event of a clock wins; an older
one changes nothing; of two at the same instant the later in the fetch wins)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from escalation_demo import T0, warning
from escalation_world import World, open_world
from sqlalchemy import event as sa_event
from sqlalchemy import text

from village_escalation.cli import MIGRATIONS
from village_escalation.consumer import sla_routes, sla_states
from village_platform.applier import APPLIED, Applier, ConsumedEvent
from village_platform.clock import ManualClock
from village_platform.service_cli import migrate

_SEQUENCES: dict[str, int] = {}  # each incident's SLA stream, numbered in the order made


def clock_event(
    name: str, incident: str, clock: str, state: str, at_minutes: float, due_minutes: float | None
) -> ConsumedEvent:
    at = T0 + timedelta(minutes=at_minutes)
    data: dict[str, Any] = {
        **warning(50, clock),
        "incident_id": incident,
        "state": state,
        "at": at.isoformat(),
        "due_at": None
        if due_minutes is None
        else (T0 + timedelta(minutes=due_minutes)).isoformat(),
    }
    _SEQUENCES[incident] = _SEQUENCES.get(incident, 0) + 1
    return ConsumedEvent(
        id=str(uuid.uuid4()),
        type=f"village.sla.{name}.v1",
        source="/village/sla-monitor",
        stream_id=incident,
        sequence=_SEQUENCES[incident],
        position=None,
        time=at,
        data=data,
        visibility="restricted",
        parties=[],
        actor_party=None,
        traceparent=None,
    )


FETCH = [
    clock_event("clock_started", "a", "respond", "running", 0, 30),
    clock_event("clock_started", "a", "resolve", "running", 0, 240),
    clock_event("clock_started", "b", "resolve", "running", 1, 241),
    clock_event("clock_paused", "a", "resolve", "paused", 5, None),
    clock_event("clock_started", "a", "resolve", "running", 4, 240),  # older: changes nothing
    clock_event("target_met", "a", "respond", "met", 10, 30),
    clock_event("clock_paused", "b", "resolve", "paused", 12, None),
    clock_event("clock_resumed", "b", "resolve", "running", 12, 250),  # same instant: it wins
]


async def clocks(world: World) -> list[tuple[Any, ...]]:
    async with world.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT incident_id, contract_id, clock, contract_kind, owing, owed, state,"
                " due_at, updated_at FROM sla_clocks ORDER BY 1, 2, 3"
            )
        )
        return [tuple(r) for r in rows]


async def test_a_fetch_keeps_each_clock_once_as_one_event_at_a_time_does(stack: Any) -> None:
    async def fresh() -> Any:
        settings = stack.settings(f"escalation-{uuid.uuid4().hex[:8]}")
        await migrate(settings, MIGRATIONS)
        return open_world(settings)

    async with await fresh() as world:
        one_by_one = Applier(
            "escalation-sla", world.engine, sla_routes(world.process), ManualClock(T0)
        )
        for event in FETCH:
            assert await one_by_one.apply(event) == APPLIED
        expected = await clocks(world)
    assert [(r[0], r[2], r[6]) for r in expected] == [
        ("a", "resolve", "paused"),
        ("a", "respond", "met"),
        ("b", "resolve", "running"),
    ]

    async with await fresh() as world:
        # One clock stored before the fetch, newer than the fetch's event of it.
        await Applier(
            "escalation-sla", world.engine, sla_routes(world.process), ManualClock(T0)
        ).apply(clock_event("clock_stopped", "c", "resolve", "stopped", 60, None))
        batched = Applier(
            "escalation-sla",
            world.engine,
            sla_routes(world.process),
            ManualClock(T0),
            batch_scope=partial(world.process.escalations.applying_many, reads=sla_states),
        )
        writes: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "INSERT INTO sla_clocks" in statement:
                writes.append(statement)

        sa_event.listen(world.engine.sync_engine, "before_cursor_execute", count)
        try:
            stale = clock_event("clock_started", "c", "resolve", "running", 0, 240)
            assert await batched.apply_many([*FETCH, stale])
        finally:
            sa_event.remove(world.engine.sync_engine, "before_cursor_execute", count)
        got = await clocks(world)
    assert len(writes) == 1
    assert got[:3] == expected
    assert got[3][0] == "c" and got[3][6] == "stopped"  # the older event changed nothing
