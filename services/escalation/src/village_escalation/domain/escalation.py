"""One incident's escalation, step by step: each step decides (deciding.py), then evolves the state
with what happened and what was decided (evolving.py), and returns the new state with the
decisions. Pure: time comes from the caller."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from . import deciding
from .config import ConfigSnapshot
from .deciding import next_due
from .events import Decision
from .evolving import evolve
from .facts import IncidentFact, Refused, Resolved
from .ladder import Ladder
from .state import STOPPED, IncidentEscalation, PathEntry

__all__ = [
    "STOPPED",
    "Decision",
    "IncidentEscalation",
    "PathEntry",
    "Step",
    "advance",
    "chain_of",
    "drop_pending",
    "evolve",
    "follow",
    "middle_of",
    "next_due",
    "on_sla_warning",
    "open",
    "request",
]


class Step(NamedTuple):
    state: IncidentEscalation
    decisions: list[Decision]


def chain_of(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The incident's chain from its `opened` data: [customer, partner, ..., provider]. An event
    from before chains (or with a chain that disagrees with its parties) has the three parties."""
    legacy = (data["customer"], data["partner"], data["provider"])
    chain = tuple(data.get("chain") or ())
    if len(chain) < 2 or chain[:2] != legacy[:2] or chain[-1] != legacy[2]:
        return legacy
    return chain


def middle_of(chain: tuple[str, ...]) -> tuple[str, ...]:
    """The suppliers between the owning partner and the provider (chain[2:-1])."""
    ends = set(chain[:2]) | {chain[-1]}
    return tuple(p for p in dict.fromkeys(chain[2:-1]) if p not in ends)


def open(data: Mapping[str, Any], at: datetime, config: ConfigSnapshot) -> Step:
    """The state of a newly opened incident (the `opened` event's data) and its route decision,
    none when no supplier on its chain has tiers. `config` is the incident's own: its partner's,
    its provider's and its middle suppliers' documents."""
    if (data["partner"], data["provider"]) != (config.partner, config.provider):
        raise ValueError(
            f"the configuration is for {config.partner}/{config.provider}, "
            f"not {data['partner']}/{data['provider']}"
        )
    chain = chain_of(data)
    if middle_of(chain) != config.middle:
        raise ValueError(
            f"the configuration is for the middle suppliers {list(config.middle)},"
            f" not {list(middle_of(chain))}"
        )
    state = IncidentEscalation(
        incident_id=data["incident_id"],
        customer=data["customer"],
        partner=data["partner"],
        provider=data["provider"],
        severity=data["severity"],
        product=data["product"],
        status="new",
        opened_at=at,
        ladder=Ladder.pinned(config),
        pinned=config.versions(),
        last_progress_at=at,
        chain=chain if data.get("chain") else (),  # an event from before chains: derived
    )
    return _with(state, deciding.route(state, config, at))


def follow(state: IncidentEscalation, fact: IncidentFact) -> Step:
    """An incident event. Only a fresh resolution at a provider tier, or while the provider held
    it for an outage, decides something: a hand-back."""
    after = evolve(state, fact)
    if not (isinstance(fact, Resolved) and after.resolved_seq > state.resolved_seq):
        return _with(after, [])
    return _with(after, deciding.hand_back(after, fact.at, held=state.outage))


def on_sla_warning(
    state: IncidentEscalation, data: Mapping[str, Any], event_id: str, at: datetime
) -> Step:
    return _with(state, deciding.sla_warning(state, data, event_id, at))


def advance(state: IncidentEscalation, now: datetime) -> Step:
    """Fire the earliest timed policy of the current tier due by `now`, if any."""
    return _with(state, deciding.due(state, now))


def request(
    state: IncidentEscalation, reason: str, party: str, user: str, request_id: str, at: datetime
) -> tuple[IncidentEscalation, Decision]:
    """A manual escalation (raises DomainError when the rules refuse it)."""
    decision = deciding.manual(state, reason, party, user, request_id, at)
    return evolve(state, decision), decision


def drop_pending(state: IncidentEscalation, decision_id: str) -> IncidentEscalation:
    """The incident refused the pending decision for good: stop waiting for it."""
    return evolve(state, Refused(decision_id))


def _with(state: IncidentEscalation, decisions: list[Decision]) -> Step:
    """The state once `decisions` are made (each is awaited until it lands)."""
    for decision in decisions:
        state = evolve(state, decision)
    return Step(state, decisions)
