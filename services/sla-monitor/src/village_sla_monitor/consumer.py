"""What the SLA monitor subscribes to: one routing table, event type -> its handler, used by the
Kafka consumer, the rebuild and `village-rebuild village_sla_monitor.consumer:read_model --service
sla-monitor --feed <incidents URL>`. Incident events not in it (note edits, collaborators,
impact starts) cannot change an SLA."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import Routes
from village_platform.applier import routes as routing
from village_platform.clock import SystemClock
from village_platform.eventstore import EventStore
from village_platform.feedclient import FeedClient
from village_platform.rebuild import ReadModel
from village_platform.settings import Settings

from .contractbook import ContractBook
from .handlers.incident_events import IncidentEventHandlers

NAME = "sla-monitor"
TOPIC = "village.incidents.v1"
SOURCE = "/village/incidents"  # the feed's owner, for events served without a source


def routes(handlers: IncidentEventHandlers) -> Routes:
    return routing(
        "incident",
        opened=handlers.opened,  # the customer-facing contract in force covers it
        assigned=handlers.handed_over,  # along the chain: each link's underpinning contract
        escalated=handlers.handed_over,
        impact_ended=handlers.impact_ended,  # downtime against the availability targets
        acknowledged=handlers.moved,
        note_added=handlers.moved,
        status_changed=handlers.moved,
        severity_changed=handlers.moved,
        resolved=handlers.moved,
        reopened=handlers.moved,
        closed=handlers.moved,
        cancelled=handlers.moved,
        rated=handlers.moved,
        outage_linked=handlers.moved,  # the provider holds it for its outage
        outage_unlinked=handlers.moved,
    )


async def reset(conn: AsyncConnection) -> None:
    """Forget the projection (not the contracts, not the SLA events already published: facts
    projected again get the same event ids, so a rebuild publishes only what is new)."""
    await conn.execute(text("TRUNCATE incident_sla, sla_clocks, credits, downtime"))
    await conn.execute(text("DELETE FROM timers"))


def incidents_feed(settings: Settings, consumer: str = NAME, **options: Any) -> FeedClient:
    """The incidents service's feed, read with the consumer's service token."""
    return FeedClient.for_consumer(
        settings.incidents_url, settings, consumer, source=SOURCE, **options
    )


def read_model() -> ReadModel:
    store = EventStore(SystemClock())
    return ReadModel(NAME, routes(IncidentEventHandlers(store, ContractBook(store))), reset)
