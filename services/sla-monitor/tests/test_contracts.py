"""Contract terms: what `Terms.from_spec` accepts and refuses, the spec round trip, the chain check
and the credit rules. Pure values: no database."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from village_sla_monitor.domain.contracts import CreditRules, Shortfall, Terms, chain_shortfalls

EFFECTIVE = datetime(2026, 1, 1, tzinfo=UTC)
OFFICE_HOURS = {
    "type": "business_hours",
    "timezone": "Europe/Berlin",
    "hours": {day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
}


def spec(**changes: Any) -> dict[str, Any]:
    """A valid customer-facing spec (northwind owes initech), with top-level keys replaced."""
    return {
        "kind": "customer_facing",
        "provider": "northwind",
        "customer": "initech",
        "targets": {"S1": {"respond_minutes": 15, "resolve_minutes": 240}},
    } | changes


def terms(contract_id: str = "c1", **changes: Any) -> Terms:
    return Terms.from_spec(contract_id, 1, spec(**changes), EFFECTIVE)


def underpinning(respond: int, resolve: int, calendar: dict[str, Any] | None = None) -> Terms:
    return terms(
        "c2",
        kind="underpinning",
        provider="acme",
        customer="northwind",
        targets={"S1": {"respond_minutes": respond, "resolve_minutes": resolve}},
        calendar=calendar or {"type": "24x7"},
    )


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "reseller"}, "kind must be one of customer_facing, underpinning"),
        ({"kind": None}, "kind must be one of"),
        ({"customer": "northwind"}, "provider and customer must name two different parties"),
        ({"provider": ""}, "provider and customer"),
        (
            {"targets": {"S9": {"respond_minutes": 15}}},
            "targets: severity must be one of S1, S2, S3, S4, not 'S9'",
        ),
        ({"targets": {}}, "targets: give at least one severity"),
        (
            {"targets": {"S1": {"respond_minutes": 0}}},
            "targets.S1.respond_minutes must be a positive",
        ),
        (
            {"targets": {"S2": {"resolve_minutes": -5}}},
            "targets.S2.resolve_minutes must be a positive",
        ),
        (
            {"targets": {"S1": {"update_minutes": 1.5}}},
            "targets.S1.update_minutes must be a positive",
        ),
        ({"targets": {"S1": {"respond_minutes": True}}}, "targets.S1.respond_minutes must be"),
        ({"targets": {"S1": {"ack_minutes": 5}}}, "targets.S1: unknown target 'ack_minutes'"),
        ({"credits": {"per_outage": 5}}, "credits: unknown rule(s) per_outage"),
        (
            {"credits": {"currency": "EURO"}},
            "credits.currency must be a three-letter ISO 4217 code",
        ),
        ({"credits": {"currency": "E1R"}}, "credits.currency"),
        ({"credits": {"per_breach": -1}}, "credits.per_breach must be a non-negative number"),
        ({"credits": {"monthly_fee": "lots"}}, "credits.monthly_fee must be a number"),
        ({"credits": {"monthly_cap": "NaN"}}, "credits.monthly_cap must be a non-negative number"),
        ({"credits": [1, 2]}, "credits must be an object"),
        ({"warn_at": [0, 50]}, "warn_at: percentages between 1 and 99"),
        ({"warn_at": [50, 100]}, "warn_at: percentages between 1 and 99"),
        ({"warn_at": [50.5]}, "warn_at: percentages between 1 and 99"),
        (
            {"availability_target": 0},
            "availability_target must be a percentage above 0 and at most",
        ),
        ({"availability_target": "100.01"}, "availability_target must be a percentage"),
        ({"calendar": {"type": "weekly"}}, "calendar: type: must be '24x7' or 'business_hours'"),
        (
            {"calendar": {"type": "24x7", "timezone": "Mars/Olympus"}},
            "calendar: timezone: unknown IANA time zone",
        ),
    ],
)
def test_invalid_specs_are_refused_naming_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        terms(**changes)


def test_a_minimal_spec_gets_the_defaults() -> None:
    t = terms()
    assert (t.name, t.kind, t.calendar.always, t.warn_at, t.availability_target) == (
        "initech <- northwind",
        "customer_facing",
        True,
        (50, 75, 90),
        None,
    )
    assert t.credits == CreditRules()
    assert t.parties == ["initech", "northwind"]


def test_warn_at_is_sorted_and_deduplicated_and_currency_upper_cased() -> None:
    t = terms(warn_at=[90, 25, 90], credits={"currency": "usd", "per_breach": "12.50"})
    assert t.warn_at == (25, 90)
    assert (t.credits.currency, t.credits.per_breach) == ("USD", Decimal("12.50"))


def test_target_seconds_per_severity_and_clock() -> None:
    t = terms(
        targets={
            "S1": {"respond_minutes": 15, "resolve_minutes": 240, "update_minutes": 60},
            "S3": {"resolve_minutes": 2880},
        }
    )
    assert [t.target_seconds("S1", c) for c in ("respond", "resolve", "update")] == [
        900.0,
        14400.0,
        3600.0,
    ]
    assert [t.target_seconds("S3", c) for c in ("respond", "resolve")] == [None, 172800.0]
    assert t.target_seconds("S4", "resolve") is None


def test_to_spec_and_from_spec_round_trip_through_json() -> None:
    t = terms(
        name="Gold",
        calendar=OFFICE_HOURS | {"holidays": ["2026-12-25", "2026-12-24"]},
        targets={
            "S1": {"respond_minutes": 15, "resolve_minutes": 240, "update_minutes": 60},
            "S2": {"resolve_minutes": 480},
        },
        availability_target="99.9",
        warn_at=[80, 50],
        credits={
            "currency": "CHF",
            "monthly_fee": 2000,
            "per_breach": "100.50",
            "per_breach_percent_of_fee": 5,
            "per_hour_beyond": 10,
            "availability_percent_of_fee": "7.5",
            "monthly_cap": 1000,
        },
    )
    again = Terms.from_spec("c1", 1, json.loads(json.dumps(t.to_spec())), EFFECTIVE)
    assert again == t
    assert again.to_spec() == t.to_spec()
    assert t.to_spec()["targets"] == {
        "S1": {"respond_minutes": 15, "resolve_minutes": 240, "update_minutes": 60},
        "S2": {"resolve_minutes": 480},
    }


# --- chain check -------------------------------------------------------------------------------


def test_demo_chain_falls_short_by_15_and_240_minutes() -> None:
    found = chain_shortfalls(terms(), underpinning(30, 480, OFFICE_HOURS))
    assert found == [Shortfall("S1", "respond", 15, 30), Shortfall("S1", "resolve", 240, 480)]
    assert [s.minutes for s in found] == [15, 240]


def test_a_faster_24x7_underpinning_supports_the_chain() -> None:
    assert chain_shortfalls(terms(), underpinning(10, 120)) == []
    assert chain_shortfalls(terms(), underpinning(15, 240)) == []  # equal, on the same calendar


def test_equal_minutes_on_office_hours_do_not_back_a_24x7_promise() -> None:
    found = chain_shortfalls(terms(), underpinning(15, 240, OFFICE_HOURS))
    assert [(s.clock, s.minutes) for s in found] == [("respond", 0), ("resolve", 0)]


def test_a_severity_the_underpinning_does_not_cover_is_a_shortfall_of_unknown_size() -> None:
    promise = terms(
        targets={
            "S1": {"respond_minutes": 15, "resolve_minutes": 240},
            "S2": {"resolve_minutes": 480},
        }
    )
    found = chain_shortfalls(promise, underpinning(10, 120))
    assert found == [Shortfall("S2", "resolve", 480, None)]
    assert found[0].minutes is None


# --- credit rules ------------------------------------------------------------------------------


def test_a_breach_credits_the_fixed_amount_plus_a_percentage_of_the_fee() -> None:
    rules = terms(
        credits={"monthly_fee": 2000, "per_breach": 100, "per_breach_percent_of_fee": "2.5"}
    ).credits
    assert rules.for_breach() == Decimal("150")


def test_late_hours_and_availability_credits() -> None:
    rules = terms(
        credits={"monthly_fee": 2000, "per_hour_beyond": "12.5", "availability_percent_of_fee": 10}
    ).credits
    assert rules.for_late_hours(3) == Decimal("37.5")
    assert rules.for_availability_miss() == Decimal("200")


@pytest.mark.parametrize(
    ("amount", "already", "allowed"),
    [
        ("200", "0", "200"),  # under the cap
        ("200", "400", "100"),  # the cap binds the month's sum
        ("200", "500", "0"),  # cap reached
        ("200", "650", "0"),  # over the cap (e.g. the cap was lowered): never negative
    ],
)
def test_the_monthly_cap_binds_the_sum_and_is_never_negative(
    amount: str, already: str, allowed: str
) -> None:
    rules = terms(credits={"monthly_cap": 500}).credits
    assert rules.capped(Decimal(amount), Decimal(already)) == Decimal(allowed)


def test_without_a_cap_every_credit_is_paid() -> None:
    assert CreditRules().capped(Decimal("1e6"), Decimal("1e9")) == Decimal("1e6")
