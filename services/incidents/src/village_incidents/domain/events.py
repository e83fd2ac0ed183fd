"""Incident events: past tense, plain values, on the platform's envelope. Their data is what goes
on `village.incidents.v1` (schemas/events/village.incident.<name>.v1.json describes each);
`CATALOG` loads them back from the store, through its upcasters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from village_platform import egress
from village_platform.envelope import Event, EventCatalog

Visibility = Literal["internal", "restricted", "shared"]


@dataclass(frozen=True)
class IncidentEvent(Event):
    """village.incident.<NAME>.v1, with the visibility its producer describes it by."""

    FAMILY = "incident"
    # Who may see it: shared (everyone on the incident), restricted (not the customer),
    # internal (the actor's party only).
    VISIBILITY: ClassVar[Visibility] = "shared"

    @property
    def visibility(self) -> Visibility:
        return self.VISIBILITY


@dataclass(frozen=True)
class IncidentOpened(IncidentEvent):
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
    # customer, partner, ... provider: the supply path when it was opened. Recorded since the
    # value web; an event from before has none, and its chain is its three parties.
    chain: list[str] = field(default_factory=list)
    # A part of another incident (a sub-incident for another vendor): that incident's id.
    parent_id: str | None = None

    @property
    def links(self) -> list[str]:
        return self.chain or [self.customer, self.partner, self.provider]


@dataclass(frozen=True)
class IncidentAcknowledged(IncidentEvent):
    NAME = "acknowledged"
    party: str
    user: str


@dataclass(frozen=True)
class IncidentAssigned(IncidentEvent):
    NAME = "assigned"
    VISIBILITY = "restricted"
    party: str
    tier: str | None
    assignee: str | None


@dataclass(frozen=True)
class IncidentEscalated(IncidentEvent):
    NAME = "escalated"
    VISIBILITY = "restricted"
    from_party: str | None
    from_tier: str | None
    to_party: str
    to_tier: str
    reason: str
    decision_id: str | None = None


@dataclass(frozen=True)
class NoteEvent(IncidentEvent):
    """What happens to a note is exactly as visible as the note itself."""

    note_id: str
    author_party: str
    note_visibility: Visibility

    @property
    def visibility(self) -> Visibility:
        return self.note_visibility


@dataclass(frozen=True)
class NoteAdded(NoteEvent):
    NAME = "note_added"
    author_user: str
    body: str


@dataclass(frozen=True)
class NoteEdited(NoteEvent):
    NAME = "note_edited"
    body: str


@dataclass(frozen=True)
class NoteDeleted(NoteEvent):
    NAME = "note_deleted"


@dataclass(frozen=True)
class StatusChanged(IncidentEvent):
    """in_progress, pending_customer or on_hold (with a reason)."""

    NAME = "status_changed"
    from_status: str
    to_status: str
    reason: str | None


@dataclass(frozen=True)
class IncidentResolved(IncidentEvent):
    NAME = "resolved"
    from_status: str
    resolution_code: str
    resolution_notes: str


@dataclass(frozen=True)
class IncidentClosed(IncidentEvent):
    NAME = "closed"
    automatic: bool
    reason: str | None


@dataclass(frozen=True)
class IncidentReopened(IncidentEvent):
    NAME = "reopened"
    reason: str


@dataclass(frozen=True)
class IncidentCancelled(IncidentEvent):
    NAME = "cancelled"
    from_status: str
    reason: str


@dataclass(frozen=True)
class SeverityChanged(IncidentEvent):
    NAME = "severity_changed"
    from_severity: str
    to_severity: str
    reason: str
    changed_by_party: str
    changed_by_user: str


@dataclass(frozen=True)
class ImpactStarted(IncidentEvent):
    NAME = "impact_started"
    started_at: str
    description: str | None


@dataclass(frozen=True)
class ImpactEnded(IncidentEvent):
    NAME = "impact_ended"
    started_at: str
    ended_at: str


@dataclass(frozen=True)
class CollaboratorInvited(IncidentEvent):
    """A hop of the incident's provenance (domain/provenance.py). Its fields from `hop_id` on are
    recorded since swarming: an event from before has none (its hop's id is derived from the
    incident and its version, it hangs below no hop, and it allowed no further invitation)."""

    NAME = "collaborator_invited"
    VISIBILITY = "restricted"
    partner: str
    invited_by: str
    scope: str | None
    hop_id: str | None = None
    parent_hop: str | None = None  # the inviting collaborator's own hop; None: a root invited
    may_invite: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class CollaboratorRevoked(IncidentEvent):
    """One per revoked partner: revoking a hop revokes every hop below it, each with its own
    event (`cascade_of`: the hop whose revocation took it), in the same transaction."""

    NAME = "collaborator_revoked"
    VISIBILITY = "restricted"
    partner: str
    revoked_by: str
    reason: str | None
    hop_id: str | None = None  # None in events from before hops had ids: the partner's hop
    cascade_of: str | None = None


@dataclass(frozen=True)
class IncidentRated(IncidentEvent):
    NAME = "rated"
    rating: int
    reason: str | None
    rated_by: str


@dataclass(frozen=True)
class IncidentOutageLinked(IncidentEvent):
    """The incident is part of a provider outage (a provider incident): everyone on it, its
    customer too, learns that and the outage's id and title, nothing else of the outage."""

    NAME = "outage_linked"
    incident_id: str
    outage_id: str
    provider: str
    title: str


