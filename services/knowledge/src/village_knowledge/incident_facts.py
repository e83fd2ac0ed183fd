"""The incident read model, from the incidents topic: who is on each incident, the facts of its
opening, its status, and its shared notes (for a draft proposed from it). Records, never decides:
the rebuild replays exactly these (consumer.fact_routes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import ConsumedEvent
from village_platform.envelope import event_name

from . import fetch

# Who is on an incident comes from what the incident's events say of it (opened: everyone on its
# chain; a collaborator invited or revoked), never from an event's audience: the revocation itself
# takes the partner off, so nothing of the incident reaches it from then on. An incident first met
# after its opening starts from that event's audience.
_UPSERT_INCIDENT = text(
    "INSERT INTO incidents (incident_id, parties, customer, partner, provider, title, description,"
    " product, status)"
    " VALUES (:i, :parties, :customer, :partner, :provider, :title, :description, :product,"
    " :status)"
    " ON CONFLICT (incident_id) DO UPDATE SET"
    " parties = CASE WHEN :opened THEN excluded.parties"
    "   WHEN CAST(:joined AS text) IS NOT NULL"
    "     THEN array_append(array_remove(incidents.parties, :joined), :joined)"
    "   WHEN CAST(:left AS text) IS NOT NULL THEN array_remove(incidents.parties, :left)"
    "   ELSE incidents.parties END,"
    " customer = coalesce(excluded.customer, incidents.customer),"
    " partner = coalesce(excluded.partner, incidents.partner),"
    " provider = coalesce(excluded.provider, incidents.provider),"
    " title = coalesce(excluded.title, incidents.title),"
    " description = coalesce(excluded.description, incidents.description),"
    " product = coalesce(excluded.product, incidents.product),"
    " status = coalesce(excluded.status, incidents.status)"
)
_STATUS = {
    "resolved": "resolved",
    "closed": "closed",
    "reopened": "reopened",
    "cancelled": "cancelled",
    "opened": "new",
}
_KEEP_NOTE = text(
    "INSERT INTO shared_notes (incident_id, note_id, body) VALUES (:i, :n, :b)"
    " ON CONFLICT (incident_id, note_id) DO UPDATE SET body = excluded.body"
)
_FORGET_NOTE = text("DELETE FROM shared_notes WHERE incident_id = :i AND note_id = :n")


def chain(opened: Mapping[str, Any]) -> list[str]:
    """Everyone on the incident's chain, from its `opened` data: the customer, the owning partner,
    every supplier between them and the provider (`chain`); an event from before chains names
    the three (always on it, whatever the chain says)."""
    named = [opened[k] for k in ("customer", "partner", "provider") if opened.get(k)]
    return list(dict.fromkeys([*(opened.get("chain") or ()), *named]))


async def record(conn: AsyncConnection, event: ConsumedEvent) -> None:
    """Who is on the incident, the opening's facts, its status."""
    name, data = event_name(event.type), event.data
    opened = data if name == "opened" else {}
    members = chain(opened) if opened else event.parties
    row = {
        "i": event.stream_id,
        "parties": sorted(set(members)),
        "customer": opened.get("customer"),
        "partner": opened.get("partner"),
        "provider": opened.get("provider"),
        "title": opened.get("title"),
        "description": opened.get("description"),
        "product": opened.get("product"),
        "status": _STATUS.get(name),
        "opened": bool(opened),
        "joined": data.get("partner") if name == "collaborator_invited" else None,
        "left": data.get("partner") if name == "collaborator_revoked" else None,
    }
    kept = fetch.current.get()
    if kept is not None:
        kept.facts.append(row)  # written at the fetch's end (record_many)
    else:
        await conn.execute(_UPSERT_INCIDENT, row)


async def record_many(conn: AsyncConnection, facts: list[dict[str, Any]]) -> None:
    """A fetch's facts in one statement (executed for each, in order), sorted by incident (a
    stable sort: each incident's in order): two transactions lock incidents in the same order."""
    if facts:
        await conn.execute(_UPSERT_INCIDENT, sorted(facts, key=lambda f: f["i"]))


async def note_written(conn: AsyncConnection, event: ConsumedEvent) -> None:
    """A note added or edited: kept while it is shared, never otherwise (nor an older shared text
    of it)."""
    await record(conn, event)
    note = {"i": event.stream_id, "n": event.data["note_id"]}
    if event.data.get("note_visibility") == "shared" and event.visibility == "shared":
        await conn.execute(_KEEP_NOTE, {**note, "b": event.data["body"]})
    else:
        await conn.execute(_FORGET_NOTE, note)


async def note_deleted(conn: AsyncConnection, event: ConsumedEvent) -> None:
    await record(conn, event)
    await conn.execute(_FORGET_NOTE, {"i": event.stream_id, "n": event.data["note_id"]})
