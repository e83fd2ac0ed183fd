"""Auto-close, in process: the app on a fresh migrated database with a ManualClock, no
background tasks; the sweep is called directly after moving the clock past the quiet period."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from e2e_support import assert_ok, incident_body

from village_devstack import demo
from village_incidents.app import create_app
from village_incidents.autoclose import close_quiet_incidents
from village_incidents.cli import MIGRATIONS
from village_platform.clock import ManualClock
from village_platform.service_cli import migrate
from village_platform.settings import Settings

QUIET_HOURS = 120
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class InProcess:
    def __init__(self, app: Any, clock: ManualClock) -> None:
        self.app, self.clock = app, clock
        self.transport = httpx.ASGITransport(app=app)

    def client(self, party: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.transport,
            base_url="http://incidents",
            headers={"Authorization": f"Bearer {demo.token(party)}"},
        )

    async def sweep(self) -> int:
        return await close_quiet_incidents(self.app.state.handlers, QUIET_HOURS)


@pytest.fixture
async def inproc(stack: Any, process_globals: None) -> AsyncIterator[InProcess]:
    settings = Settings(
        service="incidents",
        port=0,
        DATABASE_URL=stack.database("incidents_autoclose"),
        database_is_own=True,
        KAFKA_BOOTSTRAP_SERVERS=stack.kafka_bootstrap,
    )
    await migrate(settings, MIGRATIONS)
    clock = ManualClock(T0)
    app = create_app(settings, clock=clock, background=False)
    async with app.router.lifespan_context(app):
        env = InProcess(app, clock)
        async with httpx.AsyncClient(
            transport=env.transport,
            base_url="http://incidents",
            headers={"Authorization": f"Bearer {demo.service_token()}"},
        ) as admin:
            for party in demo.PARTIES:
                response = await admin.post("/parties", json=party.body())
                assert response.status_code in (200, 201), response.text
        yield env


async def test_resolved_incidents_close_automatically_after_the_quiet_period(
    inproc: InProcess,
) -> None:
    async with inproc.client("northwind") as northwind, inproc.client("initech") as initech:

        async def resolved_incident(title: str) -> str:
            r = await northwind.post("/incidents", json=incident_body(title=title))
            iid = assert_ok(r, 201)["id"]
            assert_ok(
                await northwind.post(
                    f"/incidents/{iid}/status",
                    json={
                        "status": "resolved",
                        "resolution_code": "fixed",
                        "resolution_notes": "rebooted",
                    },
                )
            )
            return iid

        first = await resolved_incident("resolved at T0")
        reopened = await resolved_incident("reopened later")
        inproc.clock.advance(timedelta(hours=1))
        second = await resolved_incident("resolved at T0+1h")
        assert_ok(
            await initech.post(
                f"/incidents/{reopened}/status", json={"status": "reopened", "reason": "it is back"}
            )
        )
        still_open = assert_ok(await northwind.post("/incidents", json=incident_body()), 201)["id"]

        async def get(iid: str) -> dict[str, Any]:
            return assert_ok(await northwind.get(f"/incidents/{iid}"))

        # not yet: the quiet period has not passed for anyone
        inproc.clock.set(T0 + timedelta(hours=QUIET_HOURS) - timedelta(minutes=1))
        assert await inproc.sweep() == 0
        assert (await get(first))["status"] == "resolved"

        # past it for the first only
        inproc.clock.set(T0 + timedelta(hours=QUIET_HOURS, minutes=1))
        assert await inproc.sweep() == 1
        closed = await get(first)
        assert closed["status"] == "closed" and closed["version"] == 3
        assert closed["closed_at"] == inproc.clock.now().isoformat()
        last = (await northwind.get(f"/incidents/{first}/timeline")).json()["items"][-1]
        assert last["type"] == "village.incident.closed.v1"
        assert last["data"]["automatic"] is True
        assert str(QUIET_HOURS) in last["data"]["reason"]
        assert last["party"] == "incidents-scheduler"
        assert last["at"] == inproc.clock.now().isoformat()
        assert (await get(second))["status"] == "resolved"

        # a second sweep changes nothing
        assert await inproc.sweep() == 0
        assert (await get(first))["version"] == 3

        inproc.clock.advance(timedelta(hours=1))
        assert await inproc.sweep() == 1
        assert (await get(second))["status"] == "closed"
        assert await inproc.sweep() == 0

        # reopened and unresolved incidents are never closed automatically
        inproc.clock.advance(timedelta(days=30))
        assert await inproc.sweep() == 0
        assert (await get(reopened))["status"] == "reopened"
        assert (await get(still_open))["status"] == "new"
        # the customer can still rate an automatically closed incident
        assert_ok(await initech.post(f"/incidents/{first}/rating", json={"rating": 3}), version=4)