@dataclass(frozen=True)
class IncidentOutageUnlinked(IncidentEvent):
    NAME = "outage_unlinked"
    incident_id: str
    outage_id: str
    reason: str


# --------------------------------------------------------------------------- provider incidents

# What a status change may name: the working statuses (resolving and cancelling have events of
# their own; the lifecycle: provider_incident.py).
WorkingStatus = Literal["declared", "investigating", "identified", "monitoring"]
UpdatedStatus = Literal["investigating", "identified", "monitoring"]


@dataclass(frozen=True)
class OutageEvent(Event):
    """village.outage.<NAME>.v1, on the provider incident's stream (`provider-incident:<id>`), on
    the incidents topic. Restricted: for the provider and its partners (or, for a link, the
    parties working the linked incident), never a customer. Its audience: provider_incident.py."""

    FAMILY = "outage"
    VISIBILITY: ClassVar[Visibility] = "restricted"
    outage_id: str

    @property
    def visibility(self) -> Visibility:
        return self.VISIBILITY


@dataclass(frozen=True)
class OutageDeclared(OutageEvent):
    NAME = "declared"
    provider: str
    title: str
    description: str
    products: list[str]
    impacted_services: list[str]
    regions: list[str]
    severity: str
    started_at: str
    declared_by: str  # the provider's user who declared it


@dataclass(frozen=True)
class OutageStatusChanged(OutageEvent):
    NAME = "status_changed"
    from_status: WorkingStatus
    to_status: UpdatedStatus
    message: str  # public: what the provider tells its partners (and, fanned out, customers)


@dataclass(frozen=True)
class OutageLinked(OutageEvent):
    """An incident was linked to the outage (its `outage_linked` is on its own stream, in the
    same transaction)."""

    NAME = "linked"
    incident_id: str
    partner: str  # the incident's owning partner
    linked_by: str  # the party that linked it


@dataclass(frozen=True)
class OutageUnlinked(OutageEvent):
    NAME = "unlinked"
    incident_id: str
    partner: str
    unlinked_by: str
    reason: str


@dataclass(frozen=True)
class OutageCancelled(OutageEvent):
    NAME = "cancelled"
    reason: str


@dataclass(frozen=True)
class OutageSwarmInvited(OutageEvent):
    """A hop of the outage's swarm (domain/provenance.py): the provider (a root: `parent_hop`
    None) or a swarming partner whose hop allows it invited `partner`, a partner the provider
    supplies directly, certified (the inviter says so) for `certification`, one of the outage's
    products. Its audience is the hop's (provenance.py), never another partner."""

    NAME = "swarm_invited"
    hop_id: str
    partner: str
    scope: str | None
    reason: str
    invited_by: str
    parent_hop: str | None
    may_invite: bool
    certification: str


