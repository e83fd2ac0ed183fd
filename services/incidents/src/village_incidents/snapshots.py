"""Snapshots of the incident's state: a command or a read loads the latest snapshot and the few
events after it, never the whole stream, however many notes the incident has.

A snapshot is a cache of `replay(events)`, written in the command's transaction every
`every` events; the event store stays the truth. A snapshot of another `SCHEMA` (the state's
fields changed, or how it is written) is ignored: the stream is replayed whole once, and the
next command writes a current one. `village-incidents rebuild-read-model` rewrites them all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.db import driver_in_transaction, fetch
from village_platform.eventstore import COLUMNS, EventStore, StoredEvent, stored_event

from .domain.events import CATALOG, IncidentEvent
from .domain.incident import Incident, evolve
from .domain.provenance import Hop, Provenance

# Bump the number when what a field means changes; the fingerprint follows the fields by itself.
SCHEMA = (
    "1:"
    + hashlib.sha256(";".join(f"{f.name}:{f.type}" for f in fields(Incident)).encode()).hexdigest()[
        :12
    ]
)
EVERY = 20  # events between snapshots: a load reads at most EVERY - 1 events after one

_TIMES = ("opened_at", "updated_at", "resolved_at", "closed_at")
# Mappings go as [key, value] pairs: jsonb keeps no key order, and the order of collaborators is
# the order of `Incident.parties` (and so of a note's parties).
_TIMED_PAIRS = ("acknowledged_by", "collaborators")
_TUPLES = ("external_refs", "escalations", "impacts", "chain")


def encode(state: Incident) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(Incident):
        value = getattr(state, f.name)
        if f.name in _TIMES:
            value = value.isoformat() if value is not None else None
        elif f.name in _TIMED_PAIRS:
            value = [[k, t.isoformat()] for k, t in value.items()]
        elif f.name == "note_counts":
            value = [[k, n] for k, n in value.items()]
        elif f.name in _TUPLES:
            value = list(value)
        elif f.name == "provenance":
            value = [hop.as_dict() for hop in value.hops]
        out[f.name] = value
    return out


def decode(data: dict[str, Any]) -> Incident:
    values: dict[str, Any] = {}
    for f in fields(Incident):
        value = data[f.name]
        if f.name in _TIMES:
            value = datetime.fromisoformat(value) if value is not None else None
        elif f.name in _TIMED_PAIRS:
            value = {k: datetime.fromisoformat(t) for k, t in value}
        elif f.name == "note_counts":
            value = {k: n for k, n in value}
        elif f.name in _TUPLES:
            value = tuple(value)
        elif f.name == "provenance":
            value = Provenance(tuple(Hop.from_dict(hop) for hop in value))
        values[f.name] = value
    return Incident(**values)


@dataclass(frozen=True)
class Loaded:
    state: Incident | None
    snapshot_version: int  # 0: no usable snapshot
    events_read: int


# The snapshot (part 0, when there is a current one) and the events after it (part 1) in one
# round trip: every command on an incident begins with this, on the driver (db.fetch).
_LOAD = text(
    "WITH s AS (SELECT version, state FROM incident_snapshots"
    " WHERE incident_id = :id AND schema = :schema)"
    " SELECT 0 AS part, NULL::uuid AS event_id, NULL::text AS stream_id,"
    " version AS stream_version, NULL::text AS type, state AS data, NULL::jsonb AS metadata,"
    " NULL::timestamptz AS recorded_at, NULL::bigint AS position FROM s"
    " UNION ALL"
    f" SELECT 1, {COLUMNS} FROM events WHERE stream_id = :id"
    " AND stream_version > coalesce((SELECT version FROM s), 0)"
    " ORDER BY part, stream_version"
)
_SAVE = (
    "INSERT INTO incident_snapshots (incident_id, version, schema, state)"
    " VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (incident_id) DO UPDATE SET"
    " version = EXCLUDED.version, schema = EXCLUDED.schema, state = EXCLUDED.state"
    " WHERE incident_snapshots.version < EXCLUDED.version"
    " OR incident_snapshots.schema <> EXCLUDED.schema"
)
SAVE_SQL = text(
    "INSERT INTO incident_snapshots (incident_id, version, schema, state)"
    " VALUES (:id, :version, :schema, CAST(:state AS jsonb))"
    " ON CONFLICT (incident_id) DO UPDATE SET version = EXCLUDED.version, schema = EXCLUDED.schema,"
    " state = EXCLUDED.state"
)


def row(state: Incident) -> dict[str, Any]:
    """The snapshot row's parameters for `SAVE_SQL` (rebuilds and migrations)."""
    return {
        "id": state.id,
        "version": state.version,
        "schema": SCHEMA,
        "state": json.dumps(encode(state)),
    }


