"""The incident's state and how events evolve it: `evolve(state, event) -> state`, pure.
What the incident's events and notes say of their audience (`describe`) lives here too; who may
see them is the platform's egress rule.

The state holds what decisions need and stays small however long the incident runs: notes are
counted there, while each note (its text, its audience) evolves on its own (`evolve_note`), kept
by the notes read model and handed to `decide` by the command that names it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from village_platform import egress

from . import events as e
from .provenance import Hop, Provenance, Revocation, hop_id_for

SEVERITIES = ("S1", "S2", "S3", "S4")
ACTIVE = frozenset(
    {"new", "acknowledged", "in_progress", "pending_customer", "on_hold", "reopened"}
)
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
        return egress.describe(
            parties=self.parties,
            visibility=self.visibility,
            provider=provider,
            actor_party=self.author_party,
            fact=NOTE_FACT,
            sealed=True,
        )

    def seen_by(self, party: str, kind: str, provider: str) -> bool:
        return (
            egress.share(self.description(provider), egress.Recipient(party, kind))
            is egress.Share.VISIBLE
        )


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
    chain: tuple[str, ...] = ()  # customer, partner, ... provider
    parent_id: str | None = None  # a part's parent incident
    status: str = "new"
    external_refs: tuple[dict[str, str], ...] = ()
    acknowledged_by: dict[str, datetime] = field(default_factory=dict)
    assignment: dict[str, str | None] | None = None
    escalations: tuple[dict[str, str | None], ...] = ()
    note_counts: dict[str, int] = field(default_factory=dict)  # notes written, per author party
    collaborators: dict[str, datetime] = field(default_factory=dict)
    # Every invitation (hop), who made it below whose, and its revocation: what the live hops
    # say is `collaborators`.
    provenance: Provenance = Provenance()
    impacts: tuple[dict[str, str | None], ...] = ()
    hold_reason: str | None = None
    resolution: dict[str, str] | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    rating: dict[str, object] | None = None
    outage_id: str | None = None  # the provider incident (outage) it is part of, while linked

    @property
    def parties(self) -> list[str]:
        return [*self.chain, *self.collaborators]

    @property
    def suppliers(self) -> tuple[str, ...]:
        """Who works the incident along its chain: the party it was raised to, ... the provider."""
        return self.chain[1:]

    def link_of(self, party: str) -> tuple[str, str]:
        """The link of the chain `party`'s restricted notes are for: its link towards its own
        supplier; the provider's (and a collaborator's) the last link."""
        if party in self.chain[1:-1]:
            at = self.chain.index(party)
            return self.chain[at], self.chain[at + 1]
        return self.chain[-2], self.chain[-1]

    def audience_of_note(self, author: str, visibility: str) -> tuple[str, ...]:
        """Who a note is written for, fixed at writing: a restricted note the parties of its
        author's link and the collaborators; any other everyone on the incident."""
        if visibility == "restricted":
            return (*self.link_of(author), *self.collaborators)
        return tuple(self.parties)

    @property
    def roots(self) -> tuple[str, str]:
        """Who invites collaborators, and revokes any, without a hop of its own."""
        return self.partner, self.provider

    @property
    def overseers(self) -> tuple[str, ...]:
        """Who sees every hop of the provenance: the parties working the incident along its
        chain (the customer is not told who collaborates)."""
        return self.suppliers

    def hop_description(self, hop_id: str) -> dict[str, Any]:
        """The audience of a hop and of its events (provenance.py says who)."""
        return self.provenance.description(hop_id, self.overseers, self.provider)

    @property
    def open_impact(self) -> dict[str, str | None] | None:
        return next((i for i in self.impacts if i["ended_at"] is None), None)


# --------------------------------------------------------------------------- evolve


def evolve(state: Incident | None, event: e.IncidentEvent, at: datetime) -> Incident:
    """The incident once `event` (recorded at `at`) applied: a new state, never a changed one."""
    if isinstance(event, e.IncidentOpened):
        return _opened(event, at)
    assert state is not None, "only an opened event starts a stream"
    after = replace(state, version=state.version + 1, updated_at=at)
    change = _CHANGES.get(type(event))  # a note's edit or deletion changes only the version
    return change(after, event, at) if change is not None else after


