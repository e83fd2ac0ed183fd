"""The provider incident's resolution on a real PostgreSQL: every linked incident still open is
resolved by the provider (the outage's code and notes) and its requester asked to confirm, once;
a close confirms, a reopen rejects and unlinks (both streams, `rejected`); the confirmations
read gives the provider counts per partner and a partner its own; a requester still waiting is
reminded once after the quiet period, and auto-close applies to what the outage resolved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import test_provider_incidents as base
from incidents_support import World
from test_outage_fanout import linked_outage, notes_from_acme
from test_provider_incidents import Outages, as_, open_incident, refused, who

from village_incidents import autoclose, fanout
from village_incidents.domain import commands as c
from village_incidents.fanout import FanOut
from village_incidents.rebuild import rebuild

world = base.world
outages = base.outages
RESOLVE = c.ResolveOutage("fixed", "Firmware 7.2.1 fixes the rekeying timer", "Upgrade to 7.2.1")


async def confirmations(outages: Outages, party: str, oid: str) -> dict[str, Any]:
    async with outages.world.engine.connect() as conn:
        return await outages.handlers.reads.confirmations(conn, oid, who(party))


async def incident(world: World, iid: str) -> Any:
    async with world.engine.connect() as conn:
        return await world.handlers.load(conn, iid)


async def resolution_code(world: World, iid: str) -> str | None:
    resolved = [ev for ev in await world.events(iid) if ev.type == "village.incident.resolved.v1"]
    return resolved[-1].data["resolution_code"] if resolved else None


@pytest.fixture(autouse=True)
async def nothing_left_behind(world: World) -> Any:
    await FanOut(world.writes, world.handlers).drain(10_000)
    yield


async def test_a_resolution_is_confirmed_or_rejected_per_requester(
    world: World, outages: Outages
) -> None:
    oid, (a, b, c_) = await linked_outage(world, outages, n=3)  # northwind, contoso, northwind
    await refused(403, outages.handlers.resolve(as_("northwind"), oid, RESOLVE, None))
    resolved = await outages.handlers.resolve(as_("acme"), oid, RESOLVE, None)
    assert resolved.body["status"] == "resolved"
    await refused(409, outages.handlers.resolve(as_("acme"), oid, RESOLVE, None))
    worker = FanOut(world.writes, world.handlers)
    assert await worker.drain(100) == 3
    for iid in (a, b, c_):
        assert (await incident(world, iid)).status == "resolved", iid
        assert await resolution_code(world, iid) == "fixed"
        [ask] = await notes_from_acme(world, iid)
        assert ask.data["note_visibility"] == "shared" and "confirm" in ask.data["body"]
        resolution = [ev for ev in await world.events(iid) if ev.type.endswith(".resolved.v1")]
        assert resolution[0].metadata["acting_for"] == "acme"
    waiting = {"confirmed": 0, "rejected": 0}
    assert (await confirmations(outages, "acme", oid))["partners"] == [
        {"partner": "contoso", **waiting, "waiting": 1},
        {"partner": "northwind", **waiting, "waiting": 2},
    ]
    # initech confirms (closes); umbrella rejects (reopens with a reason).
    await world.do("initech", a, c.ChangeStatus("closed"))
    await world.do("umbrella", b, c.ChangeStatus("reopened", "tunnels still drop"))
    assert (await incident(world, b)).outage_id is None
    [unlinked] = [ev for ev in await outages.events(oid) if ev.type.endswith("unlinked.v1")]
    assert (unlinked.data["incident_id"], unlinked.data["reason"]) == (b, "rejected")
    assert unlinked.data["unlinked_by"] == "umbrella"
    on_b = (await world.events(b))[-1]
    assert (on_b.type, on_b.data["reason"]) == ("village.incident.outage_unlinked.v1", "rejected")
    assert (await confirmations(outages, "acme", oid))["partners"] == [
        {"partner": "contoso", "confirmed": 0, "rejected": 1, "waiting": 0},
        {"partner": "northwind", "confirmed": 1, "rejected": 0, "waiting": 1},
    ]
    northwind = await confirmations(outages, "northwind", oid)
    assert [p["partner"] for p in northwind["partners"]] == ["northwind"]
    assert northwind["incidents"] == [
        {"incident_id": a, "resolution": "confirmed"},
        {"incident_id": c_, "resolution": "waiting"},
    ]
    assert b not in str(northwind)
    await refused(404, confirmations(outages, "initech", oid))

    # Still waiting after the quiet period: reminded once. Then auto-close confirms it.
    assert await worker.remind() == 0
    world.clock.advance(timedelta(seconds=fanout.REMIND_AFTER_SECONDS + 1))
    assert await worker.remind() == 1
    assert await worker.remind() == 0
    notes = [n.data["body"] for n in await notes_from_acme(world, c_)]
    assert len(notes) == 2 and notes[1].startswith("Reminder:")
    assert len(await notes_from_acme(world, a)) == 1
    world.clock.advance(timedelta(hours=120))
    assert await autoclose.close_quiet_incidents(world.handlers, 120) >= 1
    assert (await incident(world, c_)).status == "closed"
    counts = (await confirmations(outages, "acme", oid))["partners"]
    assert counts[1] == {"partner": "northwind", "confirmed": 2, "rejected": 0, "waiting": 0}


async def test_an_incident_resolved_before_is_left_as_it_is(world: World, outages: Outages) -> None:
    oid, (a, b) = await linked_outage(world, outages, n=2)
    resolve = c.ChangeStatus("resolved", None, "workaround", "restarted the router")
    await world.do("northwind", a, resolve)
    await outages.handlers.resolve(as_("acme"), oid, RESOLVE, None)
    await FanOut(world.writes, world.handlers).drain(100)
    assert await resolution_code(world, a) == "workaround"
    assert await notes_from_acme(world, a) == []
    assert await resolution_code(world, b) == "fixed"
    assert (await confirmations(outages, "acme", oid))["partners"] == [
        {"partner": "contoso", "confirmed": 0, "rejected": 0, "waiting": 1}
    ]


async def test_only_the_requesters_reopen_rejects_the_resolution(
    world: World, outages: Outages
) -> None:
    """The requester (the customer, or whoever opened the incident: who is asked to confirm)
    rejects by reopening. The provider taking its resolution back, or the owning partner
    reopening the incident a customer opened, leaves it linked and waiting for the requester's
    answer, which counts once the incident is resolved again."""
    oid, (a, b) = await linked_outage(world, outages, n=2)  # northwind's (it opened a), contoso's
    c_ = await open_incident(world, "initech", None)  # initech opened it: initech the requester
    await outages.link("northwind", oid, c_)
    await outages.handlers.resolve(as_("acme"), oid, RESOLVE, None)
    await FanOut(world.writes, world.handlers).drain(100)

    await world.do("acme", a, c.ChangeStatus("reopened", "the fix is not rolled out here"))
    await world.do("northwind", c_, c.ChangeStatus("reopened", "initech's branch still drops"))
    for iid in (a, c_):
        assert (await incident(world, iid)).outage_id == oid
    assert [ev for ev in await outages.events(oid) if ev.type.endswith("unlinked.v1")] == []
    assert (await confirmations(outages, "northwind", oid))["incidents"] == [
        {"incident_id": a, "resolution": "waiting"},
        {"incident_id": c_, "resolution": "waiting"},
    ]
    # Resolved again: northwind (a's requester) confirms, initech (c's) rejects.
    for by, iid in (("acme", a), ("northwind", c_)):
        await world.do(by, iid, c.ChangeStatus("resolved", None, "fixed", "rolled out"))
    await world.do("northwind", a, c.ChangeStatus("closed"))
    await world.do("initech", c_, c.ChangeStatus("reopened", "still drops"))
    assert (await incident(world, c_)).outage_id is None
    [unlinked] = [ev for ev in await outages.events(oid) if ev.type.endswith("unlinked.v1")]
    assert (unlinked.data["incident_id"], unlinked.data["unlinked_by"]) == (c_, "initech")
    assert (await confirmations(outages, "acme", oid))["partners"] == [
        {"partner": "contoso", "confirmed": 0, "rejected": 0, "waiting": 1},
        {"partner": "northwind", "confirmed": 1, "rejected": 1, "waiting": 0},
    ]
    assert b not in str(await confirmations(outages, "northwind", oid))


async def test_the_rebuild_gives_the_same_confirmations(world: World) -> None:
    """After the tests above: confirmed, rejected, waiting and reminded links, re-derived from
    the events as the live path wrote them."""
    links = (
        "SELECT outage_id, incident_id, resolution, resolved_at, reminded_at, unlink_reason"
        " FROM provider_incident_links ORDER BY outage_id, incident_id"
    )
    before = await world.table(links)
    assert {r[2] for r in before} >= {"confirmed", "rejected", "waiting"}
    assert any(r[4] for r in before)
    await rebuild(world.settings)
    assert await world.table(links) == before
