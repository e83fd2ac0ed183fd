"""The escalation service's parts on a real PostgreSQL, as its consumer and API drive them: the
configuration written through the service's command path (who may read it, and its events'
audience), incidents opened through the consumer's handler, decisions landed as the incidents
service's events, and the queues and paths read as each party. The party directory and the
supplies are fakes of their ports (the incidents service's GET /parties and GET /supplies):
acme and globex are providers; northwind and contoso acme's partners by registration; dist a
partner of no one's (a distributor); who else buys from whom is `Supplies.registered`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import schema_check as sc
from escalation_demo import T0
from pydantic import BaseModel
from sqlalchemy import text

from village_escalation.configbook import ConfigBook, Key
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
from village_platform.settings import Settings
from village_platform.writes import WriteContext, Writes

KINDS: dict[str, Any] = {"tiers": TiersDoc, "profile": ProfileDoc, "rules": RulesDoc}


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


def principal(party: str, *roles: str) -> Principal:
    return Principal(party, Directory.parties[party]["kind"], f"{party}-user", frozenset(roles))  # type: ignore[arg-type]


@dataclass
class World:
    engine: Any
    store: EventStore
    process: EscalationProcess
    escalations: EscalationRepository
    views: EscalationViews
    configs: Configuration
    supplies: Supplies

    async def revise(
        self,
        writer: str,
        party: str,
        kind: str,
        document: dict[str, Any],
        *,
        provider: str | None = None,
        if_match: str | None = None,
    ) -> int:
        """`writer`'s admin sets the document (a profile: `provider`'s, by default the writer's);
        the answer's status."""
        model: BaseModel = KINDS[kind].model_validate(document)
        written = await self.configs.revise(
            WriteContext(principal(writer, "admin")), party, kind, model, if_match, provider
        )
        return written.status_code

    async def read(
        self, reader: str, party: str, kind: str, *, provider: str | None = None
    ) -> dict[str, Any] | None:
        """The document as `reader` reads it (its view); None for a 404."""
        try:
            found = await self.configs.read(principal(reader), party, kind, None, provider)
        except Problem as problem:
            assert problem.status == 404, problem.detail
            return None
        return found.view()

    async def reads(self, reader: str, party: str, kind: str) -> bool:
        return await self.read(reader, party, kind) is not None

    async def audience(self, party: str, kind: str, provider: str = "") -> tuple[list[str], Any]:
        """The parties and channel of the latest `config_revised` event of the document."""
        meta = (await self.latest(party, kind, provider)).metadata
        return meta["parties"], meta["provider"]

    async def latest(self, party: str, kind: str, provider: str = "") -> Any:
        """The latest `config_revised` event of the document, as stored."""
        async with self.engine.connect() as conn:
            stream = await conn.scalar(
                text(
                    "SELECT stream_id FROM config_versions WHERE party = :p AND kind = :k"
                    " AND provider = :pr ORDER BY version DESC LIMIT 1"
                ),
                Key(party, kind, provider).params(),
            )
            return (await self.store.load(conn, stream))[-1]

    async def on_topic(
        self, party: str, kind: str, provider: str = ""
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The latest `config_revised` of the document as the topic carries it, checked against
        the schemas and AsyncAPI: (its data, its headers)."""
        event = await self.latest(party, kind, provider)
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

    async def queue(self, party: str, tier: str, viewer: str) -> list[str] | None:
        """The incident ids in the queue; None: `viewer` may not look into it (404)."""
        found = await self.views.queue(party, tier, viewer)
        return None if found is None else [i["incident_id"] for i in found]


@asynccontextmanager
async def open_world(settings: Settings) -> AsyncIterator[World]:
    """The escalation service's parts on `settings`' database (migrated by the caller)."""
    engine = make_engine(settings)
    clock = ManualClock(T0)
    store = EventStore(clock)
    book = ConfigBook(store)
    writes = Writes(engine, clock, timedelta(hours=1))
    escalations = EscalationRepository(store, book, clock)
    supplies = Supplies()
    try:
        yield World(
            engine,
            store,
            EscalationProcess(escalations, clock, writes),
            escalations,
            EscalationViews(engine, clock),
            Configuration(engine, book, Directory(), writes, clock, supplies),  # type: ignore[arg-type]
            supplies,
        )
    finally:
        await engine.dispose()
