"""What the process decides, and only that: each function reads the state and a trigger and returns
the decisions (`decided` events), leaving the state to `evolving.evolve`. Pure: time comes from the
caller, and a decision's id from its trigger, so a replayed trigger decides the same thing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from village_platform.errors import DomainError

from . import decisions as k
from .config import ConfigSnapshot, TierRef
from .events import Decision
from .ladder import Rung
from .routing import NewIncident, evaluate
from .state import IncidentEscalation, OutageHold


def route(state: IncidentEscalation, config: ConfigSnapshot, at: datetime) -> list[Decision]:
    """Where a new incident starts; nothing when neither the partner nor the provider has tiers."""
    incident = NewIncident(
        state.severity, state.product, state.customer, state.partner, state.provider
    )
    found = evaluate(incident, config)
    if found is None:
        return []
    did = k.decision_id(k.route_key(state.incident_id))
    return [
        Decision(
            did, state.incident_id, "route", "opened", None, found.to, found.basis, found.reason, at
        )
    ]


def hand_back(
    state: IncidentEscalation, at: datetime, held: OutageHold | None = None
) -> list[Decision]:
    """Just resolved at a provider tier (or a middle supplier's, on a longer chain), or while the
    provider held it for its outage (`held`, the hold the resolution ended): back to the partner
    tier it came from (else the partner's first, else the partner itself)."""
    current = TierRef(held.provider, "") if held else state.current
    if current is None or current.party not in state.upstream:
        return []
    first = state.ladder.first(state.partner)
    to = state.last_partner_tier or (first.ref if first else TierRef(state.partner, ""))
    did = k.decision_id(k.hand_back_key(state.incident_id, state.resolved_seq))
    where = f"by {held.provider} for its outage {held.outage_id}" if held else f"at {current}"
    return [
        Decision(
            did,
            state.incident_id,
            "hand_back",
            "resolved",
            current,
            to,
            {"type": "hand_back"},
            f"resolved {where}: handed back to {to}",
            at,
        )
    ]


def sla_warning(
    state: IncidentEscalation, data: Mapping[str, Any], event_id: str, at: datetime
) -> list[Decision]:
    """An SLA warning (village.sla.warning.v1 data) at or above the current tier's threshold
    moves the incident up one tier, once per warning event."""
    rung, target = state.rung, automatic_target(state)
    threshold = rung.sla_warning_percent if rung else None
    if rung is None or target is None or threshold is None or data["percent"] < threshold:
        return []
    did = k.decision_id(k.warning_key(state.incident_id, event_id))
    if state.seen(did):
        return []
    clock = f"{data['clock']} clock" if data.get("clock") else "clock"
    basis = {
        **_policy_basis(rung, "sla_warning_percent"),
        "percent": data["percent"],
        "sla_event_id": event_id,
    }
    reason = (
        f"SLA warning: the {clock} reached {data['percent']} % (threshold {threshold} %)"
        f" at {rung.tier} {_policy_of(rung)}"
    )
    return [_escalate(state, did, "sla_warning", target, basis, reason, at)]


def due(state: IncidentEscalation, now: datetime) -> list[Decision]:
    """The earliest ack or progress policy of the current tier that is due by `now`. The decision
    is dated when the policy fell due, so a late timer decides the same thing."""
    dues = _dues(state)
    if not dues or dues[0][0] > now:
        return []
    when, policy, did = dues[0]
    rung, target = state.rung, automatic_target(state)
    assert rung is not None and target is not None  # _dues checked both
    minutes = rung.policy(policy)
    if policy == "ack_minutes":
        trigger: k.Trigger = "ack_timeout"
        reason = f"not acknowledged by {rung.party} within {minutes} minutes at {rung.tier}"
    else:
        trigger, reason = "no_progress", f"no progress within {minutes} minutes at {rung.tier}"
    basis = _policy_basis(rung, policy)
    return [_escalate(state, did, trigger, target, basis, f"{reason} {_policy_of(rung)}", when)]


def next_due(state: IncidentEscalation) -> datetime | None:
    """When `due` next has something to decide (possibly already past); None: nothing is due."""
    dues = _dues(state)
    return dues[0][0] if dues else None


def manual(
    state: IncidentEscalation, reason: str, party: str, user: str, request_id: str, at: datetime
) -> Decision:
    """A manual escalation to the next tier, ceilings ignored, by the owning partner or the
    provider (or a middle supplier of a longer chain). It replaces a pending automatic decision
    (whichever lands second finds the incident already there)."""
    if party not in state.suppliers:
        raise DomainError.forbidden(
            f"only {state.partner} or {state.provider} escalate this incident"
        )
    if state.stopped:
        raise DomainError.conflict(f"cannot escalate an incident that is {state.status}")
    if state.outage is not None:
        held = state.outage
        raise DomainError.conflict(
            f"{held.provider} works this incident for its outage {held.outage_id}:"
            " unlink it to escalate it"
        )
    # From where the incident is, or is about to be: a request may come in before the
    # service has seen its pending decision land.
    origin = state.pending_to or state.current
    target = state.ladder.next_manual(origin)
    if target is None:
        where = f"at {origin}" if origin else "unrouted"
        raise DomainError.conflict(f"the incident is {where}: there is no higher tier")
    did = k.decision_id(k.manual_key(state.incident_id, request_id))
    basis = {"type": "manual", "requested_by": party, "user": user}
    return _escalate(
        state,
        did,
        "manual",
        target,
        basis,
        f"requested by {user} of {party}: {reason}",
        at,
        origin=origin,
    )


def automatic_target(state: IncidentEscalation) -> Rung | None:
    """Where a policy would move the incident now; None while a decision is pending, once it is
    resolved, closed or cancelled, while the provider holds it for an outage, at the top, at a
    ceiling or off the ladder."""
    if state.stopped or state.pending is not None or state.outage is not None:
        return None
    return state.ladder.next_automatic(state.current)


def _dues(state: IncidentEscalation) -> list[tuple[datetime, str, str]]:
    """(when, policy, decision id) of the current tier's timed policies, earliest first."""
    rung, current = state.rung, state.current
    if rung is None or current is None or automatic_target(state) is None:
        return []
    assert state.entered_at is not None and state.last_progress_at is not None
    dues = []
    if rung.ack_minutes is not None and rung.party not in state.acknowledged_by:
        did = k.decision_id(k.ack_key(state.incident_id, current, state.entered_seq))
        dues.append((state.entered_at + timedelta(minutes=rung.ack_minutes), "ack_minutes", did))
    if rung.progress_minutes is not None:
        key = k.progress_key(state.incident_id, current, state.entered_seq, state.progress_seq)
        when = state.last_progress_at + timedelta(minutes=rung.progress_minutes)
        dues.append((when, "progress_minutes", k.decision_id(key)))
    return sorted((d for d in dues if not state.seen(d[2])), key=lambda d: (d[0], d[1]))


def _escalate(
    state: IncidentEscalation,
    did: str,
    trigger: k.Trigger,
    target: Rung,
    basis: dict[str, Any],
    reason: str,
    at: datetime,
    origin: TierRef | None = None,
) -> Decision:
    return Decision(
        did,
        state.incident_id,
        "escalate",
        trigger,
        origin or state.current,
        target.ref,
        basis,
        reason,
        at,
    )


def _policy_basis(rung: Rung, policy: str) -> dict[str, Any]:
    return {
        "type": "policy",
        "party": rung.party,
        "tier": rung.tier,
        "policy": policy,
        "value": rung.policy(policy),
        "version": rung.version,
    }


def _policy_of(rung: Rung) -> str:
    return f"(policy of {rung.party} {rung.tier}, v{rung.version})"
