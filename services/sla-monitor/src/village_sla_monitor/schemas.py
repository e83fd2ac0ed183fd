"""Request bodies of the SLA monitor's API, with the examples the OpenAPI document shows."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from village_platform.limits import Instant

Severity = Literal["S1", "S2", "S3", "S4"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Checked in full by the business calendar; bounded here, before any work.
Span = Annotated[list[Annotated[str, StringConstraints(max_length=11)]], Field(max_length=10)]
Day = Annotated[str, StringConstraints(max_length=10)]
Percent = Annotated[int, Field(ge=1, le=99)]


class CalendarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["24x7", "business_hours"]
    timezone: str | None = Field(default=None, max_length=64, examples=["Europe/Berlin"])
    hours: dict[Weekday, Span] | None = Field(
        default=None,
        max_length=7,
        description='local working hours per weekday, e.g. {"mon": ["08:00-18:00"]}',
    )
    holidays: list[Day] | None = Field(
        default=None, max_length=1000, description="local dates without working time (YYYY-MM-DD)"
    )


class TargetsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    respond_minutes: int | None = Field(default=None, gt=0, le=10_000_000)
    resolve_minutes: int | None = Field(default=None, gt=0, le=10_000_000)
    update_minutes: int | None = Field(default=None, gt=0, le=10_000_000)


Money = Field(default=Decimal(0), ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=4)


class CreditsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    currency: str = Field(default="EUR", max_length=3, pattern=r"^[A-Z]{3}$")
    monthly_fee: Decimal = Money
    per_breach: Decimal = Money
    per_breach_percent_of_fee: Decimal = Field(
        default=Decimal(0), ge=0, le=100, max_digits=8, decimal_places=4
    )
    per_hour_beyond: Decimal = Money
    availability_percent_of_fee: Decimal = Field(
        default=Decimal(0), ge=0, le=100, max_digits=8, decimal_places=4
    )
    monthly_cap: Decimal | None = Field(
        default=None, ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=4
    )


class ContractIn(BaseModel):
    """A contract's terms. `provider` owes the service, `customer` is owed it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "initech-northwind",
                    "name": "Initech managed network",
                    "provider": "northwind",
                    "customer": "initech",
                    "kind": "customer_facing",
                    "calendar": {"type": "24x7"},
                    "targets": {
                        "S1": {"respond_minutes": 15, "resolve_minutes": 240, "update_minutes": 60},
                        "S2": {"respond_minutes": 60, "resolve_minutes": 480},
                    },
                    "availability_target": "99.9",
                    "credits": {
                        "currency": "EUR",
                        "monthly_fee": "12000",
                        "per_breach": "250",
                        "per_hour_beyond": "100",
                        "availability_percent_of_fee": "10",
                        "monthly_cap": "3000",
                    },
                    "warn_at": [50, 75, 90],
                }
            ]
        },
    )
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="your id for the contract; generated when omitted",
    )
    name: str | None = Field(default=None, max_length=200)
    provider: str = Field(min_length=1, max_length=100)
    customer: str = Field(min_length=1, max_length=100)
    kind: Literal["customer_facing", "underpinning"]
    calendar: CalendarIn = Field(default_factory=lambda: CalendarIn(type="24x7"))
    targets: dict[Severity, TargetsIn] = Field(min_length=1, max_length=4)
    availability_target: Decimal | None = Field(
        default=None, gt=0, le=100, max_digits=7, decimal_places=4
    )
    credits: CreditsIn = Field(default_factory=CreditsIn)
    warn_at: list[Percent] = Field(default=[50, 75, 90], min_length=0, max_length=10)
    effective_from: Instant | None = Field(
        default=None,
        description=(
            "when this version takes effect (default: now); incidents opened from then on use it"
        ),
    )


