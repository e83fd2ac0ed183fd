"""The one apply path every consumer shares: Kafka runner, gap healing, rebuilds, DLQ replay.

`Applier.apply` applies one event in ONE database transaction that also records it in
`handled_events` and advances the stream's applied version in `stream_positions`, so the effect
happens exactly once however often the event is delivered. Order per stream (incident) comes
from the CloudEvents `sequence` extension (the stream version): an old version is skipped, a
jump is healed by fetching the missing events from the owner's HTTP feed and applying them
first (a broker that lost data, retention, a new consumer: all heal the same way).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opentelemetry import context as otel_context
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .clock import Clock
from .envelope import ConsumedEvent
from .outage import failed_dependency
from .telemetry import context_from_traceparent

if TYPE_CHECKING:
    from .feedclient import FeedClient

# ConsumedEvent is the apply path's input (envelope.py); consumers import it from here too.
__all__ = [
    "Applier",
    "ConsumedEvent",
    "GapNotHealed",
    "BatchScope",
    "Handler",
    "HandlerError",
    "Routes",
    "routes",
]

log = logging.getLogger(__name__)


Handler = Callable[[AsyncConnection, ConsumedEvent], Awaitable[None]]
Routes = Mapping[str, Handler]
# Entered around the handlers of a batch (apply_many), inside its transaction, with the batch's
# events: lets a consumer read what they need at once, keep what its handlers change in memory
# and write it once, on a clean exit, before the handled records.
BatchScope = Callable[[AsyncConnection, Sequence[ConsumedEvent]], AbstractAsyncContextManager[None]]


def routes(family: str, version: int = 1, **handlers: Handler) -> dict[str, Handler]:
    """A consumer's routing table, one line per event it handles:
    `routes("incident", opened=on_opened, resolved=on_resolved)` routes village.incident.opened.v1
    and village.incident.resolved.v1. Types nobody routes are handled by doing nothing."""
    return {f"village.{family}.{name}.v{version}": handler for name, handler in handlers.items()}


class HandlerError(Exception):
    """The read-model handler raised; retried a bounded number of times, then parked."""

    def __init__(self, event: ConsumedEvent, cause: BaseException) -> None:
        super().__init__(f"{event.type} {event.id}: {type(cause).__name__}: {cause}")
        self.event, self.cause = event, cause


class _OneByOne(Exception):
    """A batch holds an event that needs the one-by-one path."""


class GapNotHealed(Exception):
    """The owner's feed does not (yet) have the events a sequence jump needs; retried."""


