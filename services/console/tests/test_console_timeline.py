"""The timeline read model on a real PostgreSQL: events of every topic applied through the
consumer's own path (the Applier with the console's routing table), then read as each party may
read them. One incident, northwind's for initech on acme's routers: notes of each visibility, an
assignment, an SLA clock of the customer-facing contract, an escalation decision, suggestions,
and contoso invited as a collaborator, then revoked."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from village_console import consumer
from village_console.cli import MIGRATIONS
from village_console.live import Bell, Live
from village_console.reads import Position, Timeline, Viewer, start_position
from village_devstack.waiting import eventually
from village_platform.applier import Applier, ConsumedEvent
from village_platform.clock import ManualClock
from village_platform.db import make_engine
from village_platform.errors import DomainError
from village_platform.service_cli import migrate

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
KINDS = {
    "acme": "provider",
    "northwind": "partner",
    "contoso": "partner",
    "initech": "customer",
    "umbrella": "customer",
}
CHAIN = ["initech", "northwind", "acme"]
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@dataclass
class World:
    engine: Any
    clock: ManualClock
    incident: str = field(default_factory=lambda: str(uuid.uuid4()))
    sequences: dict[tuple[str, str], int] = field(default_factory=dict)
    appliers: dict[str, Applier] = field(default_factory=dict)
    last: ConsumedEvent | None = None

    async def happen(
        self,
        type_: str,
        data: dict[str, Any],
        *,
        parties: list[str],
        actor: str | None,
        visibility: str = "shared",
        stream: str | None = None,
        **extra: Any,
    ) -> str:
        """One event as the topic's consumer applies it; returns its id."""
        family = {"incident": "incidents", "escalation": "escalations"}.get(
            type_.split(".")[1], type_.split(".")[1]
        )
        stream = stream or self.incident
        key = (family, stream)
        self.sequences[key] = self.sequences.get(key, 0) + 1
        self.clock.advance(timedelta(minutes=1))
        event = ConsumedEvent(
            id=str(uuid.uuid4()),
            type=type_,
            source=f"/village/{family}",
            stream_id=stream,
            sequence=self.sequences[key],
            position=None,
            time=self.clock.now(),
            data=data,
            visibility=visibility,
            parties=parties,
            actor_party=actor,
            traceparent=f"00-{TRACE}-00f067aa0ba902b7-01",
            **extra,
        )
        applier = self.appliers.setdefault(
            family, Applier(f"console-{family}", self.engine, consumer.routes(), self.clock)
        )
        assert await applier.apply(event) == "applied"
        self.last = event
        return event.id

    async def note(self, author: str, visibility: str, body: str, parties: list[str]) -> str:
        data = {
            "note_id": str(uuid.uuid4()),
            "author_party": author,
            "author_user": f"{author}-user",
            "note_visibility": visibility,
            "body": body,
        }
        return await self.happen(
            "village.incident.note_added.v1",
            data,
            parties=parties,
            actor=author,
            visibility=visibility,
        )

    async def read(self, party: str, **options: Any) -> list[dict[str, Any]]:
        """Every page of the timeline as `party` reads it."""
        timeline, items, cursor = Timeline("http://traces.example/"), [], None
        while True:
            async with self.engine.connect() as conn:
                page = await timeline.page(
                    conn,
                    self.incident,
                    Viewer(party, KINDS[party]),
                    cursor,
                    options.get("limit", 100),
                    newest_first=options.get("newest_first", False),
                )
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    async def kinds(self, party: str) -> list[str]:
        return [item["kind"] for item in await self.read(party)]


@pytest.fixture
async def world(stack: Any) -> AsyncIterator[World]:
    settings = stack.settings(f"console-{uuid.uuid4().hex[:8]}")
    await migrate(settings, MIGRATIONS)
    engine = make_engine(settings)
    try:
        yield World(engine, ManualClock(T0))
    finally:
        await engine.dispose()


