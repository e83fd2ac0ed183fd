"""The rules of an incident's lifecycle: its status changes (one function per target status), the
rating of its resolution, and the close that follows a quiet period. Each takes its command and
the `Situation` and returns the events, or raises DomainError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from village_platform.errors import DomainError

from . import commands as c
from . import events as e
from .guards import WORKERS, Situation, active, require

Events = list[e.IncidentEvent]


def change_status(cmd: c.ChangeStatus, s: Situation) -> Events:
    transition = _TRANSITIONS.get(cmd.status)
    if transition is None:
        raise DomainError.invalid(f"unknown status {cmd.status}")
    return transition(cmd, s)


def _work_on(cmd: c.ChangeStatus, s: Situation) -> Events:
    """in_progress, pending_customer or on_hold: how the work stands."""
    to = cmd.status
    require(s.role in WORKERS, f"only the partner, collaborators or the provider set {to}")
    active(s.state, f"set {to} on")
    if s.state.status == to:
        raise DomainError.conflict(f"incident is already {to}")
    if to == "on_hold" and not cmd.reason:
        raise DomainError.invalid("on_hold needs a reason")
    return [e.StatusChanged(from_status=s.state.status, to_status=to, reason=cmd.reason)]


def _resolve(cmd: c.ChangeStatus, s: Situation) -> Events:
    require(s.role in WORKERS, "only the partner, collaborators or the provider resolve")
    active(s.state, "resolve")
    if not cmd.resolution_code or not cmd.resolution_notes:
        raise DomainError.invalid("resolving needs resolution_code and resolution_notes")
    return [
        e.IncidentResolved(
            from_status=s.state.status,
            resolution_code=cmd.resolution_code,
            resolution_notes=cmd.resolution_notes,
        )
    ]


def _close(cmd: c.ChangeStatus, s: Situation) -> Events:
    require(s.requester_side, "the requester confirms the resolution by closing")
    if s.state.status != "resolved":
        raise DomainError.conflict(
            f"only a resolved incident can be closed; it is {s.state.status}"
        )
    return [e.IncidentClosed(automatic=False, reason=cmd.reason)]


def _reopen(cmd: c.ChangeStatus, s: Situation) -> Events:
    require(
        s.requester_side or s.role in {"owner", "provider"},
        "the requester, the partner or the provider reopen",
    )
    if s.state.status != "resolved":
        raise DomainError.conflict(
            f"only a resolved incident can be reopened; it is {s.state.status}"
        )
    if not cmd.reason:
        raise DomainError.invalid("reopening needs a reason")
    return [e.IncidentReopened(reason=cmd.reason)]


def _cancel(cmd: c.ChangeStatus, s: Situation) -> Events:
    require(s.requester_side, "only the requester cancels")
    active(s.state, "cancel")
    if not cmd.reason:
        raise DomainError.invalid("cancelling needs a reason")
    return [e.IncidentCancelled(from_status=s.state.status, reason=cmd.reason)]


# The status a command asks for -> the rule that decides it.
_TRANSITIONS: dict[str, Callable[[c.ChangeStatus, Situation], Events]] = {
    "in_progress": _work_on,
    "pending_customer": _work_on,
    "on_hold": _work_on,
    "resolved": _resolve,
    "closed": _close,
    "reopened": _reopen,
    "cancelled": _cancel,
}


def rate(cmd: c.Rate, s: Situation) -> Events:
    require(s.requester_side, "the customer or requester rates")
    if s.state.status not in ("resolved", "closed"):
        raise DomainError.conflict("an incident is rated after it is resolved")
    if s.state.rating is not None:
        raise DomainError.conflict("this incident has already been rated")
    if not 1 <= cmd.rating <= 5:
        raise DomainError.invalid("rating must be between 1 and 5")
    return [e.IncidentRated(rating=cmd.rating, reason=cmd.reason, rated_by=s.actor.party)]


def auto_close(cmd: c.AutoClose, s: Situation) -> Events:
    require(s.role == "service", "automatic close is the scheduler's")
    if s.state.status != "resolved" or s.state.resolved_at is None:
        raise DomainError.conflict("only resolved incidents close automatically")
    if s.now - s.state.resolved_at < timedelta(hours=cmd.quiet_hours):
        raise DomainError.conflict("the quiet period has not passed")
    return [
        e.IncidentClosed(
            automatic=True, reason=f"closed automatically {cmd.quiet_hours} h after resolution"
        )
    ]
