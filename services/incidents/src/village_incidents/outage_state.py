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
        values[f.name] = value
    return ProviderIncident(**values)


def history_of(stored: list[StoredEvent]) -> list[tuple[e.OutageEvent, Any]]:
    return [(e.CATALOG.load(s.type, s.data), s.recorded_at) for s in stored]  # type: ignore[misc]


_ROW = text("SELECT version, state FROM provider_incidents WHERE id = :id AND schema = :schema")


async def load(conn: AsyncConnection, store: EventStore, outage_id: str) -> ProviderIncident | None:
    """The provider incident as its events leave it (None: there is none)."""
    row = (await conn.execute(_ROW, {"id": outage_id, "schema": SCHEMA})).first()
    state: ProviderIncident | None = None
    after = 0
    if row is not None:
        data = row.state if isinstance(row.state, dict) else json.loads(row.state)
        state, after = decode(data), row.version
    for event, at in history_of(await store.load(conn, stream_of(outage_id), after=after)):
        state = evolve(state, event, at)
    return state
