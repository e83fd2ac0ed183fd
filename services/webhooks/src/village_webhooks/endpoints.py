"""Endpoints and their deliveries as stored: the unit-of-work steps the API's routes call.

Every read and write names the owning party: another party's endpoint does not exist here.
Signing secrets are sealed before they reach a statement (sealing.py): a statement's parameters,
a row, a log line never hold one in plain text.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.cursors import Cursor, position, uuid_value
from village_platform.errors import Problem

from .domain.signing import new_secret
from .sealing import Sealer

ENDPOINTS = Cursor("webhook-endpoints", uuid_value)  # the list's order: endpoint id
DELIVERIES = Cursor("webhook-deliveries", position)  # the list's order: seq, newest first

_COLUMNS = (
    "endpoint_id, party, party_kind, url, description, event_types, incident_filter, status,"
    " version, created_at, updated_at, failing_since, previous_expires_at, secret_serial,"
    " paused_until"
)


def view(row: Any, now: datetime) -> dict[str, Any]:
    overlap = (
        row.previous_expires_at
        if row.previous_expires_at and row.previous_expires_at > now
        else None
    )
    return {
        "id": str(row.endpoint_id),
        "party": row.party,
        "url": row.url,
        "description": row.description,
        "event_types": list(row.event_types),
        "filter": row.incident_filter or {},
        "status": row.status,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "failing_since": row.failing_since,
        # its circuit breaker (domain/retry.py): nothing is sent before this, then one
        # delivery at a time until one is answered
        "paused_until": row.paused_until if row.paused_until and row.paused_until > now else None,
        "previous_secret_expires_at": overlap,
    }


def etag(row: Any) -> dict[str, str]:
    return {"ETag": f'"{row.version}"'}


async def create(
    conn: AsyncConnection,
    sealer: Sealer,
    party: str,
    kind: str,
    body: dict[str, Any],
    now: datetime,
) -> tuple[Any, str]:
    """The new endpoint's row and its signing secret (in plain text: for the answer only)."""
    secret = new_secret()
    row = (
        await conn.execute(
            text(
                "INSERT INTO endpoints (endpoint_id, party, party_kind, url, description,"
                " event_types, incident_filter, secret_sealed, status, created_at, updated_at)"
                " VALUES (:id, :party, :kind, :url, :description, :types,"
                " CAST(:filter AS jsonb), :secret, 'active', :now, :now)"
                f" RETURNING {_COLUMNS}"
            ),
            {
                "id": uuid.uuid4(),
                "party": party,
                "kind": kind,
                "url": body["url"],
                "description": body["description"],
                "types": body["event_types"],
                "filter": json.dumps(body["filter"]),
                "secret": sealer.seal(secret),
                "now": now,
            },
        )
    ).one()
    return row, secret


async def get(
    conn: AsyncConnection, party: str, endpoint_id: uuid.UUID, *, lock: bool = False
) -> Any:
    row = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM endpoints WHERE endpoint_id = :id AND party = :party"
                + (" FOR UPDATE" if lock else "")
            ),
            {"id": endpoint_id, "party": party},
        )
    ).one_or_none()
    if row is None:
        raise Problem(404, "not-found", "no such endpoint")
    return row


def check_version(row: Any, wanted: frozenset[int] | None) -> None:
    if wanted is not None and row.version not in wanted:
        raise Problem(412, "stale-version", f"the endpoint is at version {row.version}")


async def list_for(
    conn: AsyncConnection, party: str, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    after = ENDPOINTS.decode_optional(cursor)
    rows = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM endpoints WHERE party = :party"
                " AND (CAST(:after AS text) IS NULL OR endpoint_id::text > :after)"
                " ORDER BY endpoint_id::text LIMIT :limit"
            ),
            {"party": party, "after": None if after is None else str(after), "limit": limit + 1},
        )
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, ENDPOINTS.encode(str(rows[-1].endpoint_id)) if more else None


async def update(conn: AsyncConnection, row: Any, changes: dict[str, Any], now: datetime) -> Any:
    sets, params = [], {"id": row.endpoint_id, "now": now}
    for column, value in changes.items():
        if column == "incident_filter":
            sets.append("incident_filter = CAST(:incident_filter AS jsonb)")
            value = json.dumps(value)
        else:
            sets.append(f"{column} = :{column}")
        params[column] = value
    if "status" in changes:  # enabled or disabled by its owner: failures start over
        sets += ["failing_since = NULL", "failures = 0", "paused_until = NULL"]
    sets += ["version = version + 1", "updated_at = :now"]
    return (
        await conn.execute(
            text(
                f"UPDATE endpoints SET {', '.join(sets)}"
                f" WHERE endpoint_id = :id RETURNING {_COLUMNS}"
            ),
            params,
        )
    ).one()


async def delete(conn: AsyncConnection, row: Any) -> None:
    await conn.execute(
        text("DELETE FROM endpoints WHERE endpoint_id = :id"), {"id": row.endpoint_id}
    )


