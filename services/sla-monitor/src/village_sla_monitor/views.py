"""What the API shows: an incident's clocks as of now, contracts and chains, filtered per party."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from village_platform import egress

from .domain.clocks import Clock
from .domain.contracts import Terms, adjacent_links, chain_shortfalls
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
    hidden = hidden_from(current, party)
    return {
        "incident_id": state.incident_id,
        "severity": current.severity,
        "status": current.status,
        "opened_at": current.opened_at,
        "handed_off_at": current.handed_off_at,
        "as_of": max(now, current.last_at),
        "held_by_now": _named(_split(current.holder), hidden),
        "contracts": [
            _coverage_view(cov, projector.terms(cov), current, now, hidden)
            for cov in current.coverages
            if sees_coverage(cov, party)
        ],
    }


def hidden_from(state: IncidentSla, party: str | None) -> frozenset[str]:
    """The parties of the chain `party` may not be told of: for the customer, those between its
    partner and the provider (the incidents service does not show it the chain either); none
    for those working along the chain, or for services."""
    parties = state.parties
    return frozenset(parties[2:-1]) if party == parties[0] else frozenset()


def _named(holder: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    return {"party": None, "tier": None} if holder["party"] in hidden else holder


def _coverage_view(
    cov: Coverage, terms: Terms, state: IncidentSla, now: datetime, hidden: frozenset[str]
) -> dict[str, Any]:
    ball = state.side(cov, _split(state.holder)["party"])
    held, by_side = _held(cov, state, hidden)
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
        # Whose court the ball is in, on this link: its supplier's side (the owing party, or
        # someone beyond it) or its buyer's (the owed party, or someone before it).
        "ball": {"side": ball, "party": cov.owing if ball == "owing" else cov.owed},
        "held": held,
        "held_by_side": by_side,
    }


def _held(
    cov: Coverage, state: IncidentSla, hidden: frozenset[str]
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Business seconds per holder, most first, each with the side of the link it held on
    (holders the viewer may not know of count as one, unnamed, per side), and per side."""
    held: dict[tuple[str | None, str | None, str], float] = {}
    by_side = {"owing": 0.0, "owed": 0.0}
    for key, seconds in cov.held.items():
        holder = _split(key)
        side = state.side(cov, holder["party"])
        by_side[side] += seconds
        holder = _named(holder, hidden)
        at = (holder["party"], holder["tier"], side)
        held[at] = held.get(at, 0.0) + seconds
    entries = sorted(
        (
            {"party": p, "tier": t, "side": side, "business_seconds": round(v, 3)}
            for (p, t, side), v in held.items()
        ),
        key=lambda h: -h["business_seconds"],
    )
    return entries, {side: round(v, 3) for side, v in by_side.items()}


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
    """Every pair of adjacent links `party` is the middle of (None: every pair): the contract it
    owes its customer (`customer_facing`: further along a longer chain, an underpinning one),
    the underpinning one behind it, and the targets the latter cannot carry."""
    items = []
    for front, back in adjacent_links(contracts):
        if party in (None, front.provider):
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
