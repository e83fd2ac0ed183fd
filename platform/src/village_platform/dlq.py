"""Dead letters: events a consumer could not apply after bounded retries, and their replay.

Parking an event writes a `dead_letters` row and, in the same transaction, records the event as
handled and moves the stream position past it — so later events of that incident are not
blocked forever. The read model misses that one event until `replay_dead_letters` re-applies it
(out of order by then: handlers must tolerate that, e.g. by upserting). A copy also goes to
`<topic>.dlq` (original headers plus `village_error` and `village_consumer`) for operators and
other tools; the table, not the topic, is what replay reads.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .applier import Applier, ConsumedEvent, HandlerError, Routes
from .clock import Clock
from .cloudevent import consumed, consumed_to_kafka

log = logging.getLogger(__name__)

ERROR_HEADER, CONSUMER_HEADER = "village_error", "village_consumer"

_INSERT = text(
    "INSERT INTO dead_letters"
    " (consumer, topic, event_id, stream_id, error, headers, value, created_at)"
    " VALUES (:c, :topic, :e, :s, :error, CAST(:headers AS jsonb), :value, :t)"
)
_PENDING = text(
    "SELECT id, topic, headers, value FROM dead_letters"
    " WHERE consumer = :c AND replayed_at IS NULL ORDER BY id"
)
_REPLAYED = text("UPDATE dead_letters SET replayed_at = :t WHERE id = :id")
_MARK_IF_NEW = text(
    "INSERT INTO handled_events (consumer, event_id, handled_at) VALUES (:c, CAST(:e AS uuid), :t)"
    " ON CONFLICT DO NOTHING"
)


async def record_dead_letter(
    conn: AsyncConnection,
    consumer: str,
    topic: str,
    headers: Sequence[tuple[str, bytes]],
    value: bytes | None,
    error: str,
    clock: Clock,
    event: ConsumedEvent | None = None,
) -> None:
    await conn.execute(
        _INSERT,
        {
            "c": consumer,
            "topic": topic,
            "e": event.id if event else None,
            "s": event.stream_id if event else None,
            "error": error[:4000],
            "headers": json.dumps([[k, v.decode("utf-8", "replace")] for k, v in headers]),
            "value": value,
            "t": clock.now(),
        },
    )


async def park(
    applier: Applier,
    event: ConsumedEvent,
    error: str,
    topic: str,
    headers: Sequence[tuple[str, bytes]] | None = None,
    value: bytes | None = None,
) -> bool:
    """Dead-letter `event` and move its stream past it; False if it was handled meanwhile."""
    if headers is None or value is None:
        message = consumed_to_kafka(event)
        headers, value = list(message.headers.items()), message.value
    async with applier.engine.begin() as conn:
        await applier.lock(conn, event)
        if await applier.is_handled(conn, event):
            return False
        await record_dead_letter(
            conn, applier.name, topic, headers, value, error, applier.clock, event
        )
        await applier.mark(conn, event)
    return True


async def publish_dead_letter(
    producer: AIOKafkaProducer,
    consumer: str,
    topic: str,
    key: Any,
    headers: Sequence[tuple[str, bytes]],
    value: bytes | None,
    error: str,
) -> None:
    """A copy on `<topic>.dlq`: the original headers plus the error and the consumer's name."""
    kept = [(k, v) for k, v in headers if k not in (ERROR_HEADER, CONSUMER_HEADER)]
    extra = [(ERROR_HEADER, error[:4000].encode()), (CONSUMER_HEADER, consumer.encode())]
    await producer.send_and_wait(f"{topic}.dlq", key=key, value=value, headers=kept + extra)


@dataclass
class ReplayResult:
    replayed: int
    failed: int


async def replay_dead_letters(
    name: str,
    engine: AsyncEngine,
    routes: Routes,
    clock: Clock,
    *,
    ids: Sequence[int] | None = None,
) -> ReplayResult:
    """Re-apply consumer `name`'s parked events (all, or `ids`), each in its own transaction.

    A replayed row gets `replayed_at`; one that fails again stays parked for the next try.
    """
    async with engine.connect() as conn:
        rows = (await conn.execute(_PENDING, {"c": name})).all()
    result = ReplayResult(0, 0)
    for row in rows:
        if ids is not None and row.id not in ids:
            continue
        headers = [(k, v.encode()) for k, v in row.headers]
        try:
            event = consumed(headers, None, bytes(row.value or b""))
            async with engine.begin() as conn:
                handler = routes.get(event.type)
                if handler is not None:
                    try:
                        await handler(conn, event)
                    except Exception as exc:
                        raise HandlerError(event, exc) from exc
                await conn.execute(_MARK_IF_NEW, {"c": name, "e": event.id, "t": clock.now()})
                await conn.execute(_REPLAYED, {"id": row.id, "t": clock.now()})
        except Exception:
            log.exception("dead letter %s of %s still fails", row.id, name)
            result.failed += 1
            continue
        result.replayed += 1
    return result
