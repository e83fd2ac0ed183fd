"""One incident's SLA state across its chain of contracts, projected from its incident events:
`evolve(state, event)` and `advance(state, now)` return the next state and the facts to publish,
and never change the state they are given. Pure and deterministic: the same incident events and
contracts give the same facts with the same keys, whenever and however often they are projected,
which is what makes rebuilds and redeliveries harmless.

Rules, as the issues fix them:
* an incident's chain is [customer, partner, ... provider] (three parties when opened before
  chains); each link, chain[i] <- chain[i+1], has its contract: the customer-facing one (link 0)
  covers the incident from its opening, each underpinning one from the first hand-off (escalated
  or assigned) to its supplier or to anyone beyond it; an incident keeps the contract versions
  in force when it opened;
* respond stops at the owing party's first acknowledgement (or at resolution);
* resolve stops at resolution, pauses while pending the customer (only that: on-hold is the
  provider's own and pauses nothing), continues with the time spent after a reopen;
* update (optional) runs from the owing party's acknowledgement and restarts with every update
  the owed party can see (a note or status change by the owing party);
* a severity change re-targets every clock still running or paused;
* every business second of a covered incident is held by someone: the customer while pending,
  the provider while the incident is linked to its outage (from `outage_linked` until
  `outage_unlinked` or the resolution), else the party and tier it is assigned to; on each link,
  that is one side or the other of it (`IncidentSla.side`);
* an event counts at its own time, unless the monitor's timers already fired past that time
  (the event reached it late): then it counts from when it was seen, since what was published
  is never taken back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from .clocks import BREACH
from .contracts import Terms
from .coverage import ALL_CLOCKS, ENDED, CoverageRules, Facts
from .events import SlaFact
from .facts import threshold
from .state import Coverage, IncidentSla, holder_key

TermsOf = Callable[[str, int], Terms]
Step = tuple[IncidentSla, list[SlaFact]]
Contracts = Sequence[Terms]  # of the links a hand-off may bring in
__all__ = ["IncidentEvent", "IncidentSla", "Projector", "Step", "TermsOf"]


class IncidentEvent(NamedTuple):
    """An incident event as the projection reads it: `name` as in village.incident.<name>.v1, its
    data, when it was recorded, who acted and who could see it."""

    name: str
    data: Mapping[str, Any]
    at: datetime
    actor: str | None = None
    visibility: str = "shared"


Transition = Callable[[IncidentSla, IncidentEvent, datetime, Contracts], Facts]


class Projector:
    """Projects incident events onto an IncidentSla, given how to find contract versions. The
    entry points return a new state; the transitions below them change only the draft of it
    that an entry point made."""

    def __init__(self, terms_of: TermsOf) -> None:
        self.terms_of = terms_of
        self.rules = CoverageRules(terms_of)
        # What each incident event does once time has advanced to it (the rest: nothing more).
        self._transitions: dict[str, Transition] = {
            "acknowledged": self._acknowledged,
            "assigned": self._handed_over,
            "escalated": self._handed_over,
            "status_changed": self._status_changed,
            "note_added": self._said,
            "severity_changed": self._severity_changed,
            "resolved": self._resolved,
            "reopened": self._reopened,
            "cancelled": self._ended,
            "closed": self._ended,
            "rated": self._rated,
            "outage_linked": self._outage_linked,
            "outage_unlinked": self._outage_unlinked,
        }

    def terms(self, cov: Coverage) -> Terms:
        return self.terms_of(cov.contract_id, cov.version)

    # ------------------------------------------------------------------ entry points

    def open(self, data: Mapping[str, Any], at: datetime, customer_facing: Terms | None) -> Step:
        state = IncidentSla(
            incident_id=data["incident_id"],
            customer=data["customer"],
            partner=data["partner"],
            provider=data["provider"],
            severity=data["severity"],
            status="new",
            opened_at=at,
            last_at=at,
            assigned=holder_key(data["partner"]),
            chain=list(data.get("chain") or (data["customer"], data["partner"], data["provider"])),
        )
        if customer_facing is None:
            return state, []
        return state, self.rules.cover(state, customer_facing, at)

    def evolve(
        self,
        state: IncidentSla,
        event: IncidentEvent,
        underpinning: Terms | Iterable[Terms] | None = None,
    ) -> Step:
        """The state after `event`, and the facts it produced; `underpinning` is the contract, or
        the contracts, of the links a hand-off brings in (the caller found them, for the links
        `state.links_handed_to` names); one of another link is ignored."""
        draft = state.draft()
        # One incident's events arrive in order: never run time back.
        at = max(event.at, draft.last_at)
        facts = self._advance(draft, at)
        transition = self._transitions.get(event.name)
        if transition is not None:
            facts += transition(draft, event, at, _contracts(underpinning))
        return draft, facts

    def advance(self, state: IncidentSla, now: datetime) -> Step:
        """The state at `now`: every threshold crossed by then fired, in time order, and the
        time held accounted."""
        if now <= state.last_at:
            return state, []
        draft = state.draft()
        return draft, self._advance(draft, now)

    def timers(self, state: IncidentSla) -> dict[str, datetime | None]:
        """Durable timer per clock: when its next threshold fires, or None (cancel it)."""
        due: dict[str, datetime | None] = {}
        for cov in state.coverages:
            terms = self.terms(cov)
            for clock in cov.clocks.values():
                key = f"{state.incident_id}|{cov.contract_id}|{clock.name}"
                due[key] = clock.next_due(terms.calendar, terms.warn_at) if clock.running else None
        return due

    # ------------------------------------------------------------------ time

    def _advance(self, draft: IncidentSla, now: datetime) -> Facts:
        if now <= draft.last_at:
            return []
        facts = self._fire(draft, now, floor=draft.last_at)
        holder = None
        for cov in draft.coverages:
            if cov.active():
                if holder is None:
                    holder = draft.holder
                seconds = self.terms(cov).calendar.business_seconds(draft.last_at, now)
                cov.held[holder] = cov.held.get(holder, 0.0) + seconds
        draft.last_at = now
        return facts

    def _fire(self, draft: IncidentSla, now: datetime, floor: datetime) -> Facts:
        """Thresholds crossed by `now`; none is dated before `floor` (a re-target can move a
        threshold into the past: it fires when the re-target happened)."""
        crossings = []
        for cov in draft.coverages:
            terms = None
            for clock in cov.clocks.values():
                if clock.running_since is None:  # no threshold to cross
                    continue
                if terms is None:
                    terms = self.terms(cov)
                for percent in clock.pending_thresholds(terms.warn_at):
                    when = clock.crossing(terms.calendar, percent)
                    if when is None or when > now:
                        break
                    crossings.append((max(when, floor), percent, cov, clock.name))
        if not crossings:
            return []
        for when, percent, cov, name in crossings:  # mark them fired, then tell them in time order
            clock = cov.clocks[name]
            cov.clocks[name] = clock.breach(when) if percent == BREACH else clock.warn(percent)
        facts: Facts = []
        for when, percent, cov, name in sorted(crossings, key=lambda c: (c[0], c[1])):
            facts += threshold(draft, cov, cov.clocks[name], self.terms(cov), percent, when)
        return facts

    # ------------------------------------------------------------------ one per incident event

    def _acknowledged(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        party = event.data["party"]
        if party not in draft.acknowledged_by:
            draft.acknowledged_by.append(party)
        facts: Facts = []
        for cov in draft.coverages:
            if cov.owing == party:
                facts += self.rules.respond(draft, cov, at)
        return facts

    def _handed_over(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        """Assigned or escalated: the first hand-off to a party further along the chain starts
        the coverage of every link up to it, in chain order (a link without a contract: none)."""
        data = event.data
        party = data.get("party") or data.get("to_party")
        draft.assigned = holder_key(party, data.get("tier") or data.get("to_tier"))
        links = draft.links_handed_to(party)
        if not links:
            return []
        if draft.handed_off_at is None:
            draft.handed_off_at = at
        draft.reached = draft.parties.index(party)
        contracts = {(t.customer, t.provider): t for t in underpinning}
        facts: Facts = []
        for link in links:
            terms = contracts.get(link)
            if terms is not None:
                facts += self.rules.cover(draft, terms, at)
        return facts

    def _status_changed(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        draft.status = event.data["to_status"]
        return self._said(draft, event, at, underpinning)

    def _said(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        """A note or a status change: an update the owed party may see restarts its clock; a
        restarted update clock runs, but while pending the customer it must stay paused."""
        facts = self.rules.updated(draft, event.actor, event.visibility, at)
        return facts + self.rules.reconcile_pauses(draft, at)

    def _severity_changed(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        draft.severity = event.data["to_severity"]
        facts: Facts = []
        for cov in draft.coverages:
            facts += self.rules.retarget(draft, cov, at)
        facts += self.rules.reconcile_pauses(draft, at)
        return facts + self._fire(draft, at, floor=at)

    def _resolved(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        draft.status, draft.resolved_at = "resolved", at
        draft.outage = None  # the provider's hold ends with the resolution
        facts: Facts = []
        for cov in draft.coverages:
            facts += self.rules.stop(draft, cov, ALL_CLOCKS, at)
        return facts

    def _reopened(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        draft.status, draft.resolved_at = "reopened", None
        facts: Facts = []
        for cov in draft.coverages:
            facts += self.rules.reopen(draft, cov, at)
        return facts

    def _ended(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        """Cancelled or closed: every clock stops, cancelled."""
        draft.status, draft.outage = event.name, None
        facts: Facts = []
        for cov in draft.coverages:
            facts += self.rules.stop(draft, cov, ALL_CLOCKS, at, cancelled=True)
        return facts

    def _outage_linked(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        """The provider works the incident for its outage: the ball is in its court, on every
        link, from now (no hand-off: no contract starts or stops covering it)."""
        if draft.status not in ENDED:
            draft.outage = event.data["outage_id"]
        return []

    def _outage_unlinked(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        """Back with whoever it is assigned to (unless the resolution ended the hold already)."""
        if draft.outage == event.data["outage_id"]:
            draft.outage = None
        return []

    def _rated(
        self, draft: IncidentSla, event: IncidentEvent, at: datetime, underpinning: Contracts
    ) -> Facts:
        draft.rating = int(event.data["rating"])
        return []


def _contracts(underpinning: Terms | Iterable[Terms] | None) -> Contracts:
    """One contract (as for a three-party chain), several, or none, as a sequence."""
    if underpinning is None:
        return ()
    if isinstance(underpinning, Terms):
        return (underpinning,)
    return tuple(underpinning)
