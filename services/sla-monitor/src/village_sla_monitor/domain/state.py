"""One incident's SLA state across its chain of contracts (stored as JSON). The projection treats
a state as a value: `Projector.evolve` and `advance` return the next one and never change the one
they were given; they build the next one from a `draft()` of it, which only they change. Clocks
are values too (a draft shares them until a transition replaces one).

The copies are written out (and the classes slotted) for speed: a rebuild drafts a state per
incident event, hundreds of thousands; `copy.deepcopy` or copies through `__dict__` (whose
attributes Python then reads several times slower) would cost more than the projection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .clocks import Clock


def holder_key(party: str, tier: str | None = None) -> str:
    return f"{party}/{tier or ''}"


def outage_queue(outage_id: str) -> str:
    """The holder's "tier" while the provider works the incident for an outage: the escalation
    service's name for the provider's queue of it."""
    return f"outage:{outage_id}"


@dataclass(slots=True)
class Coverage:
    """One contract covering the incident, and its clocks."""

    contract_id: str
    version: int
    kind: str
    owing: str
    owed: str
    started_at: datetime
    clocks: dict[str, Clock] = field(default_factory=dict)
    held: dict[str, float] = field(default_factory=dict)  # "party/tier" -> business seconds

    def active(self) -> bool:
        return any(not c.stopped for c in self.clocks.values())

    def draft(self) -> Coverage:
        """A copy whose clocks and held time are its own to change."""
        return Coverage(
            self.contract_id,
            self.version,
            self.kind,
            self.owing,
            self.owed,
            self.started_at,
            dict(self.clocks),
            dict(self.held),
        )


@dataclass(slots=True)
class IncidentSla:
    incident_id: str
    customer: str
    partner: str
    provider: str
    severity: str
    status: str
    opened_at: datetime
    last_at: datetime  # held time and thresholds are accounted up to here
    assigned: str  # "party/tier" working it
    acknowledged_by: list[str] = field(default_factory=list)
    coverages: list[Coverage] = field(default_factory=list)
    handed_off_at: datetime | None = None
    resolved_at: datetime | None = None
    rating: int | None = None
    # customer, partner, ... provider, as opened; empty in a state stored before chains, whose
    # chain is its three parties (`parties`).
    chain: list[str] = field(default_factory=list)
    # Once handed off (`handed_off_at`), the position on the chain of the farthest party the
    # incident went to. A state stored before chains went to its provider: 2.
    reached: int = 2
    # The provider outage the incident is linked to, from the link until it is unlinked or
    # resolved (None in a state stored before outages).
    outage: str | None = None

    @property
    def holder(self) -> str:
        """Who has the ball: the customer while the incident waits on it, the provider while it
        works the incident for an outage, else the assignee."""
        if self.status == "pending_customer":
            return holder_key(self.customer)
        if self.outage is not None:
            return holder_key(self.provider, outage_queue(self.outage))
        return self.assigned

    @property
    def parties(self) -> list[str]:
        """The chain: customer, partner (the owner), ... provider."""
        return self.chain or [self.customer, self.partner, self.provider]

    @property
    def furthest(self) -> int:
        """The position on the chain of the farthest party the incident went to (1: its owner)."""
        return 1 if self.handed_off_at is None else self.reached

    def links_handed_to(self, party: str) -> list[tuple[str, str]]:
        """(customer, provider) of every link a hand-off to `party` brings in: each one from the
        farthest party so far up to `party` (handing straight to the provider brings in every
        link on the way); none for a party before that, or off the chain."""
        parties = self.parties
        if party not in parties:
            return []
        at = parties.index(party)
        return [(parties[i], parties[i + 1]) for i in range(self.furthest, at)]

    def side(self, cov: Coverage, party: str) -> str:
        """Which side of `cov`'s link `party` is on: `owing` (its supplier, or beyond it towards
        the provider) or `owed` (its buyer, or before it towards the customer). A party off the
        chain (a collaborator) works with the owner, so counts where the owner does."""
        parties = self.parties
        at = parties.index(party) if party in parties else 1
        return "owing" if at > parties.index(cov.owed) else "owed"

    def coverage(self, kind: str) -> Coverage | None:
        return next((c for c in self.coverages if c.kind == kind), None)

    def draft(self) -> IncidentSla:
        """A copy to build the next state in, sharing nothing it could change with this one."""
        return IncidentSla(
            self.incident_id,
            self.customer,
            self.partner,
            self.provider,
            self.severity,
            self.status,
            self.opened_at,
            self.last_at,
            self.assigned,
            list(self.acknowledged_by),
            [c.draft() for c in self.coverages],
            self.handed_off_at,
            self.resolved_at,
            self.rating,
            self.chain,  # never changed after the opening: shared
            self.reached,
            self.outage,
        )
