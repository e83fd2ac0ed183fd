"""An incident's commands and reads load the same after thousands of notes as after a few.

The handlers run on a real PostgreSQL with counting seams (incidents_support.py): the events the
store loads and the note rows the notes read model fetches, per command or read. Loads are
counted, not timed (`make bench` (i) times them). Also here: snapshots (their codec, a stale one
ignored), the per-incident limits, `rebuild-read-model`, and migration 0002's backfill of an
event store that holds an incident of 10,000 notes.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from alembic import command
from incidents_support import T0, Loads, World, fresh_settings, principal
from sqlalchemy import text

from village_incidents import notes, rebuild, snapshots
from village_incidents.cli import MIGRATIONS
from village_incidents.domain import commands as c
from village_incidents.domain import events as e
from village_incidents.domain.incident import (
    describe,
    evolve,
    evolve_note,
    replay,
    replay_with_notes,
)
from village_incidents.domain.rules import Limits, decide, decide_open
from village_incidents.paging import WINDOW
from village_incidents.reads import VIEW_NOTES
from village_incidents.snapshots import history_of
from village_platform.db import ensure_database
from village_platform.errors import DomainError, as_problem
from village_platform.eventstore import NewEvent
from village_platform.service_cli import alembic_config, migrate

EVERY = snapshots.EVERY
VISIBILITIES = ("shared", "restricted", "internal")
WRITERS = ("northwind", "acme", "initech")  # initech writes shared notes only


async def add_notes(world: World, iid: str, count: int) -> list[str]:
    ids = []
    for i in range(count):
        ids.append(await world.note(WRITERS[i % 3], iid, visibility(i)))
    return ids


def visibility(i: int) -> str:
    """Of the i-th note: each writer in turn, each partner's or provider's visibility in turn."""
    return "shared" if WRITERS[i % 3] == "initech" else VISIBILITIES[(i // 3) % 3]


async def loads_of_one_incident(world: World, iid: str, first_note: str) -> dict[str, Loads]:
    """What each read and each kind of command loads on `iid` (each command adds one event)."""
    h = world.handlers.reads
    out = {}
    for party in ("initech", "northwind", "village-escalation"):
        out[f"view as {party}"], _ = await world.measure(
            lambda p=party: world.read(h.view, iid, principal(p))
        )
    out["notes page"], _ = await world.measure(
        lambda: world.read(h.notes_page, iid, principal("acme"), None, 50)
    )
    out["timeline page"], _ = await world.measure(
        lambda: world.read(h.timeline, iid, principal("northwind"), None, 50)
    )
    out["add a note"], _ = await world.measure(lambda: world.note("northwind", iid, "internal"))
    out["edit the first note"], _ = await world.measure(
        lambda: world.do("northwind", iid, c.EditNote(first_note, "edited"))
    )
    out["acknowledge"], _ = await world.measure(lambda: world.do("acme", iid, c.Acknowledge()))
    return out


async def test_commands_and_reads_load_the_same_after_many_notes(world: World) -> None:
    # 60 notes and 460: the same place in the snapshot cycle (versions 61 and 461), so the same
    # number of events after the last snapshot; both more notes than a page holds, for everyone.
    few, many = await world.open(), await world.open()
    few_notes, many_notes = await add_notes(world, few, 60), await add_notes(world, many, 460)
    small = await loads_of_one_incident(world, few, few_notes[0])
    large = await loads_of_one_incident(world, many, many_notes[0])
    assert large == small
    assert_bounded(large)


def assert_bounded(loads: dict[str, Loads]) -> None:
    """At most the events since the last snapshot (a timeline page: the page, 50, and one to
    know whether more follow) and a page of note rows (+1), plus the note a command names."""
    for what, counted in loads.items():
        events = EVERY - 1 + (51 if what == "timeline page" else 0)
        rows = 51 if what == "notes page" else VIEW_NOTES + 1 + what.startswith(("add", "edit"))
        assert counted.events <= events and counted.note_rows <= rows, (what, counted)


async def test_a_snapshot_of_another_shape_is_ignored_then_replaced(world: World) -> None:
    iid = await world.open()
    await add_notes(world, iid, 2 * EVERY)
    version = (await world.read(world.handlers.load, iid)).version
    await world.execute(
        f"UPDATE incident_snapshots SET schema = '0:old' WHERE incident_id = '{iid}'"
    )
    loads, (view, _) = await world.measure(
        lambda: world.read(world.handlers.reads.view, iid, principal("northwind"))
    )
    assert loads.events == version  # replayed whole: the stale snapshot is not trusted
    assert view["version"] == version
    await world.do("northwind", iid, c.Acknowledge())  # writes a current one
    loads, _ = await world.measure(lambda: world.read(world.handlers.load, iid))
    assert loads.events == 0


def test_a_snapshot_decodes_to_the_state_it_encodes() -> None:
    # Every field the state has, through the JSON a jsonb column keeps (its key order included).
    from test_incident_rules import RESOLVE, Story

    story = Story.opened()
    story.do("northwind", c.Acknowledge())
    story.do("acme", c.Acknowledge())
    story.do("northwind", c.InviteCollaborator("fabrikam"))
    story.do("acme", c.InviteCollaborator("contoso"))
    story.do("northwind", c.Escalate("acme", "L2", "needs acme"))
    story.do("contoso", c.AddNote("n-1", "x", "restricted"))
    story.do("northwind", c.StartImpact())
    story.do("northwind", c.EndImpact())
    story.do("acme", RESOLVE)
    story.do("initech", c.Rate(4, "ok"))
    state = story.s
    stored = json.loads(json.dumps(snapshots.encode(state), sort_keys=True))
    assert snapshots.decode(stored) == state
    assert list(snapshots.decode(stored).parties) == list(state.parties)


async def test_a_full_incident_is_refused_with_a_problem_and_nothing_appended(world: World) -> None:
    limited = world.but(limits=Limits(notes_per_party=3, events=14))
    h = limited.handlers
    iid = await limited.open()
    for _ in range(3):
        await limited.note("northwind", iid, "internal")
    version = (await limited.read(h.load, iid)).version

    with pytest.raises(DomainError) as refused:
        await limited.note("northwind", iid, "shared")
    body = as_problem(refused.value).body()
    assert (body["status"], body["type"]) == (409, "/problems/incident-limit-reached")
    assert (body["limit"], body["maximum"]) == ("notes_per_party", 3)
    assert "northwind" in body["detail"] and "3" in body["detail"]
    assert len(await limited.events(iid)) == version  # nothing appended
    # Per party: another party still writes (and learns nothing of northwind's count).
    await limited.note("acme", iid, "shared")
    await limited.do("northwind", iid, c.InviteCollaborator("contoso"))
    for by in ("initech", "contoso", "acme") * 3:
        if len(await limited.events(iid)) < 14:
            await limited.note(by, iid)
    with pytest.raises(DomainError) as full:
        await limited.do("northwind", iid, c.ChangeStatus("in_progress"))
    assert (as_problem(full.value).body()["limit"], full.value.status) == ("events", 409)
    assert len(await limited.events(iid)) == 14
    # At the limit an incident may still be ended, and a collaborator revoked at once.
    await limited.do("northwind", iid, c.RevokeCollaborator("contoso"))
    resolve = c.ChangeStatus("resolved", resolution_code="fixed", resolution_notes="done")
    await limited.do("acme", iid, resolve)
    await limited.do("initech", iid, c.ChangeStatus("closed"))
    assert (await limited.read(h.load, iid)).status == "closed"


async def test_rebuild_produces_the_same_read_model(world: World) -> None:
    iid = await world.open()
    ids = await add_notes(world, iid, EVERY + 5)
    await world.do("northwind", iid, c.InviteCollaborator("contoso"))
    await world.note("contoso", iid, "restricted")
    await world.do("northwind", iid, c.EditNote(ids[0], "edited"))
    await world.do("northwind", iid, c.DeleteNote(ids[3]))
    await world.do("northwind", iid, c.RevokeCollaborator("contoso"))
    tables = {
        "incidents": "SELECT id, version, title, status, severity, product, customer, partner,"
        " provider, collaborators, opened_at, updated_at, resolved_at FROM incidents",
        "refs": "SELECT * FROM incident_external_refs",
        "notes": "SELECT * FROM incident_notes",
    }
    before = {name: sorted(await world.table(sql), key=repr) for name, sql in tables.items()}
    streams = [r[0] for r in await world.table("SELECT DISTINCT stream_id FROM events")]
    states = {s: await world.read(world.handlers.load, s) for s in streams}

    await rebuild.rebuild(world.settings)

    after = {name: sorted(await world.table(sql), key=repr) for name, sql in tables.items()}
    assert after == before
    for stream_id, state in states.items():
        loaded = await world.read(lambda conn, s=stream_id: snapshots.load(conn, world.store, s))
        assert (loaded.state, loaded.events_read) == (state, 0)  # a snapshot at the head


# --------------------------------------------------------------------------- migration 0002


def history(count: int) -> tuple[list[NewEvent], list[NewEvent]]:
    """Two incidents' events as the code before snapshots stored them (same data, same
    metadata): one with 10 notes, one with `count` (edits, deletions, a collaborator invited
    half way who writes too)."""
    from test_incident_rules import DIRECTORY

    actors = {p: c.Actor(p, party.kind, f"{p}-user") for p, party in DIRECTORY.items()}

    def incident(n: int) -> list[NewEvent]:
        iid, at = str(uuid.uuid4()), T0
        cmd = c.OpenIncident(iid, "VPN down", "flaps", "S2", "routers", customer="initech")
        state, notes_, out = None, {}, []

        def record(events: list[e.Event], actor: c.Actor) -> None:
            nonlocal state
            for event in events:
                before, state = state, evolve(state, event, at)
                note = None
                if isinstance(event, e.NoteEvent):
                    note = evolve_note(notes_.get(event.note_id), event, at, state)
                    notes_[note.id] = note
                meta = {
                    "actor_party": actor.party,
                    "actor_kind": actor.kind,
                    "actor_user": actor.user,
                    **describe(before, state, event, note),
                }
                out.append(NewEvent(event.type, event.to_data(), metadata=meta))

        record(decide_open(cmd, actors["northwind"], DIRECTORY), actors["northwind"])
        for i in range(n):
            by = "contoso" if i > n // 2 and i % 7 == 0 else WRITERS[i % 3]
            if i == n // 2:
                record(
                    decide(
                        state, c.InviteCollaborator("contoso"), actors["northwind"], at, DIRECTORY
                    ),
                    actors["northwind"],
                )
            vis = VISIBILITIES[i % 3] if by == "contoso" else visibility(i)
            note_id = f"n-{i}"
            record(
                decide(
                    state,
                    c.AddNote(note_id, f"note {i}", vis),
                    actors[by],
                    at,
                    DIRECTORY,
                    notes_,
                    Limits(notes_per_party=n),
                ),
                actors[by],
            )
            if i % 100 == 1:
                record(
                    decide(
                        state,
                        c.EditNote(note_id, f"note {i}, edited"),
                        actors[by],
                        at,
                        DIRECTORY,
                        notes_,
                        Limits(notes_per_party=n),
                    ),
                    actors[by],
                )
            if i % 1000 == 2:
                record(
                    decide(
                        state,
                        c.DeleteNote(note_id),
                        actors[by],
                        at,
                        DIRECTORY,
                        notes_,
                        Limits(notes_per_party=n),
                    ),
                    actors[by],
                )
        return out

    return incident(10), incident(count)


OTHER_INCIDENTS = text(
    "INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata, recorded_at)"
    " SELECT gen_random_uuid(), 'other-' || s, v, 'village.incident.note_added.v1', '{}', '{}',"
    " now() FROM generate_series(1, 2000) AS s, generate_series(1, 50) AS v"
)


@pytest.fixture(scope="module")
async def migrated(stack: Any) -> Any:
    """A database at revision 0001 holding two incidents' events (10 notes, 10,000 notes),
    then migrated to head: 0002 backfills the notes and the snapshots."""
    settings = fresh_settings(stack)
    await ensure_database(settings)
    config = alembic_config(MIGRATIONS, settings.service_database_url)
    await asyncio.to_thread(command.upgrade, config, "0001")
    world = World(settings)
    await world.seed_parties()
    small, large = history(10_000)
    ids = {}
    async with world.engine.begin() as conn:
        for name, events in (("small", small), ("large", large)):
            iid = events[0].data["incident_id"]
            await world.store.append(conn, iid, 0, events, {}, recorded_at=T0)
            ids[name] = iid
    await migrate(settings, MIGRATIONS)  # to head
    # Other incidents' events, as any real store holds, and the statistics autovacuum gathers
    # sooner or later: with these two incidents alone the large one is the whole table, and
    # once analyzed, scanning all of it is the plan PostgreSQL rightly prefers (CI saw it).
    async with world.engine.begin() as conn:
        await conn.execute(OTHER_INCIDENTS)
        await conn.execute(text("ANALYZE events, incident_notes, incident_snapshots"))
    yield world, ids
    await world.close()


async def test_migration_backfills_the_notes_and_snapshots_from_the_events(migrated: Any) -> None:
    world, ids = migrated
    for iid in ids.values():
        stored = await world.events(iid)
        state, written = replay_with_notes(history_of(stored))
        rows = await world.table(
            f"SELECT note_id, version, body, deleted, parties, metadata FROM incident_notes"
            f" WHERE incident_id = '{iid}'"
        )
        expected = [notes.row(state, n) for n in written.values()]
        assert sorted((r[0], r[1], r[2], r[3], list(r[4]), r[5]) for r in rows) == sorted(
            (
                x["note"],
                x["version"],
                x["body"],
                x["deleted"],
                x["parties"],
                json.loads(x["metadata"]),
            )
            for x in expected
        )
        loaded = await world.read(lambda conn, i=iid: snapshots.load(conn, world.store, i))
        assert loaded.state == replay(history_of(stored)) and loaded.events_read == 0
    assert (
        len(await world.table(f"SELECT 1 FROM incident_notes WHERE incident_id = '{ids['large']}'"))
        == 10_000
    )


async def test_ten_thousand_notes_load_like_ten(migrated: Any) -> None:
    world, ids = migrated
    small = await loads_of_one_incident(world, ids["small"], "n-0")  # northwind's
    large = await loads_of_one_incident(world, ids["large"], "n-0")
    # The small one has fewer notes (and events) than a page: the same events loaded for every
    # command and view (none: a snapshot at the head), at most as many rows.
    events = {k: v.events for k, v in large.items() if k != "timeline page"}
    assert events == {k: v.events for k, v in small.items() if k != "timeline page"}
    assert (large["timeline page"].events, small["timeline page"].events) == (51, 14)
    assert_bounded(large)
    # The view of the large incident: the latest page, and the way to the older notes.
    view, _ = await world.read(world.handlers.reads.view, ids["large"], principal("initech"))
    assert len(view["notes"]) == VIEW_NOTES and view["notes_next"].startswith(
        f"/incidents/{ids['large']}/notes?order=desc&cursor="
    )
    assert {n["visibility"] for n in view["notes"]} == {"shared"}


TUPLES_READ = text(
    "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)"
    " FROM pg_stat_xact_user_tables"
    " WHERE relname IN ('events', 'incident_notes', 'incident_snapshots')"
)


@pytest.mark.parametrize("reader", ["northwind", "initech", "village-escalation"])
async def test_postgresql_reads_the_same_rows_for_ten_thousand_notes_as_for_ten(
    migrated: Any, reader: str
) -> None:
    """What PostgreSQL itself reads (its per-transaction table statistics) for a view, a page of
    notes (both orders) and a page of the timeline: a filter it cannot estimate must not make
    it read the whole incident."""
    world, ids = migrated
    h = world.handlers.reads
    reads = {
        "view": lambda conn, iid: h.view(conn, iid, principal(reader)),
        "notes": lambda conn, iid: h.notes_page(conn, iid, principal(reader), None, 50),
        "older notes": lambda conn, iid: h.notes_page(conn, iid, principal(reader), None, 50, True),
        "timeline": lambda conn, iid: h.timeline(conn, iid, principal(reader), None, 100),
    }
    for name, read in reads.items():
        tuples = {}
        for size, iid in ids.items():
            async with world.engine.connect() as conn:
                before = await conn.scalar(TUPLES_READ)
                await read(conn, iid)
                tuples[size] = await conn.scalar(TUPLES_READ) - before
        # At most one window of versions (whatever plan PostgreSQL picks within it), the
        # snapshot and the events after it: not the 10,000 notes, nor the 10,112 events.
        assert tuples["large"] <= WINDOW + 101 + EVERY, (name, tuples)


async def test_a_command_after_the_migration_appends_after_the_backfilled_snapshot(
    migrated: Any,
) -> None:
    world, ids = migrated
    before = (await world.read(world.handlers.load, ids["large"])).version
    view = await world.do("acme", ids["large"], c.ChangeStatus("in_progress"))
    assert view["version"] == before + 1 and view["status"] == "in_progress"
    assert replay(history_of(await world.events(ids["large"]))) == await world.read(
        world.handlers.load, ids["large"]
    )
