"""`/healthz` says the process lives; `/readyz` says whether it can do its work."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from village_devstack.broker import TansuBroker
from village_devstack.services import ServiceProcess, with_database
from village_devstack.testing import INCIDENTS, free_port
from village_devstack.waiting import eventually


def test_live_and_ready_without_a_token(incidents_service):
    assert httpx.get(f"{incidents_service.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{incidents_service.url}/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert (body["status"], body["database"], body["broker"]) == ("ready", "ok", "ok")
    assert body["relay"]["publishing_here"] is True
    assert set(body["relay"]) == {"unpublished", "oldest_seconds", "publishing_here"}


@pytest.fixture(scope="module")
def service_without_broker(stack):
    """The incidents service pointed at a port where no broker listens (yet)."""
    broker_port = free_port()
    env = stack.env(
        INCIDENTS_DATABASE_URL=with_database(
            stack.database_url, stack.database_name("incidents-nobroker")
        ),
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{broker_port}",
    )
    service = ServiceProcess(
        INCIDENTS, env=env, port=free_port(), log_file=stack.log_dir / "incidents-nobroker.log"
    )
    service.migrate()
    service.start()
    INCIDENTS.seed(service.url)
    service.broker_port = broker_port
    yield service
    service.close()


def test_not_ready_without_the_broker_but_still_alive(service_without_broker):
    assert httpx.get(f"{service_without_broker.url}/healthz").status_code == 200
    ready = httpx.get(f"{service_without_broker.url}/readyz", timeout=10)
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not ready"
    assert body["database"] == "ok"
    assert body["broker"].startswith("unavailable")


async def test_commands_succeed_while_the_broker_is_down_and_go_out_when_it_is_back(
    service_without_broker, stack, tokens
):
    """The outbox keeps every event while the broker is away; nothing is lost or sent twice."""
    service = service_without_broker
    headers = {"Authorization": f"Bearer {tokens('northwind')}"}
    async with httpx.AsyncClient(base_url=service.url, headers=headers) as client:
        before = await _unpublished(client)  # what seeding appended (the demo's supplies)
        opened = await client.post(
            "/incidents",
            json={
                "title": "Broker away",
                "severity": "S2",
                "product": "routers",
                "customer": "initech",
            },
        )
        assert opened.status_code == 201
        incident_id = opened.json()["id"]
        assert (
            await client.post(f"/incidents/{incident_id}/acknowledge", json={})
        ).status_code == 200
        assert await _unpublished(client) == before + 2

        broker = TansuBroker(
            port=service.broker_port, log_file=stack.log_dir / "tansu-late.log"
        ).start()
        try:
            records = await _read_stream(broker.bootstrap, incident_id, 2)
            await eventually(
                lambda: _unpublished(client),
                lambda n: n == 0,
                timeout=60,
                what="the outbox to empty",
            )
        finally:
            broker.stop()
    assert [dict(r.headers)["ce_sequence"] for r in records] == [b"1", b"2"]


async def _unpublished(client: httpx.AsyncClient) -> int:
    return (await client.get("/readyz")).json()["relay"]["unpublished"]


async def _read_stream(bootstrap: str, incident_id: str, n: int) -> list:
    consumer = AIOKafkaConsumer(
        "village.incidents.v1",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    try:
        found = []
        async with asyncio.timeout(30):
            async for record in consumer:
                if record.key == incident_id.encode():
                    found.append(record)
                    if len(found) == n:
                        return found
    finally:
        await consumer.stop()
    return found
