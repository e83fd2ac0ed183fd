"""One outage, two vendors, on the real stack (five services of their own, the demo web): initech's
firewall outage goes to northwind and on to acme; northwind hands the part that is globex's
firewall to globex. Each vendor sees, works and is measured on its own part only; northwind and
initech see both. Every service answers over HTTP; nothing is read from a database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from e2e_support import Api, assert_problem, assert_shape, unique

from village_devstack.waiting import eventually

FIREWALLS = "globex-firewalls"


class Web:
    """Clients of the full village's incidents, escalation and SLA services, per party."""

    def __init__(self, village: Any, tokens: Callable[..., str]) -> None:
        self.incidents = Api(village.incidents.url, tokens)
        self.escalation = Api(village.escalation.url, tokens)
        self.sla = Api(village.sla.url, tokens)

    async def close(self) -> None:
        for api in (self.incidents, self.escalation, self.sla):
            await api.aclose()

    async def get(self, api: Api, party: str, path: str, status: int = 200) -> Any:
        r = await api(party).get(path, params={"limit": 200} if path == "/incidents" else None)
        assert r.status_code == status, f"{party} GET {path}: {r.status_code} {r.text}"
        return r.json()

    async def listed(self, party: str) -> set[str]:
        return {i["id"] for i in (await self.get(self.incidents, party, "/incidents"))["items"]}

    async def at_tier(self, iid: str, party: str, tier: str) -> dict[str, Any]:
        """Once the incidents service and the escalation service both have the incident at that
        tier, with no decision pending: the escalation path (as the owning partner reads it)."""

        async def probe() -> dict[str, Any] | None:
            r = await self.escalation("northwind").get(f"/incidents/{iid}/escalations")
            if r.status_code != 200:
                return None
            path = r.json()
            view = await self.get(self.incidents, "northwind", f"/incidents/{iid}")
            at, seen = view["assignment"] or {}, path["current"] or {}
            there = (at.get("party"), at.get("tier")) == (seen.get("party"), seen.get("tier"))
            done = all(d["status"] != "pending" for d in path["decisions"])
            return (
                path if there and done and (seen["party"], seen["tier"]) == (party, tier) else None
            )

        return await eventually(probe, timeout=60, what=f"{iid} at {party} {tier}")

    async def contracts(self, iid: str, party: str, count: int) -> set[str]:
        """The contracts `party` sees on the incident's SLA view, once there are `count`."""

        async def probe() -> set[str] | None:
            r = await self.sla(party).get(f"/incidents/{iid}/sla")
            found = {c["contract_id"] for c in r.json()["contracts"]} if r.is_success else set()
            return found if len(found) == count else None

        return await eventually(probe, timeout=60, what=f"{count} contracts on {iid} for {party}")

    async def queue(self, viewer: str, party: str, tier: str) -> set[str]:
        found = await self.get(self.escalation, viewer, f"/queues/{party}/{quote(tier)}")
        return {i["incident_id"] for i in found["items"]}


@pytest.fixture
async def web(full_village: Any, tokens: Callable[..., str]) -> Any:
    w = Web(full_village, tokens)
    try:
        yield w
    finally:
        await w.close()


