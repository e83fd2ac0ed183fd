"""One incident's SLA state across its chain of contracts: `apply(state, incident event)` and
`advance(state, now)` return the facts to publish. Pure and deterministic: the same incident
events and contracts give the same facts with the same keys, whenever and however often they
are projected, which is what makes rebuilds and redeliveries harmless.

Rules, as the issue fixes them:
* the customer-facing contract (customer <- partner) covers the incident from its opening; the
  underpinning one (partner <- provider) from the hand-off to the provider (escalated or
  assigned to it); an incident keeps the contract versions in force when it opened;
* respond stops at the owing party's first acknowledgement (or at resolution);
* resolve stops at resolution, pauses while pending the customer (only that: on-hold is the
  provider's own and pauses nothing), continues with the time spent after a reopen;
* update (optional) runs from the owing party's acknowledgement and restarts with every update
  the owed party can see (a note or status change by the owing party);
* a severity change re-targets every clock still running or paused;
* every business second of a covered incident is held by someone: the customer while pending,
  else the party and tier it is assigned to;
* an event counts at its own time, unless the monitor's timers already fired past that time
  (the event reached it late): then it counts from when it was seen, since what was published
  is never taken back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable
from zoneinfo import ZoneInfo

from .clocks import BREACH, Clock
from .contracts import Terms, decimal_text

TermsOf = Callable[[str, int], Terms]


@dataclass(frozen=True)
class Fact:
    """Something every entitled party should hear about: one event on `village.sla.v1`."""

    name: str  # clock_started, warning, breached, target_met, credit_due, ...
    key: str  # stable identity: the same fact always gets the same event id
    contract_id: str
    data: dict[str, Any]


@dataclass
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


@dataclass
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


def holder_key(party: str, tier: str | None = None) -> str:
    return f"{party}/{tier or ''}"


class Projector:
    """Applies incident events to an IncidentSla, given how to find contract versions."""

    def __init__(self, terms_of: TermsOf) -> None:
        self.terms_of = terms_of

    def terms(self, cov: Coverage) -> Terms:
        return self.terms_of(cov.contract_id, cov.version)

    # ------------------------------------------------------------------ entry points

    def open(self, data: dict[str, Any], at: datetime, customer_facing: Terms | None) -> tuple[IncidentSla, list[Fact]]:
        state = IncidentSla(
            incident_id=data["incident_id"], customer=data["customer"], partner=data["partner"],
            provider=data["provider"], severity=data["severity"], status="new", opened_at=at, last_at=at,
            assigned=holder_key(data["partner"]),
        )
        facts: list[Fact] = []
        if customer_facing is not None:
            facts += self._cover(state, customer_facing, at)
        return state, facts

    def advance(self, state: IncidentSla, now: datetime) -> list[Fact]:
        """Fire every threshold crossed up to `now`, in time order, and account held time."""
        if now <= state.last_at:
            return []
        facts = self._fire(state, now, floor=state.last_at)
        holder = None
        for cov in state.coverages:
            if cov.active():
                if holder is None:
                    holder = state.holder
                seconds = self.terms(cov).calendar.business_seconds(state.last_at, now)
                cov.held[holder] = cov.held.get(holder, 0.0) + seconds
        state.last_at = now
        return facts

    def _fire(self, state: IncidentSla, now: datetime, floor: datetime) -> list[Fact]:
        """Thresholds crossed by `now`; none is dated before `floor` (a re-target can move a
        threshold into the past: it fires when the re-target happened)."""
        crossings = []
        for cov in state.coverages:
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
                    when = max(when, floor)
                    if percent == BREACH:
                        clock.breached_at = when
                    else:
                        clock.warned.append(percent)
                    crossings.append((when, percent, cov, clock))
        if not crossings:
            return []
        facts: list[Fact] = []
        for when, percent, cov, clock in sorted(crossings, key=lambda c: (c[0], c[1])):
            facts += self._threshold(state, cov, clock, percent, when)
        return facts

    def apply(self, state: IncidentSla, name: str, data: dict[str, Any], at: datetime, *,
              actor: str | None = None, visibility: str = "shared", underpinning: Terms | None = None) -> list[Fact]:
        """One incident event (`name` as in village.incident.<name>.v1) at its recorded time."""
        at = max(at, state.last_at)  # events of one incident arrive in order; never run time back
        facts = self.advance(state, at)
        match name:
            case "acknowledged":
                party = data["party"]
                if party not in state.acknowledged_by:
                    state.acknowledged_by.append(party)
                for cov in state.coverages:
                    if cov.owing == party:
                        facts += self._respond(state, cov, at)
            case "assigned" | "escalated":
                party = data.get("party") or data.get("to_party")
                state.assigned = holder_key(party, data.get("tier") or data.get("to_tier"))
                if party == state.provider and state.handed_off_at is None:
                    state.handed_off_at = at
                    if underpinning is not None:
                        facts += self._cover(state, underpinning, at)
            case "status_changed":
                state.status = data["to_status"]
                facts += self._updated(state, actor, visibility, at)
                facts += self._reconcile_pauses(state, at)
            case "note_added":
                facts += self._updated(state, actor, visibility, at)
                # A restarted update clock runs; while pending the customer it must stay paused.
                facts += self._reconcile_pauses(state, at)
            case "severity_changed":
                state.severity = data["to_severity"]
                facts += self._retarget(state, at)
            case "resolved":
                state.status, state.resolved_at = "resolved", at
                for cov in state.coverages:
                    facts += self._stop(state, cov, ("respond", "resolve", "update"), at)
            case "reopened":
                state.status, state.resolved_at = "reopened", None
                for cov in state.coverages:
                    facts += self._reopen(state, cov, at)
            case "cancelled" | "closed":
                state.status = "cancelled" if name == "cancelled" else "closed"
                for cov in state.coverages:
                    facts += self._stop(state, cov, ("respond", "resolve", "update"), at, cancelled=True)
            case "rated":
                state.rating = int(data["rating"])
        return facts

    def timers(self, state: IncidentSla) -> dict[str, datetime | None]:
        """Durable timer per clock: when its next threshold fires, or None (cancel it)."""
        due: dict[str, datetime | None] = {}
        for cov in state.coverages:
            terms = self.terms(cov)
            for clock in cov.clocks.values():
                key = f"{state.incident_id}|{cov.contract_id}|{clock.name}"
                due[key] = clock.next_due(terms.calendar, terms.warn_at) if clock.running else None
        return due

    # ------------------------------------------------------------------ transitions

    def _cover(self, state: IncidentSla, terms: Terms, at: datetime) -> list[Fact]:
        cov = Coverage(terms.contract_id, terms.version, terms.kind, terms.provider, terms.customer, at)
        state.coverages.append(cov)
        facts = []
        for name in ("respond", "resolve"):
            facts += self._start(state, cov, name, at)
        if cov.owing in state.acknowledged_by:  # the provider acknowledged before the hand-off
            facts += self._respond(state, cov, at)
        facts += self._reconcile_pauses(state, at)
        return facts

    def _start(self, state: IncidentSla, cov: Coverage, name: str, at: datetime) -> list[Fact]:
        terms = self.terms(cov)
        target = terms.target_seconds(state.severity, name)
        if target is None:
            return []
        clock = cov.clocks.get(name)
        if clock is None:
            clock = cov.clocks[name] = Clock(name=name, target=target, started_at=at, running_since=at)
        else:  # an update clock after a reopen
            clock.target = target
            clock.restart(at, keep_elapsed=False)
        clock.original_due_at = clock.due_at(terms.calendar)
        return [self._fact(state, cov, clock, "clock_started", at)]

    def _respond(self, state: IncidentSla, cov: Coverage, at: datetime) -> list[Fact]:
        facts = self._stop(state, cov, ("respond",), at)
        if "update" not in cov.clocks or cov.clocks["update"].stopped:
            facts += self._start(state, cov, "update", at)
            facts += self._reconcile_pauses(state, at)
        return facts

    def _updated(self, state: IncidentSla, actor: str | None, visibility: str, at: datetime) -> list[Fact]:
        facts = []
        for cov in state.coverages:
            clock = cov.clocks.get("update")
            # The owed party must be able to see it: customers see shared only.
            seen = visibility == "shared" or (visibility == "restricted" and cov.kind == "underpinning")
            if clock is not None and not clock.stopped and actor == cov.owing and seen:
                facts += self._start(state, cov, "update", at)
        return facts

    def _reconcile_pauses(self, state: IncidentSla, at: datetime) -> list[Fact]:
        waiting = state.status == "pending_customer"
        facts = []
        for cov in state.coverages:
            calendar = self.terms(cov).calendar
            for name in ("resolve", "update"):
                clock = cov.clocks.get(name)
                if clock is None or clock.stopped:
                    continue
                if waiting and clock.pause(calendar, at):
                    facts.append(self._fact(state, cov, clock, "clock_paused", at))
                elif not waiting and clock.resume(at):
                    facts.append(self._fact(state, cov, clock, "clock_resumed", at))
        return facts

    def _retarget(self, state: IncidentSla, at: datetime) -> list[Fact]:
        facts = []
        for cov in state.coverages:
            terms = self.terms(cov)
            for clock in cov.clocks.values():
                if clock.stopped:
                    continue
                target = terms.target_seconds(state.severity, clock.name)
                if target is None:  # the new severity has no such target: nothing to hold to
                    facts += self._stop(state, cov, (clock.name,), at, cancelled=True)
                    continue
                clock.retarget(target)
                facts.append(self._fact(state, cov, clock, "clock_retargeted", at))
            # A target the old severity did not have starts now (respond only if still owed).
            if "resolve" not in cov.clocks and state.status not in ("resolved", "closed", "cancelled"):
                facts += self._start(state, cov, "resolve", at)
            if "respond" not in cov.clocks and cov.owing not in state.acknowledged_by \
                    and state.status not in ("resolved", "closed", "cancelled"):
                facts += self._start(state, cov, "respond", at)
        facts += self._reconcile_pauses(state, at)
        return facts + self._fire(state, at, floor=at)

    def _stop(self, state: IncidentSla, cov: Coverage, names: tuple[str, ...], at: datetime,
              cancelled: bool = False) -> list[Fact]:
        terms = self.terms(cov)
        facts = []
        for name in names:
            clock = cov.clocks.get(name)
            if clock is None or clock.stopped:
                continue
            outcome = clock.stop(terms.calendar, at, cancelled)
            if outcome == "breached" and clock.breached_at is None:
                clock.breached_at = at  # crossed exactly now; the breach fires as it stops
                facts += self._threshold(state, cov, clock, BREACH, at)
            facts.append(self._fact(state, cov, clock, "target_met" if outcome == "met" else "clock_stopped", at))
            if outcome == "breached" and name == "resolve":
                facts += self._late_hours(state, cov, clock, at)
        return facts

    def _reopen(self, state: IncidentSla, cov: Coverage, at: datetime) -> list[Fact]:
        facts = []
        resolve = cov.clocks.get("resolve")
        if resolve is not None and resolve.stopped and resolve.outcome != "cancelled":
            resolve.restart(at, keep_elapsed=True)
            facts.append(self._fact(state, cov, resolve, "clock_resumed", at))
        update = cov.clocks.get("update")
        if update is not None and update.stopped and update.outcome != "cancelled":
            facts += self._start(state, cov, "update", at)
        return facts

    # ------------------------------------------------------------------ facts

    def _threshold(self, state: IncidentSla, cov: Coverage, clock: Clock, percent: int, when: datetime) -> list[Fact]:
        if percent != BREACH:
            return [self._fact(state, cov, clock, "warning", when, percent=percent)]
        facts = [self._fact(state, cov, clock, "breached", when)]
        credit = self.terms(cov).credits.for_breach()
        if credit > 0:
            facts.append(self._credit(state, cov, clock, "breach", credit, when))
        return facts

    def _late_hours(self, state: IncidentSla, cov: Coverage, clock: Clock, at: datetime) -> list[Fact]:
        hours = math.ceil((clock.elapsed - clock.target) / 3600) if clock.elapsed > clock.target else 0
        new = hours - clock.late_hours_credited
        rules = self.terms(cov).credits
        if new <= 0 or rules.per_hour_beyond <= 0:
            return []
        clock.late_hours_credited = hours
        return [self._credit(state, cov, clock, "late_hours", rules.for_late_hours(new), at, hours=new,
                             through_hour=hours)]

    def _credit(self, state: IncidentSla, cov: Coverage, clock: Clock, rule: str, amount: Decimal,
                at: datetime, **extra: Any) -> Fact:
        terms = self.terms(cov)
        month = at.astimezone(ZoneInfo(terms.calendar.timezone)).strftime("%Y-%m")
        detail = f"{rule}:{extra.get('through_hour', '')}"
        return Fact("credit_due", self._key(state, cov, clock, "credit", detail), cov.contract_id, {
            **self._clock_data(state, cov, clock, at), "rule": rule, "amount": decimal_text(amount),
            "currency": terms.credits.currency, "month": month, **extra})

    def _fact(self, state: IncidentSla, cov: Coverage, clock: Clock, name: str, at: datetime, **extra: Any) -> Fact:
        # What tells this fact from its clock's others in the same round (never change: event
        # ids derive from it): a warning's percentage, a stop's count, nothing for the one
        # breach, the instant for the rest.
        at_text = at.isoformat()
        if name == "warning":
            detail = str(extra["percent"])
        elif name in ("target_met", "clock_stopped"):
            detail = str(clock.stops)
        else:
            detail = "" if name == "breached" else at_text
        data = self._clock_data(state, cov, clock, at, at_text)
        if extra:
            data.update(extra)
        return Fact(name, self._key(state, cov, clock, name, detail), cov.contract_id, data)

    @staticmethod
    def _key(state: IncidentSla, cov: Coverage, clock: Clock, name: str, detail: str) -> str:
        return f"{state.incident_id}/{cov.contract_id}/{clock.name}/{clock.round}/{name}/{detail}"

    def _clock_data(self, state: IncidentSla, cov: Coverage, clock: Clock, at: datetime,
                    at_text: str | None = None) -> dict[str, Any]:
        calendar = self.terms(cov).calendar
        due = clock.due_at(calendar)
        return {
            "incident_id": state.incident_id,
            "contract_id": cov.contract_id,
            "contract_version": cov.version,
            "contract_kind": cov.kind,
            "owing_party": cov.owing,
            "owed_party": cov.owed,
            "clock": clock.name,
            "round": clock.round,
            "severity": state.severity,
            "target_seconds": clock.target,
            "elapsed_seconds": round(clock.elapsed_at(calendar, at), 3),
            "state": "stopped" if clock.stopped else ("paused" if clock.paused else "running"),
            "outcome": clock.outcome,
            "due_at": due.isoformat() if due else None,
            "at": at_text or at.isoformat(),
        }
