"""Append-only event store on PostgreSQL.

Streams are ordered by `stream_version` (unique per stream: optimistic concurrency); the global
order is `position`, assigned by the relay in transaction order so that no reader of the feed
can ever skip an event that committed late (see relay.py). `append` checks the expected version
against the stream's head, so a stream never has holes, and gives each row the ordering key
the relay needs to keep per-stream order (`tx_id`, see `_INSERT`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import Clock
from .db import driver_of
from .egress import VISIBLE_SQL, Recipient, sql_params


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


COLUMNS = "event_id, stream_id, stream_version, type, data, metadata, recorded_at, position"

# The whole append in one statement (the fast path): the head check is part of the INSERT, and
# ON CONFLICT DO NOTHING (every unique key: event id, stream version) skips instead of raising,
# so no savepoint is needed to keep the caller's transaction usable. Fewer rows back than events
# means a conflict or a retry; `append` then works out which.
# `tx_id` is the relay's ordering key: the writing transaction's id, raised to the key of the
# version it follows when that one was written by a younger transaction. Per-stream order on
# the topic depends on it: the relay publishes in (tx_id, id) order, and a transaction may take
# its xid (any earlier write) before reading the stream and appending after a younger one.
# Rows are inserted in version order, so `id` follows the version within the append.
# Positional, run on the asyncpg connection under the caller's SQLAlchemy transaction: the hot
# path of every command, so it skips SQLAlchemy's statement and result processing.
_INSERT = (
    "INSERT INTO events"
    " (event_id, stream_id, stream_version, type, data, metadata, recorded_at, tx_id)"
    " SELECT e.event_id, $1, $2 + e.ord::integer, e.type, CAST(e.data AS jsonb),"
    " CAST(e.metadata AS jsonb), $3,"
    " greatest(pg_current_xact_id(), coalesce(head.tx_id, CAST('0' AS xid8)))"
    " FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[])"
    " WITH ORDINALITY AS e(event_id, type, data, metadata, ord)"
    " LEFT JOIN LATERAL (SELECT stream_version, tx_id FROM events WHERE stream_id = $1"
    " ORDER BY stream_version DESC LIMIT 1) AS head ON true"
    " WHERE coalesce(head.stream_version, 0) = $2"
    " ORDER BY e.ord"
    " ON CONFLICT DO NOTHING"
    " RETURNING event_id"
)
# Many streams in one statement (rebuilds, bulk loads): each row names its stream and its place
# after that stream's head (looked up once per stream); the same ordering key as _INSERT. A
# racing append to one of the streams makes the unique (stream_id, stream_version) key fail the
# whole statement.
_INSERT_STREAMS = (
    "WITH e AS (SELECT * FROM unnest("
    "$2::uuid[], $3::text[], $4::integer[], $5::text[], $6::text[], $7::text[])"
    " AS e(event_id, stream_id, ord, type, data, metadata)),"
    " heads AS (SELECT s.stream_id, h.stream_version, h.tx_id"
    " FROM (SELECT DISTINCT stream_id FROM e) AS s"
    " LEFT JOIN LATERAL (SELECT stream_version, tx_id FROM events WHERE stream_id = s.stream_id"
    " ORDER BY stream_version DESC LIMIT 1) AS h ON true)"
    " INSERT INTO events"
    " (event_id, stream_id, stream_version, type, data, metadata, recorded_at, tx_id)"
    " SELECT e.event_id, e.stream_id, coalesce(heads.stream_version, 0) + e.ord, e.type,"
    " CAST(e.data AS jsonb), CAST(e.metadata AS jsonb), $1,"
    " greatest(pg_current_xact_id(), coalesce(heads.tx_id, CAST('0' AS xid8)))"
    " FROM e JOIN heads ON heads.stream_id = e.stream_id"
    " ORDER BY e.stream_id, e.ord"
)
_BIG_APPEND = 2_000
# Many streams in one statement, each at the version its writer read it at (a batch of commands
# to many streams, one transaction): `_INSERT`'s head check and ordering key per stream. A stream
# that moved on (or a racing insert of one of its rows) inserts fewer rows than asked: the
# caller's transaction is then a conflict as a whole.
_INSERT_AT = (
    "WITH e AS (SELECT * FROM unnest("
    "$2::uuid[], $3::text[], $4::integer[], $5::integer[], $6::text[], $7::text[], $8::text[])"
    " AS e(event_id, stream_id, expected, ord, type, data, metadata)),"
    " heads AS (SELECT s.stream_id, h.stream_version, h.tx_id"
    " FROM (SELECT DISTINCT stream_id FROM e) AS s"
    " LEFT JOIN LATERAL (SELECT stream_version, tx_id FROM events WHERE stream_id = s.stream_id"
    " ORDER BY stream_version DESC LIMIT 1) AS h ON true)"
    " INSERT INTO events"
    " (event_id, stream_id, stream_version, type, data, metadata, recorded_at, tx_id)"
    " SELECT e.event_id, e.stream_id, e.expected + e.ord, e.type,"
    " CAST(e.data AS jsonb), CAST(e.metadata AS jsonb), $1,"
    " greatest(pg_current_xact_id(), coalesce(heads.tx_id, CAST('0' AS xid8)))"
    " FROM e JOIN heads ON heads.stream_id = e.stream_id"
    " WHERE coalesce(heads.stream_version, 0) = e.expected"
    " ORDER BY e.stream_id, e.ord"
    " ON CONFLICT DO NOTHING"
    " RETURNING stream_id"
)
# Which of the given event ids are stored: their places in the list (1-based), in one array.
_STORED_PLACES = text(
    "SELECT array_agg(u.i) FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS u(id, i)"
    " WHERE EXISTS (SELECT 1 FROM events WHERE event_id = u.id)"
)
_HEAD = text("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = :s")
_SOME_IDS = "SELECT event_id FROM events LIMIT $1"
_UNDO = text("DELETE FROM events WHERE event_id = ANY(:ids)")


def _json(value: Any) -> str:
    """JSON text for a jsonb parameter (the database normalises it: spacing does not matter)."""
    return to_json(value).decode()


def stored_event(row: Mapping[str, Any]) -> StoredEvent:
    """A stored event from an events row: an SQLAlchemy row's `._mapping` or an asyncpg Record.

    jsonb arrives decoded on SQLAlchemy's connections (its dialect installs a codec) and as text
    on bare asyncpg ones.
    """
    data, metadata = row["data"], row["metadata"]
    return StoredEvent(
        event_id=row["event_id"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        type=row["type"],
        data=data if isinstance(data, dict) else json.loads(data),
        metadata=metadata if isinstance(metadata, dict) else json.loads(metadata),
        recorded_at=row["recorded_at"],
        position=row["position"],
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
        recorded_at: datetime | None = None,
        *,
        autocommit: bool = False,
    ) -> list[StoredEvent]:
        """Append `events` after `expected_version` inside the caller's transaction.

        With `autocommit` (one event, a connection outside any transaction) the append is a
        statement on its own, atomic by itself, in one round trip: for writers that record an
        event and nothing else. (More events could be partly inserted by a racing append and
        seen by the relay before being taken back, so they need a transaction.)

        Re-appending event ids that are already stored is a no-op that returns the stored
        events; a stale `expected_version` raises ConcurrencyError.
        """
        if not events:
            return []
        if autocommit and len(events) != 1:
            raise ValueError("an autocommit append takes exactly one event")
        ids = [e.event_id for e in events]
        now = recorded_at or self.clock.now()
        metas = [{**metadata, **e.metadata} for e in events]
        args = (
            stream_id,
            expected_version,
            now,
            ids,
            [e.type for e in events],
            [json.dumps(e.data) for e in events],
            [json.dumps(m) for m in metas],
        )
        driver = await driver_of(conn)
        if driver.is_in_transaction() or autocommit:
            inserted = [r["event_id"] for r in await driver.fetch(_INSERT, *args)]
        else:  # SQLAlchemy begins its transaction lazily: let it, on this first statement
            inserted = list((await conn.exec_driver_sql(_INSERT, args)).scalars())
        if len(inserted) != len(ids):
            # Slow path. Take back a partial insert (only possible when a concurrent append
            # raced us on some rows), then: a retry of a stored append, or a conflict.
            if inserted:
                await conn.execute(_UNDO, {"ids": list(inserted)})
            existing = await self._by_ids(conn, ids)
            if existing:
                return self._idempotent(stream_id, expected_version, ids, existing)
            actual = await self.head(conn, stream_id)
            # Behind is a stale read; ahead would leave a hole in the stream. Both conflict.
            raise ConcurrencyError(stream_id, expected_version, actual)
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

    async def append_streams(
        self,
        conn: AsyncConnection,
        appends: Mapping[str, Sequence[NewEvent]],
        metadata: dict[str, Any],
        recorded_at: datetime | None = None,
    ) -> int:
        """Append to many streams in one statement, each after its current head, inside the
        caller's transaction; event ids already stored are skipped. For writers that own the
        streams for the moment (a rebuild with the consumer stopped): a concurrent append to
        one of them fails the statement rather than interleaving. Returns how many it stored."""
        ids = [e.event_id for events in appends.values() for e in events]
        if not ids:
            return 0
        stored = set(await conn.scalar(_STORED_PLACES, {"ids": ids}) or ())
        event_ids, streams, ords, types, data, metas = [], [], [], [], [], []
        shared: dict[int, str] = {}  # per-event metadata objects are often shared: encode each once
        place = 0
        for stream_id, events in appends.items():
            ord_ = 0
            for e in events:
                place += 1
                if place in stored:
                    continue
                ord_ += 1
                meta = shared.get(id(e.metadata))
                if meta is None:
                    meta = shared[id(e.metadata)] = _json({**metadata, **e.metadata})
                event_ids.append(e.event_id)
                streams.append(stream_id)
                ords.append(ord_)
                types.append(e.type)
                data.append(_json(e.data))
                metas.append(meta)
        if not event_ids:
            return 0
        args = (recorded_at or self.clock.now(), event_ids, streams, ords, types, data, metas)
        if len(event_ids) > _BIG_APPEND:
            # A rebuild appends tens of thousands at once: sorted in memory, not spilled to disk.
            await conn.exec_driver_sql("SET LOCAL work_mem = '128MB'")
        await conn.exec_driver_sql(_INSERT_STREAMS, args)
        return len(event_ids)

    async def append_at(
        self,
        conn: AsyncConnection,
        appends: Sequence[tuple[str, int, Sequence[NewEvent]]],
        recorded_at: datetime | None = None,
    ) -> None:
        """Append to many streams in one statement inside the caller's transaction (begun),
        each `(stream_id, expected_version, events)` after the version its writer read; each
        event carries its whole metadata. Any stream not at its expected version raises
        ConcurrencyError (for the first such stream) and leaves the transaction to be rolled
        back: a batch of commands is decided again as a whole, never half appended."""
        event_ids, streams, expected, ords, types, data, metas = [], [], [], [], [], [], []
        wanted: dict[str, tuple[int, int]] = {}
        for stream_id, version, events in appends:
            if stream_id in wanted:
                raise ValueError(f"stream {stream_id} named twice in one append")
            wanted[stream_id] = (version, len(events))
            for i, e in enumerate(events, start=1):
                event_ids.append(e.event_id)
                streams.append(stream_id)
                expected.append(version)
                ords.append(i)
                types.append(e.type)
                data.append(_json(e.data))
                metas.append(_json(e.metadata))
        if not event_ids:
            return
        args = (recorded_at or self.clock.now(), event_ids, streams, expected, ords, types, data)
        driver = await driver_of(conn)
        if driver.is_in_transaction():
            rows = [r["stream_id"] for r in await driver.fetch(_INSERT_AT, *args, metas)]
        else:  # SQLAlchemy begins its transaction lazily: let it, on this first statement
            rows = list((await conn.exec_driver_sql(_INSERT_AT, (*args, metas))).scalars())
        inserted: dict[str, int] = {}
        for stream_id in rows:
            inserted[stream_id] = inserted.get(stream_id, 0) + 1
        for stream_id, (version, count) in wanted.items():
            if inserted.get(stream_id, 0) != count:
                raise ConcurrencyError(stream_id, version, await self.head(conn, stream_id))

    @staticmethod
    def _idempotent(
        stream_id: str, expected_version: int, ids: list[uuid.UUID], existing: list[StoredEvent]
    ) -> list[StoredEvent]:
        """A retried append: the stored events if it is the very same append, else a conflict."""
        if len(existing) == len(ids) and all(e.stream_id == stream_id for e in existing):
            return existing
        raise ConcurrencyError(stream_id, expected_version)

    async def stored_ids(self, conn: AsyncConnection, limit: int) -> set[uuid.UUID]:
        """Up to `limit` ids of stored events: a writer that would append many events again (a
        rebuild) leaves out those among them, and append_streams still skips any other."""
        return {row[0] for row in await (await driver_of(conn)).fetch(_SOME_IDS, limit)}

    async def head(self, conn: AsyncConnection, stream_id: str) -> int:
        """The stream's current version (0: no events)."""
        return int((await conn.execute(_HEAD, {"s": stream_id})).scalar_one())

    async def load(
        self,
        conn: AsyncConnection,
        stream_id: str,
        *,
        after: int = 0,
        until: int | None = None,
        limit: int | None = None,
        recipient: Recipient | None = None,
    ) -> list[StoredEvent]:
        """The stream's events after version `after` (a snapshot's, a page's) and up to `until`,
        in order, at most `limit`; for a party `recipient`, only what it may see (the egress
        rule's SQL twin, before the LIMIT), as stored (egress.for_recipient gives its outbound
        form)."""
        clauses = ["stream_id = :s"]
        params: dict[str, Any] = {"s": stream_id}
        if after:
            clauses.append("stream_version > :after")
            params["after"] = after
        if until is not None:
            clauses.append("stream_version <= :until")
            params["until"] = until
        if recipient is not None and not recipient.is_service:
            clauses.append(VISIBLE_SQL)
            params.update(sql_params(recipient))
        page = ""
        if limit is not None:
            page = " LIMIT :limit"
            params["limit"] = limit
        result = await conn.execute(
            text(
                f"SELECT {COLUMNS} FROM events WHERE {' AND '.join(clauses)}"
                f" ORDER BY stream_version{page}"
            ),
            params,
        )
        return self.events_of(r._mapping for r in result)

    def events_of(self, rows: Iterable[Mapping[str, Any]]) -> list[StoredEvent]:
        """The events of a load's rows (`COLUMNS`): `load`'s, or a caller's own query that reads
        a stream's events together with something else (a snapshot)."""
        return [stored_event(row) for row in rows]

    async def _by_ids(self, conn: AsyncConnection, ids: list[uuid.UUID]) -> list[StoredEvent]:
        result = await conn.execute(
            text(
                f"SELECT {COLUMNS} FROM events WHERE event_id = ANY(:ids) ORDER BY stream_version"
            ),
            {"ids": ids},
        )
        return [stored_event(r._mapping) for r in result]
