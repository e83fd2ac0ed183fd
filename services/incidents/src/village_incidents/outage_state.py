"""Loading a provider incident: its row's state (`provider_incidents.state`, written in every
command's transaction, so a cache of `replay(events)` at the row's version) and the events after
it. However many incidents are linked, a command reads one row and, normally, no event. A state
of another `SCHEMA` (the state's fields changed) is ignored: the stream is replayed whole, and
the next command writes a current one. The event store stays the truth; the rebuild rewrites
every row."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.eventstore import EventStore, StoredEvent

from .domain import events as e
from .domain.provenance import Hop, Provenance
from .domain.provider_incident import ProviderIncident, evolve, stream_of

SCHEMA = (
    "1:"
    + hashlib.sha256(
        ";".join(f"{f.name}:{f.type}" for f in fields(ProviderIncident)).encode()
    ).hexdigest()[:12]
)
_TIMES = ("started_at", "declared_at", "updated_at", "ended_at")
_TUPLES = ("products", "impacted_services", "regions", "messages")


def encode(state: ProviderIncident) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(ProviderIncident):
        value = getattr(state, f.name)
        if f.name in _TIMES:
            value = value.isoformat() if value is not None else None
        elif f.name in _TUPLES:
            value = list(value)
        elif f.name == "swarm":
            value = [hop.as_dict() for hop in value.hops]
        out[f.name] = value
    return out


def decode(data: dict[str, Any]) -> ProviderIncident:
    values: dict[str, Any] = {}
    for f in fields(ProviderIncident):
        value = data[f.name]
        if f.name in _TIMES:
            value = datetime.fromisoformat(value) if value is not None else None
        elif f.name in _TUPLES:
            value = tuple(value)
        elif f.name == "swarm":
            value = Provenance(tuple(Hop.from_dict(hop) for hop in value))
        values[f.name] = value
    return ProviderIncident(**values)


def history_of(stored: list[StoredEvent]) -> list[tuple[e.OutageEvent, Any]]:
    return [(e.CATALOG.load(s.type, s.data), s.recorded_at) for s in stored]  # type: ignore[misc]


_ROW = "SELECT version, schema, state FROM provider_incidents WHERE id = :id"
_READ = text(_ROW)
# A command locks the row first: the commands on one provider incident (hundreds of partners
# linking at once) queue for it instead of racing to append at the same version and losing.
_LOCK = text(_ROW + " FOR UPDATE")


async def load(
    conn: AsyncConnection, store: EventStore, outage_id: str, *, lock: bool = False
) -> ProviderIncident | None:
    """The provider incident as its events leave it (None: there is none); `lock`: for a
    command, which holds the row until it commits."""
    row = (await conn.execute(_LOCK if lock else _READ, {"id": outage_id})).first()
    state: ProviderIncident | None = None
    after = 0
    if row is not None and row.schema == SCHEMA:
        data = row.state if isinstance(row.state, dict) else json.loads(row.state)
        state, after = decode(data), row.version
    for event, at in history_of(await store.load(conn, stream_of(outage_id), after=after)):
        state = evolve(state, event, at)
    return state
