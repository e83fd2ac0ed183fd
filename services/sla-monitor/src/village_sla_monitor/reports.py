"""A contract's report over a period: attainment per target, breaches, MTTA and MTTR, downtime
against the availability target, credits, and customer satisfaction per partner; and a party's
open clocks closest to breach."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import availability
from .domain.contracts import Terms, decimal_text
from .views import incident_view

if TYPE_CHECKING:
    from .handlers.incident_events import IncidentEventHandlers

_AT_RISK = text(
    "SELECT incident_id, contract_id, clock FROM sla_clocks WHERE running"
    " AND (CAST(:p AS text) IS NULL OR owing = :p OR owed = :p)"
    " AND (:breached OR breached_at IS NULL) ORDER BY due_at, incident_id LIMIT :n"
)


_CLOCKS = text(
    "SELECT incident_id, clock, severity, target_seconds, elapsed_seconds, running, paused,"
    " outcome, breached_at, started_at, stopped_at FROM sla_clocks"
    " WHERE contract_id = :c AND started_at >= :start AND started_at < :end"
)
_CREDITS = text(
    "SELECT rule, month, sum(amount) AS amount, sum(uncapped) AS uncapped FROM credits"
    " WHERE contract_id = :c AND accrued_at >= :start AND accrued_at < :end GROUP BY rule, month"
    " ORDER BY month, rule"
)
_RATINGS = text(
    "SELECT i.partner, avg(i.rating) AS average, count(i.rating) AS ratings FROM incident_sla i"
    " WHERE i.rating IS NOT NULL AND EXISTS (SELECT 1 FROM sla_clocks k"
    " WHERE k.incident_id = i.incident_id"
    " AND k.contract_id = :c AND k.started_at >= :start AND k.started_at < :end)"
    " GROUP BY i.partner ORDER BY i.partner"
)


async def contract_report(
    conn: AsyncConnection, terms: Terms, start: datetime, end: datetime
) -> dict[str, Any]:
    period = {"c": terms.contract_id, "start": start, "end": end}
    rows = (await conn.execute(_CLOCKS, period)).all()
    return {
        "contract_id": terms.contract_id,
        "version": terms.version,
        "from": start,
        "to": end,
        "incidents": len({r.incident_id for r in rows}),
        "attainment": _attainment(rows),
        "mtta_seconds": _mean_decided(rows, "respond"),
        "mttr_seconds": _mean_decided(rows, "resolve"),
        "breaches": sorted(
            (
                {
                    "incident_id": r.incident_id,
                    "clock": r.clock,
                    "severity": r.severity,
                    "breached_at": r.breached_at,
                }
                for r in rows
                if r.breached_at
            ),
            key=lambda b: b["breached_at"],
        ),
        "downtime": await _downtime(conn, terms, start, end),
        "credits": await _credits(conn, terms, period),
        "satisfaction": [
            {
                "partner": r.partner,
                "average_rating": round(float(r.average), 2),
                "ratings": r.ratings,
            }
            for r in await conn.execute(_RATINGS, period)
        ],
    }


def _attainment(rows: list[Any]) -> dict[str, dict[str, Any]]:
    """Per clock: how many, met, breached, open, and the share met of those decided."""
    attainment = {}
    for clock in ("respond", "resolve", "update"):
        mine = [r for r in rows if r.clock == clock]
        met = sum(1 for r in mine if r.outcome == "met")
        breached = sum(1 for r in mine if r.breached_at is not None)
        decided = met + breached
        attainment[clock] = {
            "clocks": len(mine),
            "met": met,
            "breached": breached,
            "open": sum(1 for r in mine if r.outcome is None),
            "attainment_percent": round(100 * met / decided, 2) if decided else None,
        }
    return attainment


async def _credits(conn: AsyncConnection, terms: Terms, period: dict[str, Any]) -> dict[str, Any]:
    credits = (await conn.execute(_CREDITS, period)).all()
    total = sum((Decimal(r.amount) for r in credits), Decimal(0))
    return {
        "currency": terms.credits.currency,
        "total": decimal_text(total),
        "by_month": [
            {
                "month": r.month,
                "rule": r.rule,
                "amount": decimal_text(r.amount),
                "uncapped": decimal_text(r.uncapped),
            }
            for r in credits
        ],
    }


async def _downtime(
    conn: AsyncConnection, terms: Terms, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    tz = terms.calendar.timezone
    months = []
    for month in availability.months_touched(
        (start, end - timedelta(microseconds=1)), tz
    ):  # `to` excluded
        bounds = availability.month_bounds(month, tz)
        windows = [
            (r.started_at, r.ended_at)
            for r in await conn.execute(
                text(
                    "SELECT started_at, ended_at FROM downtime"
                    " WHERE contract_id = :c AND started_at < :e AND ended_at > :s"
                ),
                {"c": terms.contract_id, "s": bounds[0], "e": bounds[1]},
            )
        ]
        down = availability.downtime_seconds(windows, bounds)
        entry: dict[str, Any] = {
            "month": month,
            "downtime_seconds": round(down, 3),
            "availability_percent": round(availability.availability_percent(down, bounds), 4),
        }
        if terms.availability_target is not None:
            allowed = availability.allowed_seconds(terms.availability_target, bounds)
            entry.update(
                target_percent=decimal_text(terms.availability_target),
                allowed_seconds=round(allowed, 3),
                met=down <= allowed,
            )
        months.append(entry)
    return months


def _mean_decided(rows: list[Any], clock: str) -> float | None:
    """The mean time `clock` ran until met or breached."""
    decided = ("met", "breached")
    return _mean(r.elapsed_seconds for r in rows if r.clock == clock and r.outcome in decided)


def _mean(values: Any) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 3) if values else None


async def at_risk(
    conn: AsyncConnection,
    sla: IncidentEventHandlers,
    party: str | None,
    now: datetime,
    limit: int,
    include_breached: bool,
) -> list[dict[str, Any]]:
    """`party`'s running clocks (None: all), closest to breach first, as they stand at `now`."""
    params = {"p": party, "breached": include_breached, "n": limit}
    rows = (await conn.execute(_AT_RISK, params)).all()
    wanted = {(r.incident_id, r.contract_id, r.clock) for r in rows}
    items = []
    for incident_id in dict.fromkeys(r.incident_id for r in rows):
        state = await sla.load(conn, incident_id)
        if state is None:
            continue
        view = incident_view(state, sla.projector, now, party)
        items += [
            {
                "incident_id": incident_id,
                "severity": view["severity"],
                "contract_id": cov["contract_id"],
                "contract_kind": cov["kind"],
                "owing_party": cov["owing_party"],
                "owed_party": cov["owed_party"],
                **clock,
            }
            for cov in view["contracts"]
            for clock in cov["clocks"]
            if (incident_id, cov["contract_id"], clock["clock"]) in wanted
        ]
    items.sort(key=lambda i: (i["remaining_seconds"], -i["percent"]))
    return items
