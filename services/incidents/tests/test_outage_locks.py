"""The provider incident's locks on a real PostgreSQL: every path that changes a linked incident
and its outage takes the incident's stream first and the outage's row last, so a requester's
rejection (a reopen, which unlinks) racing an unlink of the same incident never deadlocks (both
succeed, or one is a clean 409), and many partners linking at once wait for each other's short
outage part only: the outage's row is free while their incidents' part runs.

Each race is made certain, not hoped for: the test holds the incidents' read-model rows (which
every command on an incident writes after appending to its stream), so the commands stop there
while the test starts the next one and looks at who waits for what."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
import test_provider_incidents as base
from incidents_support import World
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from test_outage_fanout import linked_outage, notes_from_acme
from test_outage_resolution import RESOLVE, incident
from test_provider_incidents import Outages, as_, open_incident

from village_devstack.waiting import eventually
from village_incidents.domain import commands as c
from village_incidents.fanout import FanOut
from village_platform.errors import DomainError
from village_platform.writes import Written

world = base.world
outages = base.outages

_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


@contextlib.asynccontextmanager
async def held(world: World, incident_ids: list[str]) -> AsyncIterator[None]:
    """The incidents' read-model rows, locked by the test until the block ends."""
    async with world.engine.connect() as conn, conn.begin() as tx:
        await conn.execute(
            text("SELECT 1 FROM incidents WHERE id = ANY(:ids) FOR UPDATE"), {"ids": incident_ids}
        )
        yield
        await tx.rollback()


async def blocked(world: World, n: int) -> None:
    """Until `n` sessions of the world's database wait for a lock."""

    async def waiting() -> int:
        async with world.engine.connect() as conn:
            return int((await conn.execute(_WAITING)).scalar_one())

    await eventually(waiting, lambda found: found >= n, timeout=10, what=f"{n} blocked sessions")


async def outage_row_free(world: World, outage_id: str) -> bool:
    """Whether no transaction holds the outage's row (a command's lock on it)."""
    async with world.engine.connect() as conn, conn.begin() as tx:
        try:
            await conn.execute(
                text("SELECT 1 FROM provider_incidents WHERE id = :id FOR UPDATE NOWAIT"),
                {"id": outage_id},
            )
        except DBAPIError:  # lock_not_available
            return False
        finally:
            await tx.rollback()
    return True


async def deadlocks_so_far(world: World) -> int:
    async with world.engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    text(
                        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
                    )
                )
            ).scalar_one()
        )


async def settled(*commands: Awaitable[Any]) -> list[Any]:
    """Each command's answer, or its DomainError; anything else (a deadlock) is raised."""
    results = await asyncio.gather(*commands, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, DomainError):
            raise result
    return results


async def resolved_and_waiting(world: World, outages: Outages, n: int) -> tuple[str, list[str]]:
    """An outage of acme with `n` incidents linked, resolved: each one waiting for its requester."""
    oid, incidents = await linked_outage(world, outages, n=n)
    await outages.handlers.resolve(as_("acme"), oid, RESOLVE, None)
    await FanOut(world.writes, world.handlers).drain(1000)
    return oid, incidents


def reopen(world: World, by: str, iid: str) -> Awaitable[dict[str, Any]]:
    return world.do(by, iid, c.ChangeStatus("reopened", "tunnels still drop"))


async def test_a_rejection_racing_an_unlink_never_deadlocks(world: World, outages: Outages) -> None:
    oid, [a, b] = await resolved_and_waiting(world, outages, n=2)  # northwind's, contoso's

    # The requester's reopen has appended to a's stream (and waits, held) when the unlink comes:
    # the unlink waits for a's stream without holding the outage's row, the reopen takes the row
    # and commits, the unlink is decided again and finds a unlinked already: 409.
    async with held(world, [a]):
        rejecting = asyncio.ensure_future(reopen(world, "initech", a))
        await blocked(world, 1)
        unlinking = asyncio.ensure_future(outages.unlink("northwind", oid, a, "a local cut"))
        await blocked(world, 2)
        assert await outage_row_free(world, oid)
    rejected, lost = await settled(rejecting, unlinking)
    assert rejected["status"] == "reopened" and rejected["outage_id"] is None
    assert isinstance(lost, DomainError) and (lost.status, lost.kind) == (409, "not-linked")
    unlinked = [ev.data for ev in await outages.events(oid) if ev.type.endswith(".unlinked.v1")]
    assert [(u["incident_id"], u["reason"]) for u in unlinked] == [(a, "rejected")]

    # The other way round: the unlink goes first, the reopen waits for b's stream and is then
    # decided again on b unlinked: an ordinary reopen. Both succeed.
    async with held(world, [b]):
        unlinking = asyncio.ensure_future(outages.unlink("contoso", oid, b, "a local cut"))
        await blocked(world, 1)
        reopening = asyncio.ensure_future(reopen(world, "umbrella", b))
        await blocked(world, 2)
    off, reopened = await settled(unlinking, reopening)
    assert isinstance(off, Written) and reopened["status"] == "reopened"
    unlinked = [ev.data for ev in await outages.events(oid) if ev.type.endswith(".unlinked.v1")]
    assert [(u["incident_id"], u["reason"]) for u in unlinked][1:] == [(b, "a local cut")]
    assert (await incident(world, b)).outage_id is None


