"""The incidents service goes away while the escalation service decides: the decision is kept and
applied once the incidents service is back, exactly once. The incidents service is a real
subprocess, killed and started again; the escalation service runs in this process on the
system clock, retrying every second at most."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from e2e_support import IncidentTopicReader, incident_body
from sqlalchemy import text

from village_devstack import demo
from village_devstack.services import INCIDENTS, ServiceProcess
from village_devstack.stack import free_port
from village_devstack.waiting import eventually
from village_escalation.app import create_app as escalation_app
from village_escalation.cli import MIGRATIONS
from village_platform.service_cli import migrate
from village_platform.settings import Settings


class Outage:
    def __init__(self, stack: Any) -> None:
        run = uuid.uuid4().hex[:8]
        self.stack, self.prefix = stack, f"o{run}."
        self.incidents = ServiceProcess(
            INCIDENTS,
            port=free_port(),
            log_file=stack.log_dir / f"incidents-{run}.log",
            env=stack.env(
                INCIDENTS_DATABASE_URL=stack.database(f"incidents_outage_{run}"),
                KAFKA_TOPIC_PREFIX=self.prefix,
            ),
        )
        self.settings = Settings(
            service="escalation",
            port=0,
            DATABASE_URL=stack.database(f"escalation_outage_{run}"),
            database_is_own=True,
            KAFKA_BOOTSTRAP_SERVERS=stack.kafka_bootstrap,
            KAFKA_TOPIC_PREFIX=self.prefix,
            INCIDENTS_URL=self.incidents.url,
            SLA_MONITOR_URL="http://127.0.0.1:9",
            VILLAGE_RELAY_POLL_SECONDS=0.2,
        )
        self.exits = AsyncExitStack()

    async def start(self) -> None:
        self.incidents.migrate()
        self.incidents.start()
        demo.seed_parties(self.incidents.url)
        await migrate(self.settings, MIGRATIONS)
        self.app = escalation_app(
            self.settings,
            timer_poll_seconds=0.1,
            max_retry_seconds=1,
            consumer_names=(f"esc-{self.prefix}", f"esc-sla-{self.prefix}"),
            session_timeout_ms=6000,
            heartbeat_interval_ms=500,
        )
        await self.exits.enter_async_context(self.app.router.lifespan_context(self.app))
        async with self.escalation("acme", "admin") as client:
            for writer, party, kind, document in demo.ESCALATION:
                r = await client.put(
                    f"/parties/{party}/{kind}",
                    json=document,
                    headers={"Authorization": f"Bearer {demo.token(writer, 'admin')}"},
                )
                assert r.status_code == 201, r.text

    async def close(self) -> None:
        await self.exits.aclose()
        self.incidents.close()

    def escalation(self, party: str, role: str = "agent") -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://escalation",
            headers={"Authorization": f"Bearer {demo.token(party, role)}"},
        )

    def incidents_api(self, party: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.incidents.url, headers={"Authorization": f"Bearer {demo.token(party)}"}
        )

    async def path(self, incident_id: str) -> dict[str, Any] | None:
        async with self.escalation("northwind") as client:
            r = await client.get(f"/incidents/{incident_id}/escalations")
            return r.json() if r.status_code == 200 else None


@pytest.fixture
async def outage(stack: Any, process_globals: None) -> AsyncIterator[Outage]:
    env = Outage(stack)
    await env.start()
    try:
        yield env
    finally:
        await env.close()


async def test_a_decision_made_while_incidents_is_down_is_applied_once_when_it_returns(
    outage: Outage,
) -> None:
    async with outage.incidents_api("northwind") as northwind:
        r = await northwind.post(
            "/incidents", json=incident_body(severity="S1", product="firewalls")
        )
        assert r.status_code == 201, r.text
        iid = r.json()["id"]
    await eventually(
        lambda: outage.path(iid),
        lambda p: (
            p
            and p["current"]
            and p["current"]["tier"] == "TAC L2"
            and p["decisions"][0]["status"] == "applied"
        ),
        what="the route to TAC L2",
    )

    outage.incidents.kill()
    async with outage.escalation("northwind") as client:
        r = await client.post(
            f"/incidents/{iid}/escalations", json={"reason": "customer's plant is down"}
        )
        assert r.status_code == 202, r.text
        decision_id = r.json()["decision_id"]
    # Tried and kept: sending has failed at least twice, and the decision is still pending.
    async with outage.app.state.engine.connect() as conn:
        attempts = text("SELECT status, attempts, last_error FROM decisions WHERE decision_id = :d")
        kept = await eventually(
            lambda: _row(conn, attempts, {"d": decision_id}),
            lambda d: d is not None and d.attempts >= 2,
            what="failed attempts to apply",
        )
        assert kept.status == "pending" and "unreachable" in kept.last_error

    outage.incidents.start()
    path = await eventually(
        lambda: outage.path(iid),
        lambda p: (
            p
            and p["current"]["tier"] == "Engineering L3"
            and p["decisions"][-1]["status"] == "applied"
        ),
        timeout=60,
        what="the decision applied after the outage",
    )
    assert [d["decision_id"] for d in path["decisions"]][-1] == decision_id
    async with outage.incidents_api("northwind") as northwind:
        incident = (await northwind.get(f"/incidents/{iid}")).json()
    assert [e["to_tier"] for e in incident["escalations"]] == [
        "TAC L2",
        "Engineering L3",
    ]  # once each
    # On the topic: decided and applied once each, for both decisions.
    topic = outage.settings.topic("village.escalations.v1")
    async with IncidentTopicReader(outage.stack.kafka_bootstrap, topic) as reader:
        records = (await reader.collect({iid: 4}))[iid]
    types = [dict(r.headers)["ce_type"].decode() for r in records]
    assert types == ["village.escalation.decided.v1", "village.escalation.applied.v1"] * 2


async def _row(conn: Any, statement: Any, params: dict[str, Any]) -> Any:
    result = (await conn.execute(statement, params)).first()
    await conn.commit()  # a fresh snapshot for the next look
    return result
