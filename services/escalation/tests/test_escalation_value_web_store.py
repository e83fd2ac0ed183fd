"""The value web against a real PostgreSQL: configuration written through the service's command
path (who may read it, and its events' audience), incidents opened through the consumer's
handler (the snapshot each pins), decisions landed as the incidents service's events, and the
queues and paths read as each party. acme and globex are providers with their own tiers and
rules; northwind sells both; dist is a distributor between northwind and globex."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import schema_check as sc
from escalation_demo import (
    DIST_TIERS,
    GLOBEX_RULES,
    GLOBEX_TIERS,
    NORTHWIND_WEB_RULES,
    PROFILES,
    RULES,
    T0,
    TIERS,
    opened_data,
    web_opened,
)
from pydantic import BaseModel
from sqlalchemy import text

from village_escalation.cli import MIGRATIONS
from village_escalation.configbook import ConfigBook
from village_escalation.configuration import Configuration
from village_escalation.domain import facts
from village_escalation.domain.config import ProfileDoc, RulesDoc, TiersDoc
from village_escalation.handlers import EscalationProcess
from village_escalation.repository import EscalationRepository
from village_escalation.views import EscalationViews
from village_platform import cloudevent
from village_platform.applier import ConsumedEvent
from village_platform.auth import Principal
from village_platform.clock import ManualClock
from village_platform.db import make_engine
from village_platform.errors import Problem
from village_platform.eventstore import EventStore
from village_platform.service_cli import migrate
from village_platform.writes import WriteContext, Writes

KINDS: dict[str, Any] = {"tiers": TiersDoc, "profile": ProfileDoc, "rules": RulesDoc}
FOUR = ["initech", "northwind", "dist", "globex"]


class Directory:
    """The party directory as the incidents service lists it (PartyDirectory's `for_request`)."""

    parties = {
        "acme": {"id": "acme", "kind": "provider", "provider": None},
        "globex": {"id": "globex", "kind": "provider", "provider": None},
        "northwind": {"id": "northwind", "kind": "partner", "provider": "acme"},
        "contoso": {"id": "contoso", "kind": "partner", "provider": "acme"},
        "dist": {"id": "dist", "kind": "partner", "provider": None},
        "initech": {"id": "initech", "kind": "customer", "partner": "northwind"},
    }

    async def for_request(self) -> dict[str, dict[str, Any]]:
        return self.parties


@dataclass
class Supplies:
    """The supplies registered as such (SupplyDirectory's `suppliers_of`): (supplier, buyer)."""

    registered: set[tuple[str, str]] = field(default_factory=set)

    async def suppliers_of(self, buyer: str) -> set[str]:
        return {supplier for supplier, b in self.registered if b == buyer}


@dataclass
class World:
    engine: Any
    store: EventStore
    process: EscalationProcess
    escalations: EscalationRepository
    views: EscalationViews
    configs: Configuration
    supplies: Supplies

    async def revise(self, writer: str, party: str, kind: str, document: dict[str, Any]) -> int:
        """`writer`'s admin sets the document; the answer's status."""
        principal = Principal(
            writer, Directory.parties[writer]["kind"], f"{writer}-admin", frozenset({"admin"})
        )
        model: BaseModel = KINDS[kind].model_validate(document)
        written = await self.configs.revise(WriteContext(principal), party, kind, model, None)
        return written.status_code

    async def reads(self, reader: str, party: str, kind: str) -> bool:
        principal = Principal(reader, Directory.parties[reader]["kind"], "someone", frozenset())
        try:
            await self.configs.read(principal, party, kind, None)
        except Problem as problem:
            assert problem.status == 404
            return False
        return True

    async def audience(self, party: str, kind: str) -> tuple[list[str], str | None]:
        """The parties and channel of the latest `config_revised` event of the document."""
        async with self.engine.connect() as conn:
            meta = await conn.scalar(
                text(
                    "SELECT metadata FROM events WHERE stream_id = :s"
                    " ORDER BY stream_version DESC LIMIT 1"
                ),
                {"s": f"config:{party}:{kind}"},
            )
        return meta["parties"], meta["provider"]

    async def on_topic(self, party: str, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The latest `config_revised` of the document as the topic carries it, checked against
        the schemas and AsyncAPI: (its data, its headers)."""
        async with self.engine.connect() as conn:
            event = (await self.store.load(conn, f"config:{party}:{kind}"))[-1]
        message = cloudevent.to_kafka(event, "/village/escalation")
        data = sc.assert_valid_cloudevent(message.headers, message.key, message.value)
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in message.headers.items()}
        return data, headers

    async def consume(self, type_: str, incident_id: str, data: dict[str, Any]) -> None:
        event = ConsumedEvent(
            id=str(uuid.uuid4()),
            type=f"village.incident.{type_}.v1",
            source="/village/incidents",
            stream_id=incident_id,
            sequence=1,
            position=None,
            time=T0,
            data=data,
            visibility="shared",
            parties=[],
            actor_party=None,
            traceparent=None,
        )
        handler = (
            self.process.on_opened
            if type_ == "opened"
            else self.process.follow(
                {"assigned": facts.Assigned, "escalated": facts.Escalated}[type_]
            )
        )
        async with self.engine.begin() as conn:
            await handler(conn, event)

    async def open(self, data: dict[str, Any]) -> Any:
        """Open the incident and land its route as the incidents service would; its route."""
        await self.consume("opened", data["incident_id"], data)
        route = (await self.decisions(data["incident_id"]))[0]
        if route.to_party == data["partner"]:
            await self.assign(data["incident_id"], route.to_party, route.to_tier)
        else:
            escalated = {
                "to_party": route.to_party,
                "to_tier": route.to_tier,
                "decision_id": str(route.decision_id),
            }
            await self.consume("escalated", data["incident_id"], escalated)
        return route

    async def assign(self, incident_id: str, party: str, tier: str) -> None:
        await self.consume("assigned", incident_id, {"party": party, "tier": tier})

    async def decisions(self, incident_id: str) -> list[Any]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT * FROM decisions WHERE incident_id = :i ORDER BY seq"),
                {"i": incident_id},
            )
            return list(rows)

    async def queues(self, viewer: str) -> dict[tuple[str, str], int]:
        return {(q["party"], q["tier"]): q["incidents"] for q in await self.views.queues(viewer)}

    async def queue(self, party: str, tier: str, viewer: str) -> list[str]:
        return [i["incident_id"] for i in await self.views.queue(party, tier, viewer)]


@pytest.fixture
async def world(stack: Any) -> AsyncIterator[World]:
    """The escalation service's parts on a fresh migrated database, with the directory and the
    supplies as the incidents service would list them."""
    settings = stack.settings(f"escalation-{uuid.uuid4().hex[:8]}")
    await migrate(settings, MIGRATIONS)
    engine = make_engine(settings)
    clock = ManualClock(T0)
    store = EventStore(clock)
    book = ConfigBook(store)
    writes = Writes(engine, clock, timedelta(hours=1))
    escalations = EscalationRepository(store, book, clock)
    supplies = Supplies()
    yield World(
        engine,
        store,
        EscalationProcess(escalations, clock, writes),
        escalations,
        EscalationViews(engine, clock),
        Configuration(engine, book, Directory(), writes, clock, supplies),  # type: ignore[arg-type]
        supplies,
    )
    await engine.dispose()


async def seed_two_vendors(world: World) -> None:
    """acme's and northwind's demo documents; then northwind buys from globex too, globex sets
    its own, and northwind routes S2s to acme."""
    for writer, party, kind, document in (
        ("acme", "acme", "tiers", TIERS["acme"]),
        ("acme", "acme", "rules", RULES["acme"]),
        ("northwind", "northwind", "tiers", TIERS["northwind"]),
        ("northwind", "northwind", "rules", RULES["northwind"]),
        ("acme", "northwind", "profile", PROFILES["northwind"]),
    ):
        assert await world.revise(writer, party, kind, document) == 201
    world.supplies.registered.add(("globex", "northwind"))
    assert await world.revise("globex", "globex", "tiers", GLOBEX_TIERS) == 201
    assert await world.revise("globex", "globex", "rules", GLOBEX_RULES) == 201
    assert await world.revise("northwind", "northwind", "rules", NORTHWIND_WEB_RULES) == 200


async def test_each_incident_is_decided_and_queued_with_its_own_providers_configuration(
    world: World,
) -> None:
    await seed_two_vendors(world)
    routes = {
        "gx-1": await world.open(web_opened("globex", "S2", incident_id="gx-1")),
        "gx-2": await world.open(web_opened("globex", "S3", incident_id="gx-2")),
        "ac-1": await world.open(web_opened("acme", "S3", "switches", incident_id="ac-1")),
        "ac-2": await world.open(web_opened("acme", "S2", "switches", incident_id="ac-2")),
        "old-1": await world.open(opened_data("old-1")),  # no chain: acme's, as before
    }
    decided = {iid: (r.to_party, r.to_tier, r.basis.get("id")) for iid, r in routes.items()}
    assert decided == {
        # northwind's s2-to-acme is skipped (not globex's incident); acme's profile of
        # northwind (premier) does not make globex's gx-premier match.
        "gx-1": ("globex", "GX L2", "gx-uncertified"),
        "gx-2": ("northwind", "L1", None),
        "ac-1": ("acme", "TAC L1", "uncertified"),
        "ac-2": ("acme", "TAC L2", "s2-to-acme"),
        "old-1": ("northwind", "L1", None),
    }
    path = await world.views.incident("gx-1", None)
    assert path is not None and path["pinned_versions"] == {
        "tiers/globex": 1,
        "rules/globex": 1,
        "tiers/northwind": 1,
        "rules/northwind": 2,
    }
    async with world.engine.connect() as conn:
        state = await world.escalations.load(conn, "gx-2")
        assert state is not None
        assert {r.party for r in state.ladder.rungs} == {"northwind", "globex"}
        decided_for = await conn.scalar(
            text("SELECT metadata FROM events WHERE stream_id = 'gx-1' ORDER BY id LIMIT 1")
        )
    assert decided_for["parties"] == ["globex", "northwind"]
    assert decided_for["provider"] == "globex"

    # Each provider's queues hold its own incidents only, in its own tiers and its partner's.
    assert await world.queues("globex") == {("globex", "GX L2"): 1, ("northwind", "L1"): 1}
    assert await world.queues("acme") == {
        ("acme", "TAC L1"): 1,
        ("acme", "TAC L2"): 1,
        ("northwind", "L1"): 1,
    }
    assert await world.queues("northwind") == {("northwind", "L1"): 2}
    assert await world.queue("northwind", "L1", "globex") == ["gx-2"]
    assert await world.queue("northwind", "L1", "acme") == ["old-1"]
    assert sorted(await world.queue("northwind", "L1", "northwind")) == ["gx-2", "old-1"]
    assert await world.queue("globex", "GX L2", "acme") == []
    assert await world.queue("acme", "TAC L1", "globex") == []
    for iid, stranger in (("gx-1", "acme"), ("gx-2", "acme"), ("ac-1", "globex")):
        assert await world.views.incident(iid, stranger) is None, (iid, stranger)
    assert await world.views.incident("gx-1", "northwind") is not None


async def test_a_partner_of_two_vendors_keeps_its_configuration_to_itself(world: World) -> None:
    # One vendor: as before, the partner's documents are its and its provider's.
    assert await world.revise("acme", "acme", "tiers", TIERS["acme"]) == 201
    assert await world.revise("northwind", "northwind", "tiers", TIERS["northwind"]) == 201
    assert await world.revise("northwind", "northwind", "rules", RULES["northwind"]) == 201
    assert await world.revise("acme", "northwind", "profile", PROFILES["northwind"]) == 201
    assert await world.audience("acme", "tiers") == (["acme"], "acme")
    assert await world.audience("northwind", "rules") == (["acme", "northwind"], "acme")
    data, headers = await world.on_topic("northwind", "rules")
    assert (data["party"], data["version"]) == ("northwind", 1) and headers["ce_provider"] == "acme"
    assert await world.reads("acme", "northwind", "rules")
    assert await world.reads("acme", "northwind", "tiers")
    assert not await world.reads("globex", "northwind", "rules")
    assert not await world.reads("acme", "globex", "tiers")

    # northwind buys globex's firewalls too: its documents are its own from now on.
    world.supplies.registered.add(("globex", "northwind"))
    assert await world.revise("globex", "globex", "tiers", GLOBEX_TIERS) == 201
    assert await world.audience("globex", "tiers") == (["globex"], "globex")
    assert await world.revise("northwind", "northwind", "rules", NORTHWIND_WEB_RULES) == 200
    assert await world.audience("northwind", "rules") == (["northwind"], None)
    # On the topic every provider's tooling reads: that it changed, nothing of it.
    data, headers = await world.on_topic("northwind", "rules")
    assert data == {} and headers["ce_redacted"] == "true" and "ce_provider" not in headers
    for provider in ("acme", "globex"):
        assert not await world.reads(provider, "northwind", "rules"), provider
        assert not await world.reads(provider, "northwind", "tiers"), provider
    assert not await world.reads("globex", "acme", "tiers")
    assert not await world.reads("acme", "globex", "tiers")
    # It reads both vendors' tiers (its rules may route to either).
    assert await world.reads("northwind", "globex", "tiers")
    assert await world.reads("northwind", "acme", "tiers")
    # acme's profile of northwind stays acme's: globex neither reads nor overwrites it.
    assert await world.reads("acme", "northwind", "profile")
    assert not await world.reads("globex", "northwind", "profile")
    with pytest.raises(Problem) as refused:
        await world.revise("globex", "northwind", "profile", PROFILES["northwind"])
    assert refused.value.status == 403
    # Its rules may route to either vendor's tiers, never to a party it does not buy from.
    to_globex = {
        "rules": [
            {
                "id": "firewalls",
                "priority": 5,
                "match": {"products": ["firewalls"]},
                "route_to": {"party": "globex", "tier": "GX L1"},
            }
        ]
    }
    assert await world.revise("northwind", "northwind", "rules", to_globex) == 200
    to_contoso = {
        "rules": [{**to_globex["rules"][0], "route_to": {"party": "contoso", "tier": "L1"}}]
    }
    with pytest.raises(Problem) as refused:
        await world.revise("northwind", "northwind", "rules", to_contoso)
    assert refused.value.status == 422
    assert "northwind, acme or globex" in refused.value.detail


async def test_a_four_party_chain_routes_and_its_middle_supplier_sees_its_own_queue(
    world: World,
) -> None:
    await seed_two_vendors(world)
    world.supplies.registered |= {("globex", "dist"), ("dist", "northwind")}
    assert await world.revise("dist", "dist", "tiers", DIST_TIERS) == 201
    route = await world.open(web_opened("globex", chain=FOUR, incident_id="gx-4"))
    assert (route.to_party, route.to_tier) == ("northwind", "L1")
    async with world.engine.connect() as conn:
        state = await world.escalations.load(conn, "gx-4")
    assert state is not None and state.suppliers == ("northwind", "dist", "globex")
    assert [str(r.ref) for r in state.ladder.rungs] == [
        "northwind L1",
        "northwind L2",
        "dist D1",
        "dist D2",
        "globex GX L1",
        "globex GX L2",
        "globex GX L3",
    ]
    assert state.pinned["tiers/dist"] == 1 and "tiers/acme" not in state.pinned

    await world.assign("gx-4", "dist", "D1")  # handed to the distributor
    assert await world.queue("dist", "D1", "dist") == ["gx-4"]
    assert await world.queues("dist") == {("dist", "D1"): 1}
    assert await world.queue("dist", "D1", "globex") == ["gx-4"]
    assert await world.queue("dist", "D1", "acme") == []
    assert await world.views.incident("gx-4", "dist") is not None
    assert await world.views.incident("gx-4", "acme") is None
    assert "gx-4" not in await world.queue("northwind", "L1", "northwind")
