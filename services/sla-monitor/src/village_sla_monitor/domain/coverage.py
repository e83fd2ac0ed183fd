"""What happens to one contract's clocks on an incident: cover, start, respond, stop, reopen,
restart on an update, re-target, pause and resume. Each changes the `draft` it is given (the
next state, which `Projector.evolve` made for them and nobody else holds) and returns the facts
it produced, in the order they happened."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from .clocks import BREACH, Clock
from .contracts import Terms
from .events import (
    ClockPaused,
    ClockResumed,
    ClockRetargeted,
    ClockStarted,
    ClockStopped,
    SlaFact,
    TargetMet,
)
from .facts import clock_fact, credit, threshold
from .state import Coverage, IncidentSla

Facts = list[SlaFact]
ENDED = ("resolved", "closed", "cancelled")
ALL_CLOCKS = ("respond", "resolve", "update")


class CoverageRules:
    def __init__(self, terms_of: Callable[[str, int], Terms]) -> None:
        self.terms_of = terms_of

    def terms(self, cov: Coverage) -> Terms:
        return self.terms_of(cov.contract_id, cov.version)

    # ------------------------------------------------------------------ the incident

    def cover(self, draft: IncidentSla, terms: Terms, at: datetime) -> Facts:
        """`terms` cover the incident from `at`: its respond and resolve clocks start."""
        cov = Coverage(
            terms.contract_id, terms.version, terms.kind, terms.provider, terms.customer, at
        )
        draft.coverages.append(cov)
        facts = []
        for name in ("respond", "resolve"):
            facts += self.start(draft, cov, name, at)
        if cov.owing in draft.acknowledged_by:  # the provider acknowledged before the hand-off
            facts += self.respond(draft, cov, at)
        return facts + self.reconcile_pauses(draft, at)

    def respond(self, draft: IncidentSla, cov: Coverage, at: datetime) -> Facts:
        """The owing party acknowledged: respond stops, update starts."""
        facts = self.stop(draft, cov, ("respond",), at)
        if "update" not in cov.clocks or cov.clocks["update"].stopped:
            facts += self.start(draft, cov, "update", at)
            facts += self.reconcile_pauses(draft, at)
        return facts

    def reconcile_pauses(self, draft: IncidentSla, at: datetime) -> Facts:
        """Resolve and update clocks pause while the incident waits on its customer, else run."""
        waiting = draft.status == "pending_customer"
        facts: Facts = []
        for cov in draft.coverages:
            calendar = self.terms(cov).calendar
            for name in ("resolve", "update"):
                clock = cov.clocks.get(name)
                if clock is None or clock.stopped:
                    continue
                after = clock.pause(calendar, at) if waiting else clock.resume(at)
                if after is not None:
                    cov.clocks[name] = after
                    kind = ClockPaused if waiting else ClockResumed
                    facts.append(clock_fact(kind, draft, cov, after, self.terms(cov), at))
        return facts

    # ------------------------------------------------------------------ one coverage

    def start(self, draft: IncidentSla, cov: Coverage, name: str, at: datetime) -> Facts:
        terms = self.terms(cov)
        target = terms.target_seconds(draft.severity, name)
        if target is None:
            return []
        clock = cov.clocks.get(name)
        if clock is None:
            clock = Clock.start(name, target, at, terms.calendar)
        else:  # an update clock after a reopen
            clock = clock.renewed(target, at, terms.calendar)
        cov.clocks[name] = clock
        return [clock_fact(ClockStarted, draft, cov, clock, terms, at)]

    def stop(
        self,
        draft: IncidentSla,
        cov: Coverage,
        names: tuple[str, ...],
        at: datetime,
        cancelled: bool = False,
    ) -> Facts:
        terms = self.terms(cov)
        facts: Facts = []
        for name in names:
            clock = cov.clocks.get(name)
            if clock is None or clock.stopped:
                continue
            clock = clock.stop(terms.calendar, at, cancelled)
            breached = clock.outcome == "breached"
            if breached and clock.breached_at is None:
                clock = clock.breach(at)  # crossed exactly now; the breach fires as it stops
                facts += threshold(draft, cov, clock, terms, BREACH, at)
            kind = TargetMet if clock.outcome == "met" else ClockStopped
            facts.append(clock_fact(kind, draft, cov, clock, terms, at))
            if breached and name == "resolve":
                clock, late = self._late_hours(draft, cov, clock, terms, at)
                facts += late
            cov.clocks[name] = clock
        return facts

    def reopen(self, draft: IncidentSla, cov: Coverage, at: datetime) -> Facts:
        """Resolution continues with the time spent; an update interval starts afresh."""
        facts: Facts = []
        resolve = cov.clocks.get("resolve")
        if resolve is not None and resolve.stopped and resolve.outcome != "cancelled":
            resolve = cov.clocks["resolve"] = resolve.resumed(at)
            facts.append(clock_fact(ClockResumed, draft, cov, resolve, self.terms(cov), at))
        update = cov.clocks.get("update")
        if update is not None and update.stopped and update.outcome != "cancelled":
            facts += self.start(draft, cov, "update", at)
        return facts

    def updated(
        self, draft: IncidentSla, actor: str | None, visibility: str, at: datetime
    ) -> Facts:
        """The owing party said something: its update clock restarts if the owed party can see
        it (customers see shared only). A restricted note is for its author's link towards its
        own supplier, the provider's for its link to its buyer: only the provider's reaches the
        party it owes."""
        facts: Facts = []
        provider = draft.parties[-1]
        for cov in draft.coverages:
            clock = cov.clocks.get("update")
            seen = visibility == "shared" or (
                visibility == "restricted" and cov.kind == "underpinning" and cov.owing == provider
            )
            if clock is not None and not clock.stopped and actor == cov.owing and seen:
                facts += self.start(draft, cov, "update", at)
        return facts

    def retarget(self, draft: IncidentSla, cov: Coverage, at: datetime) -> Facts:
        """The severity changed: every clock still going gets its new target (or stops, when
        the new severity has none), and a target the old severity lacked starts now."""
        terms = self.terms(cov)
        facts: Facts = []
        for clock in list(cov.clocks.values()):
            if clock.stopped:
                continue
            target = terms.target_seconds(draft.severity, clock.name)
            if target is None:  # the new severity has no such target: nothing to hold to
                facts += self.stop(draft, cov, (clock.name,), at, cancelled=True)
                continue
            clock = cov.clocks[clock.name] = clock.retarget(target)
            facts.append(clock_fact(ClockRetargeted, draft, cov, clock, terms, at))
        going = draft.status not in ENDED
        if "resolve" not in cov.clocks and going:
            facts += self.start(draft, cov, "resolve", at)
        if "respond" not in cov.clocks and cov.owing not in draft.acknowledged_by and going:
            facts += self.start(draft, cov, "respond", at)  # only while a response is owed
        return facts

    def _late_hours(
        self, draft: IncidentSla, cov: Coverage, clock: Clock, terms: Terms, at: datetime
    ) -> tuple[Clock, Facts]:
        """A late resolution earns a credit per business hour started beyond its target."""
        over = clock.elapsed - clock.target
        hours = math.ceil(over / 3600) if over > 0 else 0
        new = hours - clock.late_hours_credited
        rules = terms.credits
        if new <= 0 or rules.per_hour_beyond <= 0:
            return clock, []
        clock = clock.credited_late_hours(hours)
        return clock, [
            credit(
                draft,
                cov,
                clock,
                terms,
                "late_hours",
                rules.for_late_hours(new),
                at,
                hours=new,
                through_hour=hours,
            )
        ]
