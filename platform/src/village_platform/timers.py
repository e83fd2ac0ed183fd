"""Durable timers: due times in the service's database, fired by a scheduler (DESIGN.md, "Time").

A breach happens because nothing happened, so no event can trigger it: the due time is a row in
`timers`, written in the same transaction as the state that wants it, and a scheduler fires it
once the injected clock has passed it. Each batch locks its due rows with FOR UPDATE SKIP LOCKED,
so several schedulers on one database share the work and none fires a timer twice. The timer is
removed and its handler runs in one savepoint of the batch transaction: the handler's writes and
the removal commit together, and a handler that raises rolls back alone (the timer is retried
later, with exponential backoff). After downtime every overdue timer fires at once, oldest first.

A scheduler given a `batch_scope` fires a batch together: the due rows are taken in one
statement and every handler runs inside the scope, with no savepoint each, so the handlers'
writes can be made once for the batch (the SLA monitor's states, facts and timers). A handler
that raises rolls the whole batch back, and that batch is fired again one timer at a time as
above. Handlers in a batch must not count on cancelling a later timer of the same batch (it is
already taken); the SLA monitor's advance to `now` is the same whichever of an incident's
timers fires it.

Inside its handler the timer is already gone: `schedule()` the same key to set the next one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .clock import Clock
from .db import driver_of, read_value
from .wakeups import wait_any

log = logging.getLogger(__name__)

UPGRADE = [
    """
    CREATE TABLE timers (
        key          text PRIMARY KEY,
        due_at       timestamptz NOT NULL,
        payload      jsonb NOT NULL DEFAULT '{}',
        scheduled_at timestamptz NOT NULL,
        attempts     integer NOT NULL DEFAULT 0,
        last_error   text
    )
    """,
    "CREATE INDEX timers_due ON timers (due_at, key)",
]
DOWNGRADE = ["DROP TABLE IF EXISTS timers"]

FIRST_RETRY_SECONDS = 1.0  # a failed timer waits 1 s, 2 s, 4 s, ... up to max_backoff_seconds
_OUTAGE_WAITS = (0.1, 5.0)  # run(): first and longest wait while the database is away

_UPSERT = (
    "INSERT INTO timers (key, due_at, payload, scheduled_at)"
    " VALUES (:key, :due_at, CAST(:payload AS jsonb), :now)"
    " ON CONFLICT (key) DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload,"
    " scheduled_at = EXCLUDED.scheduled_at, attempts = 0, last_error = NULL"
)
_DUE = (
    "SELECT key FROM timers WHERE due_at <= :now ORDER BY due_at, key"
    " LIMIT :limit FOR UPDATE SKIP LOCKED"
)
# Re-checked per timer: an earlier handler in the same batch may have cancelled or postponed it.
_TAKE = "DELETE FROM timers WHERE key = :key AND due_at <= :now RETURNING due_at, payload, attempts"
# The batch path takes a batch in one statement (the handlers run in its batch scope).
_TAKE_DUE = (
    "DELETE FROM timers WHERE key IN (SELECT key FROM timers WHERE due_at <= :now"
    " ORDER BY due_at, key LIMIT :limit FOR UPDATE SKIP LOCKED)"
    " RETURNING key, due_at, payload, attempts"
)
# power() is bounded so that a timer failing for weeks cannot overflow the arithmetic.
_RETRY = (
    "UPDATE timers SET attempts = attempts + 1, last_error = :error,"
    " due_at = CAST(:now AS timestamptz)"
    " + make_interval(secs => least(CAST(:cap AS double precision),"
    " CAST(:first AS double precision) * power(2, least(attempts, 40))))"
    " WHERE key = :key RETURNING attempts, due_at"
)


@dataclass(frozen=True)
class Timer:
    key: str
    due_at: datetime
    payload: dict[str, Any]
    attempts: int  # failed firings so far


FireHandler = Callable[[AsyncConnection, Timer, datetime], Awaitable[None]]
# Around the handlers of one batch fired together, in its transaction (see the module's doc).
TimerBatchScope = Callable[[AsyncConnection, Sequence[Timer]], AbstractAsyncContextManager[None]]


def _require_aware(*moments: datetime) -> None:
    if any(m.tzinfo is None for m in moments):
        raise ValueError("timer times must be timezone-aware")


async def schedule(
    conn: AsyncConnection,
    key: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    *,
    now: datetime,
) -> None:
    """Set `key` to fire at `due_at`, replacing its pending timer (attempts start again)."""
    _require_aware(due_at, now)
    await conn.execute(
        text(_UPSERT),
        {"key": key, "due_at": due_at, "payload": json.dumps(payload or {}), "now": now},
    )


_UPSERT_MANY = (
    "INSERT INTO timers (key, due_at, payload, scheduled_at)"
    " SELECT t.key, t.due_at, CAST('{}' AS jsonb), t.now"
    " FROM unnest(CAST(:keys AS text[]), CAST(:due AS timestamptz[]), CAST(:now AS timestamptz[]))"
    " AS t(key, due_at, now)"
    " ON CONFLICT (key) DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload,"
    " scheduled_at = EXCLUDED.scheduled_at, attempts = 0, last_error = NULL"
)


async def schedule_many(
    conn: AsyncConnection, timers: Sequence[tuple[str, datetime, datetime]]
) -> None:
    """`schedule` for many (key, due_at, now) at once, without payloads: one statement over
    arrays (rebuilds write thousands). A key given twice is scheduled as its last entry says."""
    if not timers:
        return
    _require_aware(*(t[1] for t in timers), *(t[2] for t in timers))
    last = {k: (d, n) for k, d, n in timers}
    await conn.execute(
        text(_UPSERT_MANY),
        {
            "keys": list(last),
            "due": [d for d, _ in last.values()],
            "now": [n for _, n in last.values()],
        },
    )


async def fire_again_now(conn: AsyncConnection, timer: Timer, now: datetime) -> None:
    """A timer whose subject is busy (another transaction holds its row: a consumer applying an
    event to it, which writes fresh timers when it commits): fire it again at once, rather than
    wait on that lock with the scheduler's transaction open. The scheduler's next pass picks it
    up after the busy transaction is done."""
    await schedule(conn, timer.key, now, timer.payload, now=now)


async def cancel(conn: AsyncConnection, key: str) -> None:
    await conn.execute(text("DELETE FROM timers WHERE key = :key"), {"key": key})


async def cancel_many(conn: AsyncConnection, keys: Sequence[str]) -> None:
    if keys:
        await conn.execute(text("DELETE FROM timers WHERE key = ANY(:keys)"), {"keys": list(keys)})


async def cancel_prefix(conn: AsyncConnection, prefix: str) -> None:
    """Cancel every timer whose key starts with `prefix` (taken literally, `%` and `_` too)."""
    if not prefix:
        raise ValueError("an empty prefix would cancel every timer")
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    await conn.execute(
        text("DELETE FROM timers WHERE key LIKE :pattern ESCAPE '\\'"), {"pattern": pattern}
    )


_NEXT_DUE = "SELECT min(due_at) FROM timers"


async def next_due(conn: AsyncConnection) -> datetime | None:
    """The soonest timer's due time, on the driver: in `conn`'s transaction if it has begun one,
    else on its own (one round trip, no BEGIN and ROLLBACK around it)."""
    return await (await driver_of(conn)).fetchval(_NEXT_DUE)


async def pending(conn: AsyncConnection) -> int:
    return await conn.scalar(text("SELECT count(*) FROM timers"))


class TimerScheduler:
    """Fires due timers through `handler`; any number of instances may share one database."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        handler: FireHandler,
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 300.0,
        on_fired: Callable[[], None] | None = None,
        name: str = "timers",
        batch_scope: TimerBatchScope | None = None,
    ) -> None:
        self.engine, self.clock, self.handler = engine, clock, handler
        self.batch_scope = batch_scope
        self.batch_size, self.poll_seconds = batch_size, poll_seconds
        self.max_backoff_seconds, self.on_fired, self.name = max_backoff_seconds, on_fired, name
        self.fired = 0
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due timers now (one was scheduled sooner, or a test moved the clock)."""
        self._wake.set()

    async def fire_due(self) -> int:
        """Fire every timer due by the clock, batch after batch; returns how many fired."""
        total = 0
        while True:
            selected, fired = await self._fire_batch()
            total += fired
            if selected < self.batch_size:
                return total

    async def _fire_batch(self) -> tuple[int, int]:
        now = self.clock.now()
        if self.batch_scope is not None:
            try:
                taken = await self._fire_together(now)
            except Exception:  # rolled back: the same timers, one at a time, each on its own
                log.exception("%s: a batch fired together failed; firing one by one", self.name)
            else:
                self._count(len(taken))
                return len(taken), len(taken)
        fired = 0
        async with self.engine.begin() as conn:
            result = await conn.execute(text(_DUE), {"now": now, "limit": self.batch_size})
            keys = result.scalars().all()
            for key in keys:
                try:
                    fired += await self._fire_one(conn, key, now)
                except Exception as exc:  # the handler's savepoint is rolled back: retry later
                    await self._retry_later(conn, key, now, exc)
        self._count(fired)
        return len(keys), fired

    async def _fire_together(self, now: datetime) -> list[Timer]:
        assert self.batch_scope is not None
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(text(_TAKE_DUE), {"now": now, "limit": self.batch_size})
            ).all()
            taken = sorted(
                (Timer(r.key, r.due_at, r.payload, r.attempts) for r in rows),
                key=lambda t: (t.due_at, t.key),
            )
            if taken:
                async with self.batch_scope(conn, taken):
                    for timer in taken:
                        await self.handler(conn, timer, now)
        return taken

    def _count(self, fired: int) -> None:
        if fired:
            self.fired += fired
            if self.on_fired is not None:
                self.on_fired()

    async def _fire_one(self, conn: AsyncConnection, key: str, now: datetime) -> int:
        async with conn.begin_nested():
            row = (await conn.execute(text(_TAKE), {"key": key, "now": now})).one_or_none()
            if row is None:
                return 0
            await self.handler(conn, Timer(key, row.due_at, row.payload, row.attempts), now)
        return 1

    async def _retry_later(
        self, conn: AsyncConnection, key: str, now: datetime, exc: Exception
    ) -> None:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        params = {
            "key": key,
            "now": now,
            "error": error,
            "cap": self.max_backoff_seconds,
            "first": FIRST_RETRY_SECONDS,
        }
        row = (await conn.execute(text(_RETRY), params)).one()
        log.warning(
            "%s: timer %s failed (attempt %d); retrying at %s",
            self.name,
            key,
            row.attempts,
            row.due_at.isoformat(),
            exc_info=exc,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Fire timers until `stop` is set, sleeping until the next due time or a wake()."""
        failures = 0
        while not stop.is_set():
            # Cleared before looking, so a wake() that arrives while we look is not lost.
            self._wake.clear()
            try:
                # A look finds nothing due most times (woken by a timer set for later, or the
                # poll): then it is one read, not a firing transaction and a read after it.
                fired, due = 0, await self._next_due()
                if due is not None and due <= self.clock.now():
                    fired = await self.fire_due()
                    due = await self._next_due()
            except Exception:  # the database is away: the timers are durable, look again
                first, longest = _OUTAGE_WAITS
                delay = min(first * 2**failures, longest)
                failures += 1
                log.exception("%s: firing timers failed; retrying in %.1f s", self.name, delay)
                await wait_any(stop, self._wake, timeout=delay)
                continue
            failures = 0
            await wait_any(stop, self._wake, timeout=self._pause(due, fired))

    async def _next_due(self) -> datetime | None:
        return await read_value(self.engine, _NEXT_DUE)

    def _pause(self, due: datetime | None, fired: int) -> float:
        # Capped by poll_seconds: a ManualClock moves without telling us, and another instance
        # may have scheduled something sooner.
        if due is None:
            return self.poll_seconds
        until = (due - self.clock.now()).total_seconds()
        if until <= 0 and not fired:
            # Due yet not fired by us: another scheduler holds it (SKIP LOCKED); do not spin.
            until = min(self.poll_seconds, 0.05)
        return min(max(until, 0.0), self.poll_seconds)
