"""A partner of several vendors on the real stack: northwind sells acme's routers and globex's
firewalls, and each vendor keeps its own profile of it (the demo: acme says premier, certified
for routers; globex says gold, certified for globex-firewalls). Each incident is routed by its
own vendor's rules on its own vendor's profile; neither vendor reads the other's profile;
northwind's draft for globex's knowledge base is reviewed by globex alone.

The services run on a village of their own (own databases and topics, demo data seeded): this
test writes rules that the shared villages' tests must not find."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from e2e_support import Api, assert_problem, open_incident

from village_devstack.testing import ESCALATION, INCIDENTS, KNOWLEDGE, SLA_MONITOR, ServiceProcess
from village_devstack.waiting import eventually

# Each vendor routes on the partner's level as its own profile says it; each also has a rule on
# the level only the other vendor gives northwind, which must never match.
ACME_RULES = {
    "rules": [
        {
            "id": "gold-to-engineering",  # globex says gold: not acme's business
            "priority": 1,
            "match": {"partner_levels": ["gold"]},
            "route_to": {"party": "acme", "tier": "Engineering L3"},
        },
        {
            "id": "premier-s2",
            "priority": 5,
            "match": {"severities": ["S2"], "partner_levels": ["premier"]},
            "route_to": {"party": "acme", "tier": "TAC L2"},
        },
    ]
}
GLOBEX_RULES = {
    "rules": [
        {
            "id": "premier-to-tac",  # acme says premier: not globex's business
            "priority": 1,
            "match": {"partner_levels": ["premier"]},
            "route_to": {"party": "globex", "tier": "Globex TAC"},
        },
        {
            "id": "gold-s2",
            "priority": 5,
            "match": {"severities": ["S2"], "partner_levels": ["gold"]},
            "route_to": {"party": "globex", "tier": "Globex Engineering"},
        },
    ]
}


@dataclass(frozen=True)
class Vendors:
    incidents: Api
    escalation: Api
    knowledge: Api


@pytest.fixture(scope="module")
def village(stack: Any) -> Iterator[dict[str, ServiceProcess]]:
    """Incidents, SLA monitor, escalation and knowledge of their own, seeded with the demo web."""
    env = {"KAFKA_TOPIC_PREFIX": "vendors."}
    incidents = stack.service(INCIDENTS, instance="vendors", **env)
    sla = stack.service(SLA_MONITOR, instance="vendors", INCIDENTS_URL=incidents.url, **env)
    urls = {"INCIDENTS_URL": incidents.url, "SLA_MONITOR_URL": sla.url}
    escalation = stack.service(ESCALATION, instance="vendors", **urls, **env)
    knowledge = stack.service(KNOWLEDGE, instance="vendors", INCIDENTS_URL=incidents.url, **env)
    stack.start_all(incidents, sla, escalation, knowledge)
    services = {"incidents": incidents, "sla": sla, "escalation": escalation}
    yield {**services, "knowledge": knowledge}
    for service in (knowledge, escalation, sla, incidents):
        service.close()


@pytest.fixture
async def vendors(
    village: dict[str, ServiceProcess], tokens: Callable[..., str]
) -> AsyncIterator[Vendors]:
    apis = [Api(village[name].url, tokens) for name in ("incidents", "escalation", "knowledge")]
    yield Vendors(*apis)
    for api in apis:
        await api.aclose()


async def route_of(vendors: Vendors, party: str, incident_id: str) -> dict[str, Any]:
    """The incident's route decision as `party` reads its escalation path, once decided."""
    client = vendors.escalation(party)
    path = await eventually(
        lambda: client.get(f"/incidents/{incident_id}/escalations"),
        lambda r: r.status_code == 200 and r.json()["decisions"],
        what=f"the route of {incident_id}",
    )
    return path.json()["decisions"][0]


