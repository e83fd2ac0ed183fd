"""One incident's escalation, scenario by scenario (the same stories the service's end-to-end
tests tell): routing at open, the ack / progress / SLA-warning policies, ceilings and manual
requests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from escalation_demo import T0, TIERS, land, open_incident, routed, snapshot, warning
from pydantic import TypeAdapter

from village_escalation.domain import escalation as esc
from village_escalation.domain.config import TierRef
from village_escalation.domain.decisions import NAMESPACE, decision_id
from village_escalation.domain.escalation import Decision, IncidentEscalation
from village_escalation.domain.facts import (
    Acknowledged,
    Assigned,
    Cancelled,
    Closed,
    NoteAdded,
    Resolved,
    StatusChanged,
)
from village_platform.errors import DomainError

STATE = TypeAdapter(IncidentEscalation)
NINA = {"party": "northwind", "user": "nina"}  # an acknowledgement


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def only(decisions: list[Decision]) -> Decision:
    assert len(decisions) == 1, decisions
    return decisions[0]


# --------------------------------------------------------------------------- opening


def test_an_s1_for_a_product_the_partner_is_not_certified_for_goes_straight_to_tac_l2() -> None:
    state, decisions = open_incident(severity="S1", product="firewalls")
    route = only(decisions)
    assert (route.kind, route.trigger, route.from_tier, route.to_tier) == (
        "route",
        "opened",
        None,
        TierRef("acme", "TAC L2"),
    )
    assert "s1-uncertified" in route.reason
    assert route.decision_id == decision_id("inc-1|route")
    assert route.to_data() == {
        "decision_id": route.decision_id,
        "incident_id": "inc-1",
        "kind": "route",
        "trigger": "opened",
        "from": None,
        "to": {"party": "acme", "tier": "TAC L2"},
        "basis": {"type": "rule", "party": "acme", "id": "s1-uncertified", "version": 1},
        "reason": (
            "S1 for firewalls: northwind is not certified for firewalls"
            " (rule s1-uncertified of acme, v1)"
        ),
        "at": "2026-11-23T09:00:00+00:00",
    }
    json.dumps(route.to_data())
    assert state.pending == route.decision_id and state.current is None


def test_the_decision_namespace_is_fixed() -> None:
    assert str(NAMESPACE) == "6f1f8c8e-3b0e-5d35-9a8c-6c2d1e7a4b59"
    assert decision_id("inc-1|route") == "6c9920e3-e05d-51d8-b603-e990d34ddfbd"


def test_an_incident_nobody_has_tiers_for_is_unrouted() -> None:
    config = snapshot(tiers={"northwind": None, "acme": None})
    state, decisions = open_incident(config=config)
    assert decisions == [] and state.current is None and state.pending is None
    assert esc.next_due(state) is None
    with pytest.raises(DomainError) as refused:
        esc.request(state, "help", "northwind", "nina", "req-1", minutes(5))
    assert refused.value.status == 409


def test_the_configuration_must_be_the_incidents_parties() -> None:
    with pytest.raises(ValueError, match="contoso"):
        esc.open(
            {
                "incident_id": "inc-1",
                "severity": "S1",
                "product": "routers",
                "customer": "initech",
                "partner": "northwind",
                "provider": "acme",
            },
            T0,
            snapshot("contoso"),
        )


# --------------------------------------------------------------------------- ack policy


def test_not_acknowledged_by_acme_within_15_minutes_escalates_to_engineering() -> None:
    state = routed("S1", "firewalls")
    assert state.current == TierRef("acme", "TAC L2") and state.pending is None
    assert state.path[0].decision_id == decision_id("inc-1|route")  # recognised as our route
    assert esc.next_due(state) == minutes(16)
    assert esc.advance(state, minutes(15.9)).decisions == []
    state, decided = esc.advance(state, minutes(17))
    up = only(decided)
    assert (up.kind, up.trigger, up.from_tier, up.to_tier) == (
        "escalate",
        "ack_timeout",
        TierRef("acme", "TAC L2"),
        TierRef("acme", "Engineering L3"),
    )
    assert up.at == minutes(16)  # when the policy fell due, however late the timer
    assert up.decision_id == decision_id("inc-1|ack|acme/TAC L2|1")
    assert up.basis == {
        "type": "policy",
        "party": "acme",
        "tier": "TAC L2",
        "policy": "ack_minutes",
        "value": 15,
        "version": 1,
    }
    assert (
        up.reason
        == "not acknowledged by acme within 15 minutes at TAC L2 (policy of acme TAC L2, v1)"
    )
    state, _ = land(state, up, minutes(17))
    assert (
        state.current == TierRef("acme", "Engineering L3")
        and state.path[-1].decision_id == up.decision_id
    )
    assert esc.next_due(state) is None  # no policy at the top
    assert esc.advance(state, minutes(10_000)).decisions == []


def test_the_tier_partys_acknowledgement_satisfies_the_ack_policy() -> None:
    state = routed("S1", "firewalls")
    state, _ = esc.follow(state, Acknowledged.of(NINA, minutes(2)))
    assert esc.next_due(state) == minutes(16)  # somebody else's acknowledgement does not count
    state, _ = esc.follow(state, Acknowledged.of({"party": "acme", "user": "al"}, minutes(5)))
    assert state.status == "acknowledged"
    assert esc.next_due(state) == minutes(1 + 120)  # progress is all that is left
    assert esc.advance(state, minutes(100)).decisions == []


def test_an_acknowledgement_before_entering_the_tier_counts() -> None:
    """One acknowledgement per party: northwind's at L1 stands at L2."""
    state = routed()
    state, _ = esc.follow(state, Acknowledged.of(NINA, minutes(2)))
    state, decision = esc.request(state, "need L2", "northwind", "nina", "req-1", minutes(3))
    state, _ = land(state, decision, minutes(3))
    assert state.current == TierRef("northwind", "L2")
    assert esc.next_due(state) == minutes(3 + 240)  # progress only


