"""Incident commands: imperative, plain values, already validated for shape by the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    party: str
    kind: str  # provider | partner | customer | service
    user: str


@dataclass(frozen=True)
class OpenIncident:
    incident_id: str
    title: str
    description: str
    severity: str
    product: str
    impacted_service: str | None = None
    customer: str | None = None  # required when a partner opens
    external_refs: list[dict[str, str]] = field(default_factory=list)
    # Who the customer raises it to; by default its supplier of the product.
    supplier: str | None = None


@dataclass(frozen=True)
class OpenPart:
    """Hand a part of an incident to the vendor of another product: a new incident (`incident_id`)
    linked to its parent, for the same customer; what is not given is the parent's."""

    incident_id: str
    parent_id: str
    product: str
    title: str | None = None
    description: str | None = None
    severity: str | None = None
    impacted_service: str | None = None


@dataclass(frozen=True)
class Acknowledge:
    pass


@dataclass(frozen=True)
class Assign:
    party: str
    tier: str | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class Escalate:
    to_party: str
    to_tier: str
    reason: str
    decision_id: str | None = None


@dataclass(frozen=True)
class AddNote:
    note_id: str
    body: str
    visibility: str
    # The id was minted for this command (`new`): no note can hold it yet, so the handler does
    # not look for one. An id derived from something else (the outage fan-out's) is looked up.
    minted: bool = False

    @classmethod
    def new(cls, body: str, visibility: str) -> AddNote:
        return cls(str(uuid.uuid4()), body, visibility, minted=True)


@dataclass(frozen=True)
class EditNote:
    note_id: str
    body: str


@dataclass(frozen=True)
class DeleteNote:
    note_id: str


@dataclass(frozen=True)
class ChangeStatus:
    status: str
    reason: str | None = None
    resolution_code: str | None = None
    resolution_notes: str | None = None


@dataclass(frozen=True)
class ChangeSeverity:
    severity: str
    reason: str


@dataclass(frozen=True)
class StartImpact:
    started_at: datetime | None = None
    description: str | None = None


@dataclass(frozen=True)
class EndImpact:
    ended_at: datetime | None = None


@dataclass(frozen=True)
class InviteCollaborator:
    """By the owning partner or the provider, or by a collaborator whose own invitation allows
    it: a hop of the incident's provenance. `may_invite`: the invitee may invite others in turn;
    `reason`: why (required when the hop may invite, or is a collaborator's)."""

    partner: str
    scope: str | None = None
    may_invite: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class RevokeCollaborator:
    partner: str
    reason: str | None = None


@dataclass(frozen=True)
class Rate:
    rating: int
    reason: str | None = None


@dataclass(frozen=True)
class AutoClose:
    """Close a resolved incident after the agreed quiet period (issued by the scheduler)."""

    quiet_hours: int


# --------------------------------------------------------------------------- provider incidents


@dataclass(frozen=True)
class DeclareOutage:
    """The provider declares one incident of its own (an outage) that many partners' incidents
    may be part of."""

    outage_id: str
    title: str
    description: str
    products: list[str]
    severity: str
    impacted_services: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    started_at: datetime | None = None  # default: now


@dataclass(frozen=True)
class ChangeOutageStatus:
    status: str
    message: str


@dataclass(frozen=True)
class CancelOutage:
    reason: str


@dataclass(frozen=True)
class LinkIncident:
    incident_id: str


@dataclass(frozen=True)
class UnlinkIncident:
    incident_id: str
    reason: str


@dataclass(frozen=True)
class InviteToSwarm:
    """A hop of a provider incident's swarm: by the provider's admins or agents, or by a
    swarming partner whose hop allows it (`may_invite`)."""

    partner: str
    certification: str
    reason: str
    scope: str | None = None
    may_invite: bool = False


@dataclass(frozen=True)
class RevokeSwarmHop:
    hop_id: str
    reason: str


@dataclass(frozen=True)
class PostOutageUpdate:
    """An update from the provider for every linked incident (`audience`: partners, a
    restricted note; customers, a shared one)."""

    update_id: str
    body: str
    audience: str


@dataclass(frozen=True)
class ResolveOutage:
    resolution_code: str
    resolution_notes: str
    message: str
