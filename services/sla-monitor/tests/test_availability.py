"""Monthly availability: calendar months in the contract's zone, downtime windows merged and
clipped, allowed downtime. Pure arithmetic: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from village_sla_monitor.domain.availability import (
    allowed_seconds,
    availability_percent,
    downtime_seconds,
    month_bounds,
    months_touched,
)

NOVEMBER = month_bounds("2026-11", "UTC")  # 30 days
HOUR = 3600.0


def nov(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- months ------------------------------------------------------------------------------------


def test_october_in_berlin_has_31_days_and_the_hour_won_back() -> None:
    start, end = month_bounds("2026-10", "Europe/Berlin")
    assert (start, end) == (utc(2026, 9, 30, 22), utc(2026, 10, 31, 23))
    assert end - start == timedelta(days=31, hours=1)


def test_march_in_berlin_loses_an_hour() -> None:
    start, end = month_bounds("2026-03", "Europe/Berlin")
    assert (start, end) == (utc(2026, 2, 28, 23), utc(2026, 3, 31, 22))
    assert end - start == timedelta(days=31) - timedelta(hours=1)


def test_december_ends_at_the_new_year() -> None:
    assert month_bounds("2026-12", "UTC") == (utc(2026, 12, 1), utc(2027, 1, 1))


def test_months_touched_are_counted_in_the_contracts_zone() -> None:
    # 23:30-00:30 Berlin on Halloween is 22:30-23:30 UTC: two months in Berlin, one in UTC
    window = (utc(2026, 10, 31, 22, 30), utc(2026, 10, 31, 23, 30))
    assert months_touched(window, "Europe/Berlin") == ["2026-10", "2026-11"]
    assert months_touched(window, "UTC") == ["2026-10"]
    assert months_touched((nov(30, 12), utc(2027, 2, 1)), "UTC") == [
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
    ]


# --- downtime ----------------------------------------------------------------------------------


def test_overlapping_windows_count_once() -> None:
    windows = [
        (nov(10, 10), nov(10, 11)),
        (nov(10, 10, 30), nov(10, 12)),
        (nov(10, 10, 45), nov(10, 11, 15)),
    ]
    assert downtime_seconds(windows, NOVEMBER) == 2 * HOUR


def test_disjoint_and_touching_windows_add_up_in_any_order() -> None:
    windows = [(nov(20, 8), nov(20, 9)), (nov(10, 10), nov(10, 11)), (nov(10, 11), nov(10, 11, 30))]
    assert downtime_seconds(windows, NOVEMBER) == 2.5 * HOUR


def test_windows_are_clipped_to_the_month() -> None:
    berlin_october = month_bounds("2026-10", "Europe/Berlin")
    windows = [
        (utc(2026, 9, 30, 20), utc(2026, 10, 1, 0)),  # 2 h inside
        (utc(2026, 10, 31, 22), utc(2026, 11, 1, 3)),  # 1 h inside
        (utc(2026, 9, 1), utc(2026, 9, 2)),  # outside
    ]
    assert downtime_seconds(windows, berlin_october) == 3 * HOUR


def test_no_windows_no_downtime() -> None:
    assert downtime_seconds([], NOVEMBER) == 0.0


# --- allowance ---------------------------------------------------------------------------------


def test_three_nines_allow_2592_seconds_in_a_30_day_month() -> None:
    assert allowed_seconds(Decimal("99.9"), NOVEMBER) == 2592.0
    assert allowed_seconds(Decimal("100"), NOVEMBER) == 0.0


def test_allowance_follows_the_length_of_a_dst_month() -> None:
    october = month_bounds("2026-10", "Europe/Berlin")  # 31 days + 1 h
    assert allowed_seconds(Decimal("99.9"), october) == pytest.approx(2682.0, abs=1e-9)


def test_availability_percent_of_the_month() -> None:
    assert availability_percent(0.0, NOVEMBER) == 100.0
    assert availability_percent(2592.0, NOVEMBER) == pytest.approx(99.9, abs=1e-12)
    assert availability_percent(30 * 24 * HOUR, NOVEMBER) == 0.0
