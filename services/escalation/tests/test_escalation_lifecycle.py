"""One incident's escalation after it is under way: pending decisions, resolution and hand-back,
closing, the pinned configuration, and determinism and the stored state's round trip."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from escalation_demo import T0, land, open_incident, routed, snapshot, warning
from pydantic import TypeAdapter

from village_escalation.consumer import incident_routes
from village_escalation.domain import escalation as esc
from village_escalation.domain.config import TierRef
from village_escalation.domain.decisions import decision_id
from village_escalation.domain.escalation import Decision, IncidentEscalation
from village_escalation.domain.facts import (
    Acknowledged,
    Cancelled,
    Escalated,
    NoteAdded,
    Reopened,
    Resolved,
    SeverityChanged,
)

STATE = TypeAdapter(IncidentEscalation)
NINA = {"party": "northwind", "user": "nina"}  # an acknowledgement


class Process:
    """Stands in for EscalationProcess in its routing table: each handler is the fact it follows."""

    on_opened = "opened"

    def follow(self, fact: type) -> str:
        return fact.__name__


PROCESS: Any = Process()


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def only(decisions: list[Decision]) -> Decision:
    assert len(decisions) == 1, decisions
    return decisions[0]


# --------------------------------------------------------------------------- pending decisions


def test_nothing_is_decided_while_a_decision_is_pending() -> None:
    state, decisions = open_incident()
    assert esc.next_due(state) is None
    assert esc.advance(state, minutes(10_000)).decisions == []
    assert esc.on_sla_warning(state, warning(99), "ev", minutes(5)).decisions == []
    state, _ = land(state, only(decisions), minutes(6))
    state, decided = esc.on_sla_warning(state, warning(99), "ev", minutes(7))
    up = only(decided)
    assert esc.on_sla_warning(state, warning(90), "ev-2", minutes(7)).decisions == []
    assert esc.next_due(state) is None
    # A person moving the incident meanwhile ends the wait too.
    by_hand = {
        "from_party": "northwind",
        "from_tier": "L1",
        "to_party": "acme",
        "to_tier": "TAC L2",
        "reason": "by hand",
        "decision_id": None,
    }
    state, _ = esc.follow(state, Escalated.of(by_hand, minutes(8)))
    assert state.pending is None and state.path[-1].decision_id is None
    assert up.decision_id not in {p.decision_id for p in state.path}
    assert esc.next_due(state) == minutes(8 + 15)


def test_a_refused_decision_is_dropped_and_never_made_again() -> None:
    state = routed("S3", "firewalls")  # acme TAC L1: ack 15, progress 60
    state, decided = esc.advance(state, minutes(16))
    ack = only(decided)
    state = esc.drop_pending(state, ack.decision_id)
    assert state.pending is None
    assert esc.next_due(state) == minutes(61)  # the progress policy still may
    assert only(esc.advance(state, minutes(61)).decisions).trigger == "no_progress"


# --------------------------------------------------------------------------- resolution


def test_resolution_at_a_provider_tier_hands_back_to_the_partner_tier_it_came_from() -> None:
    state = routed("S1", "routers")  # northwind L2
    state, asked = esc.request(state, "need acme", "northwind", "nina", "r1", minutes(5))
    state, _ = land(state, asked, minutes(6))
    assert state.current == TierRef("acme", "TAC L1")
    resolution = {
        "from_status": "in_progress",
        "resolution_code": "fixed",
        "resolution_notes": "patched",
    }
    state, decided = esc.follow(state, Resolved.of(resolution, minutes(30)))
    back = only(decided)
    assert (back.kind, back.trigger, back.from_tier, back.to_tier) == (
        "hand_back",
        "resolved",
        TierRef("acme", "TAC L1"),
        TierRef("northwind", "L2"),
    )
    assert back.basis == {"type": "hand_back"}
    assert back.decision_id == decision_id("inc-1|hand_back|1")
    assert back.reason == "resolved at acme TAC L1: handed back to northwind L2"
    state, decided = esc.follow(state, Resolved.of({}, minutes(30)))
    assert decided == []  # a redelivery
    state, _ = land(state, back, minutes(31))
    assert state.current == TierRef("northwind", "L2") and esc.next_due(state) is None  # resolved
    state, _ = esc.follow(state, Reopened.of({"reason": "again"}, minutes(40)))
    assert esc.next_due(state) == minutes(
        31 + 30
    )  # the policies run again: nobody acknowledged at L2
    state, decided = esc.advance(state, minutes(70))
    state, _ = land(state, only(decided), minutes(71))
    again = only(esc.follow(state, Resolved.of({}, minutes(80))).decisions)
    assert again.decision_id == decision_id("inc-1|hand_back|2")


def test_an_incident_routed_straight_to_the_provider_goes_back_to_the_partners_first_tier() -> None:
    state = routed("S1", "firewalls")
    back = only(esc.follow(state, Resolved.of({}, minutes(30))).decisions)
    assert back.to_tier == TierRef("northwind", "L1")


def test_resolution_at_a_partner_tier_hands_nothing_back() -> None:
    state = routed()
    state, decided = esc.follow(state, Resolved.of({}, minutes(30)))
    assert decided == []
    assert esc.next_due(state) is None
    assert esc.on_sla_warning(state, warning(99), "ev", minutes(31)).decisions == []


def test_closed_and_cancelled_incidents_are_done() -> None:
    state = routed()
    state, _ = esc.follow(state, Cancelled.of({"from_status": "new", "reason": "dup"}, minutes(3)))
    assert state.done and state.status == "cancelled"
    assert esc.next_due(state) is None and esc.advance(state, minutes(10_000)).decisions == []
    assert esc.follow(state, Resolved.of({}, minutes(4))).decisions == []


def test_severity_changes_are_followed_and_unknown_events_ignored() -> None:
    state = routed()
    changed = {"from_severity": "S3", "to_severity": "S1"}
    state, _ = esc.follow(state, SeverityChanged.of(changed, minutes(3)))
    assert state.severity == "S1"
    # Incident events escalation does not follow are not routed to it (consumer.py): a rating
    # decides nothing.
    routes = incident_routes(PROCESS)
    assert routes["village.incident.severity_changed.v1"] == "SeverityChanged"
    assert "village.incident.rated.v1" not in routes


# --------------------------------------------------------------------------- pinned configuration


def test_a_rule_or_policy_edit_applies_to_new_incidents_only() -> None:
    state = routed("S1", "firewalls")  # pinned v1: TAC L2 ack 15
    edited = snapshot(
        version=2,
        tiers={
            "acme": {
                "tiers": [
                    {"name": "TAC L1", "policy": {"ack_minutes": 5}},
                    {"name": "TAC L2", "policy": {"ack_minutes": 5}},
                    {"name": "Engineering L3"},
                ]
            }
        },
        rules={
            "acme": {
                "rules": [
                    {
                        "id": "s1-uncertified",
                        "priority": 10,
                        "match": {"severities": ["S1"], "partner_certified": False},
                        "route_to": {"party": "acme", "tier": "TAC L1"},
                    }
                ]
            }
        },
    )
    assert state.pinned["tiers/acme"] == 1
    assert esc.next_due(state) == minutes(16)
    assert only(esc.advance(state, minutes(16)).decisions).basis["version"] == 1
    newer, decisions = open_incident("inc-2", "S1", "firewalls", config=edited)
    assert only(decisions).to_tier == TierRef("acme", "TAC L1")
    assert decisions[0].basis == {
        "type": "rule",
        "party": "acme",
        "id": "s1-uncertified",
        "version": 2,
    }
    assert newer.pinned["tiers/acme"] == 2 and newer.ladder.first("acme").ack_minutes == 5  # type: ignore[union-attr]


# -------------------------------------------------------------------------- determinism and storage


def story(state: IncidentEscalation) -> tuple[IncidentEscalation, list[Decision]]:
    """A busy incident (routed to northwind L1 at +1): every kind of decision, in one order."""
    state, _ = esc.follow(state, Acknowledged.of(NINA, minutes(2)))
    state, out = esc.on_sla_warning(state, warning(75), "w-1", minutes(20))
    state, _ = land(state, out[-1], minutes(21))
    state, decided = esc.advance(state, minutes(22 + 240))
    out += decided
    state, _ = land(state, out[-1], minutes(263))
    state, _ = esc.follow(state, NoteAdded.of({"note_id": "n"}, minutes(264)))
    state, asked = esc.request(state, "faster", "acme", "al", "r-1", minutes(265))
    out.append(asked)
    state, decided = esc.follow(state, Resolved.of({}, minutes(300)))
    return state, out + decided


def test_replaying_the_same_events_gives_the_same_decisions_and_state() -> None:
    first, decisions = story(routed())
    assert [d.trigger for d in decisions] == ["sla_warning", "no_progress", "manual", "resolved"]
    second, again = story(routed())
    assert again == decisions
    assert first == second


def test_the_state_round_trips_through_json_exactly() -> None:
    state, _ = story(routed())
    assert state.path and state.pending and state.acknowledged_by and state.ladder.ceilings
    restored = STATE.validate_json(STATE.dump_json(state))
    assert restored == state
    assert STATE.dump_json(restored) == STATE.dump_json(state)
    assert restored.opened_at.tzinfo is not None and restored.path[0].at.utcoffset() == timedelta(0)
    # And it keeps deciding as the original would.
    assert esc.next_due(restored) == esc.next_due(state)
