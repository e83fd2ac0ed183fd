"""The SLA monitor's incident-event handlers on a four-party chain, against a real PostgreSQL: the
contract of each link looked up by (kind, provider, customer), in the version in force when the
incident opened, once the incident is handed to its supplier or beyond; an incident opened
before chains, and a state stored before them, as before."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
from village_sla_monitor.cli import MIGRATIONS
from village_sla_monitor.contractbook import ContractBook
from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.domain.state import IncidentSla
from village_sla_monitor.handlers.incident_events import IncidentEventHandlers

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIGNED = T0 - timedelta(days=30)
CHAIN = ["litware", "fabrikam", "northwind", "acme"]


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def terms(
    contract_id: str,
    kind: str,
    provider: str,
    customer: str,
    respond: int,
    *,
    version: int = 1,
    effective: datetime = SIGNED,
) -> Terms:
    spec = {
        "kind": kind,
        "provider": provider,
        "customer": customer,
        "targets": {"S1": {"respond_minutes": respond, "resolve_minutes": 480}},
    }
    return Terms.from_spec(contract_id, version, spec, effective)


CONTRACTS = [
    terms("litware-fabrikam", "customer_facing", "fabrikam", "litware", 15),
    terms("fabrikam-northwind", "underpinning", "northwind", "fabrikam", 20),
    terms("northwind-acme", "underpinning", "acme", "northwind", 30),
    # Revised after the incidents below opened: they keep version 1.
    terms(
        "northwind-acme", "underpinning", "acme", "northwind", 60, version=2, effective=minutes(1)
    ),
    terms("initech-northwind", "customer_facing", "northwind", "initech", 15),
]


@dataclass
class Monitor:
    engine: AsyncEngine
    handlers: IncidentEventHandlers

    async def apply(self, handler: str, event: ConsumedEvent) -> None:
        async with self.engine.begin() as conn:
            await getattr(self.handlers, handler)(conn, event)

    async def state(self, incident_id: str) -> IncidentSla:
        async with self.engine.connect() as conn:
            state = await self.handlers.load(conn, incident_id)
        assert state is not None
        return state

    async def clocks(self, incident_id: str) -> list[tuple[Any, ...]]:
        """(contract, clock, owing, owed, started at) of the incident's clock rows."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT contract_id, clock, owing, owed, started_at FROM sla_clocks"
                    " WHERE incident_id = :i ORDER BY started_at, contract_id, clock"
                ),
                {"i": incident_id},
            )
            return [tuple(r) for r in rows]


@pytest.fixture(scope="module")
async def monitor(stack: Any) -> AsyncIterator[Monitor]:
    settings = stack.settings(f"sla-chain-{uuid.uuid4().hex[:8]}")
    await migrate(settings, MIGRATIONS)
    engine = make_engine(settings)
    store = EventStore(ManualClock(T0))
    async with engine.begin() as conn:
        book = ContractBook(store)
        for contract in CONTRACTS:
            await book.record(conn, contract, Metadata.of_service("test"), SIGNED)
    # A book of its own: the handlers find the contracts in the database, not in a cache.
    yield Monitor(engine, IncidentEventHandlers(store, ContractBook(store)))
    await engine.dispose()


class Stream:
    """One incident's events as the consumer hands them to the handlers."""

    def __init__(self) -> None:
        self.incident_id = str(uuid.uuid4())
        self.sequence = 0

    def event(
        self, name: str, at: datetime, data: dict[str, Any], actor: str | None = None
    ) -> ConsumedEvent:
        self.sequence += 1
        return ConsumedEvent(
            id=str(uuid.uuid4()),
            type=f"village.incident.{name}.v1",
            source="/village/incidents",
            stream_id=self.incident_id,
            sequence=self.sequence,
            position=None,
            time=at,
            data=data,
            visibility="shared" if name == "opened" else "restricted",
            parties=[],
            actor_party=actor,
            traceparent=None,
        )

    def opened(self, customer: str, partner: str, provider: str, **more: Any) -> ConsumedEvent:
        data = {
            "incident_id": self.incident_id,
            "customer": customer,
            "partner": partner,
            "provider": provider,
            "severity": "S1",
            **more,
        }
        return self.event("opened", T0, data, actor=partner)

    def escalated(self, at: datetime, by: str, to: str) -> ConsumedEvent:
        data = {"from_party": by, "from_tier": "L1", "to_party": to, "to_tier": "L2"}
        return self.event("escalated", at, data, actor=by)


