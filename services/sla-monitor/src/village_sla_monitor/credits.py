"""The credit ledger (table `credits`): a credit due accrues once, within its contract's monthly
cap, counting what accrued before it that month (in a rebuild's batch: what it holds)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .batch import Batch
from .contractbook import ContractBook
from .domain.credits import accrue, worth_publishing
from .domain.events import CreditAccrued, CreditDue

_THIS_MONTH = text(
    "SELECT coalesce(sum(amount), 0) FROM credits WHERE contract_id = :c AND month = :m"
)
_INSERT_ONCE = text(
    "INSERT INTO credits (key, contract_id, incident_id, month, rule, amount, uncapped, accrued_at)"
    " VALUES (:k, :c, :i, :m, :r, :a, :u, :t) ON CONFLICT (key) DO NOTHING RETURNING 1"
)


class CreditLedger:
    def __init__(self, book: ContractBook) -> None:
        self.book = book

    async def accrue(
        self, conn: AsyncConnection, due: CreditDue, batch: Batch | None
    ) -> CreditAccrued | None:
        """`due`, accrued: the event to publish, or None when it accrued before (a replay) or
        is worth nothing. In a batch its row is written at the flush, and counted from now on."""
        if batch is not None and due.key in batch.credit_keys:
            return None
        period = (due.contract_id, due.month)
        if batch is None or period not in batch.credit_totals:
            already = Decimal(await conn.scalar(_THIS_MONTH, {"c": period[0], "m": period[1]}))
        else:
            already = batch.credit_totals[period]
        rules = self.book.terms_of(due.contract_id, due.contract_version).credits
        accrued = accrue(due, rules, already)
        amount = Decimal(accrued.amount)
        row = {
            "k": due.key,
            "c": due.contract_id,
            "i": due.incident_id,
            "m": due.month,
            "r": due.rule,
            "a": amount,
            "u": Decimal(due.amount),
            "t": datetime.fromisoformat(due.at),
        }
        if batch is not None:
            batch.credit_keys.add(due.key)
            batch.credit_rows.append(row)
            batch.credit_totals[period] = already + amount
        elif not await conn.scalar(_INSERT_ONCE, row):
            return None  # accrued before: a replay
        return accrued if worth_publishing(accrued) else None