async def rotate(
    conn: AsyncConnection, sealer: Sealer, row: Any, overlap: timedelta, now: datetime
) -> tuple[Any, str]:
    secret = new_secret()
    updated = (
        await conn.execute(
            text(
                "UPDATE endpoints"
                " SET previous_secret_sealed = CASE WHEN :overlap THEN secret_sealed END,"
                " previous_expires_at = CASE WHEN :overlap THEN CAST(:until AS timestamptz) END,"
                " secret_sealed = :secret, secret_serial = secret_serial + 1,"
                " version = version + 1, updated_at = :now"
                f" WHERE endpoint_id = :id RETURNING {_COLUMNS}"
            ),
            {
                "overlap": overlap > timedelta(0),
                "until": now + overlap,
                "secret": sealer.seal(secret),
                "now": now,
                "id": row.endpoint_id,
            },
        )
    ).one()
    return updated, secret


async def kept_secret(
    conn: AsyncConnection, sealer: Sealer, party: str, endpoint_id: uuid.UUID, serial: int
) -> str | None:
    """The endpoint's signing secret number `serial` (1 at registration, +1 per rotation) while it
    is still kept (the current one, or the previous one of a rotation with overlap), else None."""
    row = (
        await conn.execute(
            text(
                "SELECT secret_sealed, previous_secret_sealed, secret_serial FROM endpoints"
                " WHERE endpoint_id = :id AND party = :party"
            ),
            {"id": endpoint_id, "party": party},
        )
    ).one_or_none()
    if row is None:
        return None
    if row.secret_serial == serial:
        return sealer.open(row.secret_sealed)
    if row.secret_serial == serial + 1 and row.previous_secret_sealed:
        return sealer.open(row.previous_secret_sealed)
    return None


async def reseal(
    conn: AsyncConnection, sealer: Sealer, after: uuid.UUID | None, batch: int = 200
) -> tuple[uuid.UUID | None, int]:
    """The signing secrets of the next `batch` endpoints after `after` sealed again under the
    first key; returns the last endpoint done (the next call's `after`) and how many (0: all
    done)."""
    rows = (
        await conn.execute(
            text(
                "SELECT endpoint_id, secret_sealed, previous_secret_sealed FROM endpoints"
                " WHERE CAST(:after AS uuid) IS NULL OR endpoint_id > :after"
                " ORDER BY endpoint_id LIMIT :n FOR UPDATE"
            ),
            {"after": after, "n": batch},
        )
    ).all()
    if not rows:
        return after, 0
    await conn.execute(
        text(
            "UPDATE endpoints e SET secret_sealed = u.s, previous_secret_sealed = u.p"
            " FROM unnest(CAST(:ids AS uuid[]), CAST(:s AS text[]), CAST(:p AS text[]))"
            " AS u(id, s, p)"
            " WHERE e.endpoint_id = u.id"
        ),
        {
            "ids": [r.endpoint_id for r in rows],
            "s": [sealer.reseal(r.secret_sealed) for r in rows],
            "p": [
                sealer.reseal(r.previous_secret_sealed) if r.previous_secret_sealed else None
                for r in rows
            ],
        },
    )
    return rows[-1].endpoint_id, len(rows)


async def replay(conn: AsyncConnection, row: Any, body: dict[str, Any], now: datetime) -> int:
    """Parked or past (delivered, failed) deliveries again, from their first position in the
    endpoint's order: same payload, same webhook-id (receivers deduplicate)."""
    if body.get("event_ids"):
        where, params = (
            "event_id = ANY(CAST(:ids AS uuid[]))",
            {"ids": [str(i) for i in body["event_ids"]]},
        )
    else:
        where, params = (
            "event_time >= :from AND event_time < :to",
            {"from": body["from"], "to": body["to"]},
        )
    result = await conn.execute(
        text(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = :now, queued_at = :now,"
            " last_error = NULL"
            f" WHERE endpoint_id = :id AND status IN ('parked', 'delivered', 'failed') AND {where}"
        ),
        {"id": row.endpoint_id, "now": now, **params},
    )
    # Asked for now, by an owner who says the receiver is back: its breaker's pause is lifted.
    await conn.execute(
        text("UPDATE endpoints SET paused_until = NULL WHERE endpoint_id = :id"),
        {"id": row.endpoint_id},
    )
    return result.rowcount or 0


def delivery_view(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.delivery_id),
        "event_id": str(row.event_id),
        "event_type": row.event_type,
        "subject": row.subject,
        "event_time": row.event_time,
        "status": row.status,
        "attempts": row.attempts,
        "response_status": row.response_status,
        "latency_ms": row.latency_ms,
        "last_error": row.last_error,
        "next_attempt_at": row.next_attempt_at if row.status == "pending" else None,
        "last_attempt_at": row.last_attempt_at,
        "delivered_at": row.delivered_at,
        "created_at": row.created_at,
    }


async def deliveries(
    conn: AsyncConnection,
    endpoint_id: uuid.UUID,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """Newest first."""
    before_seq = DELIVERIES.decode_optional(cursor)
    rows = (
        await conn.execute(
            text(
                "SELECT * FROM deliveries WHERE endpoint_id = :id"
                " AND (CAST(:status AS text) IS NULL OR status = :status)"
                " AND (CAST(:before AS bigint) IS NULL OR seq < :before)"
                " ORDER BY seq DESC LIMIT :limit"
            ),
            {"id": endpoint_id, "status": status, "before": before_seq, "limit": limit + 1},
        )
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, DELIVERIES.encode(rows[-1].seq) if more else None
