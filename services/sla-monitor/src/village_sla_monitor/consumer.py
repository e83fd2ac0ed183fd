"""What the SLA monitor subscribes to: one routing table, used by the Kafka consumer and by
`village-rebuild village_sla_monitor.consumer:read_model --service sla-monitor --feed <incidents URL>`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import Routes
from village_platform.clock import SystemClock
from village_platform.eventstore import EventStore
from village_platform.feedclient import FeedClient
from village_platform.rebuild import ReadModel
from village_platform.settings import Settings

from .contractbook import ContractBook
from .handlers import SlaProjection

NAME = "sla-monitor"
TOPIC = "village.incidents.v1"
SOURCE = "/village/incidents"  # the feed's owner, for events served without a source
# Incident events that move a clock, a holder, downtime or a rating; the rest (note edits,
# collaborators) cannot change an SLA.
TRACKED = ("opened", "acknowledged", "assigned", "escalated", "note_added", "status_changed", "resolved",
           "closed", "reopened", "cancelled", "severity_changed", "impact_ended", "rated")


def routes(projection: SlaProjection) -> Routes:
    return {f"village.incident.{name}.v1": projection.on_incident_event for name in TRACKED}


async def reset(conn: AsyncConnection) -> None:
    """Forget the projection (not the contracts, not the SLA events already published: facts
    projected again get the same event ids, so a rebuild publishes only what is new)."""
    await conn.execute(text("TRUNCATE incident_sla, sla_clocks, credits, downtime"))
    await conn.execute(text("DELETE FROM timers"))


def incidents_feed(settings: Settings, consumer: str = NAME, **options: Any) -> FeedClient:
    """The incidents service's feed, read with the consumer's service token."""
    return FeedClient.for_consumer(settings.incidents_url, settings, consumer, source=SOURCE, **options)


def read_model() -> ReadModel:
    store = EventStore(SystemClock())
    return ReadModel(NAME, routes(SlaProjection(store, ContractBook(store))), reset)
