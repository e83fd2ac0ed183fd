"""The outbox relay: publishes committed events to Kafka in transaction order, none skipped.

The sequence-gap trap: `id` is taken at insert, not at commit, so `WHERE id > checkpoint`
skips a transaction that commits late. We read only rows whose writing transaction is older
than every transaction still in flight (`tx_id < pg_snapshot_xmin(pg_current_snapshot())`),
in `(tx_id, id)` order, and give each a gap-free `position` as we publish it. Appenders never
wait for each other; the cost is that one long-open transaction delays publication (lag is
reported by `lag()`). One relay per database publishes at a time (a session advisory lock);
others stand by.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from .clock import Clock
from .cloudevent import to_kafka
from .eventstore import _row_to_event
from .telemetry import context_from_traceparent, inject_headers

log = logging.getLogger(__name__)
tracer = trace.get_tracer("village.relay")

RELAY_LOCK_KEY = 0x76696C6C  # "vill": one relay per service database publishes

_PENDING = text(
    "SELECT id, event_id, stream_id, stream_version, type, data, metadata, recorded_at, position"
    " FROM events WHERE position IS NULL"
    " AND tx_id < pg_snapshot_xmin(pg_current_snapshot())"
    " ORDER BY tx_id, id LIMIT :limit FOR UPDATE"
)
_ASSIGN = text(
    "UPDATE events SET position = nextval('events_position_seq'), published_at = :now"
    " WHERE id = :id RETURNING position"
)


@dataclass
class RelayLag:
    unpublished: int
    oldest_seconds: float | None


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


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
    ) -> None:
        self.engine, self.producer, self.topic, self.source = engine, producer, topic, source
        self.clock, self.batch_size, self.poll_seconds = clock, batch_size, poll_seconds
        self._wake = asyncio.Event()
        self.published = 0

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many events went out."""
        async with self.engine.begin() as conn:
            rows = (await conn.execute(_PENDING, {"limit": self.batch_size})).all()
            if not rows:
                return 0
            now = self.clock.now()
            futures = []
            for row in rows:
                position = (await conn.execute(_ASSIGN, {"id": row.id, "now": now})).scalar_one()
                event = _row_to_event(row)
                event = type(event)(**{**event.__dict__, "position": position})
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
                    },
                ):
                    inject_headers(headers)
                futures.append(
                    await self.producer.send(
                        self.topic,
                        key=event.stream_id.encode(),
                        value=message.value,
                        headers=list((k, v) for k, v in headers.items()),
                    )
                )
            # Commit positions only once the broker has every message (acks=all).
            await asyncio.gather(*futures)
        self.published += len(rows)
        return len(rows)

    async def lag(self) -> RelayLag:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT count(*) AS n, extract(epoch FROM now() - min(recorded_at)) AS age"
                        " FROM events WHERE position IS NULL"
                    )
                )
            ).one()
        return RelayLag(unpublished=row.n, oldest_seconds=float(row.age) if row.age is not None else None)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set: woken by NOTIFY, polling as a fallback."""
        dsn = asyncpg_dsn(self.engine.url.render_as_string(hide_password=False))
        listener = await asyncpg.connect(dsn)
        try:
            while not stop.is_set():
                if await listener.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                    break
                await _wait(stop, self.poll_seconds)  # another relay publishes; stand by
            await listener.add_listener("village_events", lambda *_: self._wake.set())
            backoff = 0.0
            while not stop.is_set():
                self._wake.clear()
                try:
                    n = await self.publish_pending()
                except Exception:  # broker or database down: keep the events, retry
                    log.exception("relay batch failed; retrying")
                    await _wait(stop, min(self.poll_seconds, 1.0))
                    continue
                if n == self.batch_size:
                    continue
                if n == 0 and (await self.lag()).unpublished:
                    # Committed rows held back by an older in-flight transaction: look again soon.
                    backoff = min(max(backoff * 2, 0.002), self.poll_seconds)
                    await _wait(stop, backoff, self._wake)
                    continue
                backoff = 0.0
                await _wait(stop, self.poll_seconds, self._wake)
        finally:
            await listener.close()


async def _wait(stop: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
    waiters = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waiters.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
