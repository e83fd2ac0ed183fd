"""The knowledge consumer's fetch applied in one transaction (`Streams.applying_many`) stores
exactly what one transaction per event stores (real PostgreSQL): the incidents' facts, shared
notes, suggestions, solves, the draft proposed from a resolution, and every event with its id,
version and metadata."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from test_knowledge_providers import (
    CHAIN,
    WORDS,
    KnowledgeWorld,
    incident_event,
    opened,
    world,
)

from village_knowledge import consumer, fetch
from village_knowledge.domain.events import ArticleLinked
from village_knowledge.streams import ARTICLE_STREAM, event_id
from village_platform.applier import APPLIED, Applier, ConsumedEvent
from village_platform.envelope import Metadata

__all__ = ["world"]  # the module's fixture: its published articles of acme and globex


def story(world: KnowledgeWorld, provider: str, chain: list[str] | None) -> list[ConsumedEvent]:
    """An incident's life as the consumer meets it: opened, notes shared and not, a collaborator,
    resolved by its partner (solves, a draft), reopened, resolved again, closed."""
    first = opened(str(uuid.uuid4()), provider, chain, world.clock.now())
    incident_id, parties = first.stream_id, first.parties
    note = {
        "note_id": "n1",
        "body": "Rekey timers differ on both ends.",
        "note_visibility": "shared",
    }
    resolved = {"resolution_code": "config", "resolution_notes": "Aligned the rekey timers."}
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("note_added", note, "shared"),
        ("note_added", {**note, "note_id": "n2", "note_visibility": "internal"}, "internal"),
        ("collaborator_invited", {"partner": "contoso"}, "shared"),
        ("note_edited", {**note, "body": "Rekey timers aligned."}, "shared"),
        ("note_added", {**note, "note_id": "n3", "body": "Customer confirmed."}, "shared"),
        ("note_deleted", {"note_id": "n3"}, "shared"),
        ("resolved", resolved, "shared"),
        ("reopened", {"reason": "flapped again"}, "shared"),
        ("resolved", {**resolved, "resolution_notes": "Replaced the firmware."}, "shared"),
        ("closed", {}, "shared"),
    ]
    return [first] + [
        incident_event(incident_id, version, name, data, world.clock.now(), parties, visibility)
        for version, (name, data, visibility) in enumerate(steps, start=2)
    ]


async def link(world: KnowledgeWorld, incident_id: str, article_id: str) -> None:
    """An article linked to the incident, as the API's link does (a fixed event id)."""
    event = ArticleLinked(incident_id, article_id, WORDS, "northwind")
    meta = {"visibility": "shared", "parties": ["northwind"]}
    async with world.engine.begin() as conn:
        await world.reactions.streams.append_incident(
            conn,
            incident_id,
            [event.new(meta, event_id(incident_id, article_id, "linked"))],
            Metadata(actor_party="northwind", actor_kind="partner", actor_user="nina"),
        )


async def stored(world: KnowledgeWorld, ids: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the incidents left (shared notes in their order, not their serial numbers)."""
    drafts = [str(event_id(i, "draft")) for i in ids]
    streams = [*ids, *(ARTICLE_STREAM.format(d) for d in drafts)]
    queries = {
        "incidents": "SELECT * FROM incidents WHERE incident_id = ANY(:i) ORDER BY incident_id",
        "notes": "SELECT incident_id, note_id, body FROM shared_notes WHERE incident_id = ANY(:i)"
        " ORDER BY incident_id, seq",
        "suggestions": "SELECT * FROM suggestions WHERE incident_id = ANY(:i)"
        " ORDER BY incident_id, article_id",
        "links": "SELECT * FROM links WHERE incident_id = ANY(:i) ORDER BY incident_id",
        "solves": "SELECT * FROM solves WHERE incident_id = ANY(:i) ORDER BY incident_id",
        "drafts": "SELECT * FROM articles WHERE CAST(article_id AS text) = ANY(:d)"
        " ORDER BY article_id",
        "versions": "SELECT * FROM article_versions WHERE CAST(article_id AS text) = ANY(:d)"
        " ORDER BY article_id, version",
        "events": "SELECT event_id, stream_id, stream_version, type, data, metadata, recorded_at"
        " FROM events WHERE stream_id = ANY(:s) ORDER BY stream_id, stream_version",
    }
    async with world.engine.connect() as conn:
        return {
            name: [
                tuple(r) for r in await conn.execute(text(q), {"i": ids, "d": drafts, "s": streams})
            ]
            for name, q in queries.items()
        }


async def forget(conn: AsyncConnection, ids: list[str]) -> None:
    drafts = [str(event_id(i, "draft")) for i in ids]
    streams = [*ids, *(ARTICLE_STREAM.format(d) for d in drafts)]
    await conn.execute(text("DELETE FROM events WHERE stream_id = ANY(:s)"), {"s": streams})
    for table in ("incidents", "shared_notes", "suggestions", "links", "solves"):
        await conn.execute(text(f"DELETE FROM {table} WHERE incident_id = ANY(:i)"), {"i": ids})
    for table in ("article_versions", "articles"):
        await conn.execute(
            text(f"DELETE FROM {table} WHERE CAST(article_id AS text) = ANY(:d)"), {"d": drafts}
        )


async def test_a_fetch_applied_in_one_transaction_equals_one_by_one(
    world: KnowledgeWorld,
) -> None:
    """Two incidents interleaved in one fetch, one of them opened and linked before it, with a
    duplicate delivery and a replay in it: the batch (facts and suggestions kept for the fetch,
    written once; a resolution writes what is kept first, then reads) leaves every row and event
    exactly as one transaction per event does."""
    a, b = story(world, "acme", None), story(world, "globex", CHAIN)
    ids = [a[0].stream_id, b[0].stream_id]
    routes = consumer.routes(world.reactions)
    one_by_one = Applier("knowledge-fetch", world.engine, routes, world.clock)
    for event in a[:2]:
        assert await one_by_one.apply(event) == APPLIED
    await link(world, ids[0], world.articles["acme-partners"])
    for event in a[2:] + b:
        assert await one_by_one.apply(event) == APPLIED
    expected = await stored(world, ids)
    assert len(expected["suggestions"]) == 6 and len(expected["solves"]) == 1
    assert len(expected["drafts"]) == 2 and [n[1] for n in expected["notes"]] == ["n1", "n1"]

    async with world.engine.begin() as conn:
        await forget(conn, ids)
        await one_by_one.forget(conn)
    batched = Applier(
        "knowledge-fetch",
        world.engine,
        routes,
        world.clock,
        batch_scope=world.reactions.streams.applying_many,
    )
    for event in a[:2]:  # stored before the fetch
        assert await batched.apply(event) == APPLIED
    await link(world, ids[0], world.articles["acme-partners"])
    interleaved = [e for pair in zip(a[2:], b, strict=False) for e in pair] + b[len(a) - 2 :]
    assert await batched.apply_many([a[1], *interleaved[:5], interleaved[3], *interleaved[5:]])
    assert fetch.current.get() is None  # the fetch's changes are gone with its transaction
    assert await stored(world, ids) == expected
