"""SLA clocks in business time. Values: a clock knows how much target time it has used, whether
it runs, and when it will cross each threshold; every transition returns the clock after it and
leaves the one it was asked of as it was. No I/O, no `now()` of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .calendar import BusinessCalendar

BREACH = 100  # the threshold percentage of the breach itself


@dataclass(slots=True)
class Clock:
    """One target (respond, resolve or update) of one contract on one incident. A value: never
    changed once made. (Not `frozen=True`: that makes each clock about seven times as costly to
    make, and a rebuild makes hundreds of thousands.)"""

    name: str
    target: float  # business seconds
    started_at: datetime
    elapsed: float = 0.0  # business seconds of finished running segments
    running_since: datetime | None = None  # None while paused or stopped
    paused: bool = False
    stopped_at: datetime | None = None
    outcome: str | None = None  # met | breached | cancelled, once stopped
    breached_at: datetime | None = None  # the instant it crossed 100 %
    warned: tuple[int, ...] = ()  # thresholds fired in this round
    round: int = 0  # an update clock restarts per update; a resolution clock per reopen
    stops: int = 0
    # the due time when it started (pauses, re-targets move it)
    original_due_at: datetime | None = None
    late_hours_credited: int = 0

    @classmethod
    def start(cls, name: str, target: float, at: datetime, calendar: BusinessCalendar) -> Clock:
        """A clock running from `at`; its due time as it starts is kept as `original_due_at`."""
        clock = cls(name, target, at, running_since=at)
        clock.original_due_at = clock.due_at(calendar)
        return clock

    @property
    def running(self) -> bool:
        return self.running_since is not None

    @property
    def stopped(self) -> bool:
        return self.stopped_at is not None

    def elapsed_at(self, calendar: BusinessCalendar, now: datetime) -> float:
        if self.running_since is None or now <= self.running_since:
            return self.elapsed
        return self.elapsed + calendar.business_seconds(self.running_since, now)

    def crossing(self, calendar: BusinessCalendar, percent: int) -> datetime | None:
        """When a running clock reaches `percent` of its target (never before it last started)."""
        if self.running_since is None:
            return None
        left = self.target * percent / 100 - self.elapsed
        return calendar.add(self.running_since, max(left, 0.0))

    def due_at(self, calendar: BusinessCalendar) -> datetime | None:
        return self.crossing(calendar, BREACH)

    def pending_thresholds(self, warn_at: tuple[int, ...]) -> list[int]:
        """Thresholds still to fire, lowest first; the breach fires once across rounds."""
        todo = [p for p in warn_at if p not in self.warned]
        return todo + ([BREACH] if self.breached_at is None else [])

    def next_due(self, calendar: BusinessCalendar, warn_at: tuple[int, ...]) -> datetime | None:
        """The next instant a threshold fires: what the durable timer waits for."""
        for percent in self.pending_thresholds(warn_at):
            return self.crossing(calendar, percent)
        return None

    # ---- transitions (the caller has already fired every threshold up to `at`). Each returns a
    # new clock, changed only while it is new (no one else holds it yet).

    def warn(self, percent: int) -> Clock:
        clock = self._copy()
        clock.warned = (*self.warned, percent)
        return clock

    def breach(self, when: datetime) -> Clock:
        clock = self._copy()
        clock.breached_at = when
        return clock

    def pause(self, calendar: BusinessCalendar, at: datetime) -> Clock | None:
        """Paused at `at`; None if it was not running."""
        if not self.running:
            return None
        clock = self._copy()
        clock.elapsed, clock.running_since, clock.paused = self.elapsed_at(calendar, at), None, True
        return clock

    def resume(self, at: datetime) -> Clock | None:
        """Running again from `at`; None if it was not paused."""
        if not self.paused or self.stopped:
            return None
        clock = self._copy()
        clock.running_since, clock.paused = at, False
        return clock

    def stop(self, calendar: BusinessCalendar, at: datetime, cancelled: bool = False) -> Clock:
        """Stopped at `at`, with its outcome: met, breached or cancelled."""
        clock = self._copy()
        clock.elapsed = self.elapsed_at(calendar, at)
        clock.running_since, clock.paused, clock.stopped_at = None, False, at
        clock.stops += 1
        if cancelled:
            clock.outcome = "cancelled"
        else:
            late = self.breached_at is not None or clock.elapsed > self.target
            clock.outcome = "breached" if late else "met"
        return clock

    def resumed(self, at: datetime) -> Clock:
        """Running again after a reopen, with the time it spent."""
        clock = self._copy()
        clock.round += 1
        clock.running_since, clock.paused, clock.stopped_at, clock.outcome = at, False, None, None
        return clock

    def renewed(self, target: float, at: datetime, calendar: BusinessCalendar) -> Clock:
        """A new interval from `at` with `target` (an update clock restarted by an update or a
        reopen)."""
        clock = self.resumed(at)
        clock.target, clock.elapsed, clock.warned, clock.breached_at = target, 0.0, (), None
        clock.original_due_at = clock.due_at(calendar)
        return clock

    def retarget(self, target: float) -> Clock:
        """A severity change: the time spent stays, the target (and so the due time) moves."""
        clock = self._copy()
        clock.target = target
        return clock

    def credited_late_hours(self, hours: int) -> Clock:
        clock = self._copy()
        clock.late_hours_credited = hours
        return clock

    def _copy(self) -> Clock:
        return Clock(
            self.name,
            self.target,
            self.started_at,
            self.elapsed,
            self.running_since,
            self.paused,
            self.stopped_at,
            self.outcome,
            self.breached_at,
            self.warned,
            self.round,
            self.stops,
            self.original_due_at,
            self.late_hours_credited,
        )
