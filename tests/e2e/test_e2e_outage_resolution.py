"""An outage resolved across the whole village (all five services of their own): acme resolves
its outage; the fan-out resolves both linked incidents as acme and asks each requester to
confirm; the escalation service hands northwind's back to the partner tier it came from on its
own; initech confirms (closes), umbrella rejects (reopens with a reason: the incident leaves the
outage); acme's confirmations count one of each, each partner sees its own only."""

from __future__ import annotations

from typing import Any

from e2e_support import Api, open_incident

from village_devstack.waiting import eventually

OUTAGE = {
    "title": "Router firmware 7.2 drops IPsec tunnels",
    "description": "Tunnels drop after rekeying.",
    "products": ["routers"],
    "severity": "S1",
}
RESOLVE = {
    "resolution_code": "fixed",
    "resolution_notes": "Firmware 7.2.1 fixes the rekeying timer.",
    "message": "Resolved: upgrade to 7.2.1.",
}


def body_of(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_a_resolution_is_handed_back_confirmed_and_rejected(
    full_village: Any, tokens: Any
) -> None:
    incidents, escalation = (
        Api(full_village.incidents.url, tokens),
        Api(full_village.escalation.url, tokens),
    )
    try:
        acme, northwind, contoso = incidents("acme"), incidents("northwind"), incidents("contoso")
        oid = body_of(await acme.post("/provider-incidents", json=OUTAGE), 201)["id"]
        a = (await open_incident(northwind))["id"]
        b = (await open_incident(contoso, customer="umbrella", external_refs=[]))["id"]

        async def path(iid: str) -> dict[str, Any] | None:
            r = await escalation("northwind").get(f"/incidents/{iid}/escalations")
            return r.json() if r.status_code == 200 and r.json()["current"] else None

        routed = await eventually(lambda: path(a), timeout=60, what="northwind's incident routed")
        came_from = routed["current"]
        for client, iid in ((northwind, a), (contoso, b)):
            link = {"incident_id": iid}
            body_of(await client.post(f"/provider-incidents/{oid}/links", json=link))
        await eventually(
            lambda: path(a),
            lambda p: p and p["current"]["tier"] == f"outage:{oid}",
            timeout=60,
            what="held by acme for the outage",
        )

        resolved = body_of(await acme.post(f"/provider-incidents/{oid}/resolve", json=RESOLVE))
        assert resolved["status"] == "resolved"
        for client, iid in ((northwind, a), (contoso, b)):
            view = await eventually(
                lambda c=client, i=iid: _resolved(c, i), timeout=60, what=f"{iid} resolved"
            )
            asks = [n for n in view["notes"] if n["author_party"] == "acme"]
            assert len(asks) == 1 and asks[0]["visibility"] == "shared"
        # The escalation service hands northwind's incident back where it came from, itself.
        back = await eventually(
            lambda: path(a),
            lambda p: p and p["decisions"][-1]["kind"] == "hand_back",
            timeout=60,
            what="the hand-back",
        )
        assert (back["current"]["party"], back["current"]["tier"]) == (
            came_from["party"],
            came_from["tier"],
        )
        assert back["decisions"][-1]["from"]["party"] == "acme"

        # initech confirms; umbrella rejects.
        closed = await incidents("initech").post(
            f"/incidents/{a}/status", json={"status": "closed"}
        )
        assert body_of(closed)["status"] == "closed"
        reopen = {"status": "reopened", "reason": "tunnels still drop"}
        reopened = body_of(await incidents("umbrella").post(f"/incidents/{b}/status", json=reopen))
        assert reopened["outage_id"] is None

        counts = body_of(await acme.get(f"/provider-incidents/{oid}/confirmations"))["partners"]
        assert counts == [
            {"partner": "contoso", "confirmed": 0, "rejected": 1, "waiting": 0},
            {"partner": "northwind", "confirmed": 1, "rejected": 0, "waiting": 0},
        ]
        own = body_of(await northwind.get(f"/provider-incidents/{oid}/confirmations"))
        assert own == {
            "partners": [{"partner": "northwind", "confirmed": 1, "rejected": 0, "waiting": 0}],
            "incidents": [{"incident_id": a, "resolution": "confirmed"}],
        }
        assert (
            await incidents("initech").get(f"/provider-incidents/{oid}/confirmations")
        ).status_code == 404
        # Leave the shared village as it was: umbrella cancels its incident, off every queue.
        cancel = {"status": "cancelled", "reason": "the test is over"}
        body_of(await incidents("umbrella").post(f"/incidents/{b}/status", json=cancel))
        await eventually(
            lambda: _queued(escalation, b), lambda q: q == [], timeout=60, what="b off the queues"
        )
    finally:
        await incidents.aclose()
        await escalation.aclose()


async def _queued(escalation: Api, iid: str) -> list[str]:
    """The queues (of acme's and contoso's) that hold `iid` now."""
    found = []
    for party in ("acme", "contoso"):
        listed = body_of(await escalation(party).get("/queues"))["items"]
        for q in (q for q in listed if q["party"] == party):
            held = body_of(await escalation(party).get(f"/queues/{party}/{q['tier']}"))
            if iid in str(held["items"]):
                found.append(f"{party}/{q['tier']}")
    return found


async def _resolved(client: Any, iid: str) -> dict[str, Any] | None:
    view = body_of(await client.get(f"/incidents/{iid}"))
    return view if view["status"] == "resolved" else None