@dataclass(frozen=True)
class OutageSwarmRevoked(OutageEvent):
    """One per revoked hop, in one transaction: the hop revoked (`cascade_of` None), then every
    live hop below it (`cascade_of` the revoked one). `cascade`: the hops below this one revoked
    with it."""

    NAME = "swarm_revoked"
    hop_id: str
    partner: str
    revoked_by: str
    reason: str
    cascade: list[str]
    cascade_of: str | None


@dataclass(frozen=True)
class OutageUpdatePosted(OutageEvent):
    """The provider posted an update; every incident linked now (`total`) gets it as a note
    from the provider (the fan-out: fanout.py), `restricted` for `partners`, `shared` for
    `customers`."""

    NAME = "update_posted"
    update_id: str
    body: str
    audience: Literal["partners", "customers"]
    total: int


@dataclass(frozen=True)
class OutageResolved(OutageEvent):
    """The provider resolved the outage: every linked incident still open is resolved by the
    provider with this code and notes (the fan-out), and its requester asked to confirm."""

    NAME = "resolved"
    resolution_code: str
    resolution_notes: str
    message: str


# --------------------------------------------------------------------------- the directory


@dataclass(frozen=True)
class SupplyEvent(Event):
    """village.directory.<NAME>.v1, on the directory's one stream (`directory`), on the same
    topic. For the supplier and the buyer alone: a provider must not learn that a partner also
    buys from a competitor, so no provider's channel carries it whole (on the topic: its bare
    fact, no data)."""

    FAMILY = "directory"
    VISIBILITY: ClassVar[Visibility] = "shared"
    supplier: str
    buyer: str

    def description(self) -> dict[str, Any]:
        return egress.describe(parties={self.supplier, self.buyer}, provider=None, fact=())


@dataclass(frozen=True)
class SupplyRegistered(SupplyEvent):
    """`supplier` supplies `buyer` with `products` (null: every product), from now on."""

    NAME = "supply_registered"
    products: list[str] | None = None


@dataclass(frozen=True)
class SupplyEnded(SupplyEvent):
    NAME = "supply_ended"


@dataclass(frozen=True)
class PartyRegistered(Event):
    """village.directory.party_registered.v1: `party` is registered as it now stands (a new party,
    or a changed registration), on the directory's stream beside the supplies. Its audience is
    the party and the parties its registration names as its provider and partner (each on its
    side of that relationship); never its `customers`, who must not learn of one another,
    nor its suppliers by supplies (a provider must not learn that a partner also buys from a
    competitor). No provider's channel carries it whole (on the topic: its bare fact, no data)."""

    FAMILY = "directory"
    NAME = "party_registered"
    VISIBILITY: ClassVar[Visibility] = "shared"
    party: str
    kind: Literal["provider", "partner", "customer"]
    name: str
    provider: str | None
    partner: str | None
    customers: list[str]

    def description(self) -> dict[str, Any]:
        named = {self.party, self.provider, self.partner}
        return egress.describe(parties={p for p in named if p}, provider=None, fact=())


# Stored events are never rewritten: a type whose shape changes registers an upcaster here
# (`CATALOG.upcaster(old_type, convert)`) that turns the old (type, data) into the current one,
# applied every time the event is loaded.
CATALOG = EventCatalog(
    [
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
        IncidentOutageLinked,
        IncidentOutageUnlinked,
        OutageDeclared,
        OutageStatusChanged,
        OutageLinked,
        OutageUnlinked,
        OutageCancelled,
        OutageSwarmInvited,
        OutageSwarmRevoked,
        OutageUpdatePosted,
        OutageResolved,
        SupplyRegistered,
        SupplyEnded,
        PartyRegistered,
    ]
)