# --------------------------------------------------------------------------- progress policy


def test_notes_and_status_changes_restart_the_progress_policy() -> None:
    state = routed()  # northwind L1 at +1: ack 30, progress 120
    state, _ = esc.follow(state, Acknowledged.of(NINA, minutes(10)))
    assert esc.next_due(state) == minutes(121)
    state, _ = esc.follow(state, NoteAdded.of({"note_id": "n1"}, minutes(100)))
    assert esc.next_due(state) == minutes(220)
    changed = {"from_status": "acknowledged", "to_status": "in_progress", "reason": None}
    state, _ = esc.follow(state, StatusChanged.of(changed, minutes(200)))
    assert state.status == "in_progress"
    assert esc.advance(state, minutes(319)).decisions == []
    up = only(esc.advance(state, minutes(320)).decisions)
    assert (up.trigger, up.to_tier) == ("no_progress", TierRef("northwind", "L2"))
    assert up.decision_id == decision_id("inc-1|progress|northwind/L1|1|2")
    assert up.reason == "no progress within 120 minutes at L1 (policy of northwind L1, v1)"
    assert up.basis["policy"] == "progress_minutes" and up.basis["value"] == 120


def test_the_earliest_due_policy_fires_and_only_one() -> None:
    state = routed("S3", "firewalls")  # acme TAC L1 at +1: ack 15, progress 60
    state, decisions = esc.advance(state, minutes(500))
    assert [d.trigger for d in decisions] == ["ack_timeout"]
    assert esc.advance(state, minutes(500)).decisions == []  # pending


# --------------------------------------------------------------------------- SLA warnings


def test_an_s3_for_routers_stays_at_northwind_l1_until_a_75_percent_warning() -> None:
    state = routed()
    route = state.path[0]
    assert (route.party, route.tier) == ("northwind", "L1")
    state, _ = esc.follow(state, Acknowledged.of(NINA, minutes(5)))
    assert esc.advance(state, minutes(29)).decisions == []
    assert esc.on_sla_warning(state, warning(50), "sla-ev-50", minutes(60)).decisions == []
    before = STATE.dump_json(state)
    state, decided = esc.on_sla_warning(state, warning(75), "sla-ev-75", minutes(90))
    up = only(decided)
    assert (up.trigger, up.from_tier, up.to_tier) == (
        "sla_warning",
        TierRef("northwind", "L1"),
        TierRef("northwind", "L2"),
    )
    assert up.decision_id == decision_id("inc-1|warning|sla-ev-75")
    assert up.basis == {
        "type": "policy",
        "party": "northwind",
        "tier": "L1",
        "policy": "sla_warning_percent",
        "value": 75,
        "version": 1,
        "percent": 75,
        "sla_event_id": "sla-ev-75",
    }
    assert up.reason == (
        "SLA warning: the resolve clock reached 75 % (threshold 75 %) at L1"
        " (policy of northwind L1, v1)"
    )
    # The same event again: nothing new while it is pending; from the state before it (a retry
    # after a crash), the very same decision.
    assert esc.on_sla_warning(state, warning(75), "sla-ev-75", minutes(90)).decisions == []
    retried = esc.on_sla_warning(STATE.validate_json(before), warning(75), "sla-ev-75", minutes(90))
    again = only(retried.decisions)
    assert again == up
    state, _ = land(state, up, minutes(91))
    # L2 has no warning policy
    assert esc.on_sla_warning(state, warning(90), "sla-ev-75", minutes(92)).decisions == []


def test_a_warning_already_applied_is_not_decided_again() -> None:
    config = snapshot(
        tiers={
            "northwind": {
                "tiers": [
                    {"name": "L1", "policy": {"sla_warning_percent": 50}},
                    {"name": "L2", "policy": {"sla_warning_percent": 50}},
                ]
            }
        }
    )
    state = routed(config=config)
    state, decided = esc.on_sla_warning(state, warning(50), "ev-1", minutes(10))
    up = only(decided)
    state, _ = land(state, up, minutes(11))
    redelivered = esc.on_sla_warning(state, warning(50), "ev-1", minutes(12))
    assert redelivered.decisions == []
    up = only(esc.on_sla_warning(state, warning(75), "ev-2", minutes(13)).decisions)
    assert up.to_tier == TierRef("acme", "TAC L1")


