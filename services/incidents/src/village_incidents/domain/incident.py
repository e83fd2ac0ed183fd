"""The incident's state and how events evolve it: `evolve(state, event) -> state`, pure.
What the incident's events and notes say of their audience (`describe`) lives here too; who may
see them is the platform's egress rule.

The state holds what decisions need and stays small however long the incident runs: notes are
counted there, while each note (its text, its audience) evolves on its own (`evolve_note`), kept
by the notes read model and handed to `decide` by the command that names it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Iterable

from village_platform import egress

from . import events as e

SEVERITIES = ("S1", "S2", "S3", "S4")
ACTIVE = frozenset({"new", "acknowledged", "in_progress", "pending_customer", "on_hold", "reopened"})
TERMINAL = frozenset({"closed", "cancelled"})


@dataclass(frozen=True)
class Party:
    id: str
    kind: str
    name: str = ""
    provider: str | None = None  # a partner's provider
    customers: tuple[str, ...] = ()  # customers a partner serves
    partner: str | None = None  # a customer's partner


@dataclass(frozen=True)
class Note:
    id: str
    author_party: str
    author_user: str
    visibility: str
    body: str
    created_at: datetime
    parties: tuple[str, ...]  # who was on the incident when it was written
    edited_at: datetime | None = None
    deleted: bool = False
    version: int = 0  # the incident's version its NoteAdded event made: the notes' order

    def description(self, provider: str) -> dict[str, Any]:
        """The audience of the note and of everything that happens to it, fixed when it was
        written (a party invited later never sees its edits): the egress rule's input."""
        return egress.describe(parties=self.parties, visibility=self.visibility, provider=provider,
                               actor_party=self.author_party, fact=NOTE_FACT, sealed=True)

    def seen_by(self, party: str, kind: str, provider: str) -> bool:
        return egress.share(self.description(provider), egress.Recipient(party, kind)) is egress.Share.VISIBLE


# What a note's events say where the note may not be seen (the topic, for a note its provider may
# not read): that it exists, whose it is and how visible; never its text or author.
NOTE_FACT = ("note_id", "author_party", "note_visibility")


@dataclass(frozen=True)
class Incident:
    id: str
    version: int
    title: str
    description: str
    severity: str
    product: str
    impacted_service: str | None
    customer: str
    partner: str
    provider: str
    requester: str
    opened_by: str
    opened_at: datetime
    updated_at: datetime
    status: str = "new"
    external_refs: tuple[dict[str, str], ...] = ()
    acknowledged_by: dict[str, datetime] = field(default_factory=dict)
    assignment: dict[str, str | None] | None = None
    escalations: tuple[dict[str, str | None], ...] = ()
    note_counts: dict[str, int] = field(default_factory=dict)  # notes written, per author party
    collaborators: dict[str, datetime] = field(default_factory=dict)
    impacts: tuple[dict[str, str | None], ...] = ()
    hold_reason: str | None = None
    resolution: dict[str, str] | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    rating: dict[str, object] | None = None

    @property
    def parties(self) -> list[str]:
        return [self.customer, self.partner, self.provider, *self.collaborators]

    @property
    def open_impact(self) -> dict[str, str | None] | None:
        return next((i for i in self.impacts if i["ended_at"] is None), None)


# --------------------------------------------------------------------------- evolve


