"""A cancelled provider incident announces itself, on a real PostgreSQL: every incident linked
when it was cancelled gets the provider's reason as a shared note and is unlinked
(`outage_cancelled`) on both streams, exactly once, through the fan-out; one closed meanwhile is
unlinked without a note; one unlinked before gets nothing; the rebuild gives the same links."""

from __future__ import annotations

from typing import Any

import pytest
import test_provider_incidents as base
from incidents_support import World
from test_outage_fanout import linked_outage, notes_from_acme, updates
from test_provider_incidents import Outages, as_

from village_incidents import cancellation, fanout
from village_incidents.domain import commands as c
from village_incidents.fanout import FanOut
from village_incidents.rebuild import rebuild

world = base.world
outages = base.outages
REASON = "False alarm: a monitoring probe misread the tunnels"


@pytest.fixture(autouse=True)
async def nothing_left_behind(world: World) -> Any:
    await FanOut(world.writes, world.handlers).drain(10_000)
    yield


async def test_a_cancellation_tells_and_unlinks_every_linked_incident_once(
    world: World, outages: Outages
) -> None:
    oid, (a, b, closed, gone) = await linked_outage(world, outages, n=4)
    await world.do("northwind", closed, c.ChangeStatus("resolved", None, "fixed", "restarted"))
    await world.do("initech", closed, c.ChangeStatus("closed"))
    await outages.unlink("contoso", oid, gone, "not this outage")
    cancelled = await outages.handlers.cancel(as_("acme"), oid, c.CancelOutage(REASON), None)
    assert cancelled.body["status"] == "cancelled"
    [queued] = await updates(outages, "acme", oid)
    assert (queued["kind"], queued["total"], queued["delivered"]) == ("cancellation", 3, 0)
    assert queued["update_id"] == fanout.cancellation_update_id(oid)

    worker = FanOut(world.writes, world.handlers, per_transaction=10)
    assert await worker.drain(100) == 3
    assert await worker.drain(100) == 0
    for iid in (a, b):
        [note] = await notes_from_acme(world, iid)
        assert note.data["body"] == cancellation.note_body("acme", REASON)
        assert note.data["note_visibility"] == "shared"
        assert note.metadata["acting_for"] == "acme" and note.metadata["fanout"] == "cancel"
    assert await notes_from_acme(world, closed) == []  # closed: no note, but unlinked
    assert await notes_from_acme(world, gone) == []
    for iid in (a, b, closed):
        last = (await world.events(iid))[-1]
        assert (last.type, last.data["reason"]) == (
            "village.incident.outage_unlinked.v1",
            "outage_cancelled",
        )
        async with world.engine.connect() as conn:
            assert (await world.handlers.load(conn, iid)).outage_id is None
    unlinked = [ev for ev in await outages.events(oid) if ev.type.endswith(".unlinked.v1")]
    by_incident = {ev.data["incident_id"]: ev for ev in unlinked}
    assert set(by_incident) == {a, b, closed, gone}
    for iid in (a, b, closed):
        ev = by_incident[iid]
        assert (ev.data["reason"], ev.data["unlinked_by"]) == ("outage_cancelled", "acme")
    # Each unlink is for the provider and the parties working that incident only.
    assert "contoso" not in by_incident[a].metadata["parties"]
    assert "northwind" not in by_incident[b].metadata["parties"]
    [done] = await updates(outages, "acme", oid)
    assert (done["delivered"], done["total"]) == (3, 3)
    links = await world.table(
        "SELECT incident_id, unlink_reason FROM provider_incident_links"
        f" WHERE outage_id = '{oid}' AND unlinked_at IS NOT NULL"
    )
    assert dict(links) == {
        a: "outage_cancelled",
        b: "outage_cancelled",
        closed: "outage_cancelled",
        gone: "not this outage",
    }
    # The outage counts no incident linked any more.
    [(linked,)] = await world.table(f"SELECT linked FROM provider_incidents WHERE id = '{oid}'")
    assert linked == 0


async def test_a_cancellation_queues_nothing_when_nothing_is_linked(
    world: World, outages: Outages
) -> None:
    oid = (await outages.declare())["id"]
    await outages.handlers.cancel(as_("acme"), oid, c.CancelOutage(REASON), None)
    [queued] = await updates(outages, "acme", oid)
    assert (queued["total"], queued["delivered"]) == (0, 0)
    assert await FanOut(world.writes, world.handlers).drain(100) == 0


async def test_the_rebuild_gives_the_same_links(world: World) -> None:
    """After the tests above: links ended by the cancellation, re-derived from the events."""
    links = (
        "SELECT outage_id, incident_id, unlinked_at, unlink_reason, resolution"
        " FROM provider_incident_links ORDER BY outage_id, incident_id"
    )
    before = await world.table(links)
    assert any(r[3] == "outage_cancelled" for r in before)
    await rebuild(world.settings)
    assert await world.table(links) == before
