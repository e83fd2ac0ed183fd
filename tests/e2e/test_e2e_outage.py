"""A dependency that fails is a 503 problem with Retry-After within seconds, and /readyz names
it. Real faults, no mocks: the service reaches PostgreSQL through a TCP proxy that is paused
(accepts, forwards nothing: a server that does not answer) or stopped (connections reset and
refused), and it has a broker of its own that is stopped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_support import assert_problem, incident_body
from sqlalchemy.engine import make_url
from tcp_proxy import TcpProxy

from village_devstack.broker import TansuBroker
from village_devstack.services import ServiceProcess
from village_devstack.testing import INCIDENTS, free_port
from village_devstack.waiting import eventually

# The defaults (settings.py): connect 3 s, pool checkout 3 s, statement 3 s; SQLAlchemy then
# gives a timed-out connection 2 s to close before it drops it.
ANSWER_WITHIN = 6.0
READY_WITHIN = 3.0  # /readyz checks each dependency for at most 2 s


class Outage:
    def __init__(self, service: ServiceProcess, proxy: TcpProxy, broker: TansuBroker) -> None:
        self.service, self.proxy, self.broker = service, proxy, broker


@pytest.fixture(scope="module")
def outage(stack: Any) -> Iterator[Outage]:
    """The incidents service on its own database, through a proxy, and on its own broker."""
    server = make_url(stack.database_url)
    database = stack.database_name("incidents-outage")
    with TcpProxy(server.host or "127.0.0.1", server.port or 5432) as proxy:
        url = server.set(
            host="127.0.0.1", port=proxy.port, database=database, drivername="postgresql"
        )
        broker = TansuBroker(port=free_port(), log_file=stack.log_dir / "tansu-outage.log").start()
        env = stack.env(
            INCIDENTS_DATABASE_URL=url.render_as_string(hide_password=False),
            KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
        )
        service = ServiceProcess(
            INCIDENTS, env=env, port=free_port(), log_file=stack.log_dir / "incidents-outage.log"
        )
        try:
            service.migrate()
            service.start()
            INCIDENTS.seed(service.url)
            yield Outage(service, proxy, broker)
        finally:
            service.close()
            broker.stop()


@pytest.fixture
async def client(outage: Outage, tokens: Any) -> Any:
    async with httpx.AsyncClient(
        base_url=outage.service.url,
        timeout=60,
        headers={"Authorization": f"Bearer {tokens('northwind')}"},
    ) as http:
        yield http


async def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await call
    return response, time.monotonic() - started


def assert_unavailable(
    response: httpx.Response, elapsed: float, dependency: str = "database"
) -> None:
    problem = assert_problem(response, 503, "unavailable")
    assert problem["dependency"] == dependency, problem
    assert int(response.headers["Retry-After"]) > 0, response.headers
    assert elapsed < ANSWER_WITHIN, f"{response.request.url}: 503 only after {elapsed:.1f}s"


async def assert_not_ready(client: httpx.AsyncClient, dependency: str) -> dict[str, Any]:
    response, elapsed = await timed(client.get("/readyz"))
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["unavailable"] == [dependency], body
    assert body[dependency].startswith("unavailable"), body
    assert elapsed < READY_WITHIN, f"/readyz answered after {elapsed:.1f}s"
    return body


async def recovered(client: httpx.AsyncClient, incident_id: str) -> None:
    async def answers() -> bool:
        return (await client.get(f"/incidents/{incident_id}")).status_code == 200

    await eventually(answers, timeout=30, what="the service to reach its database again")
    await eventually(
        lambda: client.get("/readyz"),
        lambda r: r.status_code == 200,
        timeout=30,
        what="/readyz to say ready",
    )


async def test_a_database_that_does_not_answer_is_a_quick_503(
    outage: Outage, client: httpx.AsyncClient
) -> None:
    opened = await client.post("/incidents", json=incident_body())
    assert opened.status_code == 201, opened.text
    incident = opened.json()["id"]

    outage.proxy.pause()
    try:
        read, read_took = await timed(client.get(f"/incidents/{incident}"))
        assert_unavailable(read, read_took)
        write, write_took = await timed(client.post(f"/incidents/{incident}/acknowledge", json={}))
        assert_unavailable(write, write_took)
        body = await assert_not_ready(client, "database")
        assert body["broker"] == "ok"
        print(f"\ndatabase paused: read 503 in {read_took:.2f}s, write 503 in {write_took:.2f}s")
    finally:
        outage.proxy.resume()
    await recovered(client, incident)
    # The write that failed changed nothing: the incident is still only opened.
    assert (await client.get(f"/incidents/{incident}")).json()["version"] == 1


async def test_a_database_that_is_gone_is_a_quick_503(
    outage: Outage, client: httpx.AsyncClient
) -> None:
    opened = await client.post("/incidents", json=incident_body())
    assert opened.status_code == 201, opened.text
    incident = opened.json()["id"]

    outage.proxy.stop()
    try:
        for _ in range(3):  # the pool's connections were reset: each request finds out anew
            read, took = await timed(client.get(f"/incidents/{incident}"))
            assert_unavailable(read, took)
        created, took = await timed(client.post("/incidents", json=incident_body()))
        assert_unavailable(created, took)
        await assert_not_ready(client, "database")
        print(f"\ndatabase gone: 503 in {took:.2f}s")
    finally:
        outage.proxy.resume()
    await recovered(client, incident)


async def test_a_broker_that_is_gone_is_named_by_readyz_and_commands_still_succeed(
    outage: Outage, client: httpx.AsyncClient
) -> None:
    """No request waits on the broker: commands go to the outbox, the relay publishes later."""
    outage.broker.stop()
    body = await assert_not_ready(client, "broker")
    assert body["database"] == "ok"
    opened, took = await timed(client.post("/incidents", json=incident_body()))
    assert opened.status_code == 201, opened.text
    assert took < ANSWER_WITHIN
    incident = opened.json()["id"]
    assert (await client.post(f"/incidents/{incident}/acknowledge", json={})).status_code == 200

    # Back on the same address: ready again, and the outbox empties.
    outage.broker.start()

    async def ready_and_published() -> bool:
        response = await client.get("/readyz")
        return response.status_code == 200 and response.json()["relay"]["unpublished"] == 0

    await eventually(ready_and_published, timeout=60, what="ready, the outbox published")