def _opened(event: e.IncidentOpened, at: datetime) -> Incident:
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
        chain=tuple(event.links),
        parent_id=event.parent_id,
        external_refs=tuple(event.external_refs),
    )


def _acknowledged(s: Incident, event: e.IncidentAcknowledged, at: datetime) -> Incident:
    return replace(
        s,
        acknowledged_by={**s.acknowledged_by, event.party: at},
        status="acknowledged" if s.status == "new" else s.status,
    )


def _assigned(s: Incident, event: e.IncidentAssigned, at: datetime) -> Incident:
    return replace(
        s, assignment={"party": event.party, "tier": event.tier, "assignee": event.assignee}
    )


def _escalated(s: Incident, event: e.IncidentEscalated, at: datetime) -> Incident:
    step = {
        "to_party": event.to_party,
        "to_tier": event.to_tier,
        "reason": event.reason,
        "at": at.isoformat(),
    }
    return replace(
        s,
        escalations=(*s.escalations, step),
        assignment={"party": event.to_party, "tier": event.to_tier, "assignee": None},
    )


def _note_added(s: Incident, event: e.NoteAdded, at: datetime) -> Incident:
    party = event.author_party
    return replace(s, note_counts={**s.note_counts, party: s.note_counts.get(party, 0) + 1})


def _status_changed(s: Incident, event: e.StatusChanged, at: datetime) -> Incident:
    return replace(
        s,
        status=event.to_status,
        hold_reason=event.reason if event.to_status == "on_hold" else None,
    )


def _resolved(s: Incident, event: e.IncidentResolved, at: datetime) -> Incident:
    return replace(
        s,
        status="resolved",
        resolved_at=at,
        hold_reason=None,
        resolution={"code": event.resolution_code, "notes": event.resolution_notes},
    )


def _closed(s: Incident, event: e.IncidentClosed, at: datetime) -> Incident:
    return replace(s, status="closed", closed_at=at)


def _reopened(s: Incident, event: e.IncidentReopened, at: datetime) -> Incident:
    return replace(s, status="reopened", resolved_at=None, resolution=None)


def _cancelled(s: Incident, event: e.IncidentCancelled, at: datetime) -> Incident:
    return replace(s, status="cancelled", closed_at=at)


def _severity_changed(s: Incident, event: e.SeverityChanged, at: datetime) -> Incident:
    return replace(s, severity=event.to_severity)


def _impact_started(s: Incident, event: e.ImpactStarted, at: datetime) -> Incident:
    window = {"started_at": event.started_at, "ended_at": None, "description": event.description}
    return replace(s, impacts=(*s.impacts, window))


def _impact_ended(s: Incident, event: e.ImpactEnded, at: datetime) -> Incident:
    return replace(
        s,
        impacts=tuple(
            {**i, "ended_at": event.ended_at} if i["ended_at"] is None else i for i in s.impacts
        ),
    )


def _collaborator_invited(s: Incident, event: e.CollaboratorInvited, at: datetime) -> Incident:
    hop = Hop(
        # An invitation from before hops had ids: the id its version gives (as decide gives it).
        hop_id=event.hop_id or hop_id_for(s.id, s.version),
        party=event.partner,
        invited_by=event.invited_by,
        parent=event.parent_hop,
        scope=event.scope,
        reason=event.reason,
        may_invite=event.may_invite,
        at=at,
    )
    return replace(
        s,
        collaborators={**s.collaborators, event.partner: at},
        provenance=s.provenance.invited(hop),
    )


def _collaborator_revoked(s: Incident, event: e.CollaboratorRevoked, at: datetime) -> Incident:
    # A revocation from before hops had ids names the partner: its live hop.
    hop = (
        s.provenance.get(event.hop_id) if event.hop_id else s.provenance.live_hop_of(event.partner)
    )
    revocation = Revocation(at, event.revoked_by, event.reason, event.cascade_of)
    return replace(
        s,
        collaborators={p: t for p, t in s.collaborators.items() if p != event.partner},
        provenance=s.provenance.revoked(hop.hop_id, revocation) if hop else s.provenance,
    )


