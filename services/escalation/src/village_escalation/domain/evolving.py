"""How an incident's escalation state moves: `evolve(state, fact)` is the state after an incident
event, a decision made (now awaited) or a refusal (no longer awaited). Pure: a new value each
time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from . import facts as f
from .config import TierRef
from .events import Decision
from .state import IncidentEscalation, OutageHold, PathEntry

Fact = f.IncidentFact | Decision | f.Refused


def evolve(state: IncidentEscalation, fact: Fact) -> IncidentEscalation:
    return _EVOLVE[type(fact)](state, fact)


def _assigned(state: IncidentEscalation, fact: f.Assigned) -> IncidentEscalation:
    # A person's assignment to where our pending decision goes is that decision landing.
    ours = state.pending if state.pending_to == fact.to else None
    return _enter(state, fact.to, fact.at, ours)


def _escalated(state: IncidentEscalation, fact: f.Escalated) -> IncidentEscalation:
    return _enter(state, fact.to, fact.at, fact.decision_id)


def _acknowledged(state: IncidentEscalation, fact: f.Acknowledged) -> IncidentEscalation:
    by = state.acknowledged_by
    return replace(
        state,
        acknowledged_by=by if fact.party in by else (*by, fact.party),
        status="acknowledged" if state.status == "new" else state.status,
    )


def _note_added(state: IncidentEscalation, fact: f.NoteAdded) -> IncidentEscalation:
    return _progress(state, fact.at)


def _status_changed(state: IncidentEscalation, fact: f.StatusChanged) -> IncidentEscalation:
    return _progress(replace(state, status=fact.to_status), fact.at)


def _severity_changed(state: IncidentEscalation, fact: f.SeverityChanged) -> IncidentEscalation:
    return replace(state, severity=fact.to_severity)


def _resolved(state: IncidentEscalation, fact: f.Resolved) -> IncidentEscalation:
    if state.status == "resolved":
        return state  # a duplicate: incidents are resolved once per round
    # The provider's hold ends with the resolution: the hand-back returns it to the partner.
    return replace(state, status="resolved", resolved_seq=state.resolved_seq + 1, outage=None)


def _reopened(state: IncidentEscalation, fact: f.Reopened) -> IncidentEscalation:
    return _progress(replace(state, status="reopened"), fact.at)


def _closed(state: IncidentEscalation, fact: f.Closed) -> IncidentEscalation:
    return replace(state, status="closed", done=True, pending=None, pending_to=None, outage=None)


def _cancelled(state: IncidentEscalation, fact: f.Cancelled) -> IncidentEscalation:
    return replace(state, status="cancelled", done=True, pending=None, pending_to=None, outage=None)


def _outage_linked(state: IncidentEscalation, fact: f.OutageLinked) -> IncidentEscalation:
    """The provider holds it for its outage: off the ladder (a marker in the path, no decision),
    `current` kept as where it returns to."""
    held = state.outage
    if state.stopped or (held is not None and held.outage_id == fact.outage_id):
        return state  # a duplicate, or nothing left to hold
    hold = OutageHold(fact.outage_id, fact.provider, fact.at)
    marker = PathEntry(hold.queue.party, hold.queue.tier, fact.at, None)
    return replace(state, outage=hold, path=(*state.path, marker))


def _outage_unlinked(state: IncidentEscalation, fact: f.OutageUnlinked) -> IncidentEscalation:
    """Back on the ladder where it was: it enters its tier again, so its policies run from now
    (a decision made before the hold keeps its id and is never made again)."""
    held, current = state.outage, state.current
    if held is None or held.outage_id != fact.outage_id:
        return state  # a duplicate, or the hold already ended with the resolution
    back = replace(state, outage=None)
    if current is None:
        return back
    return replace(
        back,
        entered_at=fact.at,
        last_progress_at=fact.at,
        entered_seq=state.entered_seq + 1,
        path=(*state.path, PathEntry(current.party, current.tier, fact.at, None)),
    )


def _decided(state: IncidentEscalation, decision: Decision) -> IncidentEscalation:
    decided = state.decided
    if decision.decision_id not in decided:
        decided = (*decided, decision.decision_id)
    return replace(
        state, pending=decision.decision_id, pending_to=decision.to_tier, decided=decided
    )


def _refused(state: IncidentEscalation, fact: f.Refused) -> IncidentEscalation:
    # Later triggers may decide again (the same trigger never does: its id is in `decided`).
    if state.pending != fact.decision_id:
        return state
    return replace(state, pending=None, pending_to=None)


def _enter(
    state: IncidentEscalation, to: TierRef, at: datetime, decision_id: str | None
) -> IncidentEscalation:
    own_tier = to.party == state.partner and to.party != state.provider
    return replace(
        state,
        current=to,
        entered_at=at,
        last_progress_at=at,
        entered_seq=state.entered_seq + 1,
        pending=None,
        pending_to=None,
        path=(*state.path, PathEntry(to.party, to.tier, at, decision_id)),
        last_partner_tier=to if own_tier else state.last_partner_tier,
    )


def _progress(state: IncidentEscalation, at: datetime) -> IncidentEscalation:
    return replace(state, last_progress_at=at, progress_seq=state.progress_seq + 1)


_EVOLVE: dict[type, Callable[[IncidentEscalation, Any], IncidentEscalation]] = {
    f.Assigned: _assigned,
    f.Escalated: _escalated,
    f.Acknowledged: _acknowledged,
    f.NoteAdded: _note_added,
    f.StatusChanged: _status_changed,
    f.SeverityChanged: _severity_changed,
    f.Resolved: _resolved,
    f.Reopened: _reopened,
    f.Closed: _closed,
    f.Cancelled: _cancelled,
    f.OutageLinked: _outage_linked,
    f.OutageUnlinked: _outage_unlinked,
    Decision: _decided,
    f.Refused: _refused,
}
