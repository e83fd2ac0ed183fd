"""`make run`'s demo webhooks on the real stack: the seed registers acme's and globex's endpoints
at the demo receiver (the same subprocess `make run` starts, demo_receiver.py), each provider's
endpoint gets its own incidents' events and never the other's, every delivery verified with
`standardwebhooks`; seeding again registers nothing.

The services run on a village of their own (own databases and topics): the demo endpoints must
not receive the shared villages' events, nor their tests find the endpoints."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Api, open_incident

from village_devstack import demo_webhooks
from village_devstack.demo_receiver import receiver_process
from village_devstack.testing import (
    INCIDENTS,
    SLA_MONITOR,
    WEBHOOKS,
    WEBHOOKS_TEST_ENV,
    ServiceProcess,
    free_port,
)
from village_devstack.waiting import eventually


@dataclass(frozen=True)
class DemoHooks:
    incidents: ServiceProcess
    webhooks: ServiceProcess
    receiver: ServiceProcess
    secrets: Path
    deliveries: Path

    def seed(self, receiver_url: str | None = None) -> dict[str, dict[str, str]]:
        return demo_webhooks.seed_endpoints(
            self.webhooks.url, receiver_url or self.receiver.url, self.secrets
        )

    def lines(self) -> list[dict[str, Any]]:
        """What the receiver wrote down, one delivery a line."""
        if not self.deliveries.exists():
            return []
        return [json.loads(line) for line in self.deliveries.read_text().splitlines()]

    def subjects(self, path: str) -> set[str]:
        return {line["subject"] for line in self.lines() if line["path"] == path}


@pytest.fixture(scope="module")
def village(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoHooks]:
    """Incidents (demo web), SLA monitor and webhooks of their own, the demo receiver, seeded."""
    env, instance = {"KAFKA_TOPIC_PREFIX": "demo-hooks."}, "demo-hooks"
    incidents = stack.service(INCIDENTS, instance=instance, **env)
    sla = stack.service(SLA_MONITOR, instance=instance, INCIDENTS_URL=incidents.url, **env)
    webhooks = stack.service(
        WEBHOOKS,
        instance=instance,
        INCIDENTS_URL=incidents.url,
        SLA_MONITOR_URL=sla.url,
        **env,
        **WEBHOOKS_TEST_ENV,
    )
    stack.start_all(incidents, sla, webhooks)
    state = tmp_path_factory.mktemp("demo-hooks")
    secrets, deliveries = state / "webhook-secrets.json", state / "webhook-deliveries.jsonl"
    receiver = receiver_process(
        secrets, deliveries, env=stack.env(), port=free_port(), log_file=state / "receiver.log"
    )
    receiver.start()
    hooks = DemoHooks(incidents, webhooks, receiver, secrets, deliveries)
    hooks.seed()
    yield hooks
    for service in (receiver, webhooks, sla, incidents):
        service.close()


@pytest.fixture
async def incidents(village: DemoHooks, tokens: Callable[..., str]) -> AsyncIterator[Api]:
    api = Api(village.incidents.url, tokens)
    yield api
    await api.aclose()


def endpoints(village: DemoHooks, tokens: Callable[..., str], party: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{village.webhooks.url}/endpoints",
        headers={"Authorization": f"Bearer {tokens(party, 'admin')}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_the_seed_registers_each_provider_once_and_keeps_its_secret_0600(
    village: DemoHooks, tokens: Callable[..., str]
) -> None:
    kept = demo_webhooks.read_secrets(village.secrets)
    assert set(kept) == {"acme", "globex"}
    assert village.secrets.stat().st_mode & 0o777 == 0o600
    for party in ("acme", "globex"):
        (endpoint,) = endpoints(village, tokens, party)
        assert endpoint["id"] == kept[party]["endpoint"]
        assert endpoint["url"] == f"{village.receiver.url}/{party}"
        assert endpoint["event_types"] == ["*"] and endpoint["status"] == "active"
        assert kept[party]["secret"].startswith("whsec_")


async def test_each_provider_gets_its_own_incidents_verified(
    village: DemoHooks, incidents: Api, tokens: Callable[..., str]
) -> None:
    northwind = incidents("northwind")
    routers = (await open_incident(northwind))["id"]  # acme's product
    firewalls = (await open_incident(northwind, product="globex-firewalls"))["id"]  # globex's

    await eventually(
        lambda: routers in village.subjects("/acme") and firewalls in village.subjects("/globex"),
        timeout=60,
        what="each provider's incident at its own endpoint",
    )
    # The fan-out of an event writes the deliveries of every endpoint at once: each incident's
    # opening reached its provider, so the other provider's endpoint had its chance.
    for party, own, other in (("acme", routers, firewalls), ("globex", firewalls, routers)):
        (endpoint,) = endpoints(village, tokens, party)
        listed = httpx.get(
            f"{village.webhooks.url}/endpoints/{endpoint['id']}/deliveries",
            headers={"Authorization": f"Bearer {tokens(party, 'admin')}"},
            timeout=10,
        ).json()["items"]
        assert own in {d["subject"] for d in listed}
        assert other not in {d["subject"] for d in listed}
        assert other not in village.subjects(f"/{party}")
        mine = [line for line in village.lines() if line["subject"] == own]
        assert {line["path"] for line in mine} == {f"/{party}"}
        assert "village.incident.opened.v1" in {line["type"] for line in mine}
    theirs = [line for line in village.lines() if line["subject"] in (routers, firewalls)]
    assert all(line["verified"] and line["webhook_id"] for line in theirs)
    # each line has the event's own instant, from before it arrived
    assert all(
        datetime.fromisoformat(line["time"]) <= datetime.fromisoformat(line["at"])
        for line in theirs
    )


def test_seeding_again_registers_nothing_new(
    village: DemoHooks, tokens: Callable[..., str]
) -> None:
    before = {party: endpoints(village, tokens, party) for party in ("acme", "globex")}
    kept = demo_webhooks.read_secrets(village.secrets)
    assert village.seed() == kept
    assert {party: endpoints(village, tokens, party) for party in before} == before
    assert demo_webhooks.read_secrets(village.secrets) == kept


def test_a_moved_receiver_moves_the_endpoints(
    village: DemoHooks, tokens: Callable[..., str]
) -> None:
    ids = {party: endpoints(village, tokens, party)[0]["id"] for party in ("acme", "globex")}
    elsewhere = f"http://127.0.0.1:{free_port()}"
    try:
        village.seed(elsewhere)
        for party, endpoint_id in ids.items():
            (endpoint,) = endpoints(village, tokens, party)
            assert (endpoint["id"], endpoint["url"]) == (endpoint_id, f"{elsewhere}/{party}")
    finally:
        village.seed()
    assert {party: endpoints(village, tokens, party)[0]["url"] for party in ids} == {
        party: f"{village.receiver.url}/{party}" for party in ids
    }


async def test_a_lost_secret_is_rotated_and_the_receiver_verifies_with_the_new_one(
    village: DemoHooks, incidents: Api, tokens: Callable[..., str]
) -> None:
    old = demo_webhooks.read_secrets(village.secrets)
    village.secrets.unlink()
    new = village.seed()
    assert {p: e["endpoint"] for p, e in new.items()} == {p: e["endpoint"] for p, e in old.items()}
    assert all(new[p]["secret"] != old[p]["secret"] for p in new)
    assert [len(endpoints(village, tokens, p)) for p in new] == [1, 1]

    routers = (await open_incident(incidents("northwind")))["id"]
    await eventually(
        lambda: [line for line in village.lines() if line["subject"] == routers],
        lambda lines: "village.incident.opened.v1" in {line["type"] for line in lines},
        timeout=60,
        what="the new incident at acme's endpoint",
    )
    assert all(line["verified"] for line in village.lines() if line["subject"] == routers)
