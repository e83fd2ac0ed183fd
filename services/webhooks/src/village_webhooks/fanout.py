"""From one consumed event to a delivery per endpoint that subscribes to it and may see it.

Runs inside the consumer's transaction (with the handled record): the deliveries exist exactly
once per (endpoint, event), however often Kafka delivers the record. An endpoint gets the events
that happen from its registration on, filtered by the egress rule for its party (village_platform.
egress) and by its subscription, in the form its party may have; a failing endpoint's new
deliveries are stored parked.
"""

from __future__ import annotations

import functools
import json
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import ConsumedEvent
from village_platform.clock import Clock
from village_platform.egress import Recipient, audience, sees

from .domain.payloads import structured
from .domain.subscriptions import Subscription

# Only the endpoints of parties the event names: nobody else may see it (endpoints_party index).
_ENDPOINTS = text(
    "SELECT endpoint_id, party, party_kind, event_types, incident_filter, status, created_at"
    " FROM endpoints WHERE party = ANY(CAST(:parties AS text[]))"
    " AND status <> 'disabled' AND created_at <= :time"
)
_INSERT = text(
    "INSERT INTO deliveries (delivery_id, endpoint_id, event_id, event_type, subject, event_time,"
    " payload, status, queued_at, next_attempt_at, created_at)"
    " SELECT gen_random_uuid(), e, CAST(:event AS uuid), :type, :subject, :time, p, s,"
    " :now, :now, :now"
    " FROM unnest(CAST(:endpoints AS uuid[]), CAST(:statuses AS text[]),"
    " CAST(:payloads AS text[])) AS t(e, s, p)"
    " ON CONFLICT (endpoint_id, event_id) DO NOTHING"
)


@functools.lru_cache(maxsize=4096)
def _subscription(event_types: tuple[str, ...], incident_filter: str) -> Subscription:
    """Compiled once per distinct subscription, not per event."""
    return Subscription.of(event_types, json.loads(incident_filter))


class FanOut:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        description, parties = event.description, audience(event.parties)
        chosen: list[tuple[uuid.UUID, str, str]] = []
        payloads: dict[str, str] = {}  # one per party
        for row in (
            await conn.execute(_ENDPOINTS, {"time": event.time, "parties": list(parties)})
        ).all():
            if not sees(description, row.party, row.party_kind):
                continue
            subscription = _subscription(
                tuple(row.event_types), json.dumps(row.incident_filter, sort_keys=True)
            )
            if not subscription.matches(event.type, event.stream_id, parties):
                continue
            if row.party not in payloads:
                payloads[row.party] = structured(event, Recipient(row.party, row.party_kind))
            chosen.append(
                (
                    row.endpoint_id,
                    "parked" if row.status == "failing" else "pending",
                    payloads[row.party],
                )
            )
        if not chosen:
            return
        await conn.execute(
            _INSERT,
            {
                "event": event.id,
                "type": event.type,
                "subject": event.stream_id,
                "time": event.time,
                "now": self.clock.now(),
                "endpoints": [e for e, _, _ in chosen],
                "statuses": [s for _, s, _ in chosen],
                "payloads": [p for _, _, p in chosen],
            },
        )
