"""What the relay has published, as the feed reads it (`GET /events`, feed.py): pages in global
position order, for a party only what the egress rule lets it see (in SQL, before the LIMIT),
for a service every event (a sealed one its provider may not see as its bare fact)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .egress import SERVICE_DATA_SQL, SERVICE_METADATA_SQL, VISIBLE_SQL, Recipient, sql_params
from .eventstore import COLUMNS, StoredEvent, stored_event


async def read(
    conn: AsyncConnection,
    after: int,
    limit: int,
    *,
    recipient: Recipient | None = None,
    stream_id: str | None = None,
) -> list[StoredEvent]:
    """The feed: published events in global order; for a party `recipient`, only what it may
    see (the egress rule's SQL twin, before the LIMIT), as stored (egress.for_recipient gives
    its outbound form)."""
    clauses = ["position > :after"]
    params: dict[str, Any] = {"after": after, "limit": limit}
    if stream_id is not None:
        clauses.append("stream_id = :stream_id")
        params["stream_id"] = stream_id
    if recipient is not None and not recipient.is_service:
        clauses.append(VISIBLE_SQL)
        params.update(sql_params(recipient))
    result = await conn.execute(
        text(
            f"SELECT {COLUMNS} FROM events WHERE {' AND '.join(clauses)}"
            " ORDER BY position LIMIT :limit"
        ),
        params,
    )
    return [stored_event(r._mapping) for r in result]


async def page_json(
    conn: AsyncConnection, after: int, limit: int, source: str, *, stream_id: str | None = None
) -> tuple[str, int | None]:
    """The feed page as a service sees it (every event; a sealed one the provider may not see
    as its bare fact: egress.share), built as JSON by PostgreSQL: the stored jsonb goes out
    as it is, never decoded and encoded again. Returns the items' JSON array and the last
    position (None for an empty page)."""
    where = "position > :after" + (" AND stream_id = :stream_id" if stream_id is not None else "")
    row = (
        await conn.execute(
            text(
                "SELECT coalesce(json_agg(json_build_object('position', position, 'id', event_id,"
                " 'source', CAST(:source AS text), 'stream_id', stream_id,"
                " 'stream_version', stream_version, 'type', type, 'data', "
                f"{SERVICE_DATA_SQL}, 'metadata', {SERVICE_METADATA_SQL},"
                " 'recorded_at', recorded_at)"
                " ORDER BY position), '[]')::text AS items,"
                " max(position) AS last"
                f" FROM (SELECT * FROM events WHERE {where} ORDER BY position LIMIT :limit) page"
            ),
            {"after": after, "limit": limit, "source": source, "stream_id": stream_id},
        )
    ).one()
    return row.items, row.last