def _rated(s: Incident, event: e.IncidentRated, at: datetime) -> Incident:
    return replace(
        s,
        rating={
            "rating": event.rating,
            "reason": event.reason,
            "by": event.rated_by,
            "at": at.isoformat(),
        },
    )


def _outage_linked(s: Incident, event: e.IncidentOutageLinked, at: datetime) -> Incident:
    return replace(s, outage_id=event.outage_id)


def _outage_unlinked(s: Incident, event: e.IncidentOutageUnlinked, at: datetime) -> Incident:
    return replace(s, outage_id=None)


# What each event changes, after the version and the time every event moves on.
_CHANGES: dict[type[e.IncidentEvent], Callable[[Incident, Any, datetime], Incident]] = {
    e.IncidentAcknowledged: _acknowledged,
    e.IncidentAssigned: _assigned,
    e.IncidentEscalated: _escalated,
    e.NoteAdded: _note_added,
    e.StatusChanged: _status_changed,
    e.IncidentResolved: _resolved,
    e.IncidentClosed: _closed,
    e.IncidentReopened: _reopened,
    e.IncidentCancelled: _cancelled,
    e.SeverityChanged: _severity_changed,
    e.ImpactStarted: _impact_started,
    e.ImpactEnded: _impact_ended,
    e.CollaboratorInvited: _collaborator_invited,
    e.CollaboratorRevoked: _collaborator_revoked,
    e.IncidentRated: _rated,
    e.IncidentOutageLinked: _outage_linked,
    e.IncidentOutageUnlinked: _outage_unlinked,
}


def evolve_note(note: Note | None, event: e.IncidentEvent, at: datetime, after: Incident) -> Note:
    """The note a note event leaves behind; `after` is the incident once the event applied
    (a note's events change no one's place on the incident: its parties are the writer's)."""
    match event:
        case e.NoteAdded():
            return Note(
                event.note_id,
                event.author_party,
                event.author_user,
                event.note_visibility,
                event.body,
                at,
                after.audience_of_note(event.author_party, event.note_visibility),
                version=after.version,
            )
        case e.NoteEdited():
            assert note is not None, f"note {event.note_id} was never added"
            return replace(note, body=event.body, edited_at=at)
        case e.NoteDeleted():
            assert note is not None, f"note {event.note_id} was never added"
            return replace(note, deleted=True, body="", edited_at=at)
    raise TypeError(f"not a note event: {event!r}")


def replay(history: Iterable[tuple[e.IncidentEvent, datetime]]) -> Incident | None:
    state: Incident | None = None
    for event, at in history:
        state = evolve(state, event, at)
    return state


def replay_with_notes(
    history: Iterable[tuple[e.IncidentEvent, datetime]],
) -> tuple[Incident | None, dict[str, Note]]:
    """The state and every note, as the notes read model holds them (rebuilds, migrations)."""
    state: Incident | None = None
    notes: dict[str, Note] = {}
    for event, at in history:
        state = evolve(state, event, at)
        if isinstance(event, e.NoteEvent):
            notes[event.note_id] = evolve_note(notes.get(event.note_id), event, at, state)
    return state, notes


# --------------------------------------------------------------------------- audience


def describe(
    before: Incident | None, after: Incident, event: e.IncidentEvent, note: Note | None = None
) -> dict[str, Any]:
    """Who an event is for: a note's events the note's own audience (`note`, as the event left
    it); a hop's invitation and revocation the hop's audience (the revoked partner learns of its
    revocation); any other event everyone on the incident before or after it, at the event's
    visibility."""
    if isinstance(event, e.NoteEvent):
        assert note is not None and note.id == event.note_id, "a note event is described by it"
        return note.description(after.provider)
    if isinstance(event, (e.CollaboratorInvited, e.CollaboratorRevoked)):
        # A hop's events are for those who may see the hop: no channel says more of the
        # provenance than its view does.
        assert event.hop_id is not None, "new hop events name their hop"
        return after.hop_description(event.hop_id)
    parties = {*(before.parties if before else ()), *after.parties}
    # The customer is not told who is between its partner and the provider: the chain is for
    # the parties working the incident.
    narrowed = {"chain": after.suppliers} if isinstance(event, e.IncidentOpened) else None
    return egress.describe(
        parties=parties, visibility=event.visibility, provider=after.provider, narrowed=narrowed
    )
