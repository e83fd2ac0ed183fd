"""What a clock's transitions tell the world: the facts, as SLA events with their data as the
schemas say and their keys. A key tells a fact from its clock's others (never change what it is
made of: event ids derive from it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from .clocks import BREACH, Clock
from .contracts import Terms
from .events import Breached, ClockFact, CreditDue, SlaFact, Warned, decimal_text
from .state import Coverage, IncidentSla

C = TypeVar("C", bound=ClockFact)
# What tells a fact from its clock's others in the same round: a warning's percentage, a stop's
# count, nothing for the one breach, the instant for the rest.
_BY_STOPS = ("target_met", "clock_stopped")


def clock_fact(
    kind: type[C],
    state: IncidentSla,
    cov: Coverage,
    clock: Clock,
    terms: Terms,
    at: datetime,
    **extra: Any,
) -> C:
    at_text = at.isoformat()
    name = kind.NAME
    if name == "warning":
        detail = str(extra["percent"])
    elif name in _BY_STOPS:
        detail = str(clock.stops)
    else:
        detail = "" if name == "breached" else at_text
    data = _clock_data(state, cov, clock, terms, at, at_text)
    if extra:
        data.update(extra)
    return kind.of(_key(state, cov, clock, name, detail), data)


def threshold(
    state: IncidentSla, cov: Coverage, clock: Clock, terms: Terms, percent: int, when: datetime
) -> list[SlaFact]:
    """A warning, or the breach and the credit it earns."""
    if percent != BREACH:
        return [clock_fact(Warned, state, cov, clock, terms, when, percent=percent)]
    facts: list[SlaFact] = [clock_fact(Breached, state, cov, clock, terms, when)]
    amount = terms.credits.for_breach()
    if amount > 0:
        facts.append(credit(state, cov, clock, terms, "breach", amount, when))
    return facts


def credit(
    state: IncidentSla,
    cov: Coverage,
    clock: Clock,
    terms: Terms,
    rule: str,
    amount: Decimal,
    at: datetime,
    **extra: Any,
) -> CreditDue:
    month = at.astimezone(ZoneInfo(terms.calendar.timezone)).strftime("%Y-%m")
    detail = f"{rule}:{extra.get('through_hour', '')}"
    return CreditDue(
        **_clock_data(state, cov, clock, terms, at),
        rule=rule,
        amount=decimal_text(amount),
        currency=terms.credits.currency,
        month=month,
        **extra,
        key=_key(state, cov, clock, "credit", detail),
    )


def _key(state: IncidentSla, cov: Coverage, clock: Clock, name: str, detail: str) -> str:
    return f"{state.incident_id}/{cov.contract_id}/{clock.name}/{clock.round}/{name}/{detail}"


def _clock_data(
    state: IncidentSla,
    cov: Coverage,
    clock: Clock,
    terms: Terms,
    at: datetime,
    at_text: str | None = None,
) -> dict[str, Any]:
    calendar = terms.calendar
    due = clock.due_at(calendar)
    return {
        "incident_id": state.incident_id,
        "contract_id": cov.contract_id,
        "contract_version": cov.version,
        "contract_kind": cov.kind,
        "owing_party": cov.owing,
        "owed_party": cov.owed,
        "clock": clock.name,
        "round": clock.round,
        "severity": state.severity,
        "target_seconds": clock.target,
        "elapsed_seconds": round(clock.elapsed_at(calendar, at), 3),
        "state": "stopped" if clock.stopped else ("paused" if clock.paused else "running"),
        "outcome": clock.outcome,
        "due_at": due.isoformat() if due else None,
        "at": at_text or at.isoformat(),
    }
