"""The outbox relay: publishes committed events to Kafka in transaction order, none skipped.

The sequence-gap trap: `id` is taken at insert, not at commit, so `WHERE id > checkpoint`
skips a transaction that commits late. We read only rows whose writing transaction is older
than every transaction still in flight (`tx_id < pg_snapshot_xmin(pg_current_snapshot())`),
in `(tx_id, id)` order, and give each a gap-free `position` as we publish it. Appenders never
wait for each other; the cost is that one long-open transaction delays publication (lag is
reported by `lag()`). One relay per database publishes at a time (a session advisory lock);
others stand by.

Per-stream order: `tx_id` is really an ordering key, `greatest(own xid, key of the version it
follows)` (EventStore.append), because a transaction may take its xid before reading the stream
and then append after a younger transaction's version. The key is never below the writer's own
xid, so `key < xmin` still implies the writer has finished.

Provider topics: each event that names a provider goes, in the same batch, to that provider's
own topic as well (topics.py): the same message (same `ce_id`, same key), so the provider's
tooling gets it at least once and in per-incident order, and positions are recorded only once
both the bus and the provider's topic have acknowledged it.

Caveat: xids are cluster-wide, so an open transaction in *any* database on the server (another
service's, a psql session left idle in transaction) holds publication back. Watch `lag()`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .clock import Clock
from .cloudevent import to_kafka
from .db import close_quietly, driver_of, plain_dsn
from .doorbell import CHANNEL, Doorbell
from .eventstore import StoredEvent, stored_event
from .kafka import ensure_topics, when_reachable
from .settings import Settings
from .telemetry import context_from_traceparent, inject_headers
from .topics import ProviderTopics
from .wakeups import wait_any

log = logging.getLogger(__name__)
tracer = trace.get_tracer("village.relay")

RELAY_LOCK_KEY = 0x76696C6C  # "vill": one relay per service database publishes
# Held for the length of one publish_pending transaction, so that positions are handed out by
# one publisher at a time even when publish_pending is called outside `run` (or a relay lost
# its session lock with its listener connection). Advisory locks are per database.
BATCH_LOCK_KEY = 0x76696C6D
YIELD_EVERY = 25  # events encoded and sent between two turns of the event loop

# The batch's transaction opens in one round trip (constants only: a simple query may hold
# several statements). The positions need not wait for their own WAL flush: if the server loses
# the commit, the same events get the same positions again (same order, same start) and go out
# again (at-least-once). It halves the fsyncs per command.
_OPEN = f"BEGIN; SELECT pg_advisory_xact_lock({BATCH_LOCK_KEY}); SET LOCAL synchronous_commit = off"
# No FOR UPDATE: row locks would give the relay transaction an xid while it waits for the
# broker, and every xid in flight holds back pg_snapshot_xmin for every relay on the server.
_PENDING = (
    # One round trip: the batch, where its positions start, and whether committed rows are
    # held back by an older transaction still in flight (then the relay looks again soon).
    # Positions are gap-free, max + 1.. under BATCH_LOCK_KEY: a sequence would leave holes
    # whenever a batch rolls back because the broker failed.
    "WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),"
    " head AS (SELECT coalesce((SELECT max(position) FROM events), 0) + 1 AS first_position,"
    " EXISTS (SELECT 1 FROM events, snap"
    " WHERE position IS NULL AND tx_id >= snap.xmin) AS held_back)"
    " SELECT head.first_position, head.held_back, b.* FROM head LEFT JOIN LATERAL ("
    " SELECT id, event_id, stream_id, stream_version, type, data, metadata, recorded_at, position"
    " FROM events, snap WHERE position IS NULL AND tx_id < snap.xmin"
    " ORDER BY tx_id, id LIMIT $1) AS b ON true"
)
_ASSIGN = (
    "UPDATE events AS e SET position = v.position, published_at = $3"
    " FROM unnest($1::bigint[], $2::bigint[]) AS v(id, position)"
    " WHERE e.id = v.id AND e.position IS NULL"
)


@dataclass
class RelayLag:
    unpublished: int
    oldest_seconds: float | None


class Relay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        topic: str,
        source: str,
        clock: Clock,
        *,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        doorbell: Doorbell | None = None,
        provider_topics: ProviderTopics | None = None,
    ) -> None:
        self.engine, self.producer, self.topic, self.source = engine, producer, topic, source
        self.provider_topics = provider_topics  # None: the bus only
        self.clock, self.batch_size, self.poll_seconds = clock, batch_size, poll_seconds
        self._wake = asyncio.Event()
        self.published = 0
        self.leading = False  # holds the publishing lock
        self.held_back = False  # the last batch saw rows an in-flight transaction holds back
        if doorbell is not None:
            doorbell.relays.append(self)

    async def serve(self, settings: Settings, stop: asyncio.Event) -> None:
        """Create the topic and start the producer once the broker answers, then `run`."""

        async def start() -> None:
            await ensure_topics(settings, [self.topic])
            await self.producer.start()

        if await when_reachable(start, stop):
            await self.run(stop)

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many events went out.

        Positions are recorded only once the broker has acknowledged every message of the batch
        (acks=all); if the broker fails, nothing is recorded and the batch goes out again
        (at-least-once: consumers deduplicate by event id).
        """
        async with self.engine.connect() as conn:
            driver = await driver_of(conn)
            try:
                await driver.execute(_OPEN)
                sent = await self._publish_batch(driver)
                await driver.execute("COMMIT")
            except BaseException:
                await _abandon(conn, driver)
                raise
        self.published += sent
        return sent

    async def _publish_batch(self, driver: asyncpg.Connection) -> int:
        """In the batch's transaction: read it, publish it, record its positions; how many."""
        found = await driver.fetch(_PENDING, self.batch_size)
        self.held_back = found[0]["held_back"]
        rows = [r for r in found if r["id"] is not None]
        if not rows:
            return 0
        first = found[0]["first_position"]
        events = [replace(stored_event(row), position=first + i) for i, row in enumerate(rows)]
        try:
            await self._publish(events)
        except Exception:
            if self.provider_topics is not None:
                self.provider_topics.forget()
            raise
        status = await driver.execute(
            _ASSIGN, [row["id"] for row in rows], [e.position for e in events], self.clock.now()
        )
        if status != f"UPDATE {len(rows)}":  # cannot happen under BATCH_LOCK_KEY
            raise RuntimeError("relay batch raced another publisher")
        return len(rows)

    async def _publish(self, events: list[StoredEvent]) -> None:
        """Send every event to the bus, and each that names a provider to its provider's topic
        too; return once the broker has acknowledged them all."""
        if self.provider_topics is not None:
            await self.provider_topics.ready({p for e in events if (p := _provider(e))})
        futures: list[asyncio.Future] = []
        for n, event in enumerate(events, 1):
            futures += await self._send(event, self._topics_of(event))
            if n % YIELD_EVERY == 0:
                # The producer buffers without suspending: a batch of 500 would hold the event
                # loop (and every request of this process) for the whole of its encoding.
                await asyncio.sleep(0)
        await asyncio.gather(*futures)

    def _topics_of(self, event: StoredEvent) -> list[str]:
        provider = _provider(event)
        if self.provider_topics is None or provider is None:
            return [self.topic]
        return [self.topic, self.provider_topics.of(provider)]

    async def _send(self, event: StoredEvent, topics: list[str]) -> list[asyncio.Future]:
        message = to_kafka(event, self.source)
        headers = dict(message.headers)
        parent = context_from_traceparent(event.metadata.get("traceparent"))
        with tracer.start_as_current_span(
            f"{self.topic} publish",
            context=parent,
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": self.topic,
                "messaging.message.id": str(event.event_id),
                "village.incident_id": event.stream_id,
                "village.topics": topics,
            },
        ):
            inject_headers(headers)
        if "traceparent" not in headers and event.metadata.get("traceparent"):
            # No tracer provider configured: pass the writer's context on unchanged.
            headers["traceparent"] = event.metadata["traceparent"].encode()
        # Sent one after another: the producer keeps per-partition order on every topic.
        return [
            await self.producer.send(
                topic,
                key=event.stream_id.encode(),
                value=message.value,
                headers=list(headers.items()),
            )
            for topic in topics
        ]

    async def lag(self) -> RelayLag:
        """What is not yet published, and the age of the oldest (by the injected clock)."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT count(*) AS n, min(recorded_at) AS oldest"
                        " FROM events WHERE position IS NULL"
                    )
                )
            ).one()
        oldest = None
        if row.oldest is not None:
            oldest = max((self.clock.now() - row.oldest).total_seconds(), 0.0)
        return RelayLag(unpublished=row.n, oldest_seconds=oldest)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set: woken by NOTIFY, polling as a fallback.

        Holds the relay's session advisory lock on its listener connection while publishing;
        a relay that cannot take it stands by. If the listener connection is lost (and with it
        the lock), the relay goes back to standing by and reconnects.
        """
        dsn = plain_dsn(self.engine.url.render_as_string(hide_password=False))
        while not stop.is_set():
            try:
                listener = await asyncpg.connect(dsn)
            except Exception:
                log.exception("relay cannot connect its listener; retrying")
                await wait_any(stop, timeout=min(self.poll_seconds, 1.0))
                continue
            try:
                await self._run_locked(listener, stop)
            except Exception:
                log.exception("relay listener failed; reconnecting")
                await wait_any(stop, timeout=min(self.poll_seconds, 1.0))
            finally:
                await close_quietly(listener)

    async def _run_locked(self, listener: asyncpg.Connection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if await listener.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                break
            await wait_any(stop, timeout=self.poll_seconds)  # another relay publishes; stand by
        if stop.is_set():
            return
        await listener.add_listener(CHANNEL, self._on_notify)
        self.leading = True
        try:
            await self._publish_until(listener, stop)
        finally:
            self.leading = False

    async def _publish_until(self, listener: asyncpg.Connection, stop: asyncio.Event) -> None:
        backoff = 0.0
        while not stop.is_set() and not listener.is_closed():
            self._wake.clear()
            try:
                n = await self.publish_pending()
            except Exception:  # broker or database down: keep the events, retry
                log.exception("relay batch failed; retrying")
                await wait_any(stop, timeout=min(self.poll_seconds, 1.0))
                continue
            if n == self.batch_size:
                continue
            if self.held_back:
                # Committed rows held back by an older in-flight transaction (which may not
                # write events, so may never NOTIFY): look again soon.
                # Capped well below poll_seconds: the blocker's commit may never NOTIFY.
                cap = min(self.poll_seconds, 0.25)
                backoff = 0.002 if n else min(max(backoff * 2, 0.002), cap)
                await wait_any(stop, self._wake, timeout=backoff)
                continue
            backoff = 0.0
            await wait_any(stop, self._wake, timeout=self.poll_seconds)
        if listener.is_closed() and not stop.is_set():
            raise ConnectionError("relay listener connection lost")

    def wake(self) -> None:
        """New events were committed: publish now rather than at the next poll."""
        self._wake.set()

    def _on_notify(self, *_: object) -> None:
        self.wake()


async def _abandon(conn: AsyncConnection, driver: asyncpg.Connection) -> None:
    """Roll the batch back; a connection that cannot (lost, or cancelled mid-statement) is
    discarded rather than pooled with its transaction open."""
    try:
        await driver.execute("ROLLBACK")
    except BaseException:
        await conn.invalidate()


def _provider(event: StoredEvent) -> str | None:
    """Whose tooling channel the event belongs to (egress.describe's `provider`), if anyone's."""
    return event.metadata.get("provider") or None
