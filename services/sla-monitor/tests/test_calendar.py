"""Business-time arithmetic: worked examples, spec parsing, and properties over random calendars.

No database: BusinessCalendar is pure. Properties draw calendars in zones with ordinary DST
(Berlin, New York), a 30-minute DST (Lord Howe), no DST (Kolkata) and UTC, and instants
clustered around their 2025-2027 transitions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from village_sla_monitor.domain.calendar import WEEKDAYS, BusinessCalendar

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600.0
US = timedelta(microseconds=1)


def utc(at: datetime) -> datetime:
    # Python subtracts and adds wall time when both sides share a tzinfo: compare in UTC
    return at.astimezone(UTC)


def calendar(
    tz: str, days: dict[str, list[str]], holidays: tuple[str, ...] = ()
) -> BusinessCalendar:
    spec = {"type": "business_hours", "timezone": tz, "hours": days, "holidays": list(holidays)}
    return BusinessCalendar.from_spec(spec)


def weekdays(*intervals: str) -> dict[str, list[str]]:
    return {day: list(intervals) for day in WEEKDAYS[:5]}


def every_day(*intervals: str) -> dict[str, list[str]]:
    return {day: list(intervals) for day in WEEKDAYS}


OFFICE = calendar("Europe/Berlin", weekdays("09:00-18:00"))


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


# --- worked examples -------------------------------------------------------------------------


def test_24x7_is_wall_clock_time_across_offsets() -> None:
    cal = BusinessCalendar.always_open()
    start = datetime(2026, 3, 28, 12, tzinfo=BERLIN)
    end = datetime(2026, 3, 30, 12, tzinfo=timezone(timedelta(hours=-5)))
    assert cal.business_seconds(start, end) == (end - start).total_seconds()
    assert cal.add(start, 90.5) == (start + timedelta(seconds=90.5)).astimezone(UTC)
    assert cal.add(start, 1).tzinfo is UTC
    assert cal.is_open(start)


def test_friday_evening_carries_over_the_weekend() -> None:
    friday_17 = berlin(2026, 11, 20, 17)
    assert OFFICE.add(friday_17, HOUR) == berlin(2026, 11, 20, 18)
    assert OFFICE.add(friday_17, 2 * HOUR) == berlin(2026, 11, 23, 10)
    until_17 = calendar("Europe/Berlin", weekdays("09:00-17:00"))
    assert until_17.add(friday_17, HOUR) == berlin(2026, 11, 23, 10)
    assert OFFICE.business_seconds(friday_17, berlin(2026, 11, 23, 10)) == 2 * HOUR


def test_holiday_has_no_working_time() -> None:
    cal = calendar("Europe/Berlin", weekdays("09:00-18:00"), ("2026-12-25",))
    thursday_17 = berlin(2026, 12, 24, 17)
    assert cal.add(thursday_17, 2 * HOUR) == berlin(2026, 12, 28, 10)
    assert cal.business_seconds(berlin(2026, 12, 25), berlin(2026, 12, 26)) == 0.0
    assert not cal.is_open(berlin(2026, 12, 25, 12))
    assert cal.is_open(berlin(2026, 12, 24, 12))


def test_office_hours_are_nine_real_hours_on_dst_weeks() -> None:
    # Mondays after the Berlin spring-forward and fall-back Sundays
    for monday in (date(2026, 3, 30), date(2026, 10, 26)):
        start = datetime.combine(monday, time(0), BERLIN)
        assert OFFICE.business_seconds(start, start + timedelta(days=1)) == 9 * HOUR
    weekend = (berlin(2026, 3, 27, 17), berlin(2026, 3, 30, 10))
    assert OFFICE.business_seconds(*weekend) == 2 * HOUR
    assert OFFICE.add(weekend[0], 2 * HOUR) == weekend[1]


def test_whole_days_last_23_and_25_hours_over_berlin_transitions() -> None:
    cal = calendar("Europe/Berlin", every_day("00:00-24:00"))
    for day, hours in ((date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 1), 24)):
        start = datetime.combine(day, time(0), BERLIN)
        end = datetime.combine(day + timedelta(days=1), time(0), BERLIN)
        assert cal.business_seconds(start, end) == hours * HOUR
    assert cal.add(berlin(2026, 10, 25), 25 * HOUR) == berlin(2026, 10, 26)


def test_interval_spanning_the_transition_hour_counts_real_time() -> None:
    cal = calendar("Europe/Berlin", {"sun": ["01:00-04:00"]})
    assert cal.business_seconds(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 2 * HOUR
    assert cal.business_seconds(berlin(2026, 10, 25), berlin(2026, 10, 26)) == 4 * HOUR
    # 02:00-02:30 does not exist on the spring-forward Sunday: no working time at all
    gap = calendar("Europe/Berlin", {"sun": ["02:00-02:30"], "mon": ["09:00-10:00"]})
    assert gap.business_seconds(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 0.0
    assert gap.business_seconds(berlin(2026, 4, 5), berlin(2026, 4, 6)) == 0.5 * HOUR


def test_lord_howe_shifts_by_half_an_hour() -> None:
    zone = ZoneInfo("Australia/Lord_Howe")
    cal = calendar("Australia/Lord_Howe", every_day("00:00-24:00"))
    for day, hours in ((date(2026, 4, 5), 24.5), (date(2026, 10, 4), 23.5)):
        start = datetime.combine(day, time(0), zone)
        assert cal.business_seconds(start, start + timedelta(days=1)) == hours * HOUR
    # 02:00-02:30 does not exist on 2026-10-04: 01:00-03:00 is 1.5 h of real time
    night = calendar("Australia/Lord_Howe", {"sun": ["01:00-03:00"]})
    sunday = datetime(2026, 10, 4, tzinfo=zone)
    assert night.business_seconds(sunday, sunday + timedelta(days=1)) == 1.5 * HOUR


def test_new_york_dst() -> None:
    cal = calendar("America/New_York", every_day("00:00-24:00"))
    for day, hours in ((date(2026, 3, 8), 23), (date(2026, 11, 1), 25)):
        start = datetime.combine(day, time(0), NEW_YORK)
        assert cal.business_seconds(start, start + timedelta(days=1)) == hours * HOUR
    office = calendar("America/New_York", weekdays("08:00-18:00"))
    friday_17 = datetime(2026, 3, 6, 17, tzinfo=NEW_YORK)
    assert office.add(friday_17, 2 * HOUR) == datetime(2026, 3, 9, 9, tzinfo=NEW_YORK)


def test_lunch_break_splits_the_day() -> None:
    cal = calendar("Europe/Berlin", weekdays("13:00-17:00", "08:00-12:00"))
    assert cal.hours[0] == ((time(8), time(12)), (time(13), time(17)))
    assert cal.add(berlin(2026, 6, 1, 11), 2 * HOUR) == berlin(2026, 6, 1, 14)
    assert cal.business_seconds(berlin(2026, 6, 1), berlin(2026, 6, 2)) == 8 * HOUR
    assert not cal.is_open(berlin(2026, 6, 1, 12, 30))
    assert cal.is_open(berlin(2026, 6, 1, 13))
    assert not cal.is_open(berlin(2026, 6, 1, 17))


def test_add_zero_is_the_start_even_when_closed() -> None:
    saturday = berlin(2026, 6, 6, 3)
    assert OFFICE.add(saturday, 0) == saturday
    assert OFFICE.add(saturday, 0).tzinfo is UTC
    assert OFFICE.add(saturday, 1) == berlin(2026, 6, 8, 9, 0, 1)


def test_add_gives_up_on_a_calendar_without_working_time() -> None:
    closed = BusinessCalendar("UTC", ((),) * 7, frozenset())
    with pytest.raises(ValueError, match="no working time"):
        closed.add(datetime(2026, 1, 1, tzinfo=UTC), 1)


def test_naive_datetimes_and_negative_seconds_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.business_seconds(datetime(2026, 1, 1), datetime(2026, 1, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="seconds"):
        OFFICE.add(berlin(2026, 1, 1), -1)


def test_spec_round_trip() -> None:
    spec = {
        "type": "business_hours",
        "timezone": "America/New_York",
        "hours": {"mon": ["08:00-18:00"], "tue": ["08:00-12:00", "13:00-17:00"], "sat": []},
        "holidays": ["2027-01-01", "2026-12-25"],
    }
    cal = BusinessCalendar.from_spec(spec)
    assert cal.to_spec() == {
        "type": "business_hours",
        "timezone": "America/New_York",
        "hours": {
            "mon": ["08:00-18:00"],
            "tue": ["08:00-12:00", "13:00-17:00"],
            "wed": [],
            "thu": [],
            "fri": [],
            "sat": [],
            "sun": [],
        },
        "holidays": ["2026-12-25", "2027-01-01"],
    }
    assert BusinessCalendar.from_spec(cal.to_spec()) == cal
    late = calendar("Asia/Kolkata", {"fri": ["22:00-24:00"]})
    assert late.hours[4] == ((time(22), time(0)),)
    assert late.to_spec()["hours"]["fri"] == ["22:00-24:00"]
    assert BusinessCalendar.from_spec({"type": "24x7"}) == BusinessCalendar.always_open()
    always = BusinessCalendar.from_spec({"type": "24x7", "timezone": "Europe/Berlin"})
    assert BusinessCalendar.from_spec(always.to_spec()) == always
    assert len({cal, BusinessCalendar.from_spec(spec)}) == 1


def _bh(**overrides: object) -> dict[str, object]:
    """A valid business_hours spec with some fields replaced."""
    base = {"type": "business_hours", "timezone": "UTC", "hours": {"mon": ["09:00-17:00"]}}
    return base | overrides


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ([], "calendar"),
        ({"type": "weekly"}, "type"),
        ({}, "type"),
        ({"type": "24x7", "timezone": "Mars/Olympus"}, "timezone"),
        ({"type": "24x7", "hours": {}}, "hours"),
        (_bh(timezone="Nowhere/City"), "timezone"),
        (_bh(timezone=1), "timezone"),
        ({"type": "business_hours", "hours": {"mon": ["09:00-17:00"]}}, "timezone"),
        (_bh(hours=["09:00-17:00"]), "hours"),
        (_bh(hours={"monday": ["09:00-17:00"]}), "hours"),
        (_bh(hours={"mon": "09:00-17:00"}), "hours.mon"),
        (_bh(hours={"mon": ["9:00-17:00"]}), r"hours.mon\[0\]"),
        (_bh(hours={"mon": [900]}), r"hours.mon\[0\]"),
        (_bh(hours={"mon": ["09:00-25:00"]}), r"hours.mon\[0\]"),
        (_bh(hours={"mon": ["09:60-17:00"]}), r"hours.mon\[0\]"),
        (_bh(hours={"mon": ["17:00-09:00"]}), r"hours.mon\[0\]"),
        (_bh(hours={"mon": ["22:00-00:00"]}), "24:00"),
        (_bh(hours={"mon": ["09:00-09:00"]}), r"hours.mon\[0\]"),
        (_bh(hours={"tue": ["09:00-13:00", "12:00-17:00"]}), r"hours.tue\[1\].*overlaps"),
        (_bh(hours={"mon": [], "sun": []}), "hours"),
        (_bh(hours={}), "hours"),
        (_bh(holidays="2026-12-25"), "holidays"),
        (_bh(holidays=["2026-02-30"]), r"holidays\[0\]"),
        (_bh(holidays=["2026-12-25", "25.12.2026"]), r"holidays\[1\]"),
        (_bh(holidays=["20261225"]), r"holidays\[0\]"),
        (_bh(owner="me"), "owner"),
    ],
)
def test_invalid_specs_name_the_field(spec: object, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        BusinessCalendar.from_spec(spec)


# --- properties ------------------------------------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
TRANSITIONS = [  # UTC instants where these zones change offset
    datetime(y, m, d, h, mi, tzinfo=UTC)
    for y, m, d, h, mi in [
        (2026, 3, 29, 1, 0),
        (2026, 10, 25, 1, 0),
        (2027, 3, 28, 1, 0),  # Berlin
        (2026, 3, 8, 7, 0),
        (2026, 11, 1, 6, 0),
        (2027, 3, 14, 7, 0),  # New York
        (2026, 4, 4, 15, 0),
        (2026, 10, 3, 15, 30),
        (2027, 4, 3, 15, 0),  # Lord Howe
    ]
]
SETTINGS = settings(max_examples=200, deadline=None)


def _clock(half_hours: int) -> time:
    return time(half_hours // 2 % 24, half_hours % 2 * 30)  # 48 half hours -> time(0), i.e. 24:00


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    if draw(st.integers(0, 9)) == 0:
        return BusinessCalendar(zone, ((),) * 7, frozenset(), always=True)
    # (weekday, start, length) on a half-hour grid, so intervals begin and end in DST gaps/overlaps
    pick = st.tuples(st.integers(0, 6), st.integers(0, 47), st.integers(1, 20))
    picks = draw(st.lists(pick, min_size=1, max_size=10))
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for day, start, length in sorted(picks):
        if not week[day] or week[day][-1][1] <= start:  # drop overlaps
            week[day].append((start, min(start + length, 48)))
    hours = tuple(tuple((_clock(a), _clock(b)) for a, b in day) for day in week)
    holidays = draw(st.frozensets(st.dates(date(2025, 12, 1), date(2027, 6, 1)), max_size=12))
    return BusinessCalendar(zone, hours, holidays)


offsets = st.sampled_from([UTC, BERLIN, NEW_YORK, timezone(timedelta(hours=5, minutes=45))])
instants = st.one_of(
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=offsets),
    st.builds(
        lambda t, s, tz: (t + timedelta(microseconds=s)).astimezone(tz),
        st.sampled_from(TRANSITIONS),
        st.integers(-3 * 86400 * 10**6, 3 * 86400 * 10**6),
        offsets,
    ),
)
durations = st.one_of(
    st.integers(0, 120 * 86400 * 10**6).map(lambda us: us / 1e6),
    st.floats(0, 90 * 86400, allow_nan=False),
    st.sampled_from([1.0, 1800.0, HOUR, 86400.0]),
)


@SETTINGS
@given(calendars(), instants, instants)
def test_business_time_is_between_zero_and_wall_time(cal, a, b) -> None:
    a, b = sorted((a, b), key=utc)
    assert 0.0 <= cal.business_seconds(a, b) <= (utc(b) - utc(a)).total_seconds()
    assert cal.business_seconds(b, a) == 0.0


@SETTINGS
@given(calendars(), instants, instants, instants)
def test_business_time_is_additive(cal, a, b, c) -> None:
    a, b, c = sorted((a, b, c), key=utc)
    whole = cal.business_seconds(a, c)
    assert cal.business_seconds(a, b) + cal.business_seconds(b, c) == pytest.approx(whole, abs=1e-6)


@SETTINGS
@given(calendars(), instants, durations, durations)
def test_add_inverts_business_seconds_and_is_monotone(cal, start, x, y) -> None:
    end = cal.add(start, x)
    assert end.tzinfo is UTC and end >= start
    assert cal.business_seconds(start, end) == pytest.approx(x, abs=1e-6)
    x, y = sorted((x, y))
    assert cal.add(start, x) <= cal.add(start, y)


@SETTINGS
@given(calendars(), instants, durations.filter(lambda x: x >= 1e-6))
def test_add_lands_on_working_time(cal, start, x) -> None:
    end = cal.add(start, x)
    assert cal.is_open(end) or cal.is_open(end - US)
    assert cal.business_seconds(start, end - US) < x


@SETTINGS
@given(calendars(), instants)
def test_is_open_agrees_with_business_seconds(cal, at) -> None:
    assert cal.is_open(at) == (cal.business_seconds(at, utc(at) + US) > 0)


@SETTINGS
@given(st.sampled_from(ZONES), instants, instants, durations)
def test_24x7_is_wall_time(zone, a, b, x) -> None:
    cal = BusinessCalendar.from_spec({"type": "24x7", "timezone": zone})
    a, b = sorted((a, b), key=utc)
    assert cal.business_seconds(a, b) == (utc(b) - utc(a)).total_seconds()
    assert cal.add(a, x) == utc(a) + timedelta(microseconds=round(x * 1e6))


@SETTINGS
@given(calendars())
def test_spec_round_trips(cal) -> None:
    assert BusinessCalendar.from_spec(cal.to_spec()) == cal
