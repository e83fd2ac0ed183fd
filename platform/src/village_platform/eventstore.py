"""Append-only event store on PostgreSQL.

Streams are ordered by `stream_version` (unique per stream: optimistic concurrency); the global
order is `position`, assigned by the relay in transaction order so that no reader of the feed
can ever skip an event that committed late (see relay.py).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import Clock


class ConcurrencyError(Exception):
    """The stream moved on since the caller read it."""

    def __init__(self, stream_id: str, expected: int, actual: int | None = None) -> None:
        super().__init__(f"stream {stream_id} is not at version {expected}")
        self.stream_id, self.expected, self.actual = stream_id, expected, actual


@dataclass(frozen=True)
class NewEvent:
    type: str
    data: dict[str, Any]
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    # Per-event metadata (e.g. its visibility), merged over the batch's shared metadata.
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEvent:
    event_id: uuid.UUID
    stream_id: str
    stream_version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime
    position: int | None = None

    def as_feed_item(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "id": str(self.event_id),
            "stream_id": self.stream_id,
            "stream_version": self.stream_version,
            "type": self.type,
            "data": self.data,
            "metadata": self.metadata,
            "recorded_at": self.recorded_at.isoformat(),
        }


_COLUMNS = "event_id, stream_id, stream_version, type, data, metadata, recorded_at, position"

_INSERT = text(
    "INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata, recorded_at)"
    " VALUES (:event_id, :stream_id, :stream_version, :type,"
    " CAST(:data AS jsonb), CAST(:metadata AS jsonb), :recorded_at)"
    " ON CONFLICT (event_id) DO NOTHING"
)


def _row_to_event(row: Any) -> StoredEvent:
    data, metadata = row.data, row.metadata
    return StoredEvent(
        event_id=row.event_id,
        stream_id=row.stream_id,
        stream_version=row.stream_version,
        type=row.type,
        data=data if isinstance(data, dict) else json.loads(data),
        metadata=metadata if isinstance(metadata, dict) else json.loads(metadata),
        recorded_at=row.recorded_at,
        position=row.position,
    )


class EventStore:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def append(
        self,
        conn: AsyncConnection,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        metadata: dict[str, Any],
    ) -> list[StoredEvent]:
        """Append `events` after `expected_version` inside the caller's transaction.

        Re-appending event ids that are already stored is a no-op that returns the stored
        events; a stale `expected_version` raises ConcurrencyError.
        """
        if not events:
            return []
        ids = [e.event_id for e in events]
        existing = await self._by_ids(conn, ids)
        if existing:
            if len(existing) == len(ids):
                return existing
            raise ConcurrencyError(stream_id, expected_version)
        now = self.clock.now()
        metas = [{**metadata, **e.metadata} for e in events]
        rows = [
            {
                "event_id": e.event_id,
                "stream_id": stream_id,
                "stream_version": expected_version + i,
                "type": e.type,
                "data": json.dumps(e.data),
                "metadata": json.dumps(metas[i - 1]),
                "recorded_at": now,
            }
            for i, e in enumerate(events, start=1)
        ]
        try:
            # A savepoint keeps the caller's transaction usable after a conflict.
            async with conn.begin_nested():
                await conn.execute(_INSERT, rows)
        except IntegrityError as exc:
            raise ConcurrencyError(stream_id, expected_version) from exc
        return [
            StoredEvent(
                event_id=e.event_id,
                stream_id=stream_id,
                stream_version=expected_version + i,
                type=e.type,
                data=e.data,
                metadata=metas[i - 1],
                recorded_at=now,
            )
            for i, e in enumerate(events, start=1)
        ]

    async def load(self, conn: AsyncConnection, stream_id: str) -> list[StoredEvent]:
        result = await conn.execute(
            text(f"SELECT {_COLUMNS} FROM events WHERE stream_id = :s ORDER BY stream_version"),
            {"s": stream_id},
        )
        return [_row_to_event(r) for r in result]

    async def _by_ids(self, conn: AsyncConnection, ids: list[uuid.UUID]) -> list[StoredEvent]:
        result = await conn.execute(
            text(f"SELECT {_COLUMNS} FROM events WHERE event_id = ANY(:ids) ORDER BY stream_version"),
            {"ids": ids},
        )
        return [_row_to_event(r) for r in result]

    async def read_published(
        self,
        conn: AsyncConnection,
        after: int,
        limit: int,
        *,
        party: str | None = None,
        party_kind: str | None = None,
        stream_id: str | None = None,
    ) -> list[StoredEvent]:
        """The feed: published events in global order, optionally only what `party` may see."""
        clauses = ["position > :after"]
        params: dict[str, Any] = {"after": after, "limit": limit}
        if stream_id is not None:
            clauses.append("stream_id = :stream_id")
            params["stream_id"] = stream_id
        if party is not None:
            clauses.append(VISIBLE_TO_PARTY_SQL)
            params["party"] = party
            params["customer"] = party_kind == "customer"
        result = await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM events WHERE {' AND '.join(clauses)}"
                " ORDER BY position LIMIT :limit"
            ),
            params,
        )
        return [_row_to_event(r) for r in result]


# Event metadata carries who may see the event: `parties` (everyone on the incident when it
# happened) and `visibility` (internal: the actor's party; restricted: not customers; shared).
VISIBLE_TO_PARTY_SQL = (
    "(metadata->'parties' ? :party AND ("
    " metadata->>'visibility' = 'shared'"
    " OR (metadata->>'visibility' = 'restricted' AND NOT :customer)"
    " OR (metadata->>'visibility' = 'internal' AND metadata->>'actor_party' = :party)))"
)


def visible_to(metadata: dict[str, Any], party: str, party_kind: str) -> bool:
    """The Python twin of VISIBLE_TO_PARTY_SQL, for consumers and the timeline."""
    if party not in metadata.get("parties", []):
        return False
    visibility = metadata.get("visibility", "shared")
    if visibility == "shared":
        return True
    if visibility == "restricted":
        return party_kind != "customer"
    return metadata.get("actor_party") == party