def history_of(stored: list[StoredEvent]) -> list[tuple[IncidentEvent, Any]]:
    return [(CATALOG.load(s.type, s.data), s.recorded_at) for s in stored]


async def load(conn: AsyncConnection, store: EventStore, incident_id: str) -> Loaded:
    """The incident's latest snapshot and the events after it."""
    rows = await fetch(conn, _LOAD, {"id": incident_id, "schema": SCHEMA})
    state: Incident | None = None
    after = 0
    if rows and rows[0].part == 0:
        snap, rows = rows[0], rows[1:]
        data = snap.data if isinstance(snap.data, dict) else json.loads(snap.data)
        state, after = decode(data), snap.stream_version
    stored = store.events_of(row._mapping for row in rows)
    for event, at in history_of(stored):
        state = evolve(state, event, at)
    return Loaded(state, after, len(stored))


_LOAD_MANY = text(
    "SELECT incident_id, version, state FROM incident_snapshots"
    " WHERE incident_id = ANY(:ids) AND schema = :schema"
)
# Each stream's events after its snapshot's version, one query for all of them.
_EVENTS_AFTER = text(
    f"SELECT {', '.join('e.' + c.strip() for c in COLUMNS.split(','))} FROM events e"
    " JOIN unnest(CAST(:ids AS text[]), CAST(:afters AS integer[])) AS s(id, after)"
    " ON e.stream_id = s.id AND e.stream_version > s.after"
    " ORDER BY e.stream_id, e.stream_version"
)


async def load_many(conn: AsyncConnection, incident_ids: list[str]) -> dict[str, Loaded]:
    """`load` for many incidents in two queries (the outage fan-out's batch); an incident that
    does not exist is left out."""
    snaps = (await conn.execute(_LOAD_MANY, {"ids": incident_ids, "schema": SCHEMA})).all()
    states: dict[str, Incident | None] = dict.fromkeys(incident_ids)
    after = dict.fromkeys(incident_ids, 0)
    for snap in snaps:
        data = snap.state if isinstance(snap.state, dict) else json.loads(snap.state)
        states[snap.incident_id], after[snap.incident_id] = decode(data), snap.version
    rows = await conn.execute(
        _EVENTS_AFTER, {"ids": list(after), "afters": [after[i] for i in after]}
    )
    read = dict.fromkeys(incident_ids, 0)
    for r in rows:
        s = stored_event(r._mapping)
        event = CATALOG.load(s.type, s.data)
        states[s.stream_id] = evolve(states[s.stream_id], event, s.recorded_at)
        read[s.stream_id] += 1
    return {i: Loaded(state, after[i], read[i]) for i, state in states.items() if state is not None}


async def save_many(conn: AsyncConnection, states: list[Incident]) -> None:
    """`save` for many, one pipelined statement."""
    if not states:
        return
    driver = await driver_in_transaction(conn)
    await driver.executemany(
        _SAVE, [(s.id, s.version, SCHEMA, json.dumps(encode(s))) for s in states]
    )


async def save(conn: AsyncConnection, state: Incident) -> None:
    """In the command's transaction, on the driver (the hot path)."""
    driver = await driver_in_transaction(conn)
    await driver.execute(_SAVE, state.id, state.version, SCHEMA, json.dumps(encode(state)))