class ContractRevisionIn(BaseModel):
    """A new version: the parties and kind stay; everything else may change."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    calendar: CalendarIn | None = None
    targets: dict[Severity, TargetsIn] | None = Field(default=None, min_length=1, max_length=4)
    availability_target: Decimal | None = Field(
        default=None, gt=0, le=100, max_digits=7, decimal_places=4
    )
    credits: CreditsIn | None = None
    warn_at: list[Percent] | None = Field(default=None, max_length=10)
    effective_from: Instant | None = None


def example(description: str, body: object) -> dict[str, object]:
    """An OpenAPI 200 response with an example body."""
    return {200: {"description": description, "content": {"application/json": {"example": body}}}}


_CLOCK = {
    "clock": "resolve",
    "state": "running",
    "target_seconds": 14400.0,
    "elapsed_seconds": 5400.0,
    "percent": 37.5,
    "remaining_seconds": 9000.0,
    "due_at": "2026-11-23T14:00:00+00:00",
    "original_due_at": "2026-11-23T13:00:00+00:00",
    "started_at": "2026-11-23T09:00:00+00:00",
    "stopped_at": None,
    "warnings_fired": [],
    "breached": False,
    "breached_at": None,
    "outcome": None,
    "round": 0,
}
INCIDENT_SLA_EXAMPLE = example(
    "every clock of every contract you are a party to, as of now",
    {
        "incident_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
        "severity": "S1",
        "status": "in_progress",
        "opened_at": "2026-11-23T09:00:00+00:00",
        "handed_off_at": "2026-11-23T09:20:00+00:00",
        "as_of": "2026-11-23T11:30:00+00:00",
        "held_by_now": {"party": "acme", "tier": "TAC L2"},
        "contracts": [
            {
                "contract_id": "initech-northwind",
                "contract_version": 1,
                "name": "Initech managed network (24x7)",
                "kind": "customer_facing",
                "owing_party": "northwind",
                "owed_party": "initech",
                "started_at": "2026-11-23T09:00:00+00:00",
                "calendar": {"type": "24x7", "timezone": "UTC"},
                "clocks": [
                    {
                        **_CLOCK,
                        "clock": "respond",
                        "state": "stopped",
                        "target_seconds": 900.0,
                        "elapsed_seconds": 600.0,
                        "percent": 66.67,
                        "remaining_seconds": 300.0,
                        "due_at": None,
                        "original_due_at": "2026-11-23T09:15:00+00:00",
                        "stopped_at": "2026-11-23T09:10:00+00:00",
                        "warnings_fired": [50],
                        "outcome": "met",
                    },
                    _CLOCK,
                ],
                "ball": {"side": "owing", "party": "northwind"},
                "held": [
                    {
                        "party": "acme",
                        "tier": "TAC L2",
                        "side": "owing",
                        "business_seconds": 4200.0,
                    },
                    {"party": "initech", "tier": None, "side": "owed", "business_seconds": 3600.0},
                    {
                        "party": "northwind",
                        "tier": None,
                        "side": "owing",
                        "business_seconds": 1200.0,
                    },
                ],
                "held_by_side": {"owing": 5400.0, "owed": 3600.0},
            }
        ],
    },
)
REPORT_EXAMPLE = example(
    "the contract's attainment over the period",
    {
        "contract_id": "initech-northwind",
        "version": 1,
        "from": "2026-11-01T00:00:00+00:00",
        "to": "2026-12-01T00:00:00+00:00",
        "incidents": 42,
        "attainment": {
            "respond": {
                "clocks": 42,
                "met": 40,
                "breached": 2,
                "open": 0,
                "attainment_percent": 95.24,
            },
            "resolve": {
                "clocks": 42,
                "met": 38,
                "breached": 1,
                "open": 3,
                "attainment_percent": 97.44,
            },
            "update": {
                "clocks": 10,
                "met": 9,
                "breached": 1,
                "open": 0,
                "attainment_percent": 90.0,
            },
        },
        "mtta_seconds": 412.5,
        "mttr_seconds": 9120.0,
        "breaches": [
            {
                "incident_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
                "clock": "respond",
                "severity": "S1",
                "breached_at": "2026-11-23T09:15:00+00:00",
            }
        ],
        "downtime": [
            {
                "month": "2026-11",
                "downtime_seconds": 7200.0,
                "availability_percent": 99.7222,
                "target_percent": "99.9",
                "allowed_seconds": 2592.0,
                "met": False,
            }
        ],
        "credits": {
            "currency": "EUR",
            "total": "2150.00",
            "by_month": [
                {
                    "month": "2026-11",
                    "rule": "availability",
                    "amount": "1200.00",
                    "uncapped": "1200.00",
                },
                {"month": "2026-11", "rule": "breach", "amount": "750.00", "uncapped": "750.00"},
                {
                    "month": "2026-11",
                    "rule": "late_hours",
                    "amount": "200.00",
                    "uncapped": "200.00",
                },
            ],
        },
        "satisfaction": [{"partner": "northwind", "average_rating": 4.5, "ratings": 12}],
    },
)
CHAINS_EXAMPLE = example(
    "pairs of adjacent links you are the middle of: the contract you owe your customer"
    " (`customer_facing`, an underpinning one further along a longer chain) and the one behind it",
    {
        "items": [
            {
                "customer_facing": "initech-northwind",
                "underpinning": "northwind-acme",
                "chain": ["initech", "northwind", "acme"],
                "supported": False,
                "shortfalls": [
                    {
                        "severity": "S1",
                        "clock": "respond",
                        "customer_facing_minutes": 15,
                        "underpinning_minutes": 30,
                        "shortfall_minutes": 15,
                    },
                    {
                        "severity": "S1",
                        "clock": "resolve",
                        "customer_facing_minutes": 240,
                        "underpinning_minutes": 480,
                        "shortfall_minutes": 240,
                    },
                ],
            }
        ]
    },
)
AT_RISK_EXAMPLE = example(
    "open clocks, closest to breach first",
    {
        "as_of": "2026-11-23T09:12:00+00:00",
        "items": [
            {
                "incident_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
                "severity": "S1",
                "contract_id": "initech-northwind",
                "contract_kind": "customer_facing",
                "owing_party": "northwind",
                "owed_party": "initech",
                **_CLOCK,
                "clock": "respond",
                "target_seconds": 900.0,
                "elapsed_seconds": 720.0,
                "percent": 80.0,
                "remaining_seconds": 180.0,
                "due_at": "2026-11-23T09:15:00+00:00",
                "original_due_at": None,
                "warnings_fired": [50, 75],
            }
        ],
    },
)
