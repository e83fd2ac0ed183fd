"""SLA clocks in business time. Pure: a clock knows how much target time it has used, whether it
runs, and when it will cross each threshold; no I/O, no `now()` of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .calendar import BusinessCalendar

BREACH = 100  # the threshold percentage of the breach itself


@dataclass
class Clock:
    """One target (respond, resolve or update) of one contract on one incident."""

    name: str
    target: float  # business seconds
    started_at: datetime
    elapsed: float = 0.0  # business seconds of finished running segments
    running_since: datetime | None = None  # None while paused or stopped
    paused: bool = False
    stopped_at: datetime | None = None
    outcome: str | None = None  # met | breached | cancelled, once stopped
    breached_at: datetime | None = None  # the instant it crossed 100 %
    warned: list[int] = field(default_factory=list)  # thresholds fired in this round
    round: int = 0  # an update clock restarts per update; a resolution clock per reopen
    stops: int = 0
    original_due_at: datetime | None = None  # the due time when it started (pauses, re-targets move it)
    late_hours_credited: int = 0

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

    # ---- transitions (the caller has already fired every threshold up to `at`)

    def pause(self, calendar: BusinessCalendar, at: datetime) -> bool:
        if not self.running:
            return False
        self.elapsed = self.elapsed_at(calendar, at)
        self.running_since, self.paused = None, True
        return True

    def resume(self, at: datetime) -> bool:
        if not self.paused or self.stopped:
            return False
        self.running_since, self.paused = at, False
        return True

    def stop(self, calendar: BusinessCalendar, at: datetime, cancelled: bool = False) -> str:
        self.elapsed = self.elapsed_at(calendar, at)
        self.running_since, self.paused, self.stopped_at = None, False, at
        self.stops += 1
        if cancelled:
            self.outcome = "cancelled"
        else:
            self.outcome = "breached" if self.breached_at is not None or self.elapsed > self.target else "met"
        return self.outcome

    def restart(self, at: datetime, *, keep_elapsed: bool) -> None:
        """Run again: a reopen continues with the time spent; an update starts a new interval."""
        if not keep_elapsed:
            self.elapsed, self.warned, self.breached_at = 0.0, [], None
            self.original_due_at = None  # the new interval's own due time is set by the caller
        self.round += 1
        self.running_since, self.paused, self.stopped_at, self.outcome = at, False, None, None

    def retarget(self, target: float) -> None:
        """A severity change: the time spent stays, the target (and so the due time) moves."""
        self.target = target
