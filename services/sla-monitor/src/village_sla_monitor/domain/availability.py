"""Downtime against a monthly availability target. Months are calendar months in the contract's
time zone; overlapping impact windows (two incidents, one outage) count once. A month pushed below
its target is a fact and, per the contract's rules, a credit (`month_missed`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .events import AvailabilityMissed, CreditDue, decimal_text

if TYPE_CHECKING:
    from .contracts import Terms
    from .state import Coverage

Window = tuple[datetime, datetime]
Missed = tuple[AvailabilityMissed, CreditDue]


def month_bounds(month: str, tz: str) -> Window:
    """[first instant, first instant of the next month) of `YYYY-MM` in `tz`, in UTC."""
    year, mon = (int(p) for p in month.split("-"))
    zone = ZoneInfo(tz)
    start = datetime(year, mon, 1, tzinfo=zone)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


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


def miss_key(contract_id: str, month: str) -> str:
    """The identity of a month's miss; its credit's is this and `/credit`."""
    return f"availability/{contract_id}/{month}"


def month_missed(
    incident_id: str,
    cov: Coverage,
    terms: Terms,
    month: str,
    bounds: Window,
    windows: Iterable[Window],
    ended_at: datetime,
) -> Missed | None:
    """The miss of `month` (`bounds`) and its credit, if the impact `windows` in it exceed what
    the contract's availability target allows (an impact that ended at `ended_at` found it)."""
    if terms.availability_target is None:
        return None
    down = downtime_seconds(windows, bounds)
    allowed = allowed_seconds(terms.availability_target, bounds)
    if down <= allowed:
        return None
    key = miss_key(cov.contract_id, month)
    missed = AvailabilityMissed(
        incident_id=incident_id,
        contract_id=cov.contract_id,
        contract_version=cov.version,
        contract_kind=cov.kind,
        owing_party=cov.owing,
        owed_party=cov.owed,
        month=month,
        downtime_seconds=round(down, 3),
        allowed_seconds=round(allowed, 3),
        availability_target=decimal_text(terms.availability_target),
        availability_percent=round(availability_percent(down, bounds), 4),
        at=ended_at.isoformat(),
        key=key,
    )
    credit = CreditDue(
        **missed.to_data(),
        rule="availability",
        amount=decimal_text(terms.credits.for_availability_miss()),
        currency=terms.credits.currency,
        key=f"{key}/credit",
    )
    return missed, credit