async def _story(w: World) -> dict[str, str]:
    """The incident's history; returns the ids of the events the tests look for."""
    ids = {}
    opened = {
        "incident_id": w.incident,
        "title": "Branch office VPN down",
        "description": "The tunnel to Leeds dropped.",
        "severity": "S1",
        "product": "routers",
        "impacted_service": "branch-vpn",
        "customer": "initech",
        "partner": "northwind",
        "provider": "acme",
        "requester": "northwind",
        "opened_by": "nina",
        "external_refs": [],
        "chain": CHAIN,
    }
    ids["opened"] = await w.happen(
        "village.incident.opened.v1",
        opened,
        parties=CHAIN,
        actor="northwind",
        provider="acme",
        narrowed={"chain": ["northwind", "acme"]},  # the customer is not told the chain
    )
    await w.happen(
        "village.incident.assigned.v1",
        {"party": "northwind", "tier": "L1", "assignee": "nina"},
        parties=CHAIN,
        actor="northwind",
    )
    # A partner's internal note: sealed, so the console holds its bare fact only.
    ids["internal"] = await w.happen(
        "village.incident.note_added.v1",
        {"note_id": str(uuid.uuid4()), "author_party": "northwind", "note_visibility": "internal"},
        parties=CHAIN,
        actor="northwind",
        visibility="internal",
        redacted=True,
    )
    ids["restricted"] = await w.note("northwind", "restricted", "RMA requested", CHAIN)
    ids["shared"] = await w.note("northwind", "shared", "We are on it", CHAIN)
    sla = {
        "incident_id": w.incident,
        "contract_id": "initech-northwind",
        "contract_version": 1,
        "contract_kind": "customer-facing",
        "owing_party": "northwind",
        "owed_party": "initech",
        "clock": "response",
        "round": 1,
        "severity": "S1",
        "target_seconds": 900,
        "elapsed_seconds": 0,
        "state": "running",
        "outcome": None,
        "due_at": (T0 + timedelta(minutes=15)).isoformat(),
        "at": T0.isoformat(),
    }
    ids["clock"] = await w.happen(
        "village.sla.clock_started.v1", sla, parties=["initech", "northwind"], actor=None
    )
    decision = {
        "decision_id": str(uuid.uuid4()),
        "incident_id": w.incident,
        "kind": "escalate",
        "trigger": "manual",
        "from": {"party": "northwind", "tier": "L1"},
        "to": {"party": "acme", "tier": "TAC L1"},
        "basis": {"type": "rule", "party": "acme", "id": "r-routers", "version": 1},
        "reason": "routers go to TAC L1",
        "at": T0.isoformat(),
    }
    ids["decided"] = await w.happen(
        "village.escalation.decided.v1",
        decision,
        parties=["northwind", "acme"],
        actor="acme",
        provider="acme",
    )
    await w.happen(
        "village.incident.escalated.v1",
        {
            "from_party": "northwind",
            "from_tier": "L1",
            "to_party": "acme",
            "to_tier": "TAC L1",
            "reason": "routers go to TAC L1",
            "decision_id": decision["decision_id"],
        },
        parties=CHAIN,
        actor="northwind",
    )
    ids["acme note"] = await w.note("acme", "shared", "Firmware 7.2 fixes it", CHAIN)
    ids["suggested"] = await w.happen(
        "village.knowledge.suggestions_made.v1",
        {"incident_id": w.incident, "audience": "partners", "articles": []},
        parties=["northwind", "acme"],
        actor="acme",
        visibility="restricted",
        stream=str(uuid.uuid4()),
    )
    ids["invited"] = await w.happen(
        "village.incident.collaborator_invited.v1",
        {"partner": "contoso", "invited_by": "northwind", "scope": "diagnosis"},
        parties=["northwind", "acme", "contoso"],
        actor="northwind",
        visibility="restricted",
    )
    ids["contoso note"] = await w.note(
        "contoso", "restricted", "Seen it before", [*CHAIN, "contoso"]
    )
    return ids


