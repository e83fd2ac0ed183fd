"""Village in simulated time: the incidents service, the SLA monitor and (optionally) the
escalation service in this process on one ManualClock, each on its own fresh database, talking
through the real broker (topics with a per-test prefix) and each other's feeds and APIs over
in-process transports. Time moves when the test says so; nothing sleeps."""

from __future__ import annotations

import functools
import uuid
from contextlib import AsyncExitStack
from datetime import datetime
from typing import Any

import httpx
from e2e_support import incident_body
from sqlalchemy import text

from village_devstack import demo
from village_devstack.waiting import eventually
from village_escalation.app import create_app as escalation_app
from village_escalation.cli import MIGRATIONS as ESCALATION_MIGRATIONS
from village_incidents.app import create_app as incidents_app
from village_incidents.cli import MIGRATIONS as INCIDENTS_MIGRATIONS
from village_platform.clock import ManualClock
from village_platform.directory import PartyDirectory
from village_platform.feedclient import FeedClient
from village_platform.service_cli import migrate
from village_platform.settings import Settings
from village_sla_monitor.app import create_app as sla_app
from village_sla_monitor.cli import MIGRATIONS as SLA_MIGRATIONS


class Village:
    """The services in process; `restart_sla()` stops the SLA monitor and starts a new one.
    With `escalation`, the escalation service runs too, with the demo escalation set."""

    def __init__(self, stack: Any, clock: ManualClock, *, escalation: bool = False) -> None:
        self.stack, self.clock, self.with_escalation = stack, clock, escalation
        run = uuid.uuid4().hex[:8]
        self.prefix, self.group = f"t{run}.", f"sla-monitor-{run}"
        self.escalation_groups = (f"escalation-{run}", f"escalation-sla-{run}")
        self.incidents_settings = self._settings("incidents", f"incidents_sla_{run}")
        self.sla_settings = self._settings("sla-monitor", f"sla_{run}")
        self.escalation_settings = self._settings("escalation", f"escalation_{run}")
        self.exits = AsyncExitStack()
        self.sla_exits: AsyncExitStack | None = None
        self.escalation_exits: AsyncExitStack | None = None

    def _settings(self, service: str, database: str) -> Settings:
        return Settings(
            service=service,
            port=0,
            DATABASE_URL=self.stack.database(database),
            database_is_own=True,
            KAFKA_BOOTSTRAP_SERVERS=self.stack.kafka_bootstrap,
            KAFKA_TOPIC_PREFIX=self.prefix,
            VILLAGE_RELAY_POLL_SECONDS=0.2,
        )

    async def start(self) -> None:
        await migrate(self.incidents_settings, INCIDENTS_MIGRATIONS)
        await migrate(self.sla_settings, SLA_MIGRATIONS)
        self.incidents = incidents_app(self.incidents_settings, clock=self.clock)
        await self.exits.enter_async_context(self.incidents.router.lifespan_context(self.incidents))
        self.incidents_transport = httpx.ASGITransport(app=self.incidents)
        async with self.client("incidents", demo.service_token()) as admin:
            for party in demo.PARTIES:
                assert (await admin.post("/parties", json=party.body())).status_code in (200, 201)
        await self.start_sla()
        async with self.client("sla", None) as sla:
            for contract in demo.CONTRACTS:
                token = demo.token(contract["provider"], "admin")
                r = await sla.post(
                    "/contracts",
                    json={**contract, "effective_from": "2026-01-01T00:00:00Z"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert r.status_code == 201, r.text
        if self.with_escalation:
            await migrate(self.escalation_settings, ESCALATION_MIGRATIONS)
            await self.start_escalation()
            async with self.client("escalation", None) as escalation:
                for writer, party, kind, document in demo.ESCALATION:
                    r = await escalation.put(
                        f"/parties/{party}/{kind}",
                        json=document,
                        headers={"Authorization": f"Bearer {demo.token(writer, 'admin')}"},
                    )
                    assert r.status_code == 201, r.text

    async def seed_supplies(self) -> None:
        """The demo web's supplies beyond the registration fields (`demo.SUPPLIES`, as `make run`
        seeds them): globex's products to both partners, acme's cloud through northwind to
        fabrikam. Each by its supplier's admins."""
        async with self.client("incidents", None) as incidents:
            for supply in demo.SUPPLIES:
                bearer = demo.token(supply["supplier"], "admin")
                r = await incidents.post(
                    "/supplies", json=supply, headers={"Authorization": f"Bearer {bearer}"}
                )
                assert r.status_code in (200, 201), r.text

    async def start_escalation(
        self, incidents_transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.escalation_exits = AsyncExitStack()
        feeds = (
            FeedClient.for_consumer(
                "http://incidents",
                self.escalation_settings,
                self.escalation_groups[0],
                source="/village/incidents",
                transport=self.incidents_transport,
            ),
            FeedClient.for_consumer(
                "http://sla",
                self.escalation_settings,
                self.escalation_groups[1],
                source="/village/sla-monitor",
                transport=self.sla_transport,
            ),
        )
        self.escalation = escalation_app(
            self.escalation_settings,
            clock=self.clock,
            consumer_names=self.escalation_groups,
            feeds=feeds,
            incidents_transport=incidents_transport or self.incidents_transport,
            timer_poll_seconds=0.05,
            max_retry_seconds=5,
            session_timeout_ms=6000,
            heartbeat_interval_ms=500,
        )
        await self.escalation_exits.enter_async_context(
            self.escalation.router.lifespan_context(self.escalation)
        )
        self.escalation_transport = httpx.ASGITransport(app=self.escalation)

    async def start_sla(self) -> None:
        self.sla_exits = AsyncExitStack()
        feed = FeedClient.for_consumer(
            "http://incidents",
            self.sla_settings,
            self.group,
            source="/village/incidents",
            transport=self.incidents_transport,
        )
        # Callers' party kinds come from the incidents service's directory, here in process too.
        directory = PartyDirectory(
            self.sla_settings, name="sla-monitor", transport=self.incidents_transport
        )
        self.sla_exits.push_async_callback(directory.aclose)
        self.sla = sla_app(
            self.sla_settings,
            clock=self.clock,
            consumer_name=self.group,
            incidents_feed=feed,
            party_kinds=directory,
            timer_poll_seconds=0.05,
            session_timeout_ms=6000,
            heartbeat_interval_ms=500,
        )
        await self.sla_exits.enter_async_context(self.sla.router.lifespan_context(self.sla))
        self.sla_transport = httpx.ASGITransport(app=self.sla)

    async def restart_sla(self) -> None:
        assert self.sla_exits is not None
        await self.sla_exits.aclose()
        await self.start_sla()

    async def close(self) -> None:
        if self.escalation_exits is not None:
            await self.escalation_exits.aclose()
        if self.sla_exits is not None:
            await self.sla_exits.aclose()
        await self.exits.aclose()

    def client(self, service: str, token: str | None) -> httpx.AsyncClient:
        transport = getattr(self, f"{service}_transport")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(transport=transport, base_url=f"http://{service}", headers=headers)

    def incidents_as(self, party: str) -> httpx.AsyncClient:
        return self.client("incidents", demo.token(party))

    def sla_as(self, party: str) -> httpx.AsyncClient:
        return self.client("sla", demo.token(party))

    def escalation_as(self, party: str, role: str = "agent") -> httpx.AsyncClient:
        return self.client("escalation", demo.token(party, role))

    async def move_to(self, when: datetime) -> None:
        """Move simulated time once the SLA monitor has seen every incident event so far (in
        real time it is milliseconds behind; a jump of hours must not overtake it), then let its
        scheduler look at the timers at once."""
        await self.caught_up()
        self.clock.set(when)
        self.sla.state.scheduler.wake()
        if self.with_escalation:
            self.escalation.state.scheduler.wake()

    async def caught_up(self) -> None:
        """Every consumer has applied every event its producers stored (SLA monitor: the
        incidents'; escalation: the incidents' and the SLA monitor's)."""
        readers = [(self.incidents, self.sla, self.group)]
        if self.with_escalation:
            readers += [
                (self.incidents, self.escalation, self.escalation_groups[0]),
                (self.sla, self.escalation, self.escalation_groups[1]),
            ]
        for producer, consumer, group in readers:
            await eventually(
                functools.partial(_behind, producer, consumer, group),
                lambda lag: not lag,
                timeout=30,
                what=f"{group} to catch up",
            )

    async def escalations(self, incident_id: str, party: str = "northwind") -> dict[str, Any]:
        async with self.escalation_as(party) as client:
            r = await client.get(f"/incidents/{incident_id}/escalations")
            assert r.status_code == 200, r.text
            return r.json()

    async def at_tier(self, incident_id: str, party: str, tier: str) -> dict[str, Any]:
        """Once the incidents service and the escalation service both have the incident at that
        tier, with no decision pending."""

        async def probe() -> dict[str, Any] | None:
            async with self.incidents_as("acme") as client:
                incident = (await client.get(f"/incidents/{incident_id}")).json()
            path = await self.escalations(incident_id)
            at, seen = incident["assignment"] or {}, path["current"] or {}
            done = all(d["status"] != "pending" for d in path["decisions"])
            there = (
                (at.get("party"), at.get("tier"))
                == (seen.get("party"), seen.get("tier"))
                == (party, tier)
            )
            return path if there and done else None

        return await eventually(probe, timeout=30, what=f"{incident_id} at {party} {tier}")

    async def sla_view(
        self, incident_id: str, party: str = "northwind", contracts: int = 1
    ) -> dict[str, Any]:
        async with self.sla_as(party) as client:

            async def probe() -> dict[str, Any] | None:
                r = await client.get(f"/incidents/{incident_id}/sla")
                return (
                    r.json()
                    if r.status_code == 200 and len(r.json()["contracts"]) >= contracts
                    else None
                )

            return await eventually(probe, timeout=30, what=f"the SLA view of {incident_id}")

    async def open(self, party: str = "northwind", **body: Any) -> str:
        async with self.incidents_as(party) as client:
            r = await client.post("/incidents", json=incident_body(**body))
            assert r.status_code == 201, r.text
            return r.json()["id"]

    async def command(self, party: str, incident_id: str, path: str, body: dict[str, Any]) -> None:
        async with self.incidents_as(party) as client:
            r = await client.post(f"/incidents/{incident_id}/{path}", json=body)
            assert r.status_code == 200, r.text


_HEADS = text("SELECT stream_id, max(stream_version) FROM events GROUP BY stream_id")
_APPLIED = text("SELECT stream_id, version FROM stream_positions WHERE consumer = :c")


async def _behind(producer: Any, consumer: Any, group: str) -> dict[str, int]:
    async with producer.state.engine.connect() as conn:
        published = dict((await conn.execute(_HEADS)).all())
    async with consumer.state.engine.connect() as conn:
        seen = dict((await conn.execute(_APPLIED, {"c": group})).all())
    return {s: v for s, v in published.items() if seen.get(s, 0) < v}