async def test_each_incident_is_routed_by_its_own_vendors_profile(vendors: Vendors) -> None:
    for vendor, rules in (("acme", ACME_RULES), ("globex", GLOBEX_RULES)):
        written = await vendors.escalation(vendor, "admin").put(
            f"/parties/{vendor}/rules", json=rules
        )
        assert written.status_code in (200, 201), written.text
    nw = vendors.incidents("northwind")
    firewall = await open_incident(nw, product="globex-firewalls", severity="S2")
    router = await open_incident(nw, product="routers", severity="S2")

    route = await route_of(vendors, "globex", firewall["id"])
    assert (route["to"], route["basis"]["id"]) == (
        {"party": "globex", "tier": "Globex Engineering"},
        "gold-s2",
    )
    assert "northwind is a gold partner" in route["reason"]
    route = await route_of(vendors, "acme", router["id"])
    assert (route["to"], route["basis"]["id"]) == (
        {"party": "acme", "tier": "TAC L2"},
        "premier-s2",
    )
    assert "northwind is a premier partner" in route["reason"]
    # Each lands where it was routed (the incidents service applied the decision).
    for party, incident, tier in (
        ("globex", firewall, "Globex Engineering"),
        ("acme", router, "TAC L2"),
    ):
        client, path = vendors.incidents(party), f"/incidents/{incident['id']}"
        await eventually(
            lambda c=client, p=path: c.get(p),
            lambda r, t=tier: (r.json().get("assignment") or {}).get("tier") == t,
            what=f"{path} at {tier}",
        )


async def test_a_vendor_reads_only_its_own_profile_of_a_partner(vendors: Vendors) -> None:
    mine = {}
    for vendor, other in (("acme", "globex"), ("globex", "acme")):
        client = vendors.escalation(vendor)
        mine[vendor] = (await client.get("/parties/northwind/profile")).json()
        for path in ("/parties/northwind/profile", "/parties/northwind/profile/versions"):
            assert_problem(await client.get(path, params={"provider": other}), 404)
        listed = (await client.get("/parties/northwind/profiles")).json()["items"]
        assert listed == [mine[vendor]] and other not in str(listed)
    assert (mine["acme"]["provider"], mine["acme"]["level"]) == ("acme", "premier")
    assert (mine["globex"]["provider"], mine["globex"]["level"]) == ("globex", "gold")
    # A vendor writes only its own.
    refused = await vendors.escalation("globex", "admin").put(
        "/parties/northwind/profile",
        params={"provider": "acme"},
        json={"level": "bronze", "specialisations": []},
    )
    assert_problem(refused, 403)
    # northwind reads each of its vendors' profiles of it; a competitor reads none.
    nw = vendors.escalation("northwind")
    listed = (await nw.get("/parties/northwind/profiles")).json()["items"]
    assert [(p["provider"], p["level"]) for p in listed] == [
        ("acme", "premier"),
        ("globex", "gold"),
    ]
    assert (await nw.get("/parties/northwind/profile", params={"provider": "globex"})).json() == (
        mine["globex"]
    )
    contoso = vendors.escalation("contoso")
    for provider in ("acme", "globex"):
        params = {"provider": provider}
        assert_problem(await contoso.get("/parties/northwind/profile", params=params), 404)
    assert_problem(await contoso.get("/parties/northwind/profiles"), 404)


async def test_a_draft_for_globex_is_reviewed_by_globex_alone(vendors: Vendors) -> None:
    nw = vendors.knowledge("northwind")
    body = {
        "title": "Session table fills after a firewall failover",
        "body": "Clear the stale sessions on the standby.",
        "audience": "partners",
        "products": ["globex-firewalls"],
    }
    assert_problem(await nw.post("/articles", json=body), 422, "provider-required")
    assert_problem(
        await nw.post("/articles", json={**body, "provider": "fabrikam"}), 422, "not-your-provider"
    )
    created = await nw.post("/articles", json={**body, "provider": "globex"})
    assert created.status_code == 201, created.text
    assert created.json()["provider"] == "globex"
    aid = created.json()["id"]
    assert (await nw.post(f"/articles/{aid}/submit")).json()["status"] == "in_review"

    async def in_review(party: str) -> list[str]:
        found = await vendors.knowledge(party, "reviewer").get(
            "/articles", params={"status": "in_review", "limit": 100}
        )
        return [a["id"] for a in found.json()["items"]]

    assert aid in await in_review("globex")
    assert aid not in await in_review("acme")
    acme = vendors.knowledge("acme", "reviewer")
    assert_problem(await acme.get(f"/articles/{aid}"), 404)
    assert_problem(await acme.post(f"/articles/{aid}/publish"), 404)
    published = await vendors.knowledge("globex", "reviewer").post(f"/articles/{aid}/publish")
    assert published.json()["status"] == "published"
    # In globex's knowledge base: contoso (which sells globex's VPN appliances) reads it, acme
    # never does.
    assert (await vendors.knowledge("contoso").get(f"/articles/{aid}")).status_code == 200
    assert_problem(await acme.get(f"/articles/{aid}"), 404)
