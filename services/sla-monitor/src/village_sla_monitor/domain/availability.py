"""Downtime against a monthly availability target. Months are calendar months in the contract's
time zone; overlapping impact windows (two incidents, one outage) count once."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Iterable
from zoneinfo import ZoneInfo

Window = tuple[datetime, datetime]


def month_bounds(month: str, tz: str) -> Window:
    """[first instant, first instant of the next month) of `YYYY-MM` in `tz`, in UTC."""
    year, mon = (int(p) for p in month.split("-"))
    zone = ZoneInfo(tz)
    start = datetime(year, mon, 1, tzinfo=zone)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def months_touched(window: Window, tz: str) -> list[str]:
    zone = ZoneInfo(tz)
    first, last = window[0].astimezone(zone), window[1].astimezone(zone)
    months, year, mon = [], first.year, first.month
    while (year, mon) <= (last.year, last.month):
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = year + mon // 12, mon % 12 + 1
    return months


def downtime_seconds(windows: Iterable[Window], bounds: Window) -> float:
    """Seconds within `bounds` covered by at least one window."""
    clipped = sorted((max(s, bounds[0]), min(e, bounds[1])) for s, e in windows)
    total, cur_start, cur_end = 0.0, None, None
    for start, end in clipped:
        if end <= start:
            continue
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += (cur_end - cur_start).total_seconds()
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += (cur_end - cur_start).total_seconds()
    return total


def allowed_seconds(target_percent: Decimal, bounds: Window) -> float:
    return float((Decimal(100) - target_percent) / 100) * (bounds[1] - bounds[0]).total_seconds()


def availability_percent(down: float, bounds: Window) -> float:
    return 100.0 * (1 - down / (bounds[1] - bounds[0]).total_seconds())
