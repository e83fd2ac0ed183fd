"""The rules of working an incident, one function per command: who acknowledges, assigns and
escalates, writes and changes notes, changes the severity, records the impact, invites and revokes
collaborators. Each takes its command and the `Situation` and returns the events, or raises
DomainError. (Status changes, rating and auto-close: lifecycle.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

from village_platform.errors import DomainError

from . import commands as c
from . import events as e
from .guards import WORKERS, Situation, active, require
from .incident import SEVERITIES, TERMINAL, Note
from .provenance import hop_id_for

Events = list[e.IncidentEvent]


def acknowledge(cmd: c.Acknowledge, s: Situation) -> Events:
    require(s.role in WORKERS, "only the partner, collaborators or the provider acknowledge")
    active(s.state, "acknowledge")
    if s.actor.party in s.state.acknowledged_by:
        raise DomainError.conflict(f"{s.actor.party} has already acknowledged this incident")
    return [e.IncidentAcknowledged(party=s.actor.party, user=s.actor.user)]


def assign(cmd: c.Assign, s: Situation) -> Events:
    require(s.role in WORKERS, "only the partner, collaborators or the provider assign")
    state = s.state
    # A resolved incident may still change hands: the provider hands it back to the partner,
    # who confirms the fix with the customer.
    if state.status != "resolved":
        active(state, "assign")
    if cmd.party not in (*state.suppliers, *state.collaborators):
        raise DomainError.invalid(f"{cmd.party} is not working this incident")
    if s.role in ("collaborator", "supplier") and cmd.party != s.actor.party:
        raise DomainError.forbidden(f"a {s.role} assigns only within its own party")
    return [e.IncidentAssigned(party=cmd.party, tier=cmd.tier, assignee=cmd.assignee)]


def escalate(cmd: c.Escalate, s: Situation) -> Events:
    require(
        s.role in {"owner", "supplier", "provider", "service"},
        "only the parties of the chain or the escalation service escalate",
    )
    state = s.state
    active(state, "escalate")
    # A hand-off names its link: from whoever holds the incident to a supplier on its chain.
    if cmd.to_party not in state.suppliers:
        raise DomainError.invalid(f"escalations go to {' or '.join(state.suppliers)}")
    current = state.assignment or {}
    if current.get("party") == cmd.to_party and current.get("tier") == cmd.to_tier:
        raise DomainError.conflict(f"the incident is already at {cmd.to_party} {cmd.to_tier}")
    return [
        e.IncidentEscalated(
            from_party=current.get("party"),
            from_tier=current.get("tier"),
            to_party=cmd.to_party,
            to_tier=cmd.to_tier,
            reason=cmd.reason,
            decision_id=cmd.decision_id,
        )
    ]


def add_note(cmd: c.AddNote, s: Situation) -> Events:
    require(s.role != "service", "services do not write notes")
    if s.state.status in TERMINAL:
        raise DomainError.conflict(f"cannot add a note to an incident that is {s.state.status}")
    if s.role == "customer" and cmd.visibility != "shared":
        raise DomainError.invalid("customers write shared notes only")
    if cmd.note_id in s.notes:
        raise DomainError.conflict(f"note {cmd.note_id} already exists")
    return [
        e.NoteAdded(
            note_id=cmd.note_id,
            author_party=s.actor.party,
            author_user=s.actor.user,
            note_visibility=cmd.visibility,
            body=cmd.body,
        )
    ]


def edit_note(cmd: c.EditNote, s: Situation) -> Events:
    note = _changeable_note(cmd.note_id, s)
    return [
        e.NoteEdited(
            note_id=note.id,
            author_party=note.author_party,
            note_visibility=note.visibility,
            body=cmd.body,
        )
    ]


def delete_note(cmd: c.DeleteNote, s: Situation) -> Events:
    note = _changeable_note(cmd.note_id, s)
    return [
        e.NoteDeleted(
            note_id=note.id, author_party=note.author_party, note_visibility=note.visibility
        )
    ]


def _changeable_note(note_id: str, s: Situation) -> Note:
    """The note a caller may edit or delete: one it sees, of its own party, on a live incident."""
    note = s.notes.get(note_id)
    if (
        note is None
        or note.deleted
        or not note.seen_by(s.actor.party, s.actor.kind, s.state.provider)
    ):
        raise DomainError.not_found("no such note")
    require(note.author_party == s.actor.party, "a note belongs to its author's party")
    if s.state.status in TERMINAL:
        raise DomainError.conflict(f"cannot change a note on an incident that is {s.state.status}")
    return note


def change_severity(cmd: c.ChangeSeverity, s: Situation) -> Events:
    require(s.role != "service", "services do not change severity")
    active(s.state, "change the severity of")
    if cmd.severity not in SEVERITIES:
        raise DomainError.invalid(f"severity must be one of {', '.join(SEVERITIES)}")
    if cmd.severity == s.state.severity:
        raise DomainError.conflict(f"severity is already {cmd.severity}")
    return [
        e.SeverityChanged(
            from_severity=s.state.severity,
            to_severity=cmd.severity,
            reason=cmd.reason,
            changed_by_party=s.actor.party,
            changed_by_user=s.actor.user,
        )
    ]


def start_impact(cmd: c.StartImpact, s: Situation) -> Events:
    require(s.role != "service", "services do not record impact")
    if s.state.status in TERMINAL:
        raise DomainError.conflict(f"incident is {s.state.status}")
    if s.state.open_impact:
        raise DomainError.conflict("an impact window is already open")
    started = (cmd.started_at or s.now).astimezone(UTC)  # one offset for every consumer
    if started > s.now:
        raise DomainError.invalid("impact cannot start in the future")
    return [e.ImpactStarted(started_at=started.isoformat(), description=cmd.description)]


def end_impact(cmd: c.EndImpact, s: Situation) -> Events:
    require(s.role != "service", "services do not record impact")
    window = s.state.open_impact
    if window is None:
        raise DomainError.conflict("no impact window is open")
    ended = (cmd.ended_at or s.now).astimezone(UTC)
    # Compare instants, not ISO text: offsets differ (12:00+02:00 is before 11:00+00:00).
    if ended < datetime.fromisoformat(str(window["started_at"])) or ended > s.now:
        raise DomainError.invalid("impact must end after it started and not in the future")
    return [e.ImpactEnded(started_at=str(window["started_at"]), ended_at=ended.isoformat())]


def invite_collaborator(cmd: c.InviteCollaborator, s: Situation) -> Events:
    """The owning partner or the provider invite at the root; a collaborator below its own hop,
    when that hop allows it. Whoever lets the invitee invite others, or invites as a
    collaborator, says why: those hops are the swarm's chain of trust."""
    require(
        s.role in {"owner", "provider", "collaborator"},
        "only the owning partner, the provider or an allowed collaborator invite collaborators",
    )
    state = s.state
    parent = state.provenance.parent_for(s.actor.party, state.roots)
    active(state, "invite to")
    invitee = s.directory.get(cmd.partner)
    if invitee is None or invitee.kind != "partner":
        raise DomainError.invalid(f"{cmd.partner} is not a partner")
    if cmd.partner in state.chain or cmd.partner in state.collaborators:
        raise DomainError.conflict(f"{cmd.partner} is already on this incident")
    if (cmd.may_invite or parent is not None) and not cmd.reason:
        raise DomainError.invalid(
            "reason: say why, when the invitee may invite others or a collaborator invites"
        )
    return [
        e.CollaboratorInvited(
            partner=cmd.partner,
            invited_by=s.actor.party,
            scope=cmd.scope,
            hop_id=hop_id_for(state.id, state.version + 1),
            parent_hop=parent,
            may_invite=cmd.may_invite,
            reason=cmd.reason,
        )
    ]


def revoke_collaborator(cmd: c.RevokeCollaborator, s: Situation) -> Events:
    """The owning partner or the provider revoke any collaborator; a collaborator those below its
    own hop. Every hop below the revoked one goes with it, each with its own event."""
    require(
        s.role in {"owner", "provider", "collaborator"},
        "only the owning partner, the provider or a collaborator above the hop revoke it",
    )
    state = s.state
    hops = state.provenance.revocation(s.actor.party, cmd.partner, state.roots)
    return [
        e.CollaboratorRevoked(
            partner=hop.party,
            revoked_by=s.actor.party,
            reason=cmd.reason,
            hop_id=hop.hop_id,
            cascade_of=None if hop is hops[0] else hops[0].hop_id,
        )
        for hop in hops
    ]
