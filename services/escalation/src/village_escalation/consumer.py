"""What the escalation service subscribes to: a routing table per topic.

The SLA monitor's events of an incident use the incident's id as their stream, with their own
sequence, so each topic gets its own consumer (its own group and applied positions): one
consumer tracking both would take one stream's sequence for the other's gaps."""

from __future__ import annotations

from village_platform.applier import Routes
from village_platform.feedclient import FeedClient
from village_platform.settings import Settings

from .handlers import EscalationProcess

NAME = "escalation"
SLA_NAME = "escalation-sla"
INCIDENTS_TOPIC, INCIDENTS_SOURCE = "village.incidents.v1", "/village/incidents"
SLA_TOPIC, SLA_SOURCE = "village.sla.v1", "/village/sla-monitor"
# Incident events that move the incident between tiers, show progress or end it; the rest
# (note edits, collaborators, ratings) decide nothing.
INCIDENT_EVENTS = ("opened", "acknowledged", "assigned", "escalated", "note_added", "status_changed",
                   "resolved", "closed", "reopened", "cancelled", "severity_changed")
# SLA events: every clock event keeps the queues' "SLA remaining"; warnings may escalate.
SLA_EVENTS = ("clock_started", "clock_paused", "clock_resumed", "clock_retargeted", "clock_stopped",
              "warning", "breached", "target_met")


def incident_routes(process: EscalationProcess) -> Routes:
    return {f"village.incident.{name}.v1": process.on_incident_event for name in INCIDENT_EVENTS}


def sla_routes(process: EscalationProcess) -> Routes:
    return {f"village.sla.{name}.v1": process.on_sla_event for name in SLA_EVENTS}


def incidents_feed(settings: Settings, consumer: str = NAME) -> FeedClient:
    """The incidents service's feed (gap healing), read with the consumer's service token."""
    return FeedClient.for_consumer(settings.incidents_url, settings, consumer, source=INCIDENTS_SOURCE)


def sla_feed(settings: Settings, consumer: str = SLA_NAME) -> FeedClient:
    return FeedClient.for_consumer(settings.sla_monitor_url, settings, consumer, source=SLA_SOURCE)
