"""What the knowledge service subscribes to: one routing table for `village.incidents.v1`.

Every incident event keeps `incidents` (who is on it: its `parties`) current; `opened` computes
suggestions, `resolved` counts solves and proposes a draft; shared notes are kept for that draft.
The rebuild replays the same feed through `fact_routes`, which only records, never decides
(what was decided is in the knowledge store already)."""

from __future__ import annotations

from typing import Any

from village_platform.applier import Routes
from village_platform.feedclient import FeedClient
from village_platform.settings import Settings

from .handlers import Knowledge, record_incident_fact

NAME = "knowledge"
TOPIC = "village.incidents.v1"
SOURCE = "/village/incidents"
EVENTS = ("opened", "acknowledged", "assigned", "escalated", "note_added", "note_edited", "note_deleted",
          "status_changed", "resolved", "closed", "reopened", "cancelled", "severity_changed", "impact_started",
          "impact_ended", "collaborator_invited", "collaborator_revoked", "rated")


def routes(knowledge: Knowledge) -> Routes:
    return {f"village.incident.{name}.v1": knowledge.on_incident_event for name in EVENTS}


def fact_routes() -> Routes:
    return {f"village.incident.{name}.v1": record_incident_fact for name in EVENTS}


def incidents_feed(settings: Settings, consumer: str = NAME, **options: Any) -> FeedClient:
    return FeedClient.for_consumer(settings.incidents_url, settings, consumer, source=SOURCE, **options)