async def test_each_party_sees_exactly_its_share_of_every_service(world: World) -> None:
    ids = await _story(world)
    shown = {p: [i["id"] for i in await world.read(p)] for p in ("acme", "northwind", "initech")}

    assert shown["northwind"] == [i["id"] for i in await world.read("northwind")]
    for party in ("acme", "northwind"):  # the working parties: restricted notes, decisions
        assert {ids["restricted"], ids["decided"], ids["suggested"]} <= set(shown[party])
    assert ids["internal"] in shown["northwind"]  # its author's party alone
    assert ids["internal"] not in shown["acme"] + shown["initech"]
    assert ids["clock"] in shown["initech"] and ids["clock"] in shown["northwind"]
    assert ids["clock"] not in shown["acme"]  # another contract's clock
    assert ids["shared"] in shown["initech"] and ids["acme note"] in shown["initech"]
    for hidden in ("restricted", "decided", "suggested", "contoso note"):
        assert ids[hidden] not in shown["initech"]
    # The contoso note's audience names contoso: everyone working the incident sees it.
    assert ids["contoso note"] in shown["acme"] and ids["contoso note"] in shown["northwind"]
    # contoso sees what happened while it was invited (from its invitation), nothing before.
    assert [i["id"] for i in await world.read("contoso")] == [ids["invited"], ids["contoso note"]]
    with pytest.raises(DomainError) as outsider:
        await world.read("umbrella")
    assert outsider.value.status == 404


async def test_entries_say_who_at_which_tier_and_leave_narrowed_fields_out(world: World) -> None:
    ids = await _story(world)
    northwind = {i["id"]: i for i in await world.read("northwind")}
    initech = {i["id"]: i for i in await world.read("initech")}

    opened = northwind[ids["opened"]]
    assert opened["data"]["chain"] == CHAIN and "chain" not in initech[ids["opened"]]["data"]
    assert opened["kind"] == "incident.opened" and opened["summary"].startswith("opened (S1)")
    assert (northwind[ids["shared"]]["party"], northwind[ids["shared"]]["tier"]) == (
        "northwind",
        "L1",
    )
    assert northwind[ids["acme note"]]["tier"] == "TAC L1"  # escalated to acme's TAC L1
    assert northwind[ids["shared"]]["visibility"] == "shared"
    assert northwind[ids["internal"]]["redacted"] is True  # the console holds only its fact
    decided = northwind[ids["decided"]]
    assert decided["summary"] == "escalate to acme TAC L1 by rule r-routers: routers go to TAC L1"
    assert decided["trace_id"] == TRACE
    assert decided["trace_url"] == f"http://traces.example/trace/{TRACE}"
    assert initech[ids["clock"]]["summary"] == "response clock started (northwind to initech)"
    assert "visibility" not in decided


async def test_pages_oldest_or_newest_first_hold_every_entry_once(world: World) -> None:
    await _story(world)
    everything = [i["id"] for i in await world.read("northwind")]
    assert [i["id"] for i in await world.read("northwind", limit=3)] == everything
    newest = [i["id"] for i in await world.read("northwind", limit=2, newest_first=True)]
    assert newest == everything[::-1]
    times = [i["at"] for i in await world.read("northwind")]
    assert times == sorted(times)


async def test_revocation_hides_the_incident_at_once_and_events_apply_once(world: World) -> None:
    await _story(world)
    before = await world.read("contoso")
    await world.happen(
        "village.incident.collaborator_revoked.v1",
        {"partner": "contoso", "revoked_by": "northwind", "reason": "done"},
        parties=["northwind", "acme", "contoso"],
        actor="northwind",
        visibility="restricted",
    )
    assert before
    with pytest.raises(DomainError) as gone:
        await world.read("contoso")
    assert gone.value.status == 404
    # A duplicate delivery of a recorded event changes nothing.
    count = len(await world.read("northwind"))
    assert world.last is not None
    assert await world.appliers["incidents"].apply(world.last) == "skipped"
    assert len(await world.read("northwind")) == count


async def test_the_live_tail_gives_what_committed_since_as_the_viewer_may_see_it(
    world: World,
) -> None:
    await _story(world)
    timeline = Timeline()
    async with world.engine.connect() as conn:
        start = await start_position(conn)
    restricted = await world.note("northwind", "restricted", "restricted, later", CHAIN)
    shared = await world.note("acme", "shared", "shared, later", CHAIN)

    async def tail(viewer: Viewer, position: Position) -> tuple[list[dict[str, Any]], Position]:
        async with world.engine.connect() as conn:
            return await timeline.committed_after(conn, world.incident, viewer, position)

    # Shown once every older transaction on the server has ended (other tests' services share
    # it): until then the position says entries are waiting.
    seen, after = await eventually(
        lambda: tail(Viewer("initech", "customer"), start),
        lambda tailed: not tailed[1].waiting,
        what="the horizon to pass the notes",
    )
    assert [i["id"] for i in seen] == [shared]
    async with world.engine.connect() as conn:
        seen, _ = await timeline.committed_after(
            conn, world.incident, Viewer("northwind", "partner"), start
        )
        assert [i["id"] for i in seen] == [restricted, shared]
        assert (await timeline.committed_after(
            conn, world.incident, Viewer("initech", "customer"), after
        ))[0] == []  # fmt: skip


