"""Business-time arithmetic for SLA clocks: time zones, working hours, holidays, DST, 24x7.

Instants are handled internally as integer microseconds since the Unix epoch, so sums are exact;
results are rounded to the microsecond only at the edges (seconds as float, datetimes in UTC).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_IDLE_DAYS = 400  # add() gives up after this many consecutive days without working time
_DAYS_KEPT = 4096  # local dates whose spans each calendar keeps at hand
_MEMO_KEPT = 1 << 16  # results of add / business_seconds each calendar remembers

_MIDNIGHT = time(0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_ONE_US = timedelta(microseconds=1)
_INTERVAL = re.compile(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Interval = tuple[time, time]
Spans = tuple[tuple[int, int], ...]  # one local date's working time as [start, end) epoch µs


def _us(at: datetime) -> int:
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {at!r}")
    return (at - _EPOCH) // _ONE_US


def _utc(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday in one time zone, minus holidays; or 24x7 (`always`)."""

    timezone: str
    hours: tuple[tuple[Interval, ...], ...]  # Monday first; an end of time(0) means 24:00
    holidays: frozenset[date]
    always: bool = False
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"timezone: unknown IANA time zone {self.timezone!r}") from None
        if len(self.hours) != 7:
            raise ValueError("hours: need exactly 7 weekdays, Monday first")
        object.__setattr__(self, "_tz", tz)
        # This calendar's working spans per local date (ordinal), as _day computes them; and the
        # results of add and business_seconds by their instants (µs), which clocks ask for again
        # and again (a due time, a threshold, the time used so far).
        object.__setattr__(self, "_days", {})
        object.__setattr__(self, "_added", {})
        object.__setattr__(self, "_seconds", {})

    @classmethod
    def always_open(cls) -> BusinessCalendar:
        return cls("UTC", ((),) * 7, frozenset(), always=True)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> BusinessCalendar:
        """Parse the JSON form an API user writes; ValueError names the offending field."""
        if not isinstance(spec, Mapping):
            raise ValueError("calendar: must be an object")
        kind = spec.get("type")
        if kind == "24x7":
            _only(spec, {"type", "timezone"})
            return cls(_name(spec.get("timezone", "UTC")), ((),) * 7, frozenset(), always=True)
        if kind != "business_hours":
            raise ValueError(f"type: must be '24x7' or 'business_hours', got {kind!r}")
        _only(spec, {"type", "timezone", "hours", "holidays"})
        if "timezone" not in spec:
            raise ValueError("timezone: required for a business_hours calendar")
        hours = spec.get("hours")
        if not isinstance(hours, Mapping):
            raise ValueError("hours: must be an object mapping mon..sun to 'HH:MM-HH:MM' lists")
        unknown = [key for key in hours if key not in WEEKDAYS]
        if unknown:
            raise ValueError(f"hours: unknown weekday {unknown[0]!r} (use {', '.join(WEEKDAYS)})")
        week = tuple(_parse_day(day, hours.get(day, [])) for day in WEEKDAYS)
        if not any(week):
            raise ValueError("hours: a business_hours calendar needs some working time each week")
        holidays = spec.get("holidays", [])
        if not isinstance(holidays, list):
            raise ValueError("holidays: must be a list of 'YYYY-MM-DD' dates")
        days = frozenset(_parse_date(f"holidays[{i}]", v) for i, v in enumerate(holidays))
        return cls(_name(spec["timezone"]), week, days)

    def to_spec(self) -> dict[str, Any]:
        if self.always:
            return {"type": "24x7", "timezone": self.timezone}
        return {
            "type": "business_hours",
            "timezone": self.timezone,
            "hours": {
                name: [f"{s:%H:%M}-{'24:00' if e == _MIDNIGHT else f'{e:%H:%M}'}" for s, e in day]
                for name, day in zip(WEEKDAYS, self.hours, strict=True)
            },
            "holidays": sorted(day.isoformat() for day in self.holidays),
        }

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Working time in [start, end); 0.0 when end <= start."""
        if (
            self.always and start.tzinfo is UTC and end.tzinfo is UTC
        ):  # the common case, exactly as below
            return (end - start) // _ONE_US / 1_000_000 if end > start else 0.0
        lo, hi = _us(start), _us(end)
        if hi <= lo:
            return 0.0
        if self.always:
            return (hi - lo) / 1_000_000
        memo = self._seconds  # type: ignore[attr-defined]
        found = memo.get((lo, hi))
        if found is None:
            if len(memo) >= _MEMO_KEPT:
                memo.clear()
            total = 0
            # +2: a fall-back across midnight can put an instant in the next local date's hours.
            for ordinal in range(self._ordinal(start), self._ordinal(end) + 2):
                spans, day_total = self._day(ordinal)
                if spans and lo <= spans[0][0] and spans[-1][1] <= hi:
                    total += day_total
                else:
                    total += sum(max(0, min(e, hi) - max(s, lo)) for s, e in spans)
            found = memo[(lo, hi)] = total / 1_000_000
        return found

    def add(self, start: datetime, seconds: float) -> datetime:
        """Earliest instant (UTC) at which `seconds` of working time have passed since start."""
        if not (isinstance(seconds, int | float) and 0 <= seconds < math.inf):
            raise ValueError(f"seconds: must be a finite number >= 0, got {seconds!r}")
        if self.always and start.tzinfo is UTC:  # the common case, exactly as below
            return start + timedelta(microseconds=round(seconds * 1_000_000))
        at, need = _us(start), round(seconds * 1_000_000)
        if need == 0 or self.always:
            return _utc(at + need)
        memo = self._added  # type: ignore[attr-defined]
        found = memo.get((at, need))
        if found is None:
            if len(memo) >= _MEMO_KEPT:
                memo.clear()
            found = memo[(at, need)] = self._add(start, at, need)
        return found

    def _add(self, start: datetime, at: int, need: int) -> datetime:
        ordinal, idle = self._ordinal(start), 0
        while True:
            spans, day_total = self._day(ordinal)
            if spans and at <= spans[0][0] and day_total < need:
                need -= day_total
            else:
                for s, e in spans:
                    begin = max(s, at)
                    if e - begin >= need:
                        return _utc(begin + need)
                    need -= max(0, e - begin)
            idle = 0 if day_total else idle + 1
            if idle > MAX_IDLE_DAYS:
                raise ValueError(f"calendar has no working time for {MAX_IDLE_DAYS} days")
            ordinal += 1

    def is_open(self, at: datetime) -> bool:
        us = _us(at)
        if self.always:
            return True
        ordinal = self._ordinal(at)
        return any(s <= us < e for o in (ordinal, ordinal + 1) for s, e in self._day(o)[0])

    def _ordinal(self, at: datetime) -> int:
        return at.astimezone(self._tz).toordinal()

    def _day(self, ordinal: int) -> tuple[Spans, int]:
        """Working spans of one local date (by ordinal) and their total, in epoch µs."""
        days = self._days  # type: ignore[attr-defined]
        found = days.get(ordinal)
        if found is None:
            if len(days) >= _DAYS_KEPT:
                days.clear()
            if date.fromordinal(ordinal) in self.holidays:
                found = days[ordinal] = ((), 0)
            else:
                found = days[ordinal] = _spans(self._tz, self.hours[(ordinal - 1) % 7], ordinal)
        return found


@lru_cache(maxsize=1 << 16)  # shared by all instances: calendars are rebuilt from specs often
def _spans(tz: ZoneInfo, hours: tuple[Interval, ...], ordinal: int) -> tuple[Spans, int]:
    """One local date's working time as [start, end) epoch µs, and its total."""
    day, spans = date.fromordinal(ordinal), []
    for start, end in hours:
        lo = _instant(tz, day, start)
        hi = _instant(tz, day + timedelta(1), end) if end == _MIDNIGHT else _instant(tz, day, end)
        if hi <= lo:  # entirely inside a spring-forward gap
            continue
        if spans and spans[-1][1] == lo:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return tuple(spans), sum(e - s for s, e in spans)