async def test_each_link_is_covered_from_the_hand_off_to_its_supplier(monitor: Monitor) -> None:
    incident = Stream()
    await monitor.apply("opened", incident.opened("litware", "fabrikam", "acme", chain=CHAIN))
    assert await monitor.clocks(incident.incident_id) == [
        ("litware-fabrikam", "resolve", "fabrikam", "litware", T0),
        ("litware-fabrikam", "respond", "fabrikam", "litware", T0),
    ]
    await monitor.apply("handed_over", incident.escalated(minutes(20), "fabrikam", "northwind"))
    await monitor.apply("handed_over", incident.escalated(minutes(40), "northwind", "acme"))
    assert (await monitor.clocks(incident.incident_id))[2:] == [
        ("fabrikam-northwind", "resolve", "northwind", "fabrikam", minutes(20)),
        ("fabrikam-northwind", "respond", "northwind", "fabrikam", minutes(20)),
        ("northwind-acme", "resolve", "acme", "northwind", minutes(40)),
        ("northwind-acme", "respond", "acme", "northwind", minutes(40)),
    ]
    state = await monitor.state(incident.incident_id)
    assert [(c.contract_id, c.version, c.kind) for c in state.coverages] == [
        ("litware-fabrikam", 1, "customer_facing"),
        ("fabrikam-northwind", 1, "underpinning"),
        ("northwind-acme", 1, "underpinning"),  # in force at opening, not version 2
    ]
    assert (state.parties, state.furthest, state.assigned) == (CHAIN, 3, "acme/L2")


async def test_handing_straight_to_the_provider_covers_every_link_on_the_way(
    monitor: Monitor,
) -> None:
    incident = Stream()
    await monitor.apply("opened", incident.opened("litware", "fabrikam", "acme", chain=CHAIN))
    assigned = {"party": "acme", "tier": "L1", "assignee": None}
    await monitor.apply("handed_over", incident.event("assigned", minutes(10), assigned, "acme"))
    started = {(c, at) for c, _, _, _, at in await monitor.clocks(incident.incident_id)}
    assert started == {
        ("litware-fabrikam", T0),
        ("fabrikam-northwind", minutes(10)),
        ("northwind-acme", minutes(10)),
    }


async def test_an_incident_opened_before_chains_is_covered_as_before(monitor: Monitor) -> None:
    incident = Stream()
    await monitor.apply("opened", incident.opened("initech", "northwind", "acme"))  # no chain
    await monitor.apply("handed_over", incident.escalated(minutes(10), "northwind", "northwind"))
    assert len(await monitor.clocks(incident.incident_id)) == 2  # within the partner: no link
    await monitor.apply("handed_over", incident.escalated(minutes(20), "northwind", "acme"))
    state = await monitor.state(incident.incident_id)
    assert state.parties == ["initech", "northwind", "acme"]
    assert [(c.contract_id, c.owing, c.owed, c.started_at) for c in state.coverages] == [
        ("initech-northwind", "northwind", "initech", T0),
        ("northwind-acme", "acme", "northwind", minutes(20)),
    ]


async def test_a_state_stored_before_chains_loads_and_keeps_its_coverage(monitor: Monitor) -> None:
    incident = Stream()
    await monitor.apply("opened", incident.opened("initech", "northwind", "acme"))
    await monitor.apply("handed_over", incident.escalated(minutes(20), "northwind", "acme"))
    async with monitor.engine.begin() as conn:  # as the monitor wrote it before chains
        await conn.execute(
            text(
                "UPDATE incident_sla SET state = state - 'chain' - 'reached' WHERE incident_id = :i"
            ),
            {"i": incident.incident_id},
        )
    before = await monitor.clocks(incident.incident_id)
    await monitor.apply("handed_over", incident.escalated(minutes(30), "acme", "northwind"))
    await monitor.apply("handed_over", incident.escalated(minutes(40), "northwind", "acme"))
    assert await monitor.clocks(incident.incident_id) == before  # handed on once, long ago
    state = await monitor.state(incident.incident_id)
    assert (state.parties, state.furthest, state.assigned) == (
        ["initech", "northwind", "acme"],
        2,
        "acme/L2",
    )
