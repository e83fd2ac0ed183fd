"""The SLA along a four-party chain, end to end in simulated time: the incidents service and the SLA
monitor on one ManualClock (simulated.py), real PostgreSQL and broker, the demo web's parties,
supplies and contracts. litware raises an incident to fabrikam for acme-cloud; fabrikam hands it
to northwind, northwind to acme. Each link's contract runs from the hand-off to its supplier, the
ball is attributed along the whole chain, the chain check covers every pair of adjacent links, and
each party sees only its own links."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from e2e_support import IncidentTopicReader
from schema_check import assert_valid_cloudevent
from simulated import Village
from sqlalchemy import text

from village_devstack import demo
from village_platform.clock import ManualClock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday; the demo contracts are 24x7
LF, FN, NA = "litware-fabrikam", "fabrikam-northwind", "northwind-acme"
LINKS = {LF: ("fabrikam", "litware"), FN: ("northwind", "fabrikam"), NA: ("acme", "northwind")}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
async def web(stack: Any, process_globals: None) -> AsyncIterator[Village]:
    env = Village(stack, ManualClock(T0))
    await env.start()
    try:
        await env.seed_supplies()
        yield env
    finally:
        await env.close()


async def sla_as(web: Village, party: str | None, incident_id: str) -> dict[str, Any]:
    """The incident's SLA as `party` reads it (None: as a Village service, everything)."""
    token = demo.service_token() if party is None else demo.token(party)
    async with web.client("sla", token) as client:
        r = await client.get(f"/incidents/{incident_id}/sla")
    assert r.status_code == 200, r.text
    return r.json()


async def read(web: Village, party: str | None, path: str) -> Any:
    token = demo.service_token() if party is None else demo.token(party)
    async with web.client("sla", token) as client:
        r = await client.get(path)
    assert r.status_code == 200, r.text
    return r.json()


def links(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["contract_id"]: c for c in view["contracts"]}


def clock(link: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in link["clocks"] if c["clock"] == name)


def held(link: dict[str, Any]) -> dict[tuple[str | None, str | None, str], float]:
    return {(h["party"], h["tier"], h["side"]): h["business_seconds"] for h in link["held"]}


async def walk_the_chain(web: Village) -> str:
    """fabrikam holds 0-20 min, northwind (L2) 20-40, acme (TAC L2) 40-60, litware (pending the
    customer) 60-90, acme 90-120; each supplier acknowledges 5 minutes after its hand-off. The
    checks on the way: a link's clocks start at the hand-off to its supplier, not before."""
    iid = await web.open(
        "fabrikam", customer="litware", product="acme-cloud", severity="S1", external_refs=[]
    )
    await web.move_to(at(5))
    assert list(links(await sla_as(web, None, iid))) == [LF]
    for party in ("northwind", "acme"):  # on the chain, but no link of theirs handed on yet
        assert (await sla_as(web, party, iid))["contracts"] == []
    await web.command("fabrikam", iid, "acknowledge", {})

    await web.move_to(at(20))
    await web.command(
        "fabrikam", iid, "escalate", {"to_party": "northwind", "to_tier": "L2", "reason": "cloud"}
    )
    await web.move_to(at(25))
    handed = links(await sla_as(web, None, iid))
    assert list(handed) == [LF, FN]
    respond = clock(handed[FN], "respond")  # northwind's 30 minutes run from the hand-off
    assert (respond["state"], respond["due_at"]) == ("running", at(50).isoformat())
    assert (await sla_as(web, "acme", iid))["contracts"] == []
    await web.command("northwind", iid, "acknowledge", {})

    await web.move_to(at(40))
    await web.command(
        "northwind", iid, "escalate", {"to_party": "acme", "to_tier": "TAC L2", "reason": "fault"}
    )
    await web.move_to(at(45))
    respond = clock(links(await sla_as(web, "acme", iid))[NA], "respond")
    assert (respond["state"], respond["due_at"]) == ("running", at(70).isoformat())
    await web.command("acme", iid, "acknowledge", {})

    await web.move_to(at(60))
    await web.command("acme", iid, "status", {"status": "pending_customer", "reason": "logs"})
    await web.move_to(at(70))
    waiting = links(await sla_as(web, None, iid))
    assert [clock(waiting[c], "resolve")["state"] for c in LINKS] == ["paused"] * 3
    # While the customer has it, the ball is on the buyer's side of every link.
    assert [waiting[c]["ball"] for c in LINKS] == [
        {"side": "owed", "party": "litware"},
        {"side": "owed", "party": "fabrikam"},
        {"side": "owed", "party": "northwind"},
    ]

    await web.move_to(at(90))
    await web.command("litware", iid, "notes", {"body": "logs attached", "visibility": "shared"})
    await web.command("acme", iid, "status", {"status": "in_progress"})
    await web.move_to(at(120))
    return iid


