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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .db import driver_of, driver_transaction
from .errors import Problem
from .wakeups import wait_any

MAX_KEY_LENGTH = 255
T = TypeVar("T")
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
# time seeing it. The key's statements run on the driver, in the transaction run_once holds there
# (db.driver_transaction): through SQLAlchemy each cost the client twice the CPU.
_CLAIM = (
    "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0)) AS locked,"
    " k.request_hash, k.status_code, k.headers, k.body, k.expires_at"
    " FROM (VALUES (1)) AS one LEFT JOIN idempotency_keys k ON k.party = $1 AND k.key = $2"
)
# Only an expired row: one that a first request wrote since the claim's snapshot is kept.
_EXPIRED = "DELETE FROM idempotency_keys WHERE party = $1 AND key = $2 AND expires_at <= $3"
_STORE = (
    "INSERT INTO idempotency_keys (party, key, method, path, request_hash, status_code,"
    " headers, body, created_at, expires_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)"
    " ON CONFLICT (party, key) DO NOTHING RETURNING 1"
)


# `_CLAIM` for many keys; their locks are only tried, so the order they are taken in cannot
# deadlock.
_CLAIM_MANY = (
    "SELECT pg_try_advisory_xact_lock(hashtextextended(u.party || '/' || u.key, 0)) AS locked,"
    " k.request_hash, k.status_code, k.headers, k.body, k.expires_at"
    " FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(party, key, n)"
    " LEFT JOIN idempotency_keys k ON k.party = u.party AND k.key = u.key ORDER BY u.n"
)
_STORE_MANY = (
    "INSERT INTO idempotency_keys (party, key, method, path, request_hash, status_code,"
    " headers, body, created_at, expires_at)"
    " SELECT party, key, method, path, request_hash, status_code, headers::jsonb, body::jsonb,"
    " $9, $10 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::int[], $7::text[], $8::text[])"
    " AS u(party, key, method, path, request_hash, status_code, headers, body)"
    " ON CONFLICT (party, key) DO NOTHING RETURNING 1"
)
Claimed = StoredResponse | Problem | None


class _Raced(Exception):
    """The key's row was written by a request that committed after the claim's snapshot."""


async def claim(conn: AsyncConnection, key: IdempotencyKey, now: datetime) -> StoredResponse | None:
    """Call first in the command's transaction: the stored response to replay, or None to go on."""
    driver = await driver_of(conn)
    found = await _claimed(driver, key, await driver.fetchrow(_CLAIM, key.party, key.key), now)
    if isinstance(found, Problem):
        raise found
    return found


async def _claimed(driver: Any, key: IdempotencyKey, row: Any, now: datetime) -> Claimed:
    """What a claim's row says of its key: replay, go on (None), or a problem."""
    if not row["locked"]:
        return Problem(
            409,
            IN_FLIGHT,
            "a request with this Idempotency-Key is still being processed; retry later",
            headers={"Retry-After": "1"},
        )
    if row["request_hash"] is None:
        return None
    if row["expires_at"] <= now:
        await driver.execute(_EXPIRED, key.party, key.key, now)
        return None
    if row["request_hash"] != key.request_hash:
        return Problem(
            422,
            "idempotency-key-reused",
            "this Idempotency-Key was used with a different request; use a new key",
        )
    return StoredResponse(row["status_code"], row["body"], dict(row["headers"]))


async def claim_many(
    conn: AsyncConnection, keys: Sequence[IdempotencyKey], now: datetime
) -> list[Claimed]:
    """`claim` for many keys in one round trip (a batch's requests): for each, in order, the
    stored response to replay, None to go on, or the problem it answers instead."""
    driver = await driver_of(conn)
    rows = await driver.fetch(_CLAIM_MANY, [k.party for k in keys], [k.key for k in keys])
    return [await _claimed(driver, key, row, now) for key, row in zip(keys, rows, strict=True)]


def _row(key: IdempotencyKey, response: StoredResponse) -> tuple[Any, ...]:
    """A stored response's columns, as `_STORE` and `_STORE_MANY` take them."""
    return (
        key.party,
        key.key,
        key.method,
        key.path,
        key.request_hash,
        response.status_code,
        json.dumps(response.headers),
        json.dumps(response.body),
    )


async def store(
    conn: AsyncConnection,
    key: IdempotencyKey,
    response: StoredResponse,
    now: datetime,
    ttl: timedelta,
) -> None:
    """Store the response with the work; raises _Raced when the key's row is already there."""
    stored = await (await driver_of(conn)).fetchval(_STORE, *_row(key, response), now, now + ttl)
    if stored is None:
        raise _Raced


async def store_many(
    conn: AsyncConnection,
    stored: Sequence[tuple[IdempotencyKey, StoredResponse]],
    now: datetime,
    ttl: timedelta,
) -> None:
    """`store` for many keys in one statement; raises _Raced when any key's row is there."""
    if not stored:
        return
    columns = zip(*(_row(k, r) for k, r in stored), strict=True)
    rows = await (await driver_of(conn)).fetch(
        _STORE_MANY, *(list(column) for column in columns), now, now + ttl
    )
    if len(rows) != len(stored):
        raise _Raced


BatchWork = Callable[[AsyncConnection, list[int]], Awaitable[list[StoredResponse | Problem]]]


async def run_many(
    engine: AsyncEngine,
    keys: Sequence[IdempotencyKey],
    now: Callable[[], datetime],
    ttl: timedelta,
    work: BatchWork,
) -> list[tuple[StoredResponse | Problem, bool]]:
    """`run_once` for a batch of requests, each with its key, in one transaction: `work` gets
    the positions of those to run (not replayed, not refused by their key) and answers each,
    in that order; a problem is not stored (as a request's refusal is not). Returns each
    request's answer and whether it is a replay."""

    async def attempt() -> list[tuple[StoredResponse | Problem, bool]]:
        async with driver_transaction(engine) as conn:
            answers = await claim_many(conn, keys, now())
            todo = [i for i, found in enumerate(answers) if found is None]
            for i, answer in zip(todo, await work(conn, todo) if todo else [], strict=True):
                answers[i] = answer
            done = [(keys[i], a) for i in todo if isinstance(a := answers[i], StoredResponse)]
            await store_many(conn, done, now(), ttl)
        ran = set(todo)
        return [
            (a, i not in ran and isinstance(a, StoredResponse))
            for i, a in enumerate(answers)
            if a is not None  # every one is answered by now
        ]

    return await _again_if_raced(attempt)


async def run_once(
    engine: AsyncEngine,
    key: IdempotencyKey | None,
    now: Callable[[], datetime],
    ttl: timedelta,
    work: Callable[[AsyncConnection], Awaitable[StoredResponse]],
) -> tuple[StoredResponse, bool]:
    """One transaction: claim the key, do the work, store its response. Returns the response
    and whether it is a replay of the stored one (the work did not run)."""

    async def attempt() -> tuple[StoredResponse, bool]:
        async with driver_transaction(engine) as conn:
            if key is not None:
                stored = await claim(conn, key, now())
                if stored is not None:
                    return stored, True
            response = await work(conn)
            if key is not None:
                await store(conn, key, response, now(), ttl)
        return response, False

    return await _again_if_raced(attempt)


async def _again_if_raced(attempt: Callable[[], Awaitable[T]]) -> T:
    """`attempt` (one transaction), and once more if a key's first request committed after its
    claim looked: rolled back, the next claim finds that request's answer."""
    try:
        return await attempt()
    except _Raced:
        return await attempt()


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
