"""One incident's escalation: its state, how incident and SLA events move it, and the decisions
that follow. Pure: time comes from the caller; `open` makes the state, the other functions
update it in place and return what was decided."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import decisions as k
from .config import ConfigSnapshot, TierRef
from .decisions import Decision, DomainError, conflict, forbidden
from .ladder import Ladder, Rung
from .routing import NewIncident, evaluate

__all__ = ["Decision", "DomainError", "IncidentEscalation", "PathEntry", "advance", "apply", "drop_pending",
           "next_due", "on_sla_warning", "open", "request"]

STOPPED = frozenset({"resolved", "closed", "cancelled"})


@dataclass(frozen=True)
class PathEntry:
    party: str
    tier: str
    at: datetime
    decision_id: str | None  # None when a person moved it


@dataclass
class IncidentEscalation:
    incident_id: str
    customer: str
    partner: str
    provider: str
    severity: str
    product: str
    status: str
    opened_at: datetime
    ladder: Ladder  # pinned at open, with the policies and ceilings
    pinned: dict[str, int] = field(default_factory=dict)  # config versions, e.g. {"rules/acme": 3}
    current: TierRef | None = None
    entered_at: datetime | None = None
    entered_seq: int = 0  # tier entries so far
    acknowledged_by: list[str] = field(default_factory=list)
    last_progress_at: datetime | None = None
    progress_seq: int = 0
    pending: str | None = None  # a decision sent but not yet seen applied on the incident
    pending_to: TierRef | None = None
    last_partner_tier: TierRef | None = None  # where a hand-back returns
    resolved_seq: int = 0
    path: list[PathEntry] = field(default_factory=list)
    decided: list[str] = field(default_factory=list)  # every decision id made, so none is made twice
    done: bool = False  # closed or cancelled

    @property
    def rung(self) -> Rung | None:
        """The current tier with its policy; None when unrouted or off the ladder."""
        return self.ladder.rung(self.current)


# --------------------------------------------------------------------------- opening


def open(data: Mapping[str, Any], at: datetime, config: ConfigSnapshot) -> tuple[IncidentEscalation, list[Decision]]:
    """The state for a newly opened incident (the `opened` event's data) and its route decision,
    none when neither the partner nor the provider has tiers."""
    if (data["partner"], data["provider"]) != (config.partner, config.provider):
        raise ValueError(f"the configuration is for {config.partner}/{config.provider}, "
                         f"not {data['partner']}/{data['provider']}")
    state = IncidentEscalation(
        incident_id=data["incident_id"], customer=data["customer"], partner=data["partner"],
        provider=data["provider"], severity=data["severity"], product=data["product"], status="new",
        opened_at=at, ladder=Ladder.pinned(config), pinned=config.versions(), last_progress_at=at)
    route = evaluate(NewIncident(state.severity, state.product, state.customer, state.partner, state.provider), config)
    if route is None:
        return state, []
    decision = Decision(k.decision_id(k.route_key(state.incident_id)), state.incident_id, "route", "opened",
                        None, route.to, route.basis, route.reason, at)
    _pend(state, decision)
    return state, [decision]


# --------------------------------------------------------------------------- incident events


def apply(state: IncidentEscalation, name: str, data: Mapping[str, Any], at: datetime,
          actor_party: str | None = None) -> list[Decision]:
    """An incident event (`name` as in village.incident.<name>.v1); events that do not concern
    escalation are ignored. Only a resolution at a provider tier decides something: a hand-back."""
    match name:
        case "assigned":
            to = TierRef(data["party"], data.get("tier") or "")
            _enter(state, to, at, state.pending if state.pending_to == to else None)
        case "escalated":
            _enter(state, TierRef(data["to_party"], data["to_tier"]), at, data.get("decision_id"))
        case "acknowledged":
            if data["party"] not in state.acknowledged_by:
                state.acknowledged_by.append(data["party"])
            if state.status == "new":
                state.status = "acknowledged"
        case "note_added":
            _progress(state, at)
        case "status_changed":
            state.status = data["to_status"]
            _progress(state, at)
        case "severity_changed":
            state.severity = data["to_severity"]
        case "resolved":
            if state.status == "resolved":
                return []  # a duplicate: incidents are resolved once per round
            state.status = "resolved"
            state.resolved_seq += 1
            return _hand_back(state, at)
        case "reopened":
            state.status = "reopened"
            _progress(state, at)
        case "closed" | "cancelled":
            state.status, state.done = name, True
            state.pending = state.pending_to = None
    return []


def _enter(state: IncidentEscalation, to: TierRef, at: datetime, decision_id: str | None) -> None:
    state.current, state.entered_at, state.last_progress_at = to, at, at
    state.entered_seq += 1
    state.pending = state.pending_to = None
    state.path.append(PathEntry(to.party, to.tier, at, decision_id))
    if to.party == state.partner and to.party != state.provider:
        state.last_partner_tier = to


def _progress(state: IncidentEscalation, at: datetime) -> None:
    state.last_progress_at = at
    state.progress_seq += 1


def _hand_back(state: IncidentEscalation, at: datetime) -> list[Decision]:
    current = state.current
    if current is None or current.party != state.provider or state.partner == state.provider:
        return []
    first = state.ladder.first(state.partner)
    to = state.last_partner_tier or (first.ref if first else TierRef(state.partner, ""))
    decision = Decision(k.decision_id(k.hand_back_key(state.incident_id, state.resolved_seq)), state.incident_id,
                        "hand_back", "resolved", current, to, {"type": "hand_back"},
                        f"resolved at {current}: handed back to {to}", at)
    _pend(state, decision)
    return [decision]


# --------------------------------------------------------------------------- automatic escalation


def on_sla_warning(state: IncidentEscalation, data: Mapping[str, Any], event_id: str, at: datetime) -> list[Decision]:
    """An SLA warning (village.sla.warning.v1 data) at or above the current tier's threshold
    moves the incident up one tier, once per warning event."""
    rung, target = state.rung, _automatic_target(state)
    threshold = rung.sla_warning_percent if rung else None
    if rung is None or target is None or threshold is None or data["percent"] < threshold:
        return []
    did = k.decision_id(k.warning_key(state.incident_id, event_id))
    if _seen(state, did):
        return []
    clock = f"{data['clock']} clock" if data.get("clock") else "clock"
    basis = {**_policy_basis(rung, "sla_warning_percent"), "percent": data["percent"], "sla_event_id": event_id}
    reason = (f"SLA warning: the {clock} reached {data['percent']} % (threshold {threshold} %) at {rung.tier}"
              f" {_policy_of(rung)}")
    return [_escalate(state, did, "sla_warning", target, basis, reason, at)]


def next_due(state: IncidentEscalation) -> datetime | None:
    """When `advance` next has something to do (possibly already past); None: nothing is due."""
    dues = _dues(state)
    return dues[0][0] if dues else None


def advance(state: IncidentEscalation, now: datetime) -> list[Decision]:
    """Fire the earliest ack or progress policy of the current tier that is due by `now`. The
    decision is dated when the policy fell due, so a late timer decides the same thing."""
    dues = _dues(state)
    if not dues or dues[0][0] > now:
        return []
    when, policy, did = dues[0]
    rung, target = state.rung, _automatic_target(state)
    assert rung is not None and target is not None  # _dues checked both
    minutes = rung.policy(policy)
    if policy == "ack_minutes":
        trigger, reason = "ack_timeout", f"not acknowledged by {rung.party} within {minutes} minutes at {rung.tier}"
    else:
        trigger, reason = "no_progress", f"no progress within {minutes} minutes at {rung.tier}"
    return [_escalate(state, did, trigger, target, _policy_basis(rung, policy), f"{reason} {_policy_of(rung)}", when)]


def _dues(state: IncidentEscalation) -> list[tuple[datetime, str, str]]:
    """(when, policy, decision id) of the current tier's timed policies, earliest first."""
    rung, current = state.rung, state.current
    if rung is None or current is None or _automatic_target(state) is None:
        return []
    assert state.entered_at is not None and state.last_progress_at is not None
    dues = []
    if rung.ack_minutes is not None and rung.party not in state.acknowledged_by:
        did = k.decision_id(k.ack_key(state.incident_id, current, state.entered_seq))
        dues.append((state.entered_at + timedelta(minutes=rung.ack_minutes), "ack_minutes", did))
    if rung.progress_minutes is not None:
        did = k.decision_id(k.progress_key(state.incident_id, current, state.entered_seq, state.progress_seq))
        dues.append((state.last_progress_at + timedelta(minutes=rung.progress_minutes), "progress_minutes", did))
    return sorted((d for d in dues if not _seen(state, d[2])), key=lambda d: (d[0], d[1]))


def _automatic_target(state: IncidentEscalation) -> Rung | None:
    """Where a policy would move the incident now; None while a decision is pending, once it is
    resolved, closed or cancelled, at the top, at a ceiling or off the ladder."""
    if state.done or state.status in STOPPED or state.pending is not None:
        return None
    return state.ladder.next_automatic(state.current)


# --------------------------------------------------------------------------- manual escalation


def request(state: IncidentEscalation, reason: str, party: str, user: str, request_id: str,
            at: datetime) -> Decision:
    """A manual escalation to the next tier, ceilings ignored, by the owning partner or the
    provider. It replaces a pending automatic decision (whichever lands second finds the
    incident already there)."""
    if party not in (state.partner, state.provider):
        raise forbidden(f"only {state.partner} or {state.provider} escalate this incident")
    if state.done or state.status in STOPPED:
        raise conflict(f"cannot escalate an incident that is {state.status}")
    # From where the incident is, or is about to be: a request may come in before the
    # service has seen its pending decision land.
    origin = state.pending_to or state.current
    target = state.ladder.next_manual(origin)
    if target is None:
        where = f"at {origin}" if origin else "unrouted"
        raise conflict(f"the incident is {where}: there is no higher tier")
    did = k.decision_id(k.manual_key(state.incident_id, request_id))
    basis = {"type": "manual", "requested_by": party, "user": user}
    return _escalate(state, did, "manual", target, basis, f"requested by {user} of {party}: {reason}", at,
                     origin=origin)


def drop_pending(state: IncidentEscalation, decision_id: str) -> None:
    """The incident refused the pending decision for good: stop waiting for it, so that later
    triggers may decide (the same trigger never decides again)."""
    if state.pending == decision_id:
        state.pending = state.pending_to = None


# --------------------------------------------------------------------------- shared


def _escalate(state: IncidentEscalation, did: str, trigger: k.Trigger, target: Rung, basis: dict[str, Any],
              reason: str, at: datetime, origin: TierRef | None = None) -> Decision:
    decision = Decision(did, state.incident_id, "escalate", trigger, origin or state.current, target.ref, basis,
                        reason, at)
    _pend(state, decision)
    return decision


def _pend(state: IncidentEscalation, decision: Decision) -> None:
    state.pending, state.pending_to = decision.decision_id, decision.to_tier
    if decision.decision_id not in state.decided:
        state.decided.append(decision.decision_id)


def _seen(state: IncidentEscalation, did: str) -> bool:
    return did in state.decided


def _policy_basis(rung: Rung, policy: str) -> dict[str, Any]:
    return {"type": "policy", "party": rung.party, "tier": rung.tier, "policy": policy,
            "value": rung.policy(policy), "version": rung.version}


def _policy_of(rung: Rung) -> str:
    return f"(policy of {rung.party} {rung.tier}, v{rung.version})"