async def test_every_link_runs_its_contract_and_the_ball_is_attributed_along_the_chain(
    web: Village,
) -> None:
    iid = await walk_the_chain(web)
    view = links(await sla_as(web, None, iid))
    assert list(view) == [LF, FN, NA]
    for contract_id, (owing, owed) in LINKS.items():
        link = view[contract_id]
        assert (link["owing_party"], link["owed_party"]) == (owing, owed), contract_id
    # Each link's clocks from the hand-off to its supplier (the first link from the opening).
    assert [view[c]["started_at"] for c in LINKS] == [
        T0.isoformat(),
        at(20).isoformat(),
        at(40).isoformat(),
    ]
    for contract_id, started in ((FN, at(20)), (NA, at(40))):
        assert {c["started_at"] for c in view[contract_id]["clocks"]} == {started.isoformat()}
    # Each supplier responded for its own link, five minutes after it got the incident.
    for contract_id in LINKS:
        respond = clock(view[contract_id], "respond")
        assert (respond["outcome"], respond["elapsed_seconds"]) == ("met", 300.0), contract_id
    # Resolution runs on every link but for the 30 minutes pending the customer.
    assert [clock(view[c], "resolve")["elapsed_seconds"] for c in LINKS] == [
        90 * 60.0,
        70 * 60.0,
        50 * 60.0,
    ]
    # The ball: who held the incident, on which side of each link, from that link's start.
    assert held(view[LF]) == {
        ("fabrikam", None, "owing"): 1200.0,
        ("northwind", "L2", "owing"): 1200.0,
        ("acme", "TAC L2", "owing"): 3000.0,
        ("litware", None, "owed"): 1800.0,
    }
    assert held(view[FN]) == {
        ("northwind", "L2", "owing"): 1200.0,
        ("acme", "TAC L2", "owing"): 3000.0,
        ("litware", None, "owed"): 1800.0,
    }
    assert held(view[NA]) == {
        ("acme", "TAC L2", "owing"): 3000.0,
        ("litware", None, "owed"): 1800.0,
    }
    assert [view[c]["held_by_side"] for c in LINKS] == [
        {"owing": 5400.0, "owed": 1800.0},
        {"owing": 4200.0, "owed": 1800.0},
        {"owing": 3000.0, "owed": 1800.0},
    ]
    assert [view[c]["ball"] for c in LINKS] == [
        {"side": "owing", "party": "fabrikam"},
        {"side": "owing", "party": "northwind"},
        {"side": "owing", "party": "acme"},
    ]

    # Each party sees the links it is a party to, and nothing of the others.
    seen = {p: await sla_as(web, p, iid) for p in ("litware", "fabrikam", "northwind", "acme")}
    assert {p: list(links(v)) for p, v in seen.items()} == {
        "litware": [LF],
        "fabrikam": [LF, FN],
        "northwind": [FN, NA],
        "acme": [NA],
    }
    litware = json.dumps(seen["litware"])
    assert "northwind" not in litware and FN not in litware and NA not in litware
    # litware's link as it may have it: northwind's part of the ball unnamed, the rest as is.
    assert held(links(seen["litware"])[LF]) == {
        (None, None, "owing"): 1200.0,
        ("acme", "TAC L2", "owing"): 3000.0,
        ("litware", None, "owed"): 1800.0,
        ("fabrikam", None, "owing"): 1200.0,
    }
    assert LF not in json.dumps(seen["acme"]) and FN not in json.dumps(seen["acme"])
    assert links(seen["northwind"])[NA] == view[NA]  # the parties of a link see it whole
    for party, mine in (("litware", {LF}), ("acme", {NA}), ("fabrikam", {LF, FN})):
        contracts = {c["id"] for c in (await read(web, party, "/contracts"))["items"]}
        assert contracts & set(LINKS) == mine, party

    # On the SLA topic (the provider's tooling channel) each clock event names its link's two
    # parties only, and acme's tooling gets the links it is not a party to as bare facts.
    async with web.sla.state.engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT count(*) FROM events WHERE stream_id = :s"), {"s": iid}
        )
    async with IncidentTopicReader(
        web.stack.kafka_bootstrap, web.sla_settings.topic("village.sla.v1")
    ) as reader:
        records = (await reader.collect({iid: stored}))[iid]
    whole = set()
    for r in records:
        data = assert_valid_cloudevent(r.headers, r.key, r.value)
        headers = {k: v.decode() for k, v in r.headers}
        assert tuple(sorted(headers["ce_parties"].split())) in {
            tuple(sorted(p)) for p in LINKS.values()
        }
        if headers.get("ce_redacted") != "true":
            whole.add(data["contract_id"])
    assert whole == {NA}


async def test_the_chain_check_covers_every_pair_of_adjacent_links_for_its_middle_party(
    web: Village,
) -> None:
    """litware-fabrikam promises more than fabrikam-northwind backs (every target, by half);
    fabrikam-northwind is carried by northwind-acme (the same targets, both 24x7)."""
    every = {
        (i["customer_facing"], i["underpinning"]): i
        for i in (await read(web, None, "/chains"))["items"]
    }
    front, back = every[(LF, FN)], every[(FN, NA)]
    assert (front["chain"], back["chain"]) == (
        ["litware", "fabrikam", "northwind"],
        ["fabrikam", "northwind", "acme"],
    )
    assert not front["supported"]
    assert {(s["severity"], s["clock"], s["shortfall_minutes"]) for s in front["shortfalls"]} == {
        ("S1", "respond", 15),
        ("S1", "resolve", 240),
        ("S2", "respond", 60),
        ("S2", "resolve", 480),
        ("S3", "respond", 240),
        ("S3", "resolve", 1440),
        ("S4", "respond", 480),
        ("S4", "resolve", 4800),
    }
    assert back["supported"] and back["shortfalls"] == []

    def pairs(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(i["customer_facing"], i["underpinning"]) for i in items}

    # Only the middle party of two links sees them: never its customer nor its supplier.
    assert pairs((await read(web, "fabrikam", "/chains"))["items"]) == {(LF, FN)}
    assert (FN, NA) in pairs((await read(web, "northwind", "/chains"))["items"])
    assert (LF, FN) not in pairs((await read(web, "northwind", "/chains"))["items"])
    assert (await read(web, "litware", "/chains"))["items"] == []
    assert (await read(web, "acme", "/chains"))["items"] == []
