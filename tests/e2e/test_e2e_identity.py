"""Production identity end to end: the incidents service and the SLA monitor as subprocesses,
configured with a real JWKS endpoint (an identity provider in this process) instead of the
development tokens, and services calling each other with their own key."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from e2e_support import assert_problem, incident_body

from village_devstack import demo
from village_devstack.identity_provider import IdentityProvider
from village_devstack.testing import INCIDENTS, SLA_MONITOR, ServiceError, ServiceProcess, free_port
from village_devstack.waiting import eventually
from village_platform.settings import Settings

SERVICE_SECRET = "the-services-own-e2e-secret-" + uuid.uuid4().hex


@dataclass(frozen=True)
class ProductionVillage:
    idp: IdentityProvider
    incidents: ServiceProcess
    sla: ServiceProcess
    settings: Settings  # what the services were given (for minting their service tokens)

    def client(self, service: ServiceProcess, token: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=service.url, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def village(stack: Any) -> Iterator[ProductionVillage]:
    with IdentityProvider() as idp:
        env = idp.service_env(
            VILLAGE_ENV="production",
            VILLAGE_SERVICE_SECRET=SERVICE_SECRET,
            KAFKA_TOPIC_PREFIX=f"idp{uuid.uuid4().hex[:6]}.",
            # Rotation shows within the test: an unknown kid is looked up at once, and a removed
            # key stops verifying a second after (production: 10 s and 5 min).
            VILLAGE_JWKS_REFRESH_SECONDS="0",
            VILLAGE_JWKS_CACHE_SECONDS="1",
        )
        incidents = stack.start_service(INCIDENTS, seed=False, instance="identity", **env)
        settings = Settings(**{k: v for k, v in env.items() if k.startswith("VILLAGE_")})
        # The first parties are registered with a service credential: no party token counts
        # before its party is in the directory.
        demo.seed_parties(incidents.url, settings=settings)
        sla = stack.start_service(
            SLA_MONITOR, seed=False, instance="identity", INCIDENTS_URL=incidents.url, **env
        )
        yield ProductionVillage(idp, incidents, sla, settings)
        sla.close()
        incidents.close()


async def test_identity_provider_tokens_open_and_read_incidents(village: ProductionVillage) -> None:
    idp = village.idp
    async with village.client(
        village.incidents, idp.token("northwind", subject="jane@northwind.example")
    ) as nw:
        opened = await nw.post("/incidents", json=incident_body())
        assert opened.status_code == 201, opened.text
        assert opened.json()["requester"] == "northwind"
    async with village.client(village.incidents, idp.token("initech")) as initech:
        assert (await initech.get(f"/incidents/{opened.json()['id']}")).status_code == 200
    # A machine-to-machine client of northwind (client credentials): same party, its own subject.
    async with village.client(
        village.incidents, idp.token("northwind", subject="northwind-ticketing")
    ) as m2m:
        assert (await m2m.get(f"/incidents/{opened.json()['id']}")).status_code == 200


async def test_development_tokens_do_not_count_in_production(village: ProductionVillage) -> None:
    for token in (demo.token("acme", "admin"), demo.service_token()):  # the public development keys
        for service in (village.incidents, village.sla):
            async with village.client(service, token) as client:
                assert_problem(
                    await client.get("/parties" if service is village.incidents else "/contracts"),
                    401,
                    "unauthorized",
                )


async def test_a_party_kind_claimed_in_the_token_does_not_count(village: ProductionVillage) -> None:
    idp = village.idp
    spoofed = idp.token("northwind", party_kind="provider")
    async with village.client(village.incidents, spoofed) as client:
        assert_problem(await client.get("/parties"), 403, "party-kind-mismatch")
    async with village.client(village.incidents, idp.token("initrode")) as client:
        assert_problem(await client.get("/incidents"), 403, "unknown-party")
    # The SLA monitor reads the kinds from the incidents service's directory, as a service.
    async with village.client(village.sla, spoofed) as client:
        assert_problem(await client.get("/contracts"), 403, "party-kind-mismatch")
    async with village.client(village.sla, idp.token("northwind")) as client:
        response = await client.get("/contracts")
        assert response.status_code == 200, response.text


async def test_services_call_each_other_with_their_own_key(village: ProductionVillage) -> None:
    async with village.client(
        village.incidents, demo.service_token("escalation", settings=village.settings)
    ) as svc:
        everyone = {p["id"] for p in (await svc.get("/parties")).json()["items"]}
    assert {p.id for p in demo.PARTIES} <= everyone


def test_an_operator_registers_the_first_provider_with_a_service_token(
    village: ProductionVillage,
) -> None:
    """docs/identity.md: `village-incidents service-token` in the services' environment."""
    done = subprocess.run(
        INCIDENTS.command("service-token", "--name", "operator"),
        env=village.incidents.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    provider = {"id": f"prov{uuid.uuid4().hex[:6]}", "kind": "provider", "name": "Another provider"}
    with httpx.Client(
        base_url=village.incidents.url, headers={"Authorization": f"Bearer {done.stdout.strip()}"}
    ) as op:
        assert op.post("/parties", json=provider).status_code == 201
    # From then on the provider's admins act with their identity provider tokens.
    partner = {
        "id": f"part{uuid.uuid4().hex[:6]}",
        "kind": "partner",
        "name": "P",
        "provider": provider["id"],
    }
    admin = village.idp.token(provider["id"], roles=["admin"])
    with httpx.Client(
        base_url=village.incidents.url, headers={"Authorization": f"Bearer {admin}"}
    ) as client:
        assert client.post("/parties", json=partner).status_code == 201


async def test_keys_rotate_under_a_running_service(village: ProductionVillage) -> None:
    idp = village.idp
    old = idp.current

    async def status(token: str) -> int:
        async with village.client(village.incidents, token) as client:
            return (await client.get("/incidents", params={"limit": 1})).status_code

    assert await status(idp.token("northwind")) == 200
    new = idp.rotate("ES256")
    assert await status(idp.token("northwind", kid=new.kid)) == 200  # picked up at the first token
    assert await status(idp.token("northwind", kid=old.kid)) == 200  # still published: still good
    idp.retire(old.kid)
    await eventually(
        lambda: status(idp.token("northwind", kid=old.kid)),
        lambda code: code == 401,
        timeout=15,
        what="the retired key to stop verifying",
    )
    assert await status(idp.token("northwind", kid=new.kid)) == 200


@pytest.mark.parametrize(
    "environment",
    [
        {"VILLAGE_ENV": ""},  # nothing said: not development
        {
            "VILLAGE_ENV": "production",
            "VILLAGE_JWT_SECRET": "an-hs256-secret-of-our-own-" + "x" * 32,
            "VILLAGE_SERVICE_SECRET": SERVICE_SECRET,
        },  # yesterday's production: one HS256 secret
    ],
    ids=["unset", "hs256-only"],
)
def test_a_service_without_an_identity_provider_refuses_to_start(
    stack: Any, environment: dict[str, str]
) -> None:
    env = {k: v for k, v in stack.env(**environment).items() if k != "VILLAGE_JWKS_URL"}
    run = uuid.uuid4().hex[:6]
    service = ServiceProcess(
        INCIDENTS, env=env, port=free_port(), log_file=stack.log_dir / f"incidents-noidp-{run}.log"
    )
    try:
        with pytest.raises(ServiceError, match="exited during startup") as refused:
            service.start(timeout=60)
    finally:
        service.close()
    assert "refusing to start" in str(refused.value)
    assert "VILLAGE_JWKS_URL" in str(refused.value) and "VILLAGE_ENV=development" in str(
        refused.value
    )
