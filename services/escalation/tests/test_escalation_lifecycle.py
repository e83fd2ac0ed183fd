"""One incident's escalation after it is under way: pending decisions, resolution and hand-back,
closing, the pinned configuration, and determinism and the stored state's round trip."""

from __future__ import annotations

from datetime import datetime, timedelta

from escalation_demo import T0, land, open_incident, routed, snapshot, warning
from pydantic import TypeAdapter

from village_escalation.domain import escalation as esc
from village_escalation.domain.config import TierRef
from village_escalation.domain.decisions import decision_id
from village_escalation.domain.escalation import Decision, IncidentEscalation

STATE = TypeAdapter(IncidentEscalation)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def only(decisions: list[Decision]) -> Decision:
    assert len(decisions) == 1, decisions
    return decisions[0]


# --------------------------------------------------------------------------- pending decisions


def test_nothing_is_decided_while_a_decision_is_pending() -> None:
    state, decisions = open_incident()
    assert esc.next_due(state) is None
    assert esc.advance(state, minutes(10_000)) == []
    assert esc.on_sla_warning(state, warning(99), "ev", minutes(5)) == []
    land(state, only(decisions), minutes(6))
    up = only(esc.on_sla_warning(state, warning(99), "ev", minutes(7)))
    assert esc.on_sla_warning(state, warning(90), "ev-2", minutes(7)) == []
    assert esc.next_due(state) is None
    # A person moving the incident meanwhile ends the wait too.
    esc.apply(state, "escalated", {"from_party": "northwind", "from_tier": "L1", "to_party": "acme",
                                   "to_tier": "TAC L2", "reason": "by hand", "decision_id": None},
              minutes(8), "acme")
    assert state.pending is None and state.path[-1].decision_id is None
    assert up.decision_id not in {p.decision_id for p in state.path}
    assert esc.next_due(state) == minutes(8 + 15)


def test_a_refused_decision_is_dropped_and_never_made_again() -> None:
    state = routed("S3", "firewalls")  # acme TAC L1: ack 15, progress 60
    ack = only(esc.advance(state, minutes(16)))
    esc.drop_pending(state, ack.decision_id)
    assert state.pending is None
    assert esc.next_due(state) == minutes(61)  # the progress policy still may
    assert only(esc.advance(state, minutes(61))).trigger == "no_progress"


# --------------------------------------------------------------------------- resolution


def test_resolution_at_a_provider_tier_hands_back_to_the_partner_tier_it_came_from() -> None:
    state = routed("S1", "routers")  # northwind L2
    land(state, esc.request(state, "need acme", "northwind", "nina", "r1", minutes(5)), minutes(6))
    assert state.current == TierRef("acme", "TAC L1")
    back = only(esc.apply(state, "resolved", {"from_status": "in_progress", "resolution_code": "fixed",
                                              "resolution_notes": "patched"}, minutes(30), "acme"))
    assert (back.kind, back.trigger, back.from_tier, back.to_tier) == ("hand_back", "resolved",
                                                                      TierRef("acme", "TAC L1"),
                                                                      TierRef("northwind", "L2"))
    assert back.basis == {"type": "hand_back"}
    assert back.decision_id == decision_id("inc-1|hand_back|1")
    assert back.reason == "resolved at acme TAC L1: handed back to northwind L2"
    assert esc.apply(state, "resolved", {}, minutes(30), "acme") == []  # a redelivery
    land(state, back, minutes(31))
    assert state.current == TierRef("northwind", "L2") and esc.next_due(state) is None  # resolved
    esc.apply(state, "reopened", {"reason": "again"}, minutes(40), "initech")
    assert esc.next_due(state) == minutes(31 + 30)  # the policies run again: nobody acknowledged at L2
    land(state, only(esc.advance(state, minutes(70))), minutes(71))
    again = only(esc.apply(state, "resolved", {}, minutes(80), "acme"))
    assert again.decision_id == decision_id("inc-1|hand_back|2")


def test_an_incident_routed_straight_to_the_provider_goes_back_to_the_partners_first_tier() -> None:
    state = routed("S1", "firewalls")
    assert only(esc.apply(state, "resolved", {}, minutes(30), "acme")).to_tier == TierRef("northwind", "L1")


