"""The incident's rules: `decide(state, command) -> events`, pure. No I/O: testable without
PostgreSQL or Kafka. A rejected command raises DomainError and produces no event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from . import commands as c
from . import events as e
from .incident import ACTIVE, SEVERITIES, TERMINAL, Incident, Note, Party


class DomainError(Exception):
    """A command the rules reject; `status` maps to the HTTP problem status, `extensions` to the
    problem's extension members."""

    def __init__(self, status: int, kind: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.extensions = extensions


@dataclass(frozen=True)
class Limits:
    """How much one incident holds. Notes are counted per author party, so that no party learns
    how many notes others wrote, nor can fill the incident for them; events (notes, edits and
    everything else) for the whole incident, whose version every party sees anyway."""

    notes_per_party: int = 10_000
    events: int = 50_000


# Beyond the event limit an incident may still be ended, and a collaborator still revoked:
# revocation applies at once, always. Each of these happens a bounded number of times.
ALWAYS_ACCEPTED = (e.IncidentResolved, e.IncidentClosed, e.IncidentCancelled, e.CollaboratorRevoked)


def _forbidden(detail: str) -> DomainError:
    return DomainError(403, "forbidden", detail)


def _conflict(detail: str) -> DomainError:
    return DomainError(409, "invalid-transition", detail)


def _invalid(detail: str) -> DomainError:
    return DomainError(422, "invalid-command", detail)


NOT_FOUND = DomainError(404, "not-found", "no such incident")


# --------------------------------------------------------------------------- decide


def role_of(state: Incident, actor: c.Actor) -> str | None:
    """The actor's place on the incident; None means it may not even know the incident exists."""
    if actor.kind == "service":
        return "service"
    if actor.party == state.provider:
        return "provider"
    if actor.party == state.partner:
        return "owner"
    if actor.party in state.collaborators:
        return "collaborator"
    if actor.party == state.customer:
        return "customer"
    return None


WORKERS = frozenset({"owner", "provider", "collaborator", "service"})


def decide_open(cmd: c.OpenIncident, actor: c.Actor, directory: dict[str, Party]) -> list[e.Event]:
    if cmd.severity not in SEVERITIES:
        raise _invalid(f"severity must be one of {', '.join(SEVERITIES)}")
    me = directory.get(actor.party)
    if me is None:
        raise _forbidden(f"party {actor.party} is not registered")
    if me.kind == "partner":
        if not cmd.customer:
            raise _invalid("customer is required when a partner opens an incident")
        if cmd.customer not in me.customers:
            raise _forbidden(f"partner {me.id} does not serve customer {cmd.customer}")
        customer, partner = cmd.customer, me.id
    elif me.kind == "customer":
        if cmd.customer not in (None, me.id):
            raise _forbidden("a customer opens incidents only for itself")
        if not me.partner:
            raise _invalid(f"customer {me.id} has no partner to own the incident")
        customer, partner = me.id, me.partner
    else:
        raise _forbidden("incidents are opened by a partner for its customer, or by a customer")
    provider = directory[partner].provider if partner in directory else None
    if not provider:
        raise _invalid(f"partner {partner} has no provider")
    # Ticket ids are unique across incidents, so claiming another party's would tell the caller
    # whether that party has an incident carrying it. Only the opener's and its customer's.
    for ref in cmd.external_refs:
        if ref.get("owner") not in (actor.party, customer):
            raise _invalid(f"external_refs: owner must be {actor.party} or {customer}, not {ref.get('owner')}")
    return [
        e.IncidentOpened(
            incident_id=cmd.incident_id,
            title=cmd.title,
            description=cmd.description,
            severity=cmd.severity,
            product=cmd.product,
            impacted_service=cmd.impacted_service,
            customer=customer,
            partner=partner,
            provider=provider,
            requester=actor.party,
            opened_by=actor.user,
            external_refs=list(cmd.external_refs),
        )
    ]


def decide(
    state: Incident,
    cmd: object,
    actor: c.Actor,
    now: datetime,
    directory: Mapping[str, Party] | None = None,
    notes: Mapping[str, Note] | None = None,
    limits: Limits = Limits(),
) -> list[e.Event]:
    """`directory`: the parties the command names; `notes`: the notes it names, as the notes
    read model holds them (the state only counts notes)."""
    events = _decide(state, cmd, actor, now, directory or {}, notes or {})
    _within(limits, state, actor, events)
    return events


def _within(limits: Limits, state: Incident, actor: c.Actor, events: list[e.Event]) -> None:
    added = sum(1 for ev in events if isinstance(ev, e.NoteAdded))
    if added and state.note_counts.get(actor.party, 0) + added > limits.notes_per_party:
        raise DomainError(
            409, "incident-limit-reached",
            f"{actor.party} has written the most notes one party may write on an incident"
            f" ({limits.notes_per_party}); open a follow-up incident",
            limit="notes_per_party", maximum=limits.notes_per_party)
    ending = all(isinstance(ev, ALWAYS_ACCEPTED) for ev in events)
    if state.version + len(events) > limits.events and not ending:
        raise DomainError(
            409, "incident-limit-reached",
            f"the incident holds the most events an incident may hold ({limits.events}): it may"
            " still be resolved, closed or cancelled, and collaborators revoked; open a follow-up"
            " incident", limit="events", maximum=limits.events)


def _decide(
    state: Incident, cmd: object, actor: c.Actor, now: datetime,
    directory: Mapping[str, Party], notes: Mapping[str, Note],
) -> list[e.Event]:
    role = role_of(state, actor)
    if role is None:
        raise NOT_FOUND
    match cmd:
        case c.Acknowledge():
            _require(role in WORKERS, "only the partner, collaborators or the provider acknowledge")
            _active(state, "acknowledge")
            if actor.party in state.acknowledged_by:
                raise _conflict(f"{actor.party} has already acknowledged this incident")
            return [e.IncidentAcknowledged(party=actor.party, user=actor.user)]
        case c.Assign():
            _require(role in WORKERS, "only the partner, collaborators or the provider assign")
            # A resolved incident may still change hands: the provider hands it back to the
            # partner, who confirms the fix with the customer.
            if state.status != "resolved":
                _active(state, "assign")
            if cmd.party not in (state.partner, state.provider, *state.collaborators):
                raise _invalid(f"{cmd.party} is not working this incident")
            if role == "collaborator" and cmd.party != actor.party:
                raise _forbidden("a collaborator assigns only within its own party")
            return [e.IncidentAssigned(party=cmd.party, tier=cmd.tier, assignee=cmd.assignee)]
        case c.Escalate():
            _require(role in {"owner", "provider", "service"}, "only the owning partner, the provider or the escalation service escalate")
            _active(state, "escalate")
            if cmd.to_party not in (state.partner, state.provider):
                raise _invalid(f"escalations go to {state.partner} or {state.provider}")
            current = state.assignment or {}
            if current.get("party") == cmd.to_party and current.get("tier") == cmd.to_tier:
                raise _conflict(f"the incident is already at {cmd.to_party} {cmd.to_tier}")
            return [e.IncidentEscalated(from_party=current.get("party"), from_tier=current.get("tier"),
                                        to_party=cmd.to_party, to_tier=cmd.to_tier, reason=cmd.reason,
                                        decision_id=cmd.decision_id)]
        case c.AddNote():
            _require(role != "service", "services do not write notes")
            if state.status in TERMINAL:
                raise _conflict(f"cannot add a note to an incident that is {state.status}")
            if role == "customer" and cmd.visibility != "shared":
                raise _invalid("customers write shared notes only")
            if cmd.note_id in notes:
                raise _conflict(f"note {cmd.note_id} already exists")
            return [e.NoteAdded(note_id=cmd.note_id, author_party=actor.party, author_user=actor.user,
                                note_visibility=cmd.visibility, body=cmd.body)]
        case c.EditNote() | c.DeleteNote():
            note = notes.get(cmd.note_id)
            if note is None or note.deleted or not note.seen_by(actor.party, actor.kind, state.provider):
                raise DomainError(404, "not-found", "no such note")
            _require(note.author_party == actor.party, "a note belongs to its author's party")
            if state.status in TERMINAL:
                raise _conflict(f"cannot change a note on an incident that is {state.status}")
            if isinstance(cmd, c.EditNote):
                return [e.NoteEdited(note_id=note.id, author_party=note.author_party,
                                     note_visibility=note.visibility, body=cmd.body)]
            return [e.NoteDeleted(note_id=note.id, author_party=note.author_party, note_visibility=note.visibility)]
        case c.ChangeStatus():
            return _decide_status(state, cmd, actor, role)
        case c.ChangeSeverity():
            _require(role != "service", "services do not change severity")
            _active(state, "change the severity of")
            if cmd.severity not in SEVERITIES:
                raise _invalid(f"severity must be one of {', '.join(SEVERITIES)}")
            if cmd.severity == state.severity:
                raise _conflict(f"severity is already {cmd.severity}")
            return [e.SeverityChanged(from_severity=state.severity, to_severity=cmd.severity, reason=cmd.reason,
                                      changed_by_party=actor.party, changed_by_user=actor.user)]
        case c.StartImpact():
            _require(role != "service", "services do not record impact")
            if state.status in TERMINAL:
                raise _conflict(f"incident is {state.status}")
            if state.open_impact:
                raise _conflict("an impact window is already open")
            started = (cmd.started_at or now).astimezone(timezone.utc)  # one offset for every consumer
            if started > now:
                raise _invalid("impact cannot start in the future")
            return [e.ImpactStarted(started_at=started.isoformat(), description=cmd.description)]
        case c.EndImpact():
            _require(role != "service", "services do not record impact")
            window = state.open_impact
            if window is None:
                raise _conflict("no impact window is open")
            ended = (cmd.ended_at or now).astimezone(timezone.utc)
            # Compare instants, not ISO text: offsets differ (12:00+02:00 is before 11:00+00:00).
            if ended < datetime.fromisoformat(str(window["started_at"])) or ended > now:
                raise _invalid("impact must end after it started and not in the future")
            return [e.ImpactEnded(started_at=str(window["started_at"]), ended_at=ended.isoformat())]
        case c.InviteCollaborator():
            _require(role in {"owner", "provider"}, "only the owning partner or the provider invite collaborators")
            _active(state, "invite to")
            invitee = directory.get(cmd.partner)
            if invitee is None or invitee.kind != "partner":
                raise _invalid(f"{cmd.partner} is not a partner")
            if cmd.partner == state.partner or cmd.partner in state.collaborators:
                raise _conflict(f"{cmd.partner} is already on this incident")
            return [e.CollaboratorInvited(partner=cmd.partner, invited_by=actor.party, scope=cmd.scope)]
        case c.RevokeCollaborator():
            _require(role in {"owner", "provider"}, "only the owning partner or the provider revoke collaborators")
            if cmd.partner not in state.collaborators:
                raise _conflict(f"{cmd.partner} is not a collaborator")
            return [e.CollaboratorRevoked(partner=cmd.partner, revoked_by=actor.party, reason=cmd.reason)]
        case c.Rate():
            _require(actor.party in (state.customer, state.requester), "the customer or requester rates")
            if state.status not in ("resolved", "closed"):
                raise _conflict("an incident is rated after it is resolved")
            if state.rating is not None:
                raise _conflict("this incident has already been rated")
            if not 1 <= cmd.rating <= 5:
                raise _invalid("rating must be between 1 and 5")
            return [e.IncidentRated(rating=cmd.rating, reason=cmd.reason, rated_by=actor.party)]
        case c.AutoClose():
            _require(role == "service", "automatic close is the scheduler's")
            if state.status != "resolved" or state.resolved_at is None:
                raise _conflict("only resolved incidents close automatically")
            if now - state.resolved_at < timedelta(hours=cmd.quiet_hours):
                raise _conflict("the quiet period has not passed")
            return [e.IncidentClosed(automatic=True, reason=f"closed automatically {cmd.quiet_hours} h after resolution")]
    raise TypeError(f"unknown command {cmd!r}")


def _decide_status(state: Incident, cmd: c.ChangeStatus, actor: c.Actor, role: str) -> list[e.Event]:
    to = cmd.status
    requester_side = actor.party in (state.customer, state.requester)
    if to in ("in_progress", "pending_customer", "on_hold"):
        _require(role in WORKERS, f"only the partner, collaborators or the provider set {to}")
        _active(state, f"set {to} on")
        if state.status == to:
            raise _conflict(f"incident is already {to}")
        if to == "on_hold" and not cmd.reason:
            raise _invalid("on_hold needs a reason")
        return [e.StatusChanged(from_status=state.status, to_status=to, reason=cmd.reason)]
    if to == "resolved":
        _require(role in WORKERS, "only the partner, collaborators or the provider resolve")
        _active(state, "resolve")
        if not cmd.resolution_code or not cmd.resolution_notes:
            raise _invalid("resolving needs resolution_code and resolution_notes")
        return [e.IncidentResolved(from_status=state.status, resolution_code=cmd.resolution_code,
                                   resolution_notes=cmd.resolution_notes)]
    if to == "closed":
        _require(requester_side, "the requester confirms the resolution by closing")
        if state.status != "resolved":
            raise _conflict(f"only a resolved incident can be closed; it is {state.status}")
        return [e.IncidentClosed(automatic=False, reason=cmd.reason)]
    if to == "reopened":
        _require(requester_side or role in {"owner", "provider"}, "the requester, the partner or the provider reopen")
        if state.status != "resolved":
            raise _conflict(f"only a resolved incident can be reopened; it is {state.status}")
        if not cmd.reason:
            raise _invalid("reopening needs a reason")
        return [e.IncidentReopened(reason=cmd.reason)]
    if to == "cancelled":
        _require(requester_side, "only the requester cancels")
        _active(state, "cancel")
        if not cmd.reason:
            raise _invalid("cancelling needs a reason")
        return [e.IncidentCancelled(from_status=state.status, reason=cmd.reason)]
    raise _invalid(f"unknown status {to}")


def _require(condition: bool, detail: str) -> None:
    if not condition:
        raise _forbidden(detail)


def _active(state: Incident, verb: str) -> None:
    if state.status not in ACTIVE:
        raise _conflict(f"cannot {verb} an incident that is {state.status}")

