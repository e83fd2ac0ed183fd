"""Pages of notes and of the timeline hold exactly what the egress rule lets the caller see.

The notes read model and the events table are filtered by the rule's SQL twin before the LIMIT;
here every party (and a service) pages them in every size and both orders, against a real
PostgreSQL, and gets what the rule's Python twin says, in order: full pages while more follow, no
page that is empty or short because of what others wrote, cursors that name only what it saw.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from incidents_support import World, principal, statements_of

from village_incidents.domain import commands as c
from village_incidents.domain.incident import replay_with_notes
from village_incidents.reads import VERSION_CURSOR, VIEW_NOTES
from village_incidents.snapshots import history_of
from village_platform import egress
from village_platform.errors import DomainError

READERS = ("acme", "northwind", "contoso", "initech", "village-escalation")
SIZES = (1, 2, 5, 200)


@pytest.fixture(scope="module")
async def incident(world: World) -> str:
    """Notes of every visibility by the provider, the owner and the customer; a collaborator
    invited half way who writes too; more shared notes than a view page; an edit, a deletion."""
    iid = await world.open()
    written = {}
    for who in ("northwind", "acme"):
        for vis in ("internal", "restricted", "shared"):
            written[f"early-{who}-{vis}"] = await world.note(who, iid, vis)
    written["early-initech"] = await world.note("initech", iid)
    await world.do("northwind", iid, c.InviteCollaborator("contoso"))
    for i in range(VIEW_NOTES):
        for who in ("contoso", "northwind", "acme"):
            vis = ("internal", "restricted", "shared")[i % 3]
            written[f"{who}-{i}"] = await world.note(who, iid, vis)
        if i % 4 == 0:
            written[f"initech-{i}"] = await world.note("initech", iid)
    await world.do("northwind", iid, c.DeleteNote(written["northwind-2"]))
    await world.do("acme", iid, c.EditNote(written["acme-2"], "acme, corrected"))
    return iid


@pytest.fixture(params=[None, 3], ids=["one window", "windows of 3 versions"])
def reading(world: World, request: pytest.FixtureRequest) -> World:
    """The handlers reading a page in one query, or (here, windows of 3 versions) in many."""
    return world if request.param is None else world.but(window=request.param)


async def expected_notes(world: World, iid: str, reader: str) -> list[dict[str, Any]]:
    """What the Python twin of the rule shows `reader`, oldest first, from the events."""
    _, notes = replay_with_notes(history_of(await world.events(iid)))
    state = await world.read(world.handlers.load, iid)
    who = principal(reader)
    return [
        {"id": n.id, "body": n.body}
        for n in sorted(notes.values(), key=lambda n: n.version)
        if not n.deleted and n.seen_by(who.party, who.kind, state.provider)
    ]


async def pages(world: World, read: Any, size: int) -> list[dict[str, Any]]:
    """Every page `read(cursor, size)` gives, following next_cursor."""
    out, cursor = [], None
    while True:
        page = await world.read(read, cursor, size)
        out.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return out


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("newest_first", [False, True], ids=["asc", "desc"])
async def test_notes_pages_hold_what_the_rule_shows(
    reading: World, incident: str, reader: str, newest_first: bool
) -> None:
    expected = await expected_notes(reading, incident, reader)
    if newest_first:
        expected.reverse()
    assert len(expected) > VIEW_NOTES  # more than a view page, for everyone
    for size in SIZES:
        got = await pages(
            reading,
            lambda conn, cursor, limit: reading.handlers.reads.notes_page(
                conn, incident, principal(reader), cursor, limit, newest_first
            ),
            size,
        )
        items = [item for page in got for item in page["items"]]
        assert [{"id": n["id"], "body": n["body"]} for n in items] == expected, (reader, size)
        # Full pages while more follow: nobody else's notes shorten a page or add an empty one.
        assert [len(p["items"]) for p in got[:-1]] == [size] * (len(got) - 1)
        assert 0 < len(got[-1]["items"]) <= size
        # A cursor names the last note shown on its page (its version, as the timeline shows).
        versions = await note_versions(reading, incident)
        for page in got[:-1]:
            assert VERSION_CURSOR.decode(page["next_cursor"]) == versions[page["items"][-1]["id"]]


async def note_versions(world: World, iid: str) -> dict[str, int]:
    _, notes = replay_with_notes(history_of(await world.events(iid)))
    return {n.id: n.version for n in notes.values()}


@pytest.mark.parametrize("reader", READERS)
async def test_the_view_holds_the_latest_notes_and_leads_to_the_older(
    reading: World, incident: str, reader: str
) -> None:
    expected = await expected_notes(reading, incident, reader)
    view, _ = await reading.read(reading.handlers.reads.view, incident, principal(reader))
    assert [n["id"] for n in view["notes"]] == [n["id"] for n in expected[-VIEW_NOTES:]]
    path, _, query = view["notes_next"].partition("?")
    assert path == f"/incidents/{incident}/notes" and query.startswith("order=desc&cursor=")
    cursor = query.removeprefix("order=desc&cursor=")
    reads = reading.handlers.reads
    older = await reading.read(reads.notes_page, incident, principal(reader), cursor, 200, True)
    assert [n["id"] for n in reversed(older["items"])] == [n["id"] for n in expected[:-VIEW_NOTES]]


@pytest.mark.parametrize("reader", READERS)
async def test_timeline_pages_hold_what_the_rule_shows(
    reading: World, incident: str, reader: str
) -> None:
    recipient = egress.Recipient(reader, principal(reader).kind)
    expected = [
        s.stream_version
        for s in await reading.events(incident)
        if egress.for_recipient(s.data, s.metadata, recipient) is not None
    ]
    reads = reading.handlers.reads
    whole = await reading.read(reads.timeline, incident, principal(reader), None, 1000)
    assert [t["version"] for t in whole["items"]] == expected and whole["next_cursor"] is None
    for size in (1, 3, 7):
        got = await pages(
            reading,
            lambda conn, cursor, limit: reading.handlers.reads.timeline(
                conn, incident, principal(reader), cursor, limit
            ),
            size,
        )
        assert [t for page in got for t in page["items"]] == whole["items"], (reader, size)
        assert [len(p["items"]) for p in got[:-1]] == [size] * (len(got) - 1)
        for page in got[:-1]:
            assert VERSION_CURSOR.decode(page["next_cursor"]) == page["items"][-1]["version"]


async def test_a_party_not_on_the_incident_gets_no_page(world: World, incident: str) -> None:
    for read in (world.handlers.reads.notes_page, world.handlers.reads.timeline):
        with pytest.raises(DomainError) as refused:
            await world.read(read, incident, principal("umbrella"), None, 10)
        assert refused.value.status == 404


@pytest.mark.parametrize("cursor", ["not-a-cursor", "czotMQ", "czo5OTk5OTk5OTk5OTk5OTk5OTk5"])
async def test_a_crafted_cursor_is_a_400(world: World, incident: str, cursor: str) -> None:
    for read in (world.handlers.reads.notes_page, world.handlers.reads.timeline):
        with pytest.raises(DomainError) as refused:
            await world.read(read, incident, principal("northwind"), cursor, 10)
        assert (refused.value.status, refused.value.kind) == (400, "invalid-cursor")


async def test_a_note_with_a_minted_id_is_not_looked_for_and_a_derived_id_is(world: World):
    """`AddNote.new` (the route's) mints the id, so no note can hold it: one statement fewer.
    An id derived from something else (the outage fan-out's) is looked up: the same id twice is
    refused, not written twice."""
    iid = await world.open()

    def note_lookups(statements: list[str]) -> int:
        return sum("FROM incident_notes" in s and "note_id = $" in s for s in statements)

    with statements_of(world.engine) as statements:
        answer = await world.do("northwind", iid, c.AddNote.new("minted", "shared"))
    assert [n["body"] for n in answer["notes"]] == ["minted"] and note_lookups(statements) == 0

    derived = str(uuid.uuid4())
    with statements_of(world.engine) as statements:
        await world.do("northwind", iid, c.AddNote(derived, "derived", "shared"))
    assert note_lookups(statements) == 1
    with pytest.raises(DomainError) as again:
        await world.do("northwind", iid, c.AddNote(derived, "derived", "shared"))
    assert again.value.status == 409
    assert [n["body"] for n in (await world.do("northwind", iid, c.Acknowledge()))["notes"]] == [
        "minted",
        "derived",
    ]
