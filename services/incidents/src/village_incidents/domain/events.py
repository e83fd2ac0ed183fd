"""Incident events: past tense, plain values. Their data is what goes on `village.incidents.v1`
(schemas/events/village.incident.<name>.v1.json describes each)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable, ClassVar, Literal

Visibility = Literal["internal", "restricted", "shared"]


@dataclass(frozen=True)
class Event:
    NAME: ClassVar[str]
    # Who may see it: shared (everyone on the incident), restricted (not the customer),
    # internal (the actor's party only).
    VISIBILITY: ClassVar[Visibility] = "shared"

    @property
    def type(self) -> str:
        return f"village.incident.{self.NAME}.v1"

    @property
    def visibility(self) -> Visibility:
        return self.VISIBILITY

    def to_data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IncidentOpened(Event):
    NAME = "opened"
    incident_id: str
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
    external_refs: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class IncidentAcknowledged(Event):
    NAME = "acknowledged"
    party: str
    user: str


@dataclass(frozen=True)
class IncidentAssigned(Event):
    NAME = "assigned"
    VISIBILITY = "restricted"
    party: str
    tier: str | None
    assignee: str | None


@dataclass(frozen=True)
class IncidentEscalated(Event):
    NAME = "escalated"
    VISIBILITY = "restricted"
    from_party: str | None
    from_tier: str | None
    to_party: str
    to_tier: str
    reason: str
    decision_id: str | None = None


@dataclass(frozen=True)
class _NoteEvent(Event):
    """What happens to a note is exactly as visible as the note itself."""

    note_id: str
    author_party: str
    note_visibility: Visibility

    @property
    def visibility(self) -> Visibility:
        return self.note_visibility


@dataclass(frozen=True)
class NoteAdded(_NoteEvent):
    NAME = "note_added"
    author_user: str
    body: str


@dataclass(frozen=True)
class NoteEdited(_NoteEvent):
    NAME = "note_edited"
    body: str


@dataclass(frozen=True)
class NoteDeleted(_NoteEvent):
    NAME = "note_deleted"


@dataclass(frozen=True)
class StatusChanged(Event):
    """in_progress, pending_customer or on_hold (with a reason)."""

    NAME = "status_changed"
    from_status: str
    to_status: str
    reason: str | None


@dataclass(frozen=True)
class IncidentResolved(Event):
    NAME = "resolved"
    from_status: str
    resolution_code: str
    resolution_notes: str


@dataclass(frozen=True)
class IncidentClosed(Event):
    NAME = "closed"
    automatic: bool
    reason: str | None


@dataclass(frozen=True)
class IncidentReopened(Event):
    NAME = "reopened"
    reason: str


@dataclass(frozen=True)
class IncidentCancelled(Event):
    NAME = "cancelled"
    from_status: str
    reason: str


@dataclass(frozen=True)
class SeverityChanged(Event):
    NAME = "severity_changed"
    from_severity: str
    to_severity: str
    reason: str
    changed_by_party: str
    changed_by_user: str


@dataclass(frozen=True)
class ImpactStarted(Event):
    NAME = "impact_started"
    started_at: str
    description: str | None


@dataclass(frozen=True)
class ImpactEnded(Event):
    NAME = "impact_ended"
    started_at: str
    ended_at: str


@dataclass(frozen=True)
class CollaboratorInvited(Event):
    NAME = "collaborator_invited"
    VISIBILITY = "restricted"
    partner: str
    invited_by: str
    scope: str | None


@dataclass(frozen=True)
class CollaboratorRevoked(Event):
    NAME = "collaborator_revoked"
    VISIBILITY = "restricted"
    partner: str
    revoked_by: str
    reason: str | None


@dataclass(frozen=True)
class IncidentRated(Event):
    NAME = "rated"
    rating: int
    reason: str | None
    rated_by: str


EVENT_CLASSES: dict[str, type[Event]] = {
    f"village.incident.{cls.NAME}.v1": cls
    for cls in (
        IncidentOpened,
        IncidentAcknowledged,
        IncidentAssigned,
        IncidentEscalated,
        NoteAdded,
        NoteEdited,
        NoteDeleted,
        StatusChanged,
        IncidentResolved,
        IncidentClosed,
        IncidentReopened,
        IncidentCancelled,
        SeverityChanged,
        ImpactStarted,
        ImpactEnded,
        CollaboratorInvited,
        CollaboratorRevoked,
        IncidentRated,
    )
}


# Stored events are never rewritten: a type whose shape changes gets an upcaster here that turns
# the old (type, data) into the current one, applied every time the event is loaded.
Upcaster = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]
UPCASTERS: dict[str, Upcaster] = {}


def event_from(type_: str, data: dict[str, Any]) -> Event:
    """Rebuild an event from its stored type and data.

    Upcasters first; then fields added later with a default are filled in, and fields this code
    does not know are ignored, so that v1 payloads written by older or newer code still load.
    """
    while type_ in UPCASTERS:
        type_, data = UPCASTERS[type_](data)
    cls = EVENT_CLASSES[type_]
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})