def test_resolution_at_a_partner_tier_hands_nothing_back() -> None:
    state = routed()
    assert esc.apply(state, "resolved", {}, minutes(30), "northwind") == []
    assert esc.next_due(state) is None
    assert esc.on_sla_warning(state, warning(99), "ev", minutes(31)) == []


def test_closed_and_cancelled_incidents_are_done() -> None:
    state = routed()
    esc.apply(state, "cancelled", {"from_status": "new", "reason": "dup"}, minutes(3), "northwind")
    assert state.done and state.status == "cancelled"
    assert esc.next_due(state) is None and esc.advance(state, minutes(10_000)) == []
    assert esc.apply(state, "resolved", {}, minutes(4), "acme") == []


def test_severity_changes_are_followed_and_unknown_events_ignored() -> None:
    state = routed()
    esc.apply(state, "severity_changed", {"from_severity": "S3", "to_severity": "S1"}, minutes(3), "initech")
    assert state.severity == "S1"
    assert esc.apply(state, "rated", {"rating": 5}, minutes(4), "initech") == []


# --------------------------------------------------------------------------- pinned configuration


def test_a_rule_or_policy_edit_applies_to_new_incidents_only() -> None:
    state = routed("S1", "firewalls")  # pinned v1: TAC L2 ack 15
    edited = snapshot(version=2, tiers={"acme": {"tiers": [
        {"name": "TAC L1", "policy": {"ack_minutes": 5}}, {"name": "TAC L2", "policy": {"ack_minutes": 5}},
        {"name": "Engineering L3"}]}}, rules={"acme": {"rules": [
            {"id": "s1-uncertified", "priority": 10, "match": {"severities": ["S1"], "partner_certified": False},
             "route_to": {"party": "acme", "tier": "TAC L1"}}]}})
    assert state.pinned["tiers/acme"] == 1
    assert esc.next_due(state) == minutes(16)
    assert only(esc.advance(state, minutes(16))).basis["version"] == 1
    newer, decisions = open_incident("inc-2", "S1", "firewalls", config=edited)
    assert only(decisions).to_tier == TierRef("acme", "TAC L1")
    assert decisions[0].basis == {"type": "rule", "party": "acme", "id": "s1-uncertified", "version": 2}
    assert newer.pinned["tiers/acme"] == 2 and newer.ladder.first("acme").ack_minutes == 5  # type: ignore[union-attr]


# --------------------------------------------------------------------------- determinism and storage


def story(state: IncidentEscalation) -> list[Decision]:
    """A busy incident (routed to northwind L1 at +1): every kind of decision, in one order."""
    esc.apply(state, "acknowledged", {"party": "northwind", "user": "nina"}, minutes(2), "northwind")
    out = esc.on_sla_warning(state, warning(75), "w-1", minutes(20))
    land(state, out[-1], minutes(21))
    out += esc.advance(state, minutes(22 + 240))
    land(state, out[-1], minutes(263))
    esc.apply(state, "note_added", {"note_id": "n"}, minutes(264), "acme")
    out.append(esc.request(state, "faster", "acme", "al", "r-1", minutes(265)))
    out += esc.apply(state, "resolved", {}, minutes(300), "acme")
    return out


def test_replaying_the_same_events_gives_the_same_decisions_and_state() -> None:
    first, second = routed(), routed()
    decisions = story(first)
    assert [d.trigger for d in decisions] == ["sla_warning", "no_progress", "manual", "resolved"]
    assert story(second) == decisions
    assert first == second


def test_the_state_round_trips_through_json_exactly() -> None:
    state = routed()
    story(state)
    assert state.path and state.pending and state.acknowledged_by and state.ladder.ceilings
    restored = STATE.validate_json(STATE.dump_json(state))
    assert restored == state
    assert STATE.dump_json(restored) == STATE.dump_json(state)
    assert restored.opened_at.tzinfo is not None and restored.path[0].at.utcoffset() == timedelta(0)
    # And it keeps deciding as the original would.
    assert esc.next_due(restored) == esc.next_due(state)
