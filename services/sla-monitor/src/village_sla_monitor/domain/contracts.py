"""Contract terms: who owes what to whom, per severity, on which calendar, with which credits.
Pure values; `Terms.from_spec` validates what an API user sends (ValueError names the field).
The credit rules are domain.credits'; `CreditRules` and `decimal_text` are importable from here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from .calendar import BusinessCalendar
from .credits import CreditRules
from .events import ContractRegistered, ContractRevised, decimal_text

__all__ = [
    "CreditRules",
    "Shortfall",
    "Targets",
    "Terms",
    "adjacent_links",
    "chain_shortfalls",
    "decimal_text",
]

SEVERITIES = ("S1", "S2", "S3", "S4")
CLOCKS = ("respond", "resolve", "update")
Kind = Literal["customer_facing", "underpinning"]
KINDS: tuple[str, ...] = ("customer_facing", "underpinning")
DEFAULT_WARN_AT = (50, 75, 90)


@dataclass(frozen=True)
class Targets:
    """Business minutes per clock for one severity; None means no target for that clock."""

    respond: int | None = None
    resolve: int | None = None
    update: int | None = None

    def minutes(self, clock: str) -> int | None:
        return getattr(self, clock)


@dataclass(frozen=True)
class Terms:
    """One version of a contract."""

    contract_id: str
    version: int
    name: str
    provider: str  # owes the service
    customer: str  # is owed it
    kind: Kind
    calendar: BusinessCalendar
    targets: Mapping[str, Targets]
    effective_from: datetime
    availability_target: Decimal | None = None  # percent per calendar month, e.g. 99.9
    credits: CreditRules = field(default_factory=CreditRules)
    warn_at: tuple[int, ...] = DEFAULT_WARN_AT

    @property
    def parties(self) -> list[str]:
        return [self.customer, self.provider]

    def target_seconds(self, severity: str, clock: str) -> float | None:
        targets = self.targets.get(severity)
        minutes = targets.minutes(clock) if targets else None
        return None if minutes is None else minutes * 60.0

    @classmethod
    def from_spec(
        cls, contract_id: str, version: int, spec: Mapping[str, Any], effective_from: datetime
    ) -> Terms:
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        provider, customer = spec.get("provider"), spec.get("customer")
        if not provider or not customer or provider == customer:
            raise ValueError("provider and customer must name two different parties")
        try:
            calendar = BusinessCalendar.from_spec(spec.get("calendar") or {"type": "24x7"})
        except ValueError as exc:
            raise ValueError(f"calendar: {exc}") from None
        targets = {}
        for severity, t in (spec.get("targets") or {}).items():
            if severity not in SEVERITIES:
                raise ValueError(
                    f"targets: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}"
                )
            values = {}
            for clock, minutes in (t or {}).items():
                if clock not in ("respond_minutes", "resolve_minutes", "update_minutes"):
                    raise ValueError(f"targets.{severity}: unknown target {clock!r}")
                if minutes is not None and (
                    not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0
                ):
                    raise ValueError(
                        f"targets.{severity}.{clock} must be a positive number of minutes"
                    )
                values[clock.removesuffix("_minutes")] = minutes
            targets[severity] = Targets(**values)
        if not targets:
            raise ValueError("targets: give at least one severity")
        warn_at = tuple(sorted(set(spec.get("warn_at") or DEFAULT_WARN_AT)))
        if any(not isinstance(p, int) or not 0 < p < 100 for p in warn_at):
            raise ValueError("warn_at: percentages between 1 and 99")
        availability = _decimal(spec, "availability_target")
        if availability is not None and not Decimal(0) < availability <= Decimal(100):
            raise ValueError("availability_target must be a percentage above 0 and at most 100")
        return cls(
            contract_id,
            version,
            str(spec.get("name") or f"{customer} <- {provider}"),
            provider,
            customer,
            kind,
            calendar,
            targets,
            effective_from,
            availability,
            _credits(spec.get("credits") or {}),
            warn_at,
        )

    def recorded(self) -> ContractRegistered | ContractRevised:
        """The event of this version: registered for the first, revised after."""
        kind = ContractRegistered if self.version == 1 else ContractRevised
        return kind(
            contract_id=self.contract_id,
            version=self.version,
            effective_from=self.effective_from.isoformat(),
            **self.to_spec(),
        )

    def to_spec(self) -> dict[str, Any]:
        c = self.credits
        return {
            "name": self.name,
            "provider": self.provider,
            "customer": self.customer,
            "kind": self.kind,
            "calendar": self.calendar.to_spec(),
            "targets": {
                s: {f"{k}_minutes": t.minutes(k) for k in CLOCKS if t.minutes(k) is not None}
                for s, t in self.targets.items()
            },
            "availability_target": None
            if self.availability_target is None
            else decimal_text(self.availability_target),
            "credits": {
                "currency": c.currency,
                "monthly_fee": decimal_text(c.monthly_fee),
                "per_breach": decimal_text(c.per_breach),
                "per_breach_percent_of_fee": decimal_text(c.per_breach_percent_of_fee),
                "per_hour_beyond": decimal_text(c.per_hour_beyond),
                "availability_percent_of_fee": decimal_text(c.availability_percent_of_fee),
                "monthly_cap": None if c.monthly_cap is None else decimal_text(c.monthly_cap),
            },
            "warn_at": list(self.warn_at),
        }


def _decimal(spec: Mapping[str, Any], name: str, prefix: str = "") -> Decimal | None:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{prefix}{name} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{prefix}{name} must be a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{prefix}{name} must be a non-negative number")
    return number


def _credits(spec: Mapping[str, Any]) -> CreditRules:
    if not isinstance(spec, Mapping):
        raise ValueError("credits must be an object")
    known = {
        "currency",
        "monthly_fee",
        "per_breach",
        "per_breach_percent_of_fee",
        "per_hour_beyond",
        "availability_percent_of_fee",
        "monthly_cap",
    }
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f"credits: unknown rule(s) {', '.join(sorted(unknown))}")
    currency = spec.get("currency", "EUR")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise ValueError("credits.currency must be a three-letter ISO 4217 code")
    values = {k: _decimal(spec, k, "credits.") for k in known - {"currency"}}
    return CreditRules(
        currency=currency.upper(),
        monthly_cap=values.pop("monthly_cap"),
        **{k: v for k, v in values.items() if v is not None},
    )


@dataclass(frozen=True)
class Shortfall:
    severity: str
    clock: str
    # The middle party's promise to its customer and its supplier's to it (adjacent links).
    customer_facing_minutes: int
    underpinning_minutes: int | None  # None: the underpinning contract has no such target

    @property
    def minutes(self) -> int | None:
        if self.underpinning_minutes is None:
            return None
        return self.underpinning_minutes - self.customer_facing_minutes


def adjacent_links(contracts: Iterable[Terms]) -> list[tuple[Terms, Terms]]:
    """Every pair of adjacent links among `contracts`: one a middle party owes its customer (the
    customer-facing contract, or, further along a chain, an underpinning one) and an underpinning
    one that party is owed, in the order of `contracts`."""
    contracts = list(contracts)
    return [
        (front, back)
        for front in contracts
        for back in contracts
        if back.kind == "underpinning"
        and back.customer == front.provider
        and back.provider != front.customer  # two parties supplying each other: no chain
    ]


def chain_shortfalls(customer_facing: Terms, underpinning: Terms) -> list[Shortfall]:
    """Targets the supplier behind a middle party may miss while still meeting its own contract,
    breaking the middle party's: `customer_facing` is what the middle party owes its customer
    (of either kind), `underpinning` what its supplier owes it.

    Compared in business minutes of each contract; a 24x7 promise backed by business hours is
    flagged too, since the same minutes take longer in wall time.
    """
    found = []
    for severity, promised in customer_facing.targets.items():
        backing = underpinning.targets.get(severity)
        for clock in ("respond", "resolve"):
            minutes = promised.minutes(clock)
            if minutes is None:
                continue
            behind = backing.minutes(clock) if backing else None
            slower_calendar = customer_facing.calendar.always and not underpinning.calendar.always
            if behind is None or behind > minutes or (slower_calendar and behind >= minutes):
                found.append(Shortfall(severity, clock, minutes, behind))
    return found
