"""Service credits: what a contract's rules make due, and what of it accrues under the monthly
cap. Pure: the service's credit ledger (credits.py) says what was accrued this month already."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .events import CreditAccrued, CreditDue


@dataclass(frozen=True)
class CreditRules:
    """Service credits the owing party pays; amounts in `currency`, capped per calendar month."""

    currency: str = "EUR"
    monthly_fee: Decimal = Decimal(0)
    per_breach: Decimal = Decimal(0)  # each breached respond/resolve/update target
    per_breach_percent_of_fee: Decimal = Decimal(0)  # each breach, as % of the monthly fee
    per_hour_beyond: Decimal = Decimal(0)  # each started business hour a resolution runs late
    availability_percent_of_fee: Decimal = Decimal(0)  # a month below the availability target
    monthly_cap: Decimal | None = None

    def for_breach(self) -> Decimal:
        return self.per_breach + self.monthly_fee * self.per_breach_percent_of_fee / 100

    def for_late_hours(self, hours: int) -> Decimal:
        return self.per_hour_beyond * hours

    def for_availability_miss(self) -> Decimal:
        return self.monthly_fee * self.availability_percent_of_fee / 100

    def capped(self, amount: Decimal, already_this_month: Decimal) -> Decimal:
        """What may still be credited this month: the cap binds the sum, never goes negative."""
        if self.monthly_cap is None:
            return amount
        return max(Decimal(0), min(amount, self.monthly_cap - already_this_month))


def accrue(due: CreditDue, rules: CreditRules, already_this_month: Decimal) -> CreditAccrued:
    """The credit `due`, as it accrues with `already_this_month` accrued before it."""
    uncapped = Decimal(due.amount)
    return due.accrued(rules.capped(uncapped, already_this_month), uncapped)


def worth_publishing(accrued: CreditAccrued) -> bool:
    """A rule worth nothing accrues a row (its month's miss is on record) but no event."""
    return Decimal(accrued.uncapped_amount) != 0
