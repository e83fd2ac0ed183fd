"""What the API shows: an incident's clocks as of now, contracts and chains, filtered per party."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from village_platform import egress

from .domain.clocks import Clock
from .domain.contracts import Terms, chain_shortfalls
from .domain.projection import Projector
from .domain.state import Coverage, IncidentSla


def sees_coverage(cov: Coverage, party: str | None) -> bool:
    """The egress rule on a contract's clocks, described as their events are: the contract's two
    parties see them, nobody else (None: a service, sees all)."""
    if party is None:
        return True
    return egress.sees(egress.describe(parties=(cov.owing, cov.owed)), party, "customer")


def incident_view(
    state: IncidentSla, projector: Projector, now: datetime, party: str | None
) -> dict[str, Any]:
    """Every clock as it stands at `now` (thresholds crossed since the last event included)."""
    current, _ = projector.advance(state, now)
    return {
        "incident_id": state.incident_id,
        "severity": current.severity,
        "status": current.status,
        "opened_at": current.opened_at,
        "handed_off_at": current.handed_off_at,
        "as_of": max(now, current.last_at),
        "held_by_now": _split(current.holder),
        "contracts": [
            _coverage_view(cov, projector.terms(cov), current, now)
            for cov in current.coverages
            if sees_coverage(cov, party)
        ],
    }


def _coverage_view(
    cov: Coverage, terms: Terms, state: IncidentSla, now: datetime
) -> dict[str, Any]:
    return {
        "contract_id": cov.contract_id,
        "contract_version": cov.version,
        "name": terms.name,
        "kind": cov.kind,
        "owing_party": cov.owing,
        "owed_party": cov.owed,
        "started_at": cov.started_at,
        "calendar": terms.calendar.to_spec(),
        "clocks": [clock_view(c, terms, now) for c in cov.clocks.values()],
        "held": sorted(
            ({**_split(k), "business_seconds": round(v, 3)} for k, v in cov.held.items()),
            key=lambda h: -h["business_seconds"],
        ),
    }


def clock_view(clock: Clock, terms: Terms, now: datetime) -> dict[str, Any]:
    calendar = terms.calendar
    elapsed = clock.elapsed_at(calendar, now)
    due = clock.due_at(calendar)
    return {
        "clock": clock.name,
        "state": "stopped" if clock.stopped else ("paused" if clock.paused else "running"),
        "target_seconds": clock.target,
        "elapsed_seconds": round(elapsed, 3),
        "percent": round(100 * elapsed / clock.target, 2),
        "remaining_seconds": round(max(clock.target - elapsed, 0.0), 3),
        "due_at": due,
        "original_due_at": clock.original_due_at if clock.original_due_at != due else None,
        "started_at": clock.started_at,
        "stopped_at": clock.stopped_at,
        "warnings_fired": sorted(clock.warned),
        "breached": clock.breached_at is not None,
        "breached_at": clock.breached_at,
        "outcome": clock.outcome,
        "round": clock.round,
    }


def contract_view(terms: Terms) -> dict[str, Any]:
    return {
        "id": terms.contract_id,
        "version": terms.version,
        "effective_from": terms.effective_from,
        **terms.to_spec(),
    }


def _split(key: str) -> dict[str, Any]:
    party, _, tier = key.partition("/")
    return {"party": party, "tier": tier or None}


def chains_view(contracts: list[Terms], party: str | None) -> list[dict[str, Any]]:
    """Every chain `party` is the middle of (None: every chain): its customer-facing contract,
    the underpinning one behind it, and the targets the latter cannot carry."""
    items = []
    fronts = [t for t in contracts if t.kind == "customer_facing" and party in (None, t.provider)]
    for front in fronts:
        backs = [t for t in contracts if t.kind == "underpinning" and t.customer == front.provider]
        for back in backs:
            shortfalls = chain_shortfalls(front, back)
            items.append(
                {
                    "customer_facing": front.contract_id,
                    "underpinning": back.contract_id,
                    "chain": [front.customer, front.provider, back.provider],
                    "supported": not shortfalls,
                    "shortfalls": [
                        {
                            "severity": f.severity,
                            "clock": f.clock,
                            "customer_facing_minutes": f.customer_facing_minutes,
                            "underpinning_minutes": f.underpinning_minutes,
                            "shortfall_minutes": f.minutes,
                        }
                        for f in shortfalls
                    ],
                }
            )
    return items
