"""Properties over any sequence of incident events, SLA warnings, timers and requests: decisions
are deterministic, automatic ones only climb one rung and respect ceilings, none is made while
the provider holds the incident for an outage, `next_due` tells exactly when `advance` acts, and
the state survives its JSON round trip at every step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from escalation_demo import T0, TIERS, land, open_incident, snapshot, warning
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from village_escalation.domain import escalation as esc
from village_escalation.domain.config import ConfigSnapshot
from village_escalation.domain.escalation import Decision, IncidentEscalation
from village_escalation.domain.facts import (
    Acknowledged,
    Assigned,
    Closed,
    NoteAdded,
    OutageLinked,
    OutageUnlinked,
    Reopened,
    Resolved,
    SeverityChanged,
    StatusChanged,
)
from village_platform.errors import DomainError

STATE = TypeAdapter(IncidentEscalation)

CONFIGS = {
    "demo": snapshot(),
    "ceilings": snapshot(
        tiers={
            "northwind": {**TIERS["northwind"], "ceiling": "L2"},
            "acme": {**TIERS["acme"], "ceiling": "TAC L1"},
        }
    ),
    "provider-only": snapshot(tiers={"northwind": None}),
}

Step = tuple[Any, ...]
# Landing a decision and letting time pass are the common steps: they let the policies act.
steps = st.lists(
    st.one_of(
        st.just(("land",)),
        st.tuples(st.just("wait"), st.integers(1, 300)),
        st.just(("land",)),
        st.tuples(st.just("wait"), st.integers(1, 60)),
        st.tuples(st.just("ack"), st.sampled_from(["northwind", "acme", "initech"])),
        st.tuples(
            st.sampled_from(
                ["note", "status", "severity", "resolve", "reopen", "close", "assign_none"]
            )
        ),
        st.tuples(st.just("warning"), st.sampled_from([50, 75, 90]), st.integers(0, 3)),
        st.tuples(
            st.just("request"),
            st.sampled_from(["northwind", "acme", "northwind", "contoso"]),
            st.integers(0, 3),
        ),
        st.tuples(st.sampled_from(["link", "unlink"]), st.integers(0, 1)),
    ),
    max_size=40,
)
# (severity, product, config, whether the incidents service applies each decision at once)
openings = st.tuples(
    st.sampled_from(["S1", "S2", "S3"]),
    st.sampled_from(["routers", "firewalls"]),
    st.sampled_from(sorted(CONFIGS)),
    st.booleans(),
)
Opening = tuple[str, str, str, bool]


@dataclass
class Run:
    state: IncidentEscalation
    now: datetime = T0
    decisions: list[Decision] = field(default_factory=list)
    refusals: list[int] = field(default_factory=list)
    landed: set[str] = field(default_factory=set)


def play(opening: Opening, script: list[Step], check: bool = False) -> Run:
    severity, product, config_name, autoland = opening
    config: ConfigSnapshot = CONFIGS[config_name]
    state, decisions = open_incident(severity=severity, product=product, config=config)
    run = Run(state, decisions=list(decisions))
    last: Decision | None = decisions[0] if decisions else None
    for step in script:
        if (
            autoland
            and last is not None
            and run.state.pending == last.decision_id
            and not run.state.done
        ):
            step = ("land",)
        s, at = run.state, run.now
        out: list[Decision] = []
        match step:
            case ("wait", n):
                run.now = at = at + timedelta(minutes=n)
                due = esc.next_due(s)
                before = STATE.dump_json(s)
                s, out = esc.advance(s, at)
                if check:
                    assert bool(out) == (due is not None and due <= at), (due, at, out)
                    if not out:
                        assert STATE.dump_json(s) == before  # nothing due, nothing changed
            case ("ack", party):
                s, out = esc.follow(s, Acknowledged.of({"party": party, "user": "u"}, at))
            case ("note",):
                s, out = esc.follow(s, NoteAdded.of({"note_id": f"n{at}"}, at))
            case ("status",) if s.status not in esc.STOPPED:
                s, out = esc.follow(s, StatusChanged.of({"to_status": "in_progress"}, at))
            case ("severity",):
                s, out = esc.follow(s, SeverityChanged.of({"to_severity": "S2"}, at))
            case ("land",) if last is not None and s.pending == last.decision_id and not s.done:
                run.landed.add(last.decision_id)
                s, out = land(s, last, at)
            case ("assign_none",) if not s.done:
                s, out = esc.follow(s, Assigned.of({"party": s.partner, "tier": None}, at))
            case ("resolve",) if s.status not in esc.STOPPED:
                s, out = esc.follow(s, Resolved.of({}, at))
            case ("reopen",) if s.status == "resolved":
                s, out = esc.follow(s, Reopened.of({"reason": "again"}, at))
            case ("close",) if s.status == "resolved":
                s, out = esc.follow(s, Closed.of({"automatic": False, "reason": None}, at))
            case ("warning", percent, n):
                s, out = esc.on_sla_warning(s, warning(percent), f"ev-{n}", at)
            case ("link", n) if s.outage is None and s.status not in esc.STOPPED:
                # (the incidents service links open incidents, to one outage at a time)
                linked = {"outage_id": f"o{n}", "provider": "acme", "title": "outage"}
                s, out = esc.follow(s, OutageLinked.of(linked, at))
            case ("unlink", n):
                unlinked = {"outage_id": f"o{n}", "reason": "not this one"}
                s, out = esc.follow(s, OutageUnlinked.of(unlinked, at))
            case ("request", party, n):
                try:
                    s, decision = esc.request(s, "why", party, "u", f"req-{n}", at)
                    out = [decision]
                except DomainError as refused:
                    run.refusals.append(refused.status)
        run.state = s
        for d in out:
            if check:
                _check(s, d, step)
            last = d
        run.decisions += out
        if check:
            assert STATE.validate_json(STATE.dump_json(s)) == s
            assert s.outage is None or esc.next_due(s) is None  # held: no timer
    return run


def _check(state: IncidentEscalation, d: Decision, step: Step) -> None:
    assert state.pending == d.decision_id  # what was decided is awaited
    if d.trigger in ("ack_timeout", "no_progress", "sla_warning", "manual"):
        assert state.outage is None  # the provider's outage holds it off the ladder
    if d.trigger in ("ack_timeout", "no_progress", "sla_warning"):
        ladder = state.ladder
        assert d.kind == "escalate" and d.from_tier is not None
        assert ladder.position(d.to_tier) == ladder.position(d.from_tier) + 1 >= 1  # one rung up
        assert not ladder.at_ceiling(d.from_tier)
    if d.trigger == "manual":
        assert state.ladder.position(d.to_tier) > state.ladder.position(d.from_tier)
    if d.kind == "hand_back":
        assert d.from_tier is not None and d.from_tier.party == state.provider
        assert d.to_tier.party == state.partner


@settings(max_examples=300, deadline=None)
@given(openings, steps)
def test_any_story_decides_deterministically_and_climbs_one_rung_at_a_time(
    opening: Opening, script: list[Step]
) -> None:
    first = play(opening, script, check=True)
    second = play(opening, script)
    assert second.decisions == first.decisions
    assert second.state == first.state
    assert all(status in (403, 409) for status in first.refusals)
    # Outside manual requests (whose id is the request's), no trigger decides twice.
    automatic = [d.decision_id for d in first.decisions if d.trigger != "manual"]
    assert len(automatic) == len(set(automatic))


@settings(max_examples=200, deadline=None)
@given(openings, steps)
def test_a_stored_and_reloaded_state_decides_as_the_original(
    opening: Opening, script: list[Step]
) -> None:
    """Split the story anywhere: saving and loading the state in between changes nothing."""
    whole = play(opening, script)
    reloaded = STATE.validate_json(STATE.dump_json(whole.state))
    assert reloaded == whole.state
    assert esc.next_due(reloaded) == esc.next_due(whole.state)
    later = whole.now + timedelta(days=30)
    assert esc.advance(reloaded, later).decisions == esc.advance(whole.state, later).decisions
