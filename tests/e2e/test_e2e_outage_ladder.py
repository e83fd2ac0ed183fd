"""A linked incident leaves the escalation ladder, end to end in simulated time: the incidents
service, the SLA monitor and the escalation service in this process on one ManualClock
(simulated.py), real PostgreSQL and broker, the demo web with its escalation set.

northwind's S3 routers incident waits at northwind L1 (its acknowledgement policy: 30 minutes).
acme declares an outage of its routers and northwind links the incident: it waits in acme's
queue of the outage, a manual request is refused naming the outage, the ack policy does not
fire however long it is held, and the SLA monitor says acme holds it (to northwind and to its
customer initech). Unlinked, it is back at northwind L1 and its ack policy runs from the unlink."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from simulated import Village

from village_devstack.waiting import eventually
from village_platform.clock import ManualClock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
async def village(stack: Any, process_globals: None) -> AsyncIterator[Village]:
    env = Village(stack, ManualClock(T0), escalation=True)
    await env.start()
    try:
        yield env
    finally:
        await env.close()


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


async def incidents_call(
    village: Village, party: str, method: str, path: str, body: Any = None
) -> dict[str, Any]:
    async with village.incidents_as(party) as client:
        r = await client.request(method, path, json=body)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def escalation_get(village: Village, party: str, path: str) -> dict[str, Any]:
    async with village.escalation_as(party) as client:
        r = await client.get(path)
    assert r.status_code == 200, r.text
    return r.json()


async def queued(village: Village, party: str, tier: str) -> list[str]:
    queue = await escalation_get(village, party, f"/queues/{party}/{tier}")
    return [i["incident_id"] for i in queue["items"]]


async def held_by(village: Village, iid: str, party: str) -> dict[str, Any]:
    """The SLA view as `party` reads it, once the SLA monitor has seen every incident event."""
    await village.caught_up()
    async with village.sla_as(party) as client:
        r = await client.get(f"/incidents/{iid}/sla")
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_linked_incident_waits_in_the_providers_outage_queue_and_returns_on_unlink(
    village: Village,
) -> None:
    iid = await village.open(severity="S3", product="routers")
    await village.at_tier(iid, "northwind", "L1")
    assert await queued(village, "northwind", "L1") == [iid]

    # ---- acme declares an outage of its routers; northwind links its incident at minute 10.
    await village.move_to(minutes(5))
    outage = await incidents_call(
        village,
        "acme",
        "POST",
        "/provider-incidents",
        {
            "title": "Router firmware 7.2 drops IPsec tunnels",
            "description": "Tunnels drop after rekeying.",
            "products": ["routers"],
            "impacted_services": ["site-to-site VPN"],
            "severity": "S1",
        },
    )
    oid = outage["id"]
    tier = f"outage:{oid}"
    await village.move_to(minutes(10))
    await incidents_call(
        village, "northwind", "POST", f"/provider-incidents/{oid}/links", {"incident_id": iid}
    )

    async def in_outage_queue() -> dict[str, Any] | None:
        path = await village.escalations(iid)
        current = path["current"] or {}
        return path if (current.get("party"), current.get("tier")) == ("acme", tier) else None

    path = await eventually(in_outage_queue, timeout=30, what=f"{iid} in acme's {tier}")
    marker = path["path"][-1]
    assert (marker["party"], marker["tier"], marker["decision_id"]) == ("acme", tier, None)
    assert [(d["to"]["party"], d["to"]["tier"]) for d in path["decisions"]] == [("northwind", "L1")]
    queues = await escalation_get(village, "acme", "/queues")
    assert {"party": "acme", "tier": tier} in [
        {"party": q["party"], "tier": q["tier"]} for q in queues["items"]
    ]
    assert await queued(village, "acme", tier) == [iid]
    assert await queued(village, "northwind", "L1") == []

    # A manual request is refused, naming the outage; nothing is decided.
    async with village.escalation_as("northwind") as northwind:
        refused = await northwind.post(f"/incidents/{iid}/escalations", json={"reason": "please"})
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert oid in refused.json()["detail"]

    # The ball is acme's, for the outage: to northwind (the underpinning contract's owing side)
    # and to initech (the customer-facing contract's supplier side) alike.
    for party in ("northwind", "initech"):
        view = await held_by(village, iid, party)
        assert view["held_by_now"] == {"party": "acme", "tier": tier}, party
    northwind_view = await held_by(village, iid, "northwind")
    contracts = {c["contract_id"]: c for c in northwind_view["contracts"]}
    assert contracts["initech-northwind"]["ball"] == {"side": "owing", "party": "northwind"}

    # ---- held well past L1's 30 minute acknowledgement policy: nothing moves it.
    await village.move_to(minutes(50))
    await village.caught_up()
    still = await village.escalations(iid)
    assert (still["current"]["party"], still["current"]["tier"]) == ("acme", tier)
    assert len(still["decisions"]) == 1

    # ---- northwind unlinks at minute 50: back at its L1, and the ladder resumes from there.
    async with village.incidents_as("northwind") as client:
        r = await client.request(
            "DELETE",
            f"/provider-incidents/{oid}/links/{iid}",
            json={"reason": "not the firmware: a bad cable"},
        )
    assert r.status_code == 200, r.text
    back = await village.at_tier(iid, "northwind", "L1")
    returned = back["path"][-1]
    assert (returned["party"], returned["tier"], returned["decision_id"]) == (
        "northwind",
        "L1",
        None,
    )
    assert await queued(village, "northwind", "L1") == [iid]
    assert await queued(village, "acme", tier) == []
    view = await held_by(village, iid, "northwind")
    assert view["held_by_now"] == {"party": "northwind", "tier": "L1"}

    # The acknowledgement policy runs from the unlink (minute 50): not at 79, at 80.
    await village.move_to(minutes(79))
    await village.caught_up()
    assert len((await village.escalations(iid))["decisions"]) == 1
    await village.move_to(minutes(80))
    moved = await village.at_tier(iid, "northwind", "L2")
    assert [(d["trigger"], d["to"]["tier"]) for d in moved["decisions"]][1] == (
        "ack_timeout",
        "L2",
    )


async def test_a_cancelled_outage_sends_its_incident_back_to_the_ladder_with_its_reason(
    village: Village,
) -> None:
    """acme cancels the outage at minute 20: the fan-out tells initech why (a shared note from
    acme) and unlinks the incident (`outage_cancelled`); it leaves acme's queue of the outage
    and is back at northwind L1, whose acknowledgement policy runs from the unlink."""
    iid = await village.open(severity="S3", product="routers")
    await village.at_tier(iid, "northwind", "L1")
    await village.move_to(minutes(5))
    outage = await incidents_call(
        village,
        "acme",
        "POST",
        "/provider-incidents",
        {"title": "Router firmware 7.2", "products": ["routers"], "severity": "S1"},
    )
    oid, tier = outage["id"], f"outage:{outage['id']}"
    await village.move_to(minutes(10))
    await incidents_call(
        village, "northwind", "POST", f"/provider-incidents/{oid}/links", {"incident_id": iid}
    )

    async def in_outage_queue() -> list[str] | None:
        return await queued(village, "acme", tier) or None

    await eventually(in_outage_queue, timeout=30, what=f"{iid} in acme's {tier}")

    await village.move_to(minutes(20))
    reason = "False alarm: a monitoring probe misread the tunnels"
    await incidents_call(
        village, "acme", "POST", f"/provider-incidents/{oid}/cancel", {"reason": reason}
    )
    back = await village.at_tier(iid, "northwind", "L1")
    assert back["path"][-1]["decision_id"] is None
    assert await queued(village, "acme", tier) == []
    view = await incidents_call(village, "initech", "GET", f"/incidents/{iid}")
    assert view["outage_id"] is None
    [note] = [n for n in view["notes"] if n["author_party"] == "acme"]
    assert reason in note["body"] and note["visibility"] == "shared"

    # Back on the ladder from the unlink (minute 20): L1's 30 minutes end at 50, not before.
    await village.move_to(minutes(49))
    await village.caught_up()
    assert len((await village.escalations(iid))["decisions"]) == 1
    await village.move_to(minutes(50))
    await village.at_tier(iid, "northwind", "L2")
