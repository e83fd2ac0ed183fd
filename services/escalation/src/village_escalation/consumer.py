"""What the escalation service subscribes to: one routing table per topic, event type -> handler.

The SLA monitor's events of an incident use the incident's id as their stream, with their own
sequence, so each topic gets its own consumer (its own group and applied positions): one
consumer tracking both would take one stream's sequence for the other's gaps. Types not routed
(note edits, collaborators, ratings, ...) decide nothing and are handled by doing nothing."""

from __future__ import annotations

from collections.abc import Callable

from village_platform.applier import ConsumedEvent, Routes, routes
from village_platform.feedclient import FeedClient
from village_platform.settings import Settings

from .domain import facts
from .handlers import EscalationProcess

NAME = "escalation"
SLA_NAME = "escalation-sla"
INCIDENTS_TOPIC, INCIDENTS_SOURCE = "village.incidents.v1", "/village/incidents"
SLA_TOPIC, SLA_SOURCE = "village.sla.v1", "/village/sla-monitor"
SLA_WARNING = "village.sla.warning.v1"


def incident_routes(process: EscalationProcess) -> Routes:
    """The incident events that move the incident between tiers, show progress, hold it for a
    provider outage or end it, each followed as its fact (domain/facts.py)."""
    follow = process.follow
    return routes(
        "incident",
        opened=process.on_opened,
        acknowledged=follow(facts.Acknowledged),
        assigned=follow(facts.Assigned),
        escalated=follow(facts.Escalated),
        note_added=follow(facts.NoteAdded),
        status_changed=follow(facts.StatusChanged),
        severity_changed=follow(facts.SeverityChanged),
        resolved=follow(facts.Resolved),
        reopened=follow(facts.Reopened),
        closed=follow(facts.Closed),
        cancelled=follow(facts.Cancelled),
        outage_linked=follow(facts.OutageLinked),  # the provider works it: off the ladder
        outage_unlinked=follow(facts.OutageUnlinked),  # back on the ladder where it was
    )


def incident_states(routes: Routes) -> Callable[[ConsumedEvent], str | None]:
    """Every routed incident event's handler reads its incident's state (`opened` to see that
    there is none yet)."""
    types = frozenset(routes)
    return lambda event: event.stream_id if event.type in types else None


def sla_states(event: ConsumedEvent) -> str | None:
    """Of the SLA events only a warning reads the incident's state; the clock events keep the
    queues' clocks."""
    return event.data.get("incident_id") if event.type == SLA_WARNING else None


def sla_routes(process: EscalationProcess) -> Routes:
    """Every clock event keeps the queues' "SLA remaining"; a warning may also escalate."""
    return routes(
        "sla",
        clock_started=process.on_clock,
        clock_paused=process.on_clock,
        clock_resumed=process.on_clock,
        clock_retargeted=process.on_clock,
        clock_stopped=process.on_clock,
        warning=process.on_warning,
        breached=process.on_clock,
        target_met=process.on_clock,
    )


def incidents_feed(settings: Settings, consumer: str = NAME) -> FeedClient:
    """The incidents service's feed (gap healing), read with the consumer's service token."""
    return FeedClient.for_consumer(
        settings.incidents_url, settings, consumer, source=INCIDENTS_SOURCE
    )


def sla_feed(settings: Settings, consumer: str = SLA_NAME) -> FeedClient:
    return FeedClient.for_consumer(settings.sla_monitor_url, settings, consumer, source=SLA_SOURCE)
