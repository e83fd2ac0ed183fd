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
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import ConsumedEvent
from village_platform.clock import Clock
from village_platform.egress import Recipient, audience, sees

from .domain.payloads import structured
from .domain.subscriptions import Subscription

# Only the endpoints of parties the events name: nobody else may see them (endpoints_party
# index). An endpoint gets the events from its registration on: `created_at` is compared with
# each event's time as it is fanned out (one read serves a whole fetch).
_ENDPOINTS = text(
    "SELECT endpoint_id, party, party_kind, event_types, incident_filter, status, created_at"
    " FROM endpoints WHERE party = ANY(CAST(:parties AS text[]))"
    " AND status <> 'disabled' AND created_at <= :time"
)
# In the order given, so each (endpoint, subject) queue's `seq` follows the events' order.
_INSERT = text(
    "INSERT INTO deliveries (delivery_id, endpoint_id, event_id, event_type, subject, event_time,"
    " payload, status, queued_at, next_attempt_at, created_at)"
    " SELECT gen_random_uuid(), e, ev, ty, su, ti, p, s, :now, :now, :now"
    " FROM unnest(CAST(:endpoints AS uuid[]), CAST(:events AS uuid[]), CAST(:types AS text[]),"
    " CAST(:subjects AS text[]), CAST(:times AS timestamptz[]), CAST(:statuses AS text[]),"
    " CAST(:payloads AS text[])) WITH ORDINALITY AS t(e, ev, ty, su, ti, s, p, n)"
    " ORDER BY n"
    " ON CONFLICT (endpoint_id, event_id) DO NOTHING"
)
_COLUMNS = ("endpoints", "events", "types", "subjects", "times", "statuses", "payloads")


@functools.lru_cache(maxsize=4096)
def _subscription(event_types: tuple[str, ...], incident_filter: str) -> Subscription:
    """Compiled once per distinct subscription, not per event."""
    return Subscription.of(event_types, json.loads(incident_filter))


@dataclass
class _Fetch:
    """One fetch's fan-out: the endpoints read once, the deliveries inserted together."""

    endpoints: list[Any]
    deliveries: list[tuple[Any, ...]] = field(default_factory=list)


_current: ContextVar[_Fetch | None] = ContextVar("village_webhooks_fetch", default=None)


class FanOut:
    """One per consumer: `committed` (its `after_commit`) calls `queued` (the dispatcher's
    wake) only after a transaction that stored deliveries, not after every fetch of events
    nobody subscribes to."""

    def __init__(self, clock: Clock, queued: Callable[[], None] | None = None) -> None:
        self.clock, self.queued = clock, queued
        self._stored = False

    def committed(self) -> None:
        if self._stored:
            self._stored = False
            if self.queued is not None:
                self.queued()

    async def __call__(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        kept = _current.get()
        if kept is not None:
            kept.deliveries.extend(self._deliveries(event, kept.endpoints))
            return
        endpoints = await _endpoints(conn, [event])
        await self._insert(conn, self._deliveries(event, endpoints))

    @asynccontextmanager
    async def applying_many(
        self, conn: AsyncConnection, events: Sequence[ConsumedEvent]
    ) -> AsyncIterator[None]:
        """Around the handlers of one fetch in one transaction (`Applier.batch_scope`): one read
        of the endpoints of every party the fetch names, one insert of all its deliveries."""
        kept = _Fetch(await _endpoints(conn, events))
        token = _current.set(kept)
        try:
            yield
        finally:
            _current.reset(token)
        await self._insert(conn, kept.deliveries)

    def _deliveries(self, event: ConsumedEvent, endpoints: list[Any]) -> list[tuple[Any, ...]]:
        """A delivery per endpoint that may see `event`, subscribes to it and existed when it
        happened, in the form its party may have (one payload per party)."""
        description, parties = event.description, audience(event.parties)
        chosen: list[tuple[Any, ...]] = []
        payloads: dict[str, str] = {}
        for row in endpoints:
            if row.party not in parties or row.created_at > event.time:
                continue
            if not sees(description, row.party, row.party_kind):
                continue
            subscription = _subscription(
                tuple(row.event_types), json.dumps(row.incident_filter, sort_keys=True)
            )
            if not subscription.matches(event.type, event.stream_id, parties):
                continue
            if row.party not in payloads:
                payloads[row.party] = structured(event, Recipient(row.party, row.party_kind))
            status = "parked" if row.status == "failing" else "pending"
            chosen.append((
                row.endpoint_id, uuid.UUID(event.id), event.type, event.stream_id, event.time,
                status, payloads[row.party],
            ))  # fmt: skip
        return chosen

    async def _insert(self, conn: AsyncConnection, deliveries: list[tuple[Any, ...]]) -> None:
        if deliveries:
            self._stored = True  # a rolled-back one only wakes the dispatcher once for nothing
            columns = zip(_COLUMNS, zip(*deliveries, strict=True), strict=True)
            await conn.execute(
                _INSERT, {"now": self.clock.now(), **{k: list(v) for k, v in columns}}
            )


async def _endpoints(conn: AsyncConnection, events: Sequence[ConsumedEvent]) -> list[Any]:
    parties = set().union(*(audience(e.parties) for e in events))
    if not parties:
        return []
    latest = max(e.time for e in events)
    return list(
        (await conn.execute(_ENDPOINTS, {"time": latest, "parties": sorted(parties)})).all()
    )
