"""From one consumed event to a delivery per endpoint that subscribes to it and may see it.

Runs inside the consumer's transaction (with the handled record): the deliveries exist exactly
once per (endpoint, event), however often Kafka delivers the record. An endpoint gets the events
that happen from its registration on, filtered by THE RULE for its party (village_platform.
visibility) and by its subscription; a failing endpoint's new deliveries are stored parked.
"""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import ConsumedEvent
from village_platform.clock import Clock
from village_platform.visibility import audience, may_see

from .domain.payloads import structured
from .domain.subscriptions import Subscription

# Only the endpoints of parties the event names: nobody else may see it (endpoints_party index).
_ENDPOINTS = text(
    "SELECT endpoint_id, party, party_kind, event_types, incident_filter, status, created_at"
    " FROM endpoints WHERE party = ANY(CAST(:parties AS text[])) AND status <> 'disabled' AND created_at <= :time")
_INSERT = text(
    "INSERT INTO deliveries (delivery_id, endpoint_id, event_id, event_type, subject, event_time, payload, status,"
    " queued_at, next_attempt_at, created_at)"
    " SELECT gen_random_uuid(), e, CAST(:event AS uuid), :type, :subject, :time, :payload, s, :now, :now, :now"
    " FROM unnest(CAST(:endpoints AS uuid[]), CAST(:statuses AS text[])) AS t(e, s)"
    " ON CONFLICT (endpoint_id, event_id) DO NOTHING")


@functools.lru_cache(maxsize=4096)
def _subscription(event_types: tuple[str, ...], incident_filter: str) -> Subscription:
    """Compiled once per distinct subscription, not per event."""
    return Subscription.of(event_types, json.loads(incident_filter))


def audience_of(event: ConsumedEvent) -> dict[str, Any]:
    return {"visibility": event.visibility, "parties": event.parties, "actorparty": event.actor_party}


class FanOut:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        attributes, parties = audience_of(event), audience(event.parties)
        chosen: list[tuple[uuid.UUID, str]] = []
        for row in (await conn.execute(_ENDPOINTS, {"time": event.time, "parties": list(parties)})).all():
            if not may_see(attributes, row.party, row.party_kind):
                continue
            subscription = _subscription(tuple(row.event_types), json.dumps(row.incident_filter, sort_keys=True))
            if not subscription.matches(event.type, event.stream_id, parties):
                continue
            chosen.append((row.endpoint_id, "parked" if row.status == "failing" else "pending"))
        if not chosen:
            return
        await conn.execute(_INSERT, {
            "event": event.id, "type": event.type, "subject": event.stream_id, "time": event.time,
            "payload": structured(event), "now": self.clock.now(),
            "endpoints": [e for e, _ in chosen], "statuses": [s for _, s in chosen]})