async def test_an_outage_split_between_two_vendors_each_seeing_and_working_only_its_part(web: Web):
    # initech raises its outage to northwind; northwind is not certified for acme's firewalls,
    # so acme's rule routes the S1 straight to its TAC L2.
    opened = await web.incidents("initech").post(
        "/incidents",
        json={"title": "Leeds office offline", "severity": "S1", "product": "firewalls"},
    )
    assert opened.status_code == 201, opened.text
    outage = opened.json()["id"]
    assert (opened.json()["partner"], opened.json()["provider"]) == ("northwind", "acme")

    # northwind hands globex's firewall, part of the same outage, to globex.
    body = {"product": FIREWALLS, "title": "Globex firewall drops the branch VPN"}
    key = {"Idempotency-Key": unique("part")}
    nw = web.incidents("northwind")
    r = await nw.post(f"/incidents/{outage}/parts", json=body, headers=key)
    assert r.status_code == 201, r.text
    part = r.json()
    assert r.headers["Location"] == f"/incidents/{part['id']}"
    assert (part["parent_id"], part["customer"], part["partner"], part["provider"]) == (
        outage,
        "initech",
        "northwind",
        "globex",
    )
    assert part["chain"] == ["initech", "northwind", "globex"] and part["requester"] == "initech"
    assert (part["severity"], part["title"]) == ("S1", body["title"])  # the parent's, or its own
    again = await nw.post(f"/incidents/{outage}/parts", json=body, headers=key)
    assert again.json()["id"] == part["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = await nw.post(f"/incidents/{outage}/parts", json={"product": "routers"}, headers=key)
    assert_problem(other, 422)  # the same key for another body

    # The OpenAPI examples show the shapes the routes really answer with.
    spec = (await nw.get("/openapi.json")).json()["paths"]["/incidents/{incident_id}/parts"]
    shown = spec["post"]["responses"]["201"]["content"]["application/json"]["example"]
    assert_shape(shown, part)
    page = spec["get"]["responses"]["200"]["content"]["application/json"]["example"]
    listed = await web.get(web.incidents, "northwind", f"/incidents/{outage}/parts")
    assert_shape(page, listed)
    assert_shape(page["items"][0], listed["items"][0])

    # ---- who sees what: the parent's vendor never learns of the part, the part's never of
    # the parent; the partner and the customer see both.
    assert outage in await web.listed("acme") and part["id"] not in await web.listed("acme")
    assert part["id"] in await web.listed("globex") and outage not in await web.listed("globex")
    for party in ("northwind", "initech"):
        assert {outage, part["id"]} <= await web.listed(party), party
        view = await web.get(web.incidents, party, f"/incidents/{outage}")
        assert [(p["id"], p["product"], p["status"], p["provider"]) for p in view["parts"]] == [
            (part["id"], FIREWALLS, "new", "globex")
        ]
        listed = await web.get(web.incidents, party, f"/incidents/{outage}/parts")
        assert listed["items"] == view["parts"]
        shown = await web.get(web.incidents, party, f"/incidents/{part['id']}")
        assert shown["parent_id"] == outage
    customer_view = await web.get(web.incidents, "initech", f"/incidents/{part['id']}")
    assert "chain" not in customer_view  # as for any incident the customer is on
    acme_view = await web.get(web.incidents, "acme", f"/incidents/{outage}")
    assert acme_view["parts"] == [] and part["id"] not in str(acme_view)
    assert (await web.get(web.incidents, "acme", f"/incidents/{outage}/parts"))["items"] == []
    await web.get(web.incidents, "acme", f"/incidents/{part['id']}", 404)
    globex_view = await web.get(web.incidents, "globex", f"/incidents/{part['id']}")
    assert globex_view["parent_id"] == outage and "acme" not in str(globex_view)
    for path in (f"/incidents/{outage}", f"/incidents/{outage}/parts"):
        await web.get(web.incidents, "globex", path, 404)

    # ---- each part along its own chain: the parent at acme's TAC L2, the part at northwind's
    # L1 (acme's rules and profile of northwind do not decide a globex incident), then up
    # northwind's ladder to globex's first tier on northwind's requests.
    parent_path = await web.at_tier(outage, "acme", "TAC L2")
    assert parent_path["decisions"][0]["basis"]["id"] == "s1-uncertified"
    assert "tiers/acme" in parent_path["pinned_versions"]
    assert not any("globex" in k for k in parent_path["pinned_versions"])
    await web.at_tier(part["id"], "northwind", "L1")
    for reason, party, tier in (
        ("the firewall vendor's bug", "northwind", "L2"),
        ("needs globex", "globex", "Globex TAC"),
    ):
        asked = await web.escalation("northwind").post(
            f"/incidents/{part['id']}/escalations", json={"reason": reason}
        )
        assert asked.status_code == 202, asked.text
        part_path = await web.at_tier(part["id"], party, tier)
    moves = [(d["kind"], d["to"]["party"], d["to"]["tier"]) for d in part_path["decisions"]]
    assert moves == [
        ("route", "northwind", "L1"),
        ("escalate", "northwind", "L2"),
        ("escalate", "globex", "Globex TAC"),
    ]
    assert "tiers/globex" in part_path["pinned_versions"]
    assert not any("acme" in k for k in part_path["pinned_versions"])
    await web.get(web.escalation, "acme", f"/incidents/{part['id']}/escalations", 404)
    await web.get(web.escalation, "globex", f"/incidents/{outage}/escalations", 404)
    await web.get(web.escalation, "globex", f"/incidents/{part['id']}/escalations")

    # Queues: each vendor finds its own part in its own queue, never the other's, in any queue.
    assert outage in await web.queue("acme", "acme", "TAC L2")
    assert part["id"] in await web.queue("globex", "globex", "Globex TAC")
    # Another vendor's queue is not found at all (not an empty queue echoing the tier asked for).
    await web.get(web.escalation, "acme", f"/queues/globex/{quote('Globex TAC')}", 404)
    await web.get(web.escalation, "globex", f"/queues/acme/{quote('TAC L2')}", 404)
    acme_queues = (await web.get(web.escalation, "acme", "/queues"))["items"]
    globex_queues = (await web.get(web.escalation, "globex", "/queues"))["items"]
    assert "globex" not in {q["party"] for q in acme_queues}
    assert ("globex", "Globex TAC") in {(q["party"], q["tier"]) for q in globex_queues}
    assert "acme" not in {q["party"] for q in globex_queues}

    # ---- SLA on each part's own links: northwind answers to initech on both, and is backed by
    # acme on the outage and by globex on its part (handed to each, so each link's clocks run).
    assert await web.contracts(outage, "northwind", 2) == {"initech-northwind", "northwind-acme"}
    assert await web.contracts(part["id"], "northwind", 2) == {
        "initech-northwind",
        "northwind-globex",
    }
    assert await web.contracts(part["id"], "globex", 1) == {"northwind-globex"}
    assert await web.contracts(part["id"], "initech", 1) == {"initech-northwind"}
    assert await web.contracts(outage, "acme", 1) == {"northwind-acme"}
    await web.get(web.sla, "acme", f"/incidents/{part['id']}/sla", 404)
    await web.get(web.sla, "globex", f"/incidents/{outage}/sla", 404)


async def test_only_the_owning_partner_hands_parts_of_an_open_incident_to_its_suppliers(web: Web):
    nw = web.incidents("northwind")
    opened = await nw.post(
        "/incidents",
        json={
            "title": "Core switch down",
            "severity": "S2",
            "product": "routers",
            "customer": "initech",
        },
    )
    assert opened.status_code == 201, opened.text
    outage = opened.json()["id"]
    part_of = f"/incidents/{outage}/parts"
    firewall = {"product": FIREWALLS}

    async def refused(client: httpx.AsyncClient, path: str, body: Any, status: int) -> None:
        assert_problem(await client.post(path, json=body), status)

    await refused(web.incidents("acme"), part_of, firewall, 403)  # its vendor, not its owner
    await refused(web.incidents("initech"), part_of, firewall, 403)
    await refused(web.incidents("globex"), part_of, firewall, 404)  # not on it
    await refused(web.incidents("contoso"), part_of, firewall, 404)
    await refused(nw, "/incidents/no-such-incident/parts", firewall, 404)
    await refused(nw, part_of, {}, 422)  # no product
    await refused(nw, part_of, {**firewall, "severity": "S9"}, 422)

    part = await nw.post(part_of, json=firewall)
    assert part.status_code == 201, part.text
    await refused(nw, f"/incidents/{part.json()['id']}/parts", {"product": "routers"}, 422)

    # fabrikam buys only acme's cloud: it has no supplier of globex's firewalls.
    fab = web.incidents("fabrikam")
    cloud = await fab.post(
        "/incidents",
        json={
            "title": "Tenant down",
            "severity": "S2",
            "product": "acme-cloud",
            "customer": "litware",
        },
    )
    assert cloud.status_code == 201, cloud.text
    await refused(fab, f"/incidents/{cloud.json()['id']}/parts", firewall, 422)

    cancelled = await nw.post(
        f"/incidents/{outage}/status", json={"status": "cancelled", "reason": "duplicate"}
    )
    assert cancelled.status_code == 200, cancelled.text
    await refused(nw, part_of, {"product": "switches"}, 409)
    # Nothing a refusal touched: the one part the outage has.
    listed = await web.get(web.incidents, "northwind", part_of)
    assert [p["id"] for p in listed["items"]] == [part.json()["id"]]
