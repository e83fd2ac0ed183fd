"""A short human line for each timeline entry, written from the data as the viewer may see it
(never from the whole event: a field narrowed away from the viewer must not reappear here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from village_platform.envelope import event_name

Data = Mapping[str, Any]


def _clock(verb: str) -> Callable[[Data], str]:
    def line(d: Data) -> str:
        owing, owed = d.get("owing_party"), d.get("owed_party")
        who = f" ({owing} to {owed})" if owing and owed else ""
        return f"{d.get('clock', 'SLA')} clock {verb}{who}"

    return line


def _note(verb: str) -> Callable[[Data], str]:
    def line(d: Data) -> str:
        visibility = d.get("note_visibility")
        return f"{visibility} note {verb}" if visibility else f"note {verb}"

    return line


def _where(preposition: str, party: Any, tier: Any) -> str:
    """`" from northwind L1"`, or nothing when the event names neither (a first routing)."""
    named = " ".join(str(x) for x in (party, tier) if x)
    return f"{preposition} {named}" if named else ""


def _decision(d: Data) -> str:
    """Where to, by which rule (or policy, or default) and why."""
    to = d.get("to") if isinstance(d.get("to"), Mapping) else {}
    where = " ".join(str(to[k]) for k in ("party", "tier") if to.get(k))
    basis = d.get("basis") if isinstance(d.get("basis"), Mapping) else {}
    by = basis.get("type")
    if by == "rule" and basis.get("id"):
        by = f"rule {basis['id']}"
    line = f"{d.get('kind', 'decision')} to {where}" if where else str(d.get("kind", "decision"))
    return line + (f" by {by}" if by else "") + (f": {d['reason']}" if d.get("reason") else "")


LINES: dict[str, Callable[[Data], str]] = {
    "village.incident.opened.v1": lambda d: (
        f"opened ({d.get('severity', '?')}): {d.get('title', '')}"
    ),
    "village.incident.acknowledged.v1": lambda d: "acknowledged",
    "village.incident.assigned.v1": lambda d: (
        f"assigned to {d.get('party')} {d.get('tier')}"
        + (f" ({d['assignee']})" if d.get("assignee") else "")
    ),
    "village.incident.escalated.v1": lambda d: (
        "escalated"
        + _where(" from", d.get("from_party"), d.get("from_tier"))
        + _where(" to", d.get("to_party"), d.get("to_tier"))
        + (f": {d['reason']}" if d.get("reason") else "")
    ),
    "village.incident.note_added.v1": _note("added"),
    "village.incident.note_edited.v1": _note("edited"),
    "village.incident.note_deleted.v1": _note("deleted"),
    "village.incident.status_changed.v1": lambda d: (
        f"status {d.get('from_status')} → {d.get('to_status')}"
    ),
    "village.incident.resolved.v1": lambda d: f"resolved ({d.get('resolution_code', '')})",
    "village.incident.closed.v1": lambda d: (
        "closed" + (" automatically" if d.get("automatic") else "")
    ),
    "village.incident.reopened.v1": lambda d: "reopened",
    "village.incident.cancelled.v1": lambda d: "cancelled",
    "village.incident.severity_changed.v1": lambda d: (
        f"severity {d.get('from_severity')} → {d.get('to_severity')}"
    ),
    "village.incident.impact_started.v1": lambda d: "impact (downtime) started",
    "village.incident.impact_ended.v1": lambda d: "impact (downtime) ended",
    "village.incident.collaborator_invited.v1": lambda d: (
        f"{d.get('partner')} invited to collaborate"
    ),
    "village.incident.collaborator_revoked.v1": lambda d: (
        f"{d.get('partner')}'s collaboration revoked"
    ),
    "village.incident.rated.v1": lambda d: f"rated {d.get('rating')}",
    "village.incident.outage_linked.v1": lambda d: (
        "linked to a provider outage" + (f": {d['title']}" if d.get("title") else "")
    ),
    "village.incident.outage_unlinked.v1": lambda d: "unlinked from a provider outage",
    "village.sla.clock_started.v1": _clock("started"),
    "village.sla.clock_paused.v1": _clock("paused"),
    "village.sla.clock_resumed.v1": _clock("resumed"),
    "village.sla.clock_retargeted.v1": _clock("retargeted"),
    "village.sla.clock_stopped.v1": _clock("stopped"),
    "village.sla.warning.v1": lambda d: (
        f"{d.get('clock', 'SLA')} clock at {d.get('percent', '?')}% of its target"
    ),
    "village.sla.breached.v1": _clock("breached"),
    "village.sla.target_met.v1": _clock("target met"),
    "village.sla.credit_accrued.v1": lambda d: (
        f"service credit of {d.get('amount', '?')} {d.get('currency', '')}".rstrip()
    ),
    "village.sla.availability_missed.v1": lambda d: (
        f"availability target missed in {d.get('month', '?')}"
    ),
    "village.escalation.decided.v1": _decision,
    "village.escalation.applied.v1": lambda d: f"escalation decision applied: {d.get('kind', '')}",
    "village.escalation.failed.v1": lambda d: f"escalation decision failed: {d.get('kind', '')}",
    "village.knowledge.suggestions_made.v1": lambda d: (
        f"{len(d.get('articles') or ())} knowledge articles suggested"
    ),
    "village.knowledge.article_linked.v1": lambda d: (
        "knowledge article linked" + (f": {d['title']}" if d.get("title") else "")
    ),
    "village.knowledge.article_unlinked.v1": lambda d: "knowledge article unlinked",
    "village.knowledge.incident_solved.v1": lambda d: "solved by a knowledge article",
    "village.knowledge.feedback_given.v1": lambda d: (
        "knowledge article rated " + ("helpful" if d.get("helpful") else "not helpful")
    ),
    "village.knowledge.draft_proposed.v1": lambda d: "knowledge article drafted from it",
    "village.webhook.delivered.v1": lambda d: (
        f"{d['delivered_type']} delivered to your webhook (HTTP {d['status_code']},"
        f" {round(d['latency_ms'])} ms)"
    ),
    "village.webhook.attempt_failed.v1": lambda d: (
        f"{d['delivered_type']} not delivered to your webhook (attempt {d['attempt']}:"
        f" {d['reason']}); retried at {d['next_attempt_at']}"
    ),
    "village.webhook.failed.v1": lambda d: (
        f"{d['delivered_type']} refused by your webhook (HTTP {d['status_code']}): not retried"
    ),
    "village.webhook.parked.v1": lambda d: (
        f"your webhook failing: {d['parked']} deliveries parked until replayed"
    ),
}


def summary(event_type: str, data: Data) -> str:
    line = LINES.get(event_type)
    if line is None:
        return event_name(event_type).replace("_", " ")
    try:
        return line(data)
    except (KeyError, TypeError, ValueError):  # a field missing from a bare fact
        return event_name(event_type).replace("_", " ")
