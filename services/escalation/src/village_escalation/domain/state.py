"""One incident's escalation as the process knows it: where the incident is on its pinned ladder,
what it waits for, and every decision made for it. A value: `evolving.evolve` makes the next one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .config import TierRef
from .ladder import Ladder, Rung

STOPPED = frozenset({"resolved", "closed", "cancelled"})


@dataclass(frozen=True)
class PathEntry:
    party: str
    tier: str
    at: datetime
    decision_id: str | None  # None when a person moved it


@dataclass(frozen=True)
class OutageHold:
    """The provider works the incident for its outage (the incident is linked to it): off the
    ladder from `at` until unlinked, resolved, closed or cancelled."""

    outage_id: str
    provider: str
    at: datetime

    @property
    def queue(self) -> TierRef:
        """Where the queues show it meanwhile: the provider's queue of the outage."""
        return TierRef(self.provider, f"outage:{self.outage_id}")


@dataclass(frozen=True)
class IncidentEscalation:
    incident_id: str
    customer: str
    partner: str
    provider: str
    severity: str
    product: str
    status: str
    opened_at: datetime
    ladder: Ladder  # pinned at open, with the policies and ceilings
    pinned: dict[str, int] = field(default_factory=dict)  # config versions, e.g. {"rules/acme": 3}
    current: TierRef | None = None
    entered_at: datetime | None = None
    entered_seq: int = 0  # tier entries so far
    acknowledged_by: tuple[str, ...] = ()
    last_progress_at: datetime | None = None
    progress_seq: int = 0
    pending: str | None = None  # a decision sent but not yet seen applied on the incident
    pending_to: TierRef | None = None
    last_partner_tier: TierRef | None = None  # where a hand-back returns
    resolved_seq: int = 0
    path: tuple[PathEntry, ...] = ()
    decided: tuple[str, ...] = ()  # every decision id made, so none is made twice
    done: bool = False  # closed or cancelled
    # The incident's chain as `opened` recorded it: [customer, partner, ..., provider]. Empty
    # for a state stored before chains (then it is [customer, partner, provider]).
    chain: tuple[str, ...] = ()
    # Held by the provider for an outage (None in a state stored before outages): no policy,
    # warning or request moves it meanwhile; `current` stays where it returns to.
    outage: OutageHold | None = None

    @property
    def suppliers(self) -> tuple[str, ...]:
        """The chain's suppliers, owner first, provider last (each once): who works it."""
        chain = self.chain or (self.customer, self.partner, self.provider)
        return tuple(dict.fromkeys(chain[1:]))

    @property
    def upstream(self) -> tuple[str, ...]:
        """The suppliers above the owning partner (middle suppliers and the provider)."""
        return tuple(p for p in self.suppliers if p != self.partner)

    @property
    def rung(self) -> Rung | None:
        """The current tier with its policy; None when unrouted or off the ladder."""
        return self.ladder.rung(self.current)

    @property
    def stopped(self) -> bool:
        """Resolved, closed or cancelled: nothing moves it on its own."""
        return self.done or self.status in STOPPED

    @property
    def queue(self) -> TierRef | None:
        """The queue it waits in: the provider's queue of its outage while held, else its tier."""
        return self.outage.queue if self.outage else self.current

    @property
    def queued_at(self) -> datetime | None:
        return self.outage.at if self.outage else self.entered_at

    def seen(self, decision_id: str) -> bool:
        return decision_id in self.decided
