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

    def seen(self, decision_id: str) -> bool:
        return decision_id in self.decided