def evolve(state: Incident | None, event: e.Event, at: datetime) -> Incident:
    if isinstance(event, e.IncidentOpened):
        return Incident(
            id=event.incident_id,
            version=1,
            title=event.title,
            description=event.description,
            severity=event.severity,
            product=event.product,
            impacted_service=event.impacted_service,
            customer=event.customer,
            partner=event.partner,
            provider=event.provider,
            requester=event.requester,
            opened_by=event.opened_by,
            opened_at=at,
            updated_at=at,
            external_refs=tuple(event.external_refs),
        )
    assert state is not None, "only an opened event starts a stream"
    s = replace(state, version=state.version + 1, updated_at=at)
    match event:
        case e.IncidentAcknowledged():
            s = replace(
                s,
                acknowledged_by={**s.acknowledged_by, event.party: at},
                status="acknowledged" if s.status == "new" else s.status,
            )
        case e.IncidentAssigned():
            s = replace(s, assignment={"party": event.party, "tier": event.tier, "assignee": event.assignee})
        case e.IncidentEscalated():
            s = replace(
                s,
                escalations=(*s.escalations, {"to_party": event.to_party, "to_tier": event.to_tier, "reason": event.reason, "at": at.isoformat()}),
                assignment={"party": event.to_party, "tier": event.to_tier, "assignee": None},
            )
        case e.NoteAdded():
            party = event.author_party
            s = replace(s, note_counts={**s.note_counts, party: s.note_counts.get(party, 0) + 1})
        case e.StatusChanged():
            s = replace(s, status=event.to_status, hold_reason=event.reason if event.to_status == "on_hold" else None)
        case e.IncidentResolved():
            s = replace(s, status="resolved", resolved_at=at, hold_reason=None,
                        resolution={"code": event.resolution_code, "notes": event.resolution_notes})
        case e.IncidentClosed():
            s = replace(s, status="closed", closed_at=at)
        case e.IncidentReopened():
            s = replace(s, status="reopened", resolved_at=None, resolution=None)
        case e.IncidentCancelled():
            s = replace(s, status="cancelled", closed_at=at)
        case e.SeverityChanged():
            s = replace(s, severity=event.to_severity)
        case e.ImpactStarted():
            s = replace(s, impacts=(*s.impacts, {"started_at": event.started_at, "ended_at": None, "description": event.description}))
        case e.ImpactEnded():
            s = replace(s, impacts=tuple({**i, "ended_at": event.ended_at} if i["ended_at"] is None else i for i in s.impacts))
        case e.CollaboratorInvited():
            s = replace(s, collaborators={**s.collaborators, event.partner: at})
        case e.CollaboratorRevoked():
            s = replace(s, collaborators={p: t for p, t in s.collaborators.items() if p != event.partner})
        case e.IncidentRated():
            s = replace(s, rating={"rating": event.rating, "reason": event.reason, "by": event.rated_by, "at": at.isoformat()})
    return s


def evolve_note(note: Note | None, event: e.Event, at: datetime, after: Incident) -> Note:
    """The note a note event leaves behind; `after` is the incident once the event applied
    (a note's events change no one's place on the incident: its parties are the writer's)."""
    match event:
        case e.NoteAdded():
            return Note(event.note_id, event.author_party, event.author_user, event.note_visibility,
                        event.body, at, tuple(after.parties), version=after.version)
        case e.NoteEdited():
            assert note is not None, f"note {event.note_id} was never added"
            return replace(note, body=event.body, edited_at=at)
        case e.NoteDeleted():
            assert note is not None, f"note {event.note_id} was never added"
            return replace(note, deleted=True, body="", edited_at=at)
    raise TypeError(f"not a note event: {event!r}")


def replay(history: Iterable[tuple[e.Event, datetime]]) -> Incident | None:
    state: Incident | None = None
    for event, at in history:
        state = evolve(state, event, at)
    return state


def replay_with_notes(
    history: Iterable[tuple[e.Event, datetime]],
) -> tuple[Incident | None, dict[str, Note]]:
    """The state and every note, as the notes read model holds them (rebuilds, migrations)."""
    state: Incident | None = None
    notes: dict[str, Note] = {}
    for event, at in history:
        state = evolve(state, event, at)
        if isinstance(event, e._NoteEvent):
            notes[event.note_id] = evolve_note(notes.get(event.note_id), event, at, state)
    return state, notes


# --------------------------------------------------------------------------- audience


def describe(
    before: Incident | None, after: Incident, event: e.Event, note: Note | None = None
) -> dict[str, Any]:
    """Who an event is for: a note's events the note's own audience (`note`, as the event left
    it); any other event everyone on the incident before or after it (the revoked partner learns
    of its revocation), at the event's visibility."""
    if isinstance(event, e._NoteEvent):
        assert note is not None and note.id == event.note_id, "a note event is described by it"
        return note.description(after.provider)
    parties = {*(before.parties if before else ()), *after.parties}
    return egress.describe(parties=parties, visibility=event.visibility, provider=after.provider)