def is_infrastructure(exc: BaseException) -> bool:
    """A lost connection or timeout, as opposed to a handler that cannot apply the event."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    # What the API answers 503 for (outage.failed_dependency): a lost connection or a timeout,
    # also as asyncpg's own errors from handlers' statements on the driver (the event store's
    # appends, bulk writes), which SQLAlchemy does not wrap.
    return failed_dependency(exc) is not None or isinstance(exc, OSError)


@dataclass(frozen=True)
class Gap:
    applied_version: int


APPLIED, SKIPPED = "applied", "skipped"
Outcome = str | Gap
Park = Callable[[ConsumedEvent, HandlerError], Awaitable[None]]

_LOCK_STREAM = text(
    "INSERT INTO stream_positions (consumer, stream_id, version) VALUES (:c, :s, 0)"
    " ON CONFLICT DO NOTHING"
)
_VERSION = text(
    "SELECT version FROM stream_positions WHERE consumer = :c AND stream_id = :s FOR UPDATE"
)
_HANDLED = text("SELECT 1 FROM handled_events WHERE consumer = :c AND event_id = CAST(:e AS uuid)")
# The batch forms (apply_many): streams locked in a fixed order, so two instances never deadlock.
_LOCK_STREAMS = text(
    "INSERT INTO stream_positions (consumer, stream_id, version)"
    " SELECT :c, s, 0 FROM unnest(CAST(:s AS text[])) AS s ON CONFLICT DO NOTHING"
)
# The streams' versions (locked, in order) and which of the batch's events were handled, in one
# round trip: a row is either a stream's version or a handled event's id.
_VERSIONS_AND_HANDLED = text(
    "WITH v AS (SELECT stream_id, version FROM stream_positions WHERE consumer = :c"
    " AND stream_id = ANY(CAST(:s AS text[])) ORDER BY stream_id FOR UPDATE)"
    " SELECT stream_id, version, NULL AS handled FROM v"
    " UNION ALL SELECT NULL, NULL, CAST(event_id AS text) FROM handled_events"
    " WHERE consumer = :c AND event_id = ANY(CAST(:ids AS uuid[]))"
)
_MARK = text(
    "INSERT INTO handled_events (consumer, event_id, handled_at) VALUES (:c, CAST(:e AS uuid), :t)"
)
# A batch marked handled and its streams advanced, in one round trip (the two tables are
# independent, so the two writes need not see each other).
_MARK_AND_ADVANCE_MANY = text(
    "WITH marked AS (INSERT INTO handled_events (consumer, event_id, handled_at)"
    " SELECT :c, id, :t FROM unnest(CAST(:ids AS uuid[])) AS id ON CONFLICT DO NOTHING)"
    " INSERT INTO stream_positions (consumer, stream_id, version)"
    " SELECT :c, s, v FROM unnest(CAST(:s AS text[]), CAST(:v AS integer[])) AS h(s, v)"
    " ON CONFLICT (consumer, stream_id) DO UPDATE"
    " SET version = GREATEST(stream_positions.version, excluded.version)"
)
_ADVANCE = text(
    "UPDATE stream_positions SET version = GREATEST(version, :v)"
    " WHERE consumer = :c AND stream_id = :s"
)


async def _in_trace(handler: Handler, conn: AsyncConnection, event: ConsumedEvent) -> None:
    """`handler` in the event's trace, as one record's span gives it in `apply`: what it writes
    (a decision, an event's metadata) continues the incident's trace, not the batch's span."""
    context = context_from_traceparent(event.traceparent)
    if context is None:
        await handler(conn, event)
        return
    token = otel_context.attach(context)
    try:
        await handler(conn, event)
    finally:
        otel_context.detach(token)


class Applier:
    """The one apply path shared by the Kafka runner, gap healing and rebuilds."""

    def __init__(
        self,
        name: str,
        engine: AsyncEngine,
        routes: Routes,
        clock: Clock,
        *,
        max_retries: int = 3,
        retry_backoff: float = 0.05,
        after_commit: Callable[[], None] | None = None,
        batch_scope: BatchScope | None = None,
    ) -> None:
        self.name, self.engine, self.routes, self.clock = name, engine, routes, clock
        self.max_retries, self.retry_backoff = max_retries, retry_backoff
        # Called after each applied event's commit: e.g. to ring the relay of a consumer whose
        # handlers append events of their own.
        self.after_commit = after_commit
        self.batch_scope = batch_scope

    async def apply(self, event: ConsumedEvent) -> Outcome:
        """One transaction: order check, handler, handled record, stream position."""
        async with self.engine.begin() as conn:
            version = await self.lock(conn, event)
            if await self.is_handled(conn, event):
                return SKIPPED  # duplicate delivery
            if event.sequence <= version:
                return SKIPPED  # replay of something already applied
            if event.sequence > version + 1:
                return Gap(version)
            handler = self.routes.get(event.type)
            try:
                if handler is not None:  # types nobody routes are handled by doing nothing
                    await handler(conn, event)
                # Fails too if the handler swallowed a database error: the event's fault.
                await self.mark(conn, event)
            except Exception as exc:
                if is_infrastructure(exc):
                    raise  # the database went away: wait and retry, never park for that
                raise HandlerError(event, exc) from exc
        if self.after_commit is not None:
            self.after_commit()
        return APPLIED

    async def apply_many(self, events: Sequence[ConsumedEvent]) -> bool:
        """Several events (one fetch of a partition) as `apply` does each, in one transaction:
        one commit, and a few statements of bookkeeping, for the lot. False, with nothing
        committed, when one of them needs more (a gap to heal, a handler that fails): the
        caller then applies them one by one, so only that one is retried or parked."""
        streams = sorted({e.stream_id for e in events})
        applied: list[ConsumedEvent] = []
        try:
            async with self.engine.begin() as conn:
                await conn.execute(_LOCK_STREAMS, {"c": self.name, "s": streams})
                found = await conn.execute(
                    _VERSIONS_AND_HANDLED,
                    {"c": self.name, "s": streams, "ids": [e.id for e in events]},
                )
                versions: dict[str, int] = {}
                handled: set[str] = set()
                for stream_id, version, event_id in found:
                    if event_id is None:
                        versions[stream_id] = version
                    else:
                        handled.add(event_id)
                scope = self.batch_scope(conn, events) if self.batch_scope else nullcontext()
                async with scope:
                    for event in events:
                        if event.id in handled or event.sequence <= versions[event.stream_id]:
                            continue  # duplicate delivery or replay
                        if event.sequence > versions[event.stream_id] + 1:
                            raise _OneByOne()  # a gap: `process` heals it from the feed
                        handler = self.routes.get(event.type)
                        if handler is not None:
                            await _in_trace(handler, conn, event)
                        versions[event.stream_id] = event.sequence
                        handled.add(event.id)
                        applied.append(event)
                await self.mark_many(conn, applied)
        except _OneByOne:
            return False
        except Exception as exc:
            if is_infrastructure(exc):
                raise
            log.info(
                "consumer %s: a batch of %d failed (%r); applying one by one",
                self.name,
                len(events),
                exc,
            )
            return False
        if applied and self.after_commit is not None:
            self.after_commit()
        return True

    async def process(self, event: ConsumedEvent, feed: FeedClient | None, park: Park) -> None:
        """Apply with bounded retries, healing gaps from `feed`; park what keeps failing."""
        failures = 0
        while True:
            try:
                outcome = await self.apply(event)
            except HandlerError as exc:
                failures += 1
                if failures > self.max_retries:
                    log.error("parking event after %d attempts: %s", failures, exc)
                    await park(event, exc)
                    return
                await asyncio.sleep(self.retry_backoff * 2 ** (failures - 1))
                continue
            if not isinstance(outcome, Gap):
                return
            for missing in await self._missing(event, outcome.applied_version, feed):
                await self.process(missing, feed, park)

    async def _missing(
        self, event: ConsumedEvent, applied: int, feed: FeedClient | None
    ) -> list[ConsumedEvent]:
        wanted = range(applied + 1, event.sequence)
        if feed is None:
            raise GapNotHealed(
                f"{event.stream_id}: versions {wanted.start}..{wanted.stop - 1} missing, no feed"
            )
        found = {
            e.sequence: e for e in await feed.stream_events(event.stream_id) if e.sequence in wanted
        }
        if len(found) != len(wanted):
            raise GapNotHealed(
                f"{event.stream_id}: feed lacks versions {sorted(set(wanted) - set(found))}"
            )
        log.info("healed gap from feed", extra={"stream_id": event.stream_id, "events": len(found)})
        return [found[v] for v in wanted]

    async def lock(self, conn: AsyncConnection, event: ConsumedEvent) -> int:
        # The row lock serialises instances that briefly share a partition during a rebalance.
        await conn.execute(_LOCK_STREAM, {"c": self.name, "s": event.stream_id})
        return (await conn.execute(_VERSION, {"c": self.name, "s": event.stream_id})).scalar_one()

    async def is_handled(self, conn: AsyncConnection, event: ConsumedEvent) -> bool:
        return bool(await conn.scalar(_HANDLED, {"c": self.name, "e": event.id}))

    async def forget(self, conn: AsyncConnection) -> None:
        """Forget everything this consumer handled: a rebuild applies the feed from the start."""
        await conn.execute(text("DELETE FROM handled_events WHERE consumer = :c"), {"c": self.name})
        await conn.execute(
            text("DELETE FROM stream_positions WHERE consumer = :c"), {"c": self.name}
        )

    async def mark_many(self, conn: AsyncConnection, events: Sequence[ConsumedEvent]) -> None:
        """`mark` for a batch applied in order in one transaction (a rebuild): one statement."""
        if not events:
            return
        heads: dict[str, int] = {}
        for event in events:
            heads[event.stream_id] = max(heads.get(event.stream_id, 0), event.sequence)
        await conn.execute(
            _MARK_AND_ADVANCE_MANY,
            {
                "c": self.name,
                "ids": [e.id for e in events],
                "t": self.clock.now(),
                "s": list(heads),
                "v": list(heads.values()),
            },
        )

    async def mark(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        await conn.execute(_MARK, {"c": self.name, "e": event.id, "t": self.clock.now()})
        await conn.execute(_ADVANCE, {"c": self.name, "s": event.stream_id, "v": event.sequence})