# --------------------------------------------------------------------- ceilings and manual requests


def test_a_ceiling_stops_automatic_escalation_but_not_a_manual_request() -> None:
    config = snapshot(tiers={"acme": {**TIERS["acme"], "ceiling": "TAC L2"}})
    state = routed("S1", "firewalls", config=config)  # acme TAC L2, the ceiling
    assert esc.next_due(state) is None
    assert esc.advance(state, minutes(10_000)).decisions == []
    why = "customer escalated to the CIO"
    state, manual = esc.request(state, why, "northwind", "nina", "req-1", minutes(20))
    assert (manual.kind, manual.trigger, manual.to_tier) == (
        "escalate",
        "manual",
        TierRef("acme", "Engineering L3"),
    )
    assert manual.basis == {"type": "manual", "requested_by": "northwind", "user": "nina"}
    assert manual.reason == "requested by nina of northwind: customer escalated to the CIO"
    assert manual.decision_id == decision_id("inc-1|manual|req-1")
    assert manual.at == minutes(20)
    state, _ = land(state, manual, minutes(21))
    with pytest.raises(DomainError) as top:
        esc.request(state, "more", "acme", "al", "req-2", minutes(22))
    assert (top.value.status, top.value.kind) == (409, "invalid-transition")
    assert "no higher tier" in top.value.detail


def test_a_partner_ceiling_keeps_the_incident_with_the_partner() -> None:
    config = snapshot(tiers={"northwind": {**TIERS["northwind"], "ceiling": "L1"}})
    state = routed(config=config)
    assert esc.on_sla_warning(state, warning(90), "ev", minutes(5)).decisions == []
    assert esc.advance(state, minutes(10_000)).decisions == []
    _, manual = esc.request(state, "please", "acme", "al", "r", minutes(6))
    assert manual.to_tier == TierRef("northwind", "L2")


def test_a_provider_ceiling_does_not_hold_the_partner_back() -> None:
    config = snapshot(tiers={"acme": {**TIERS["acme"], "ceiling": "TAC L1"}})
    state = routed("S1", "routers", config=config)  # northwind L2 (s1-routers)
    state, decided = esc.advance(state, minutes(31))
    up = only(decided)
    assert up.to_tier == TierRef("acme", "TAC L1")
    state, _ = land(state, up, minutes(32))
    assert esc.advance(state, minutes(10_000)).decisions == []


@pytest.mark.parametrize("party, status", [("contoso", 403), ("initech", 403)])
def test_only_the_owning_partner_or_the_provider_request(party: str, status: int) -> None:
    state = routed()
    with pytest.raises(DomainError) as refused:
        esc.request(state, "me too", party, "someone", "req-1", minutes(5))
    assert (refused.value.status, refused.value.kind) == (status, "forbidden")
    assert state.pending is None


@pytest.mark.parametrize("event", ["resolved", "closed", "cancelled"])
def test_no_manual_request_once_resolved_closed_or_cancelled(event: str) -> None:
    state = routed()
    fact = {"resolved": Resolved, "closed": Closed, "cancelled": Cancelled}[event]
    state, _ = esc.follow(state, fact.of({}, minutes(5)))
    with pytest.raises(DomainError) as refused:
        esc.request(state, "too late", "northwind", "nina", "req-1", minutes(6))
    assert refused.value.status == 409 and event in refused.value.detail


def test_a_manual_request_from_a_tier_off_the_ladder() -> None:
    """A person assigned the incident to northwind without a tier: no policy applies there, and
    the next tier up is the provider's first."""
    state = routed()
    assigned = {"party": "northwind", "tier": None, "assignee": "nina"}
    state, decided = esc.follow(state, Assigned.of(assigned, minutes(5)))
    assert decided == []
    assert state.current == TierRef("northwind", "") and state.path[-1].decision_id is None
    assert esc.next_due(state) is None
    assert esc.on_sla_warning(state, warning(99), "ev", minutes(6)).decisions == []
    state, manual = esc.request(state, "stuck", "northwind", "nina", "r", minutes(7))
    assert (manual.from_tier, manual.to_tier) == (
        TierRef("northwind", ""),
        TierRef("acme", "TAC L1"),
    )
    assert manual.to_data()["from"] == {"party": "northwind", "tier": ""}


def test_a_manual_request_before_the_route_is_seen_to_land_goes_above_the_route() -> None:
    """The service may hear of a request before the incident event that shows its route applied:
    the request starts from where the incident is about to be, not from nowhere."""
    state, decisions = open_incident(
        severity="S3", product="routers"
    )  # route to northwind L1, pending
    state, manual = esc.request(
        state, "customer is furious", "northwind", "nina", "req-1", T0 + timedelta(seconds=5)
    )
    assert (manual.from_tier, manual.to_tier) == (
        TierRef("northwind", "L1"),
        TierRef("northwind", "L2"),
    )
    # The route lands, then the request.
    state, _ = land(state, decisions[0], T0 + timedelta(seconds=6))
    state, _ = land(state, manual, T0 + timedelta(seconds=7))
    assert state.current == TierRef("northwind", "L2") and state.pending is None
