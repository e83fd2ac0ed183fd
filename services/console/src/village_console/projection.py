"""The timeline read model, from every topic: one row per event about an incident, with what the
egress rule needs to decide per viewer; and who is on each incident (for the 404 rule) and at
which tier each party works it. Records, never decides: the rebuild replays exactly these.

An entry keeps the event's description (`ConsumedEvent.description`), not a verdict: who may
read it is decided at read time by platform/egress.py, the one rule."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import ConsumedEvent

RESET = "TRUNCATE timeline, incidents RESTART IDENTITY"

_ENTRY = text(
    "INSERT INTO timeline (incident_id, event_id, occurred_at, source, type, party, tier, data,"
    " metadata, trace_id)"
    " SELECT :i, CAST(:e AS uuid), :at, :source, :type, :party,"
    "  (SELECT tiers->>CAST(:party AS text) FROM incidents WHERE incident_id = :i),"
    "  CAST(:data AS jsonb), CAST(:meta AS jsonb), :trace"
    " ON CONFLICT (incident_id, event_id) DO NOTHING"
)
_OPENED = text(
    "INSERT INTO incidents (incident_id, chain) VALUES (:i, :chain)"
    " ON CONFLICT (incident_id) DO UPDATE SET chain = excluded.chain"
)
_KNOWN = text("INSERT INTO incidents (incident_id) VALUES (:i) ON CONFLICT DO NOTHING")
_JOINED = text(
    "UPDATE incidents SET collaborators ="
    " array_append(array_remove(collaborators, CAST(:p AS text)), CAST(:p AS text))"
    " WHERE incident_id = :i"
)
_LEFT = text(
    "UPDATE incidents SET collaborators = array_remove(collaborators, CAST(:p AS text))"
    " WHERE incident_id = :i"
)
_TIER = text(
    "INSERT INTO incidents (incident_id, tiers)"
    " VALUES (:i, jsonb_build_object(CAST(:p AS text), CAST(:t AS text)))"
    " ON CONFLICT (incident_id) DO UPDATE SET tiers = incidents.tiers || excluded.tiers"
)


def incident_of(event: ConsumedEvent) -> str | None:
    """The incident an event is about: its stream, for the incident's own events; else the
    `incident_id` its data names (SLA clocks, decisions, suggestions); None: about no incident
    (a contract, an article, the directory)."""
    if event.type.startswith("village.incident."):
        return event.stream_id
    found = event.data.get("incident_id")
    return found if isinstance(found, str) else None


def trace_id(traceparent: str | None) -> str | None:
    """The trace id of a W3C traceparent (`00-<trace id>-<span id>-<flags>`)."""
    if traceparent and traceparent.count("-") == 3:
        return traceparent.split("-")[1]
    return None


def description(event: ConsumedEvent) -> dict[str, Any]:
    """What the egress rule reads of the event, as stored with its entry."""
    meta = {k: v for k, v in event.description.items() if v is not None}
    meta["parties"] = sorted(set(event.parties))
    if event.redacted:  # the bare fact is all the console holds (a sealed event)
        meta["redacted"] = True
    return meta


async def entry(conn: AsyncConnection, event: ConsumedEvent) -> None:
    """One timeline row, stamped with the acting party's tier on the incident at the time."""
    incident = incident_of(event)
    if incident is None:
        return
    await conn.execute(
        _ENTRY,
        {
            "i": incident,
            "e": event.id,
            "at": event.time,
            "source": event.source,
            "type": event.type,
            "party": event.actor_party,
            "data": json.dumps(event.data),
            "meta": json.dumps(description(event)),
            "trace": trace_id(event.traceparent),
        },
    )


def chain(opened: Mapping[str, Any]) -> list[str]:
    """Everyone on the incident's chain: `chain`, and the three always on it."""
    named = [opened[k] for k in ("customer", "partner", "provider") if opened.get(k)]
    return list(dict.fromkeys([*(opened.get("chain") or ()), *named]))


async def opened(conn: AsyncConnection, event: ConsumedEvent) -> None:
    await conn.execute(_OPENED, {"i": event.stream_id, "chain": chain(event.data)})
    await entry(conn, event)


async def invited(conn: AsyncConnection, event: ConsumedEvent) -> None:
    await conn.execute(_KNOWN, {"i": event.stream_id})
    await conn.execute(_JOINED, {"i": event.stream_id, "p": event.data["partner"]})
    await entry(conn, event)


async def revoked(conn: AsyncConnection, event: ConsumedEvent) -> None:
    await conn.execute(_LEFT, {"i": event.stream_id, "p": event.data["partner"]})
    await entry(conn, event)


async def assigned(conn: AsyncConnection, event: ConsumedEvent) -> None:
    """A party takes the incident at a tier: its entries carry that tier from now on (this one
    too, when the party assigned itself)."""
    tier = {"i": event.stream_id, "p": event.data["party"], "t": event.data["tier"]}
    if event.actor_party == event.data["party"]:
        await conn.execute(_TIER, tier)
        await entry(conn, event)
    else:
        await entry(conn, event)
        await conn.execute(_TIER, tier)


async def escalated(conn: AsyncConnection, event: ConsumedEvent) -> None:
    """The entry is the escalating tier's; the receiving party works the incident at its tier."""
    data = event.data
    await entry(conn, event)
    await conn.execute(_TIER, {"i": event.stream_id, "p": data["to_party"], "t": data["to_tier"]})