async def test_rejections_and_unlinks_race_freely(world: World, outages: Outages) -> None:
    """No interleaving forced: whatever the order, never a deadlock, one unlinked event each."""
    oid, incidents = await resolved_and_waiting(world, outages, n=8)
    customers = {"northwind": "initech", "contoso": "umbrella"}
    owners = ["northwind", "contoso"] * 4
    results = await settled(
        *(
            command
            for iid, owner in zip(incidents, owners, strict=True)
            for command in (
                reopen(world, customers[owner], iid),
                outages.unlink(owner, oid, iid, "a local cut"),
            )
        )
    )
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert all((r.status, r.kind) == (409, "not-linked") for r in refusals)
    unlinked = [ev.data for ev in await outages.events(oid) if ev.type.endswith(".unlinked.v1")]
    assert sorted(u["incident_id"] for u in unlinked) == sorted(incidents)
    for iid in incidents:
        assert (await incident(world, iid)).outage_id is None


@pytest.mark.parametrize("n", [16])
async def test_many_partners_link_at_once_and_the_outage_row_waits_only_for_its_part(
    world: World, outages: Outages, n: int
) -> None:
    oid = (await outages.declare())["id"]
    owners = [("northwind", "initech"), ("contoso", "umbrella")] * (n // 2)
    incidents = [await open_incident(world, p, cust) for p, cust in owners]
    # Every link stops at its incident's part, held: none of them holds the outage's row.
    async with held(world, incidents):
        linking = [
            asyncio.ensure_future(outages.link(p, oid, iid))
            for (p, _), iid in zip(owners, incidents, strict=True)
        ]
        await blocked(world, n)
        assert await outage_row_free(world, oid)
    answers = await settled(*linking)
    assert [a.status_code for a in answers] == [200] * n  # the link answers the outage, 200
    stored = await outages.events(oid)
    assert [s.stream_version for s in stored] == list(range(1, n + 2))
    assert sorted(s.data["incident_id"] for s in stored[1:]) == sorted(incidents)
    assert (await outages.view("acme", oid))["version"] == n + 1


async def test_a_reminder_racing_the_requesters_answer_never_deadlocks(
    world: World, outages: Outages
) -> None:
    """The reminder writes the incident's stream first and the link row after, as every other
    path does: the requester's close, held after appending to the stream, is not waiting for a
    link row the reminder holds; it commits, and the reminder, decided again, finds nobody left
    to remind."""
    oid, [a] = await resolved_and_waiting(world, outages, n=1)  # northwind's: it answers
    worker = FanOut(world.writes, world.handlers, remind_after_seconds=0)
    async with held(world, [a]):
        closing = asyncio.ensure_future(world.do("northwind", a, c.ChangeStatus("closed")))
        await blocked(world, 1)
        reminding = asyncio.ensure_future(worker.remind_one())
        await blocked(world, 2)
    closed, reminded = await settled(closing, reminding)
    assert closed["status"] == "closed" and reminded is False
    assert [n.data["body"] for n in await notes_from_acme(world, a)][1:] == []


async def test_no_reminder_for_an_incident_reopened_by_another_party(
    world: World, outages: Outages
) -> None:
    """The provider taking its resolution back keeps the link waiting, but there is nothing to
    confirm until the incident is resolved again: no reminder until then."""
    oid, [a, b] = await resolved_and_waiting(world, outages, n=2)
    await world.do("acme", a, c.ChangeStatus("reopened", "the fix is not rolled out here"))
    worker = FanOut(world.writes, world.handlers, remind_after_seconds=0)
    assert await worker.remind() == 1  # b only
    assert len(await notes_from_acme(world, a)) == 1  # the request to confirm, no reminder
    assert [n.data["body"][:9] for n in await notes_from_acme(world, b)][1:] == ["Reminder:"]


async def test_a_cancellation_racing_an_unlink_never_deadlocks(
    world: World, outages: Outages
) -> None:
    """The cancellation's delivery reads the outage unlocked and writes it after the incidents'
    streams: an unlink of the same incident, held after appending to its stream, commits first,
    and the delivery, decided again, leaves that incident alone and unlinks the other."""
    oid, [a, b] = await linked_outage(world, outages, n=2)
    await outages.handlers.cancel(as_("acme"), oid, c.CancelOutage("declared in error"), None)
    deadlocks = await deadlocks_so_far(world)
    async with held(world, [a]):
        unlinking = asyncio.ensure_future(outages.unlink("northwind", oid, a, "a local cut"))
        await blocked(world, 1)
        delivering = asyncio.ensure_future(FanOut(world.writes, world.handlers).drain(10))
        await blocked(world, 2)
    await settled(unlinking, delivering)
    # A deadlock here would be survived (the delivery is retried), but it must not happen.
    assert await deadlocks_so_far(world) == deadlocks
    unlinked = [ev.data for ev in await outages.events(oid) if ev.type.endswith(".unlinked.v1")]
    assert sorted((u["incident_id"], u["reason"]) for u in unlinked) == sorted(
        [(a, "a local cut"), (b, "outage_cancelled")]
    )
    assert len(await notes_from_acme(world, a)) == 0 and len(await notes_from_acme(world, b)) == 1
