"""Request bodies of the SLA monitor's API, with the examples the OpenAPI document shows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["S1", "S2", "S3", "S4"]


class CalendarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["24x7", "business_hours"]
    timezone: str | None = Field(default=None, max_length=64, examples=["Europe/Berlin"])
    hours: dict[str, list[str]] | None = Field(
        default=None, description='local working hours per weekday, e.g. {"mon": ["08:00-18:00"]}')
    holidays: list[str] | None = Field(default=None, description="local dates without working time (YYYY-MM-DD)")


class TargetsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    respond_minutes: int | None = Field(default=None, gt=0, le=10_000_000)
    resolve_minutes: int | None = Field(default=None, gt=0, le=10_000_000)
    update_minutes: int | None = Field(default=None, gt=0, le=10_000_000)


Money = Field(default=Decimal(0), ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=4)


class CreditsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    monthly_fee: Decimal = Money
    per_breach: Decimal = Money
    per_breach_percent_of_fee: Decimal = Field(default=Decimal(0), ge=0, le=100, max_digits=8, decimal_places=4)
    per_hour_beyond: Decimal = Money
    availability_percent_of_fee: Decimal = Field(default=Decimal(0), ge=0, le=100, max_digits=8, decimal_places=4)
    monthly_cap: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=4)


class ContractIn(BaseModel):
    """A contract's terms. `provider` owes the service, `customer` is owed it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": "initech-northwind", "name": "Initech managed network", "provider": "northwind",
        "customer": "initech", "kind": "customer_facing", "calendar": {"type": "24x7"},
        "targets": {"S1": {"respond_minutes": 15, "resolve_minutes": 240, "update_minutes": 60},
                    "S2": {"respond_minutes": 60, "resolve_minutes": 480}},
        "availability_target": "99.9",
        "credits": {"currency": "EUR", "monthly_fee": "12000", "per_breach": "250", "per_hour_beyond": "100",
                    "availability_percent_of_fee": "10", "monthly_cap": "3000"},
        "warn_at": [50, 75, 90],
    }]})
    id: str | None = Field(default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                           description="your id for the contract; generated when omitted")
    name: str | None = Field(default=None, max_length=200)
    provider: str = Field(min_length=1, max_length=100)
    customer: str = Field(min_length=1, max_length=100)
    kind: Literal["customer_facing", "underpinning"]
    calendar: CalendarIn = Field(default_factory=lambda: CalendarIn(type="24x7"))
    targets: dict[Severity, TargetsIn] = Field(min_length=1)
    availability_target: Decimal | None = Field(default=None, gt=0, le=100, max_digits=7, decimal_places=4)
    credits: CreditsIn = Field(default_factory=CreditsIn)
    warn_at: list[int] = Field(default=[50, 75, 90], min_length=0, max_length=10)
    effective_from: datetime | None = Field(
        default=None, description="when this version takes effect (default: now); incidents opened from then on use it")


class ContractRevisionIn(BaseModel):
    """A new version: the parties and kind stay; everything else may change."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    calendar: CalendarIn | None = None
    targets: dict[Severity, TargetsIn] | None = Field(default=None, min_length=1)
    availability_target: Decimal | None = Field(default=None, gt=0, le=100, max_digits=7, decimal_places=4)
    credits: CreditsIn | None = None
    warn_at: list[int] | None = Field(default=None, max_length=10)
    effective_from: datetime | None = None