def _instant(tz: ZoneInfo, day: date, wall: time) -> int:
    # An ambiguous wall time (fall-back) is its first occurrence; a non-existent one
    # (spring-forward gap) is the instant the clocks jump. Both keep wall -> instant monotone,
    # so intervals stay ordered and 00:00-24:00 lasts the day's real length (23 h / 25 h).
    local = datetime.combine(day, wall, tzinfo=tz)
    first, second = local.utcoffset(), local.replace(fold=1).utcoffset()
    if first >= second:  # unique, or ambiguous and fold=0 is the first occurrence
        return (datetime.combine(day, wall) - _NAIVE_EPOCH - first) // _ONE_US
    lo, hi = _us(local.replace(fold=1)), _us(local)  # in a gap: either side of the jump
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _utc(mid).astimezone(tz).utcoffset() == second:
            hi = mid
        else:
            lo = mid
    return hi


def _only(spec: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = [key for key in spec if key not in allowed]
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})")


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"timezone: must be an IANA time zone name, got {value!r}")
    return value


def _parse_day(day: str, items: Any) -> tuple[Interval, ...]:
    if not isinstance(items, list):
        raise ValueError(f"hours.{day}: must be a list of 'HH:MM-HH:MM' strings")
    parsed = sorted(_parse_interval(f"hours.{day}[{i}]", item) for i, item in enumerate(items))
    for (_, prev_end, prev), (start, _, this) in zip(parsed, parsed[1:], strict=False):
        if start < prev_end:
            raise ValueError(f"{this}: overlaps {prev}")
    return tuple((_clock(start), _clock(end)) for start, end, _ in parsed)


def _parse_interval(where: str, item: Any) -> tuple[int, int, str]:
    match = _INTERVAL.fullmatch(item) if isinstance(item, str) else None
    if match is None:
        raise ValueError(f"{where}: expected 'HH:MM-HH:MM', got {item!r}")
    h1, m1, h2, m2 = map(int, match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"{where}: {item!r} is not a time range within 00:00-24:00")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start >= end:
        raise ValueError(f"{where}: {item!r} must start before it ends (midnight ends as 24:00)")
    return start, end, f"{where} {item!r}"


def _clock(minutes: int) -> time:
    return _MIDNIGHT if minutes == 24 * 60 else time(minutes // 60, minutes % 60)


def _parse_date(where: str, value: Any) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{where}: expected a date 'YYYY-MM-DD', got {value!r}")
