"""Impact windows (table `downtime`) per contract covering the incident, and the months an
impact pushed below their availability target: each a fact and a credit, once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .batch import Batch
from .contractbook import ContractBook
from .domain import availability
from .domain.availability import Window
from .domain.contracts import Terms
from .domain.events import SlaFact
from .domain.state import Coverage, IncidentSla

_RECORD = text(
    "INSERT INTO downtime (contract_id, incident_id, started_at, ended_at) VALUES (:c, :i, :s, :e)"
    " ON CONFLICT DO NOTHING"
)
_IN_MONTH = text(
    "SELECT started_at, ended_at FROM downtime WHERE contract_id = :c"
    " AND started_at < :end AND ended_at > :start"
)
_CREDITED = text("SELECT 1 FROM credits WHERE key = :k")


class DowntimeLog:
    def __init__(self, book: ContractBook) -> None:
        self.book = book

    async def impact_ended(
        self,
        conn: AsyncConnection,
        state: IncidentSla,
        data: Mapping[str, Any],
        batch: Batch | None,
    ) -> list[SlaFact]:
        """Record the impact window for every contract covering the incident; the facts of the
        months it pushed below their target."""
        started, ended = data["started_at"], data["ended_at"]
        window = (datetime.fromisoformat(started), datetime.fromisoformat(ended))
        facts: list[SlaFact] = []
        for cov in state.coverages:
            terms = self.book.terms_of(cov.contract_id, cov.version)
            impact = {"c": cov.contract_id, "i": state.incident_id, "s": window[0], "e": window[1]}
            await conn.execute(_RECORD, impact)
            if terms.availability_target is not None:
                facts += await self._missed(conn, state, cov, terms, window, batch)
        return facts

    async def _missed(
        self,
        conn: AsyncConnection,
        state: IncidentSla,
        cov: Coverage,
        terms: Terms,
        window: Window,
        batch: Batch | None,
    ) -> list[SlaFact]:
        tz = terms.calendar.timezone
        facts: list[SlaFact] = []
        for month in availability.months_touched(window, tz):
            bounds = availability.month_bounds(month, tz)
            in_month = {"c": cov.contract_id, "start": bounds[0], "end": bounds[1]}
            windows = [(r.started_at, r.ended_at) for r in await conn.execute(_IN_MONTH, in_month)]
            missed = availability.month_missed(
                state.incident_id, cov, terms, month, bounds, windows, window[1]
            )
            if missed is not None and not await self._on_record(conn, missed[1].key, batch):
                facts += missed
        return facts

    @staticmethod
    async def _on_record(conn: AsyncConnection, credit_key: str, batch: Batch | None) -> bool:
        """Whether this month's miss is on record already (its credit row, even of 0)."""
        if batch is not None and credit_key in batch.credit_keys:
            return True
        return bool(await conn.scalar(_CREDITED, {"k": credit_key}))
