"""What the console subscribes to: every Village topic, one routing table.

Every event about an incident becomes a timeline entry (projection.entry); a few also say who is
on the incident and at which tier (opened, collaborators, assignments, escalations). Outage
events are the provider incident's own: what an incident's parties see of an outage comes on the
incident's stream (outage_linked, outage_unlinked, and each update as the provider's note).

One consumer (Kafka group, applied positions) per topic, as the webhook dispatcher does: SLA and
escalation events use the incident id as their stream with sequences of their own, which one
consumer would take for gaps in the incident's stream."""

from __future__ import annotations

from village_platform.applier import Routes
from village_platform.applier import routes as table
from village_platform.feedclient import FeedClient
from village_platform.settings import Settings
from village_platform.topics import ESCALATIONS, INCIDENTS, KNOWLEDGE, SLA, WEBHOOKS, OwnedTopic

from . import projection as p

NAME = "console"


TOPICS = (INCIDENTS, SLA, ESCALATIONS, KNOWLEDGE, WEBHOOKS)


def routes() -> Routes:
    """Each event type about an incident and what the console records of it."""
    return {
        **table(
            "incident",
            opened=p.opened,
            acknowledged=p.entry,
            assigned=p.assigned,
            escalated=p.escalated,
            note_added=p.entry,
            note_edited=p.entry,
            note_deleted=p.entry,
            status_changed=p.entry,
            resolved=p.entry,
            closed=p.entry,
            reopened=p.entry,
            cancelled=p.entry,
            severity_changed=p.entry,
            impact_started=p.entry,
            impact_ended=p.entry,
            collaborator_invited=p.invited,
            collaborator_revoked=p.revoked,
            rated=p.entry,
            outage_linked=p.entry,
            outage_unlinked=p.entry,
        ),
        **table(
            "sla",
            clock_started=p.entry,
            clock_paused=p.entry,
            clock_resumed=p.entry,
            clock_retargeted=p.entry,
            clock_stopped=p.entry,
            warning=p.entry,
            breached=p.entry,
            target_met=p.entry,
            credit_accrued=p.entry,
            availability_missed=p.entry,
        ),
        **table("escalation", decided=p.entry, applied=p.entry, failed=p.entry),
        **table(
            "knowledge",
            suggestions_made=p.entry,
            article_linked=p.entry,
            article_unlinked=p.entry,
            incident_solved=p.entry,
            feedback_given=p.entry,
            draft_proposed=p.entry,
        ),
        # On the incident the delivered event was about; for the endpoint's owner only.
        **table(
            "webhook", delivered=p.entry, attempt_failed=p.entry, failed=p.entry, parked=p.entry
        ),
    }


def consumer_name(topic: OwnedTopic) -> str:
    return f"{NAME}-{topic.family}"


def feed(settings: Settings, topic: OwnedTopic, **options: object) -> FeedClient:
    return topic.feed(settings, consumer_name(topic), **options)
