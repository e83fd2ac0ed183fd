"""The provider incident's fan-out on a real PostgreSQL: an update (or a status message) reaches
every incident linked when it was posted as one note from the provider, exactly once, whether
the request is retried, two workers race, or the worker stops mid-way and another resumes; the
progress view counts what is delivered."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import pytest
import test_provider_incidents as base
from incidents_support import World
from test_provider_incidents import Outages, as_, open_incident, refused, who

from village_devstack.waiting import eventually
from village_incidents import fanout
from village_incidents.domain import commands as c
from village_incidents.fanout import FanOut
from village_incidents.outages import OutageHandlers
from village_platform.writes import Written

# The outage tests' world (a database of this module's own) and handlers.
world = base.world
outages = base.outages


async def linked_outage(world: World, outages: Outages, n: int = 3) -> tuple[str, list[str]]:
    """An outage of acme with `n` incidents linked: northwind's and contoso's, alternately."""
    oid = (await outages.declare())["id"]
    owners = (("northwind", "initech"), ("contoso", "umbrella"))
    incidents = []
    for i in range(n):
        partner, customer = owners[i % 2]
        iid = await open_incident(world, partner, customer)
        await outages.link(partner, oid, iid)
        incidents.append(iid)
    return oid, incidents


async def post(
    outages: Outages, oid: str, body: str, audience: str = "partners", key: str | None = None
) -> Written:
    cmd = c.PostOutageUpdate(fanout_id(), body, audience)
    made = {"body": body, "audience": audience}
    return await outages.handlers.post_update(as_("acme", key=key, body=made), oid, cmd)


def fanout_id() -> str:
    return str(uuid.uuid4())


async def notes_from_acme(world: World, iid: str) -> list[Any]:
    return [
        ev
        for ev in await world.events(iid)
        if ev.type == "village.incident.note_added.v1" and ev.data["author_party"] == "acme"
    ]


async def updates(outages: Outages, party: str, oid: str) -> list[dict[str, Any]]:
    async with outages.world.engine.connect() as conn:
        return (await outages.handlers.reads.updates(conn, oid, who(party)))["items"]


async def test_an_update_reaches_every_linked_incident_once_even_when_retried(
    world: World, outages: Outages
) -> None:
    oid, incidents = await linked_outage(world, outages)
    first = await post(outages, oid, "Fix in test", key="u-1")
    assert first.status_code == 201 and not first.replayed
    assert (first.body["total"], first.body["delivered"]) == (3, 0)
    again = await post(outages, oid, "Fix in test", key="u-1")
    assert again.replayed and again.body["update_id"] == first.body["update_id"]
    posted = [ev for ev in await outages.events(oid) if ev.type.endswith("update_posted.v1")]
    assert len(posted) == 1
    assert posted[0].data["total"] == 3 and posted[0].data["audience"] == "partners"
    assert posted[0].metadata["parties"] == ["acme", "contoso", "northwind"]
    worker = FanOut(world.writes, world.handlers)
    assert await worker.drain(100) == 3
    assert await worker.drain(100) == 0
    update_id = first.body["update_id"]
    for iid in incidents:
        notes = await notes_from_acme(world, iid)
        assert len(notes) == 1, iid
        note = notes[0]
        assert note.data["note_id"] == fanout.note_id_for(update_id, iid)
        assert (note.data["body"], note.data["note_visibility"]) == ("Fix in test", "restricted")
        assert "initech" not in note.metadata["parties"]
        assert "umbrella" not in note.metadata["parties"]
        # The provider acted, through this service, for this update: the audit says so.
        meta = note.metadata
        assert (meta["actor_party"], meta["actor_kind"], meta["acting_for"]) == (
            "acme",
            "service",
            "acme",
        )
        assert (meta["outage_id"], meta["update_id"]) == (oid, update_id)
    seen = await updates(outages, "northwind", oid)
    assert [(u["update_id"], u["delivered"], u["total"]) for u in seen] == [(update_id, 3, 3)]
    await refused(404, updates(outages, "initech", oid))


async def test_two_workers_racing_deliver_each_note_once(world: World, outages: Outages) -> None:
    oid, incidents = await linked_outage(world, outages, n=12)
    await post(outages, oid, "Workaround: disable rekeying", audience="customers")
    one, two = FanOut(world.writes, world.handlers), FanOut(world.writes, world.handlers)
    taken = await asyncio.gather(one.drain(100), two.drain(100))
    assert sum(taken) == 12
    for iid in incidents:
        notes = await notes_from_acme(world, iid)
        assert [n.data["note_visibility"] for n in notes] == ["shared"], iid
        assert (
            "initech" in notes[0].metadata["parties"] or "umbrella" in notes[0].metadata["parties"]
        )


async def test_a_stopped_fan_out_resumes_where_it_was(world: World, outages: Outages) -> None:
    oid, incidents = await linked_outage(world, outages, n=5)
    written = await post(outages, oid, "Rolling out 7.2.1")
    update_id = written.body["update_id"]
    assert await FanOut(world.writes, world.handlers).drain(2) == 2
    assert [u["delivered"] for u in await updates(outages, "acme", oid)] == [2]
    # Another worker (the service restarted) takes what is left, and only that.
    assert await FanOut(world.writes, world.handlers).drain(100) == 3
    counts: Counter[str] = Counter()
    for iid in incidents:
        counts[iid] = len(await notes_from_acme(world, iid))
    assert set(counts.values()) == {1}
    assert [(u["update_id"], u["delivered"]) for u in await updates(outages, "acme", oid)] == [
        (update_id, 5)
    ]


async def test_a_status_message_reaches_the_customers_and_an_unlinked_incident_gets_nothing(
    world: World, outages: Outages
) -> None:
    oid, (a, b) = await linked_outage(world, outages, n=2)
    await outages.handlers.change_status(
        as_("acme"), oid, c.ChangeOutageStatus("identified", "A rekeying timer in 7.2"), None
    )
    await outages.unlink("contoso", oid, b, "not this outage")
    await FanOut(world.writes, world.handlers).drain(100)
    [note] = await notes_from_acme(world, a)
    assert note.data["body"] == "identified: A rekeying timer in 7.2"
    assert note.data["note_visibility"] == "shared" and "initech" in note.metadata["parties"]
    assert await notes_from_acme(world, b) == []
    [status] = await updates(outages, "acme", oid)
    assert (status["kind"], status["audience"], status["total"], status["delivered"]) == (
        "status",
        "customers",
        2,
        2,
    )


async def test_a_delivery_that_fails_holds_up_no_other_and_is_delivered_once_it_can_be(
    world: World, outages: Outages
) -> None:
    oid, (a, b, c_) = await linked_outage(world, outages, n=3)
    # a's history cannot be read (an event of a type no code knows): its delivery fails.
    await world.execute(
        "INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata,"
        f" recorded_at, published_at) VALUES (gen_random_uuid(), '{a}', 100, 'village.bogus.v1',"
        " '{}', '{}', now(), now())"
    )
    await post(outages, oid, "Rolling out 7.2.1")
    worker = FanOut(world.writes, world.handlers)
    taken = [await worker.deliver_one() for _ in range(4)]
    assert taken == [False, True, True, False]  # a failed and waited behind b and c, then again
    assert [len(await notes_from_acme(world, i)) for i in (a, b, c_)] == [0, 1, 1]
    [progress] = await updates(outages, "acme", oid)
    assert (progress["delivered"], progress["total"]) == (2, 3)
    await world.execute(f"DELETE FROM events WHERE stream_id = '{a}' AND stream_version = 100")
    assert await worker.drain(100) == 1
    assert [len(await notes_from_acme(world, i)) for i in (a, b, c_)] == [1, 1, 1]


async def test_a_batch_delivers_around_a_refused_and_a_failing_incident(
    world: World, outages: Outages
) -> None:
    """Many deliveries per transaction: b was closed meanwhile (its delivery is refused and
    dropped), c cannot be loaded (the batch fails, is taken again one by one, and c waits
    behind the others); a and d get the update once, c once it can."""
    oid, (a, b, c_, d) = await linked_outage(world, outages, n=4)
    await world.do("contoso", b, c.ChangeStatus("resolved", None, "fixed", "restarted"))
    await world.do("umbrella", b, c.ChangeStatus("closed"))
    await world.execute(
        "INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata,"
        f" recorded_at, published_at) VALUES (gen_random_uuid(), '{c_}', 100, 'village.bogus.v1',"
        " '{}', '{}', now(), now())"
    )
    await post(outages, oid, "Rolling out 7.2.1")
    worker = FanOut(world.writes, world.handlers, per_transaction=10)
    assert await worker.drain(100) == 3  # a, b (dropped) and d; then c alone, failing again
    assert [len(await notes_from_acme(world, i)) for i in (a, b, c_, d)] == [1, 0, 0, 1]
    [progress] = await updates(outages, "acme", oid)
    assert (progress["delivered"], progress["total"]) == (3, 4)
    await world.execute(f"DELETE FROM events WHERE stream_id = '{c_}' AND stream_version = 100")
    assert await worker.drain(100) == 1
    assert [len(await notes_from_acme(world, i)) for i in (a, b, c_, d)] == [1, 0, 1, 1]


async def test_two_updates_in_one_batch_reach_each_incident_in_order_in_one_transaction(
    world: World, outages: Outages
) -> None:
    oid, incidents = await linked_outage(world, outages, n=3)
    await post(outages, oid, "first")
    await post(outages, oid, "second")  # same clock: the order of posting decides
    assert await FanOut(world.writes, world.handlers, per_transaction=10).drain(100) == 6
    for iid in incidents:
        assert [n.data["body"] for n in await notes_from_acme(world, iid)] == ["first", "second"]
    # One append, one commit for all six.
    [(transactions,)] = await world.table(
        "SELECT count(DISTINCT tx_id) FROM events"
        " WHERE type = 'village.incident.note_added.v1' AND metadata->>'outage_id' = '" + oid + "'"
    )
    assert transactions == 1


async def test_a_batch_racing_a_command_on_one_of_its_incidents_is_decided_again(
    world: World, outages: Outages
) -> None:
    """northwind notes on a while the batch appends to it: the batch waits for that append,
    finds a moved on, and is decided again on fresh state; both notes are kept, once each."""
    oid, (a, b) = await linked_outage(world, outages, n=2)
    await post(outages, oid, "Rolling out 7.2.1")
    worker = FanOut(world.writes, world.handlers, per_transaction=10)
    own = c.AddNote(str(uuid.uuid4()), "Customer says it is still down", "shared")
    async with world.engine.begin() as conn:
        await world.handlers.apply(conn, as_("northwind"), a, own)
        delivering = asyncio.create_task(worker.drain(100))
        await eventually(lambda: _waiting_for_a_lock(world), what="the batch waiting on a")
    assert await delivering == 2
    for iid in (a, b):
        assert len(await notes_from_acme(world, iid)) == 1
    bodies = [ev.data["body"] for ev in await world.events(a) if ev.type.endswith("note_added.v1")]
    assert bodies == ["Customer says it is still down", "Rolling out 7.2.1"]


async def _waiting_for_a_lock(world: World) -> bool:
    [(waiting,)] = await world.table(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return waiting > 0


async def test_an_update_is_refused_and_queues_nothing(world: World, outages: Outages) -> None:
    oid, _ = await linked_outage(world, outages, n=1)
    await refused(
        403,
        outages.handlers.post_update(
            as_("northwind"), oid, c.PostOutageUpdate(fanout_id(), "x", "partners")
        ),
    )
    await refused(
        422,
        outages.handlers.post_update(
            as_("acme"), oid, c.PostOutageUpdate(fanout_id(), "x", "everyone")
        ),
    )
    assert await updates(outages, "acme", oid) == []


@pytest.fixture(autouse=True)
async def nothing_left_behind(world: World) -> Any:
    """Each test starts with no delivery queued by another."""
    await FanOut(world.writes, world.handlers).drain(10_000)
    yield


def test_a_full_round_is_followed_by_a_pause_in_proportion_to_its_time() -> None:
    """A slower round (a slower machine, a busier moment) waits longer, so the fan-out keeps the
    process busy no more than its share of the time; a quick one still pauses the least."""
    worker = FanOut(None, None, pause_seconds=0.05, busy_share=0.65)  # type: ignore[arg-type]
    assert worker.pause_after(0.01) == 0.05
    for busy in (0.2, 0.65, 3.0):
        assert busy / (busy + worker.pause_after(busy)) == pytest.approx(0.65)


async def test_the_running_worker_is_woken_by_the_outage_command(
    world: World, outages: Outages
) -> None:
    oid, incidents = await linked_outage(world, outages, n=2)
    worker = FanOut(world.writes, world.handlers, poll_seconds=3600)  # no poll within the test
    stop = asyncio.Event()
    running = asyncio.ensure_future(worker.run(stop))
    try:
        await eventually(lambda: worker._wake.is_set(), lambda set_: not set_)  # waiting now
        # The command that queues the deliveries wakes it (the service's other commits do not:
        # nearly all of them are nothing to do with an outage).
        handlers = OutageHandlers(world.writes, world.store, world.handlers, committed=worker.wake)
        cmd = c.PostOutageUpdate(fanout_id(), "Woken", "partners")
        await handlers.post_update(as_("acme", body={"body": "Woken"}), oid, cmd)
        for iid in incidents:
            await eventually(lambda i=iid: notes_from_acme(world, i), what=f"a note on {iid}")
    finally:
        stop.set()
        await running
