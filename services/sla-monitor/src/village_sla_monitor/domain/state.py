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

    @property
    def holder(self) -> str:
        """Who has the ball: the customer while the incident waits on it, else the assignee."""
        return holder_key(self.customer) if self.status == "pending_customer" else self.assigned

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
        )
