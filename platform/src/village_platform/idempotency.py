"""`Idempotency-Key` for state-changing POSTs (IETF httpapi-idempotency-key-header semantics).

Same key and same request: the stored response, replayed. Same key, other request: 422.
The first request still in flight: 409. Keys are scoped to the calling party and expire after
`Settings.idempotency_ttl_hours`. The stored response commits in the same transaction as the
events it produced, so a retry never applies a command twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .errors import Problem
from .wakeups import wait_any

MAX_KEY_LENGTH = 255
# The problem kind of a key whose first request is still running (errors.Problem: its type is
# `/problems/<kind>`): a client retrying with the same key tries again later.
IN_FLIGHT = "request-in-flight"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IdempotencyKey:
    party: str
    key: str
    method: str
    path: str
    request_hash: str


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any
    headers: dict[str, str]


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def make_key(
    party: str, key: str | None, method: str, path: str, body: Any
) -> IdempotencyKey | None:
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Problem(
            400,
            "invalid-idempotency-key",
            f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} characters",
        )
    return IdempotencyKey(party, key, method, path, request_fingerprint(method, path, body))


# One round trip: the key's lock and its row. The row is read on the statement's snapshot, taken
# before the lock was granted: a first request that committed in between is not seen. Its row is
# then found by `store` (ON CONFLICT), and the whole unit of work goes again (run_once), this
# time seeing it.
_CLAIM = text(
    "SELECT pg_try_advisory_xact_lock(hashtextextended(:party || '/' || :key, 0)) AS locked,"
    " k.request_hash, k.status_code, k.headers, k.body, k.expires_at"
    " FROM (VALUES (1)) AS one LEFT JOIN idempotency_keys k ON k.party = :party AND k.key = :key"
)
# Only an expired row: one that a first request wrote since the claim's snapshot is kept.
_EXPIRED = text(
    "DELETE FROM idempotency_keys WHERE party = :party AND key = :key AND expires_at <= :now"
)
_STORE = text(
    "INSERT INTO idempotency_keys (party, key, method, path, request_hash, status_code,"
    " headers, body, created_at, expires_at)"
    " VALUES (:party, :key, :method, :path, :hash, :status,"
    " CAST(:headers AS jsonb), CAST(:body AS jsonb), :now, :expires)"
    " ON CONFLICT (party, key) DO NOTHING"
)


class _Raced(Exception):
    """The key's row was written by a request that committed after the claim's snapshot."""


async def claim(conn: AsyncConnection, key: IdempotencyKey, now: datetime) -> StoredResponse | None:
    """Call first in the command's transaction: the stored response to replay, or None to go on."""
    params = {"party": key.party, "key": key.key}
    row = (await conn.execute(_CLAIM, params)).one()
    if not row.locked:
        raise Problem(
            409,
            IN_FLIGHT,
            "a request with this Idempotency-Key is still being processed; retry later",
            headers={"Retry-After": "1"},
        )
    if row.request_hash is None:
        return None
    if row.expires_at <= now:
        await conn.execute(_EXPIRED, {**params, "now": now})
        return None
    if row.request_hash != key.request_hash:
        raise Problem(
            422,
            "idempotency-key-reused",
            "this Idempotency-Key was used with a different request; use a new key",
        )
    return StoredResponse(status_code=row.status_code, body=row.body, headers=dict(row.headers))


async def store(
    conn: AsyncConnection,
    key: IdempotencyKey,
    response: StoredResponse,
    now: datetime,
    ttl: timedelta,
) -> None:
    """Store the response with the work; raises _Raced when the key's row is already there."""
    stored = await conn.execute(
        _STORE,
        {
            "party": key.party,
            "key": key.key,
            "method": key.method,
            "path": key.path,
            "hash": key.request_hash,
            "status": response.status_code,
            "headers": json.dumps(response.headers),
            "body": json.dumps(response.body),
            "now": now,
            "expires": now + ttl,
        },
    )
    if stored.rowcount != 1:
        raise _Raced


async def run_once(
    engine: AsyncEngine,
    key: IdempotencyKey | None,
    now: Callable[[], datetime],
    ttl: timedelta,
    work: Callable[[AsyncConnection], Awaitable[StoredResponse]],
) -> tuple[StoredResponse, bool]:
    """One transaction: claim the key, do the work, store its response. Returns the response
    and whether it is a replay of the stored one (the work did not run)."""
    raced = False
    while True:
        try:
            async with engine.begin() as conn:
                if key is not None:
                    stored = await claim(conn, key, now())
                    if stored is not None:
                        return stored, True
                response = await work(conn)
                if key is not None:
                    await store(conn, key, response, now(), ttl)
            return response, False
        except _Raced:  # rolled back: the first request's answer is there now
            if raced:
                raise
            raced = True


async def purge_expired(conn: AsyncConnection, now: datetime) -> int:
    result = await conn.execute(
        text("DELETE FROM idempotency_keys WHERE expires_at <= :now"), {"now": now}
    )
    return result.rowcount or 0


async def purge_periodically(
    engine: AsyncEngine, now: Callable[[], datetime], every_seconds: float, stop: asyncio.Event
) -> None:
    """Delete expired keys now and then, so the table holds about one TTL's worth of keys."""
    while not stop.is_set():
        try:
            async with engine.begin() as conn:
                await purge_expired(conn, now())
        except Exception:  # the database is away: try again next time
            log.warning("could not purge expired idempotency keys", exc_info=True)
        await wait_any(stop, timeout=every_seconds)
