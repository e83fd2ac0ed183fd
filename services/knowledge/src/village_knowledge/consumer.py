"""What the knowledge service subscribes to: `village.incidents.v1`, one routing table.

Every incident event keeps the incident read model current (incident_facts.py: who is on it, its
status, its shared notes); an opening also computes suggestions, a resolution counts solves and
proposes a draft (reactions.py). The rebuild replays the same feed through `fact_routes`, which
only records, never decides (what was decided is in the knowledge store already)."""

from __future__ import annotations

from typing import Any

from village_platform.applier import Routes
from village_platform.applier import routes as table
from village_platform.feedclient import FeedClient
from village_platform.settings import Settings

from . import incident_facts as facts
from .reactions import Reactions

NAME = "knowledge"
TOPIC = "village.incidents.v1"
SOURCE = "/village/incidents"


def fact_routes() -> Routes:
    """Each incident event type and what the incident read model records of it."""
    return table(
        "incident",
        opened=facts.record,
        acknowledged=facts.record,
        assigned=facts.record,
        escalated=facts.record,
        note_added=facts.note_written,
        note_edited=facts.note_written,
        note_deleted=facts.note_deleted,
        status_changed=facts.record,
        resolved=facts.record,
        closed=facts.record,
        reopened=facts.record,
        cancelled=facts.record,
        severity_changed=facts.record,
        impact_started=facts.record,
        impact_ended=facts.record,
        collaborator_invited=facts.record,
        collaborator_revoked=facts.record,
        rated=facts.record,
    )


def routes(reactions: Reactions) -> Routes:
    """The live table: the facts, and for these two types what knowledge does about them."""
    return {
        **fact_routes(),
        **table("incident", opened=reactions.opened, resolved=reactions.resolved),
    }


def incidents_feed(settings: Settings, consumer: str = NAME, **options: Any) -> FeedClient:
    return FeedClient.for_consumer(
        settings.incidents_url, settings, consumer, source=SOURCE, **options
    )