class _Watched(Timeline):
    """The timeline, keeping the position each look of a live stream ended at."""

    def __init__(self) -> None:
        super().__init__()
        self.looks: list[Position] = []

    async def committed_after(self, *args: Any) -> tuple[list[dict[str, Any]], Position]:
        items, position = await super().committed_after(*args)
        self.looks.append(position)
        return items, position


async def test_an_entry_held_back_by_an_older_open_transaction_is_shown_once_it_ends(
    world: World,
) -> None:
    """An entry that committed while an older transaction is still open is not shown yet (a
    later one could still commit below it), and the position says so; a live stream looks again
    soon rather than at its next ring or poll, and shows it once that transaction ends."""
    await _story(world)
    timeline, watched = Timeline(), _Watched()
    viewer = Viewer("northwind", "partner")
    async with world.engine.connect() as conn:
        start = await start_position(conn)
    live = Live(world.engine, watched, Bell(), poll_seconds=3600)  # no ring, no poll in time
    entries = await live.open(world.incident, viewer, since=start.floor)
    async with world.engine.connect() as blocker:
        await blocker.execute(text("SELECT pg_current_xact_id()"))  # an older transaction
        note = await world.note("acme", "shared", "held back", CHAIN)
        async with world.engine.connect() as conn:
            seen, position = await timeline.committed_after(conn, world.incident, viewer, start)
        assert (seen, position.waiting) == ([], True)
        assert position.tx == start.tx  # nothing shown: the tail stays where it was
        streamed = asyncio.ensure_future(anext(entries))
        await eventually(lambda: any(p.waiting for p in watched.looks), what="the stream held")

        await blocker.rollback()
    assert (await asyncio.wait_for(streamed, 10))["id"] == note

    async def tail() -> tuple[list[dict[str, Any]], Position]:
        async with world.engine.connect() as conn:
            return await timeline.committed_after(conn, world.incident, viewer, start)

    seen, _ = await eventually(tail, lambda tailed: not tailed[1].waiting, what="no entry held")
    assert [i["id"] for i in seen] == [note]


async def test_a_war_room_of_500_entries_reads_in_one_page_well_within_a_second(
    world: World,
) -> None:
    """The war-room page reads the newest 500 entries at once: measured here, as the customer
    (the egress rule in SQL and per entry) and as the owning partner."""
    await _story(world)
    async with world.engine.begin() as conn:  # 500 shared and restricted notes, one statement
        await conn.execute(
            text(
                "INSERT INTO timeline (incident_id, event_id, occurred_at, source, type, party,"
                " data, metadata)"
                " SELECT :i, gen_random_uuid(), CAST(:t AS timestamptz) + n * interval '1 second',"
                " '/village/incidents',"
                " 'village.incident.note_added.v1', 'northwind',"
                " jsonb_build_object('note_id', gen_random_uuid(), 'author_party', 'northwind',"
                "  'note_visibility', v, 'body', 'note ' || n),"
                " jsonb_build_object('parties', CAST(:parties AS jsonb), 'visibility', v,"
                "  'actor_party', 'northwind')"
                " FROM generate_series(1, 500) AS n,"
                " LATERAL (SELECT CASE WHEN n % 2 = 0 THEN 'shared' ELSE 'restricted' END) AS s(v)"
            ),
            {"i": world.incident, "t": T0 + timedelta(hours=1), "parties": json.dumps(CHAIN)},
        )
    timeline = Timeline()
    for party, notes in (("northwind", 500), ("initech", 250)):
        started = time.perf_counter()
        async with world.engine.connect() as conn:
            page = await timeline.page(
                conn, world.incident, Viewer(party, KINDS[party]), None, 500, newest_first=True
            )
        took = time.perf_counter() - started
        print(f"{party}: the newest {len(page['items'])} entries in {took * 1000:.0f} ms")
        bulk = [i for i in page["items"] if i["data"].get("body", "").startswith("note ")]
        assert len(bulk) == notes and took < 1.0


async def test_webhook_outcomes_are_on_the_owners_timeline_only(world: World) -> None:
    """Delivery outcomes of northwind's endpoint (village.webhooks.v1, whole as the consumer
    reads them from the webhooks feed) on the incident the delivered event was about: northwind
    sees them, nobody else on the incident does."""
    ids = await _story(world)
    outcome = {
        "delivery_id": str(uuid.uuid4()),
        "endpoint_id": str(uuid.uuid4()),
        "event_id": ids["shared"],
        "delivered_type": "village.incident.note_added.v1",
        "incident_id": world.incident,
        "attempt": 1,
        "latency_ms": 41.6,
        "at": T0.isoformat(),
    }
    stream = f"webhook:{outcome['endpoint_id']}:{world.incident}"
    failed = await world.happen(
        "village.webhook.attempt_failed.v1",
        {**outcome, "status_code": 503, "reason": "HTTP 503: busy", "next_attempt_at": "soon"},
        parties=["northwind"],
        actor="webhooks",
        stream=stream,
    )
    delivered = await world.happen(
        "village.webhook.delivered.v1",
        {**outcome, "attempt": 2, "status_code": 204},
        parties=["northwind"],
        actor="webhooks",
        stream=stream,
    )
    northwind = {i["id"]: i for i in await world.read("northwind")}
    assert northwind[delivered]["kind"] == "webhook.delivered"
    assert northwind[delivered]["summary"] == (
        "village.incident.note_added.v1 delivered to your webhook (HTTP 204, 42 ms)"
    )
    assert northwind[failed]["summary"].startswith("village.incident.note_added.v1 not delivered")
    for other in ("acme", "initech"):
        seen = {i["id"] for i in await world.read(other)}
        assert not seen & {failed, delivered}, other


async def test_a_live_stream_waits_for_the_console_to_record_an_access_and_starts_at_since(
    world: World,
) -> None:
    """The war room's stream: opened for fabrikam before the console has recorded its invitation
    (the incidents service has already granted it), it waits on the bell, not on a poll; from a
    floor taken before the page was read, it gives what committed since, then `gone` on
    revocation (the stream ends)."""
    await _story(world)
    bell = Bell()
    # A poll far longer than the test: only the bell can wake the stream.
    live = Live(world.engine, Timeline(), bell, poll_seconds=3600)
    fabrikam = Viewer("fabrikam", "partner")
    with pytest.raises(DomainError):
        await live.open(world.incident, fabrikam)
    async with world.engine.connect() as conn:
        since = (await start_position(conn)).floor  # the page is read from here on
    waiting = asyncio.create_task(live.open(world.incident, fabrikam, since=since, catch_up=60))
    invited = await world.happen(
        "village.incident.collaborator_invited.v1",
        {"partner": "fabrikam", "invited_by": "northwind", "scope": "second look"},
        parties=["northwind", "acme", "fabrikam"],
        actor="northwind",
        visibility="restricted",
    )
    bell.ring()
    entries = await asyncio.wait_for(waiting, 10)
    first = await asyncio.wait_for(anext(entries), 10)
    assert first["id"] == invited  # committed after `since`, before the stream opened
    note = await world.note("acme", "shared", "for fabrikam too", [*CHAIN, "fabrikam"])
    bell.ring()
    assert (await asyncio.wait_for(anext(entries), 10))["id"] == note
    await world.happen(
        "village.incident.collaborator_revoked.v1",
        {"partner": "fabrikam", "revoked_by": "northwind", "reason": "done"},
        parties=["northwind", "acme", "fabrikam"],
        actor="northwind",
        visibility="restricted",
    )
    bell.ring()
    with pytest.raises(StopAsyncIteration):  # revoked: the stream ends
        await asyncio.wait_for(anext(entries), 10)
    # Never recorded: the wait ends in 404 (the page's stream then asks again).
    with pytest.raises(DomainError):
        await live.open(world.incident, Viewer("umbrella", "customer"), catch_up=0.05)
