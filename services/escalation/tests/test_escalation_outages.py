"""An incident linked to a provider outage (docs/provider-outages.md) is worked by the provider:
it leaves the ladder while linked (no policy, warning or request moves it; it waits in the
provider's queue of the outage), goes back to its tier when unlinked (the policies run again
from then, no decision made twice), and resolved meanwhile it is handed back to the partner tier
it came from. Pure: the incidents service's events as facts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from escalation_demo import T0, land, routed, warning
from pydantic import TypeAdapter

from village_escalation.consumer import incident_routes
from village_escalation.domain import escalation as esc
from village_escalation.domain.config import TierRef
from village_escalation.domain.decisions import decision_id
from village_escalation.domain.escalation import Decision, IncidentEscalation, PathEntry
from village_escalation.domain.facts import (
    Acknowledged,
    Cancelled,
    Escalated,
    OutageLinked,
    OutageUnlinked,
    Reopened,
    Resolved,
)
from village_platform.errors import DomainError

STATE = TypeAdapter(IncidentEscalation)
OUTAGE = "5b0c2f57-0d8e-4f0f-a2f4-8a1d4c1b9e01"
QUEUE = TierRef("acme", f"outage:{OUTAGE}")


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def only(decisions: list[Decision]) -> Decision:
    assert len(decisions) == 1, decisions
    return decisions[0]


def link(state: IncidentEscalation, at: datetime, outage: str = OUTAGE) -> esc.Step:
    data = {"incident_id": "inc-1", "outage_id": outage, "provider": "acme", "title": "DC down"}
    return esc.follow(state, OutageLinked.of(data, at))


def unlink(state: IncidentEscalation, at: datetime, outage: str = OUTAGE) -> esc.Step:
    data = {"incident_id": "inc-1", "outage_id": outage, "reason": "not this outage"}
    return esc.follow(state, OutageUnlinked.of(data, at))


def test_a_linked_incident_leaves_the_ladder_and_waits_in_the_providers_outage_queue() -> None:
    state = routed()  # northwind L1 from +1: ack 30, progress 120, up at a 75 % warning
    assert esc.next_due(state) == minutes(31)
    state, decided = link(state, minutes(5))
    assert decided == []
    assert state.current == TierRef("northwind", "L1")  # where it goes back to
    assert (state.queue, state.queued_at) == (QUEUE, minutes(5))
    assert state.path[-1] == PathEntry("acme", f"outage:{OUTAGE}", minutes(5), None)
    # No timer, no warning and no request moves it while the provider works it.
    assert esc.next_due(state) is None
    assert esc.advance(state, minutes(10_000)).decisions == []
    assert esc.on_sla_warning(state, warning(90), "w-1", minutes(40)).decisions == []
    for party in ("northwind", "acme"):
        with pytest.raises(DomainError) as refused:
            esc.request(state, "faster", party, "u", "r-1", minutes(41))
        assert refused.value.status == 409 and OUTAGE in str(refused.value.detail)
    assert link(state, minutes(6)).state == state  # a redelivery


def test_unlinked_it_goes_back_to_its_tier_and_the_policies_run_from_then() -> None:
    state, _ = link(routed(), minutes(5))
    state, decided = unlink(state, minutes(200))
    assert decided == [] and state.outage is None
    assert (state.queue, state.queued_at) == (TierRef("northwind", "L1"), minutes(200))
    assert state.path[-2:] == (
        PathEntry("acme", f"outage:{OUTAGE}", minutes(5), None),
        PathEntry("northwind", "L1", minutes(200), None),
    )
    assert esc.next_due(state) == minutes(230)  # nobody acknowledged: 30 minutes from the return
    ack = only(esc.advance(state, minutes(230)).decisions)
    assert (ack.trigger, ack.from_tier, ack.to_tier, ack.at) == (
        "ack_timeout",
        TierRef("northwind", "L1"),
        TierRef("northwind", "L2"),
        minutes(230),
    )
    assert unlink(state, minutes(201)).state == state  # a redelivery


def test_no_decision_made_before_the_hold_is_made_again_after_it() -> None:
    state = routed()
    state, _ = esc.follow(
        state, Acknowledged.of({"party": "northwind", "user": "nina"}, minutes(2))
    )
    state, decided = esc.on_sla_warning(state, warning(75), "w-1", minutes(3))
    up = only(decided)
    state = esc.drop_pending(state, up.decision_id)  # refused by the incidents service
    state, _ = link(state, minutes(4))
    state, _ = unlink(state, minutes(60))
    # The same warning, redelivered, decides nothing; a new one may.
    assert esc.on_sla_warning(state, warning(75), "w-1", minutes(61)).decisions == []
    again = only(esc.on_sla_warning(state, warning(90), "w-2", minutes(62)).decisions)
    assert again.decision_id != up.decision_id
    # Acknowledged before: the return to the tier starts only the progress policy.
    assert esc.next_due(state) == minutes(60 + 120)


def test_a_resolution_while_linked_hands_back_to_the_partner_tier_it_came_from() -> None:
    state = routed("S1", "routers")  # northwind L2 (northwind's S1 router rule)
    state, _ = link(state, minutes(5))
    resolution = {"resolution_code": "fixed", "resolution_notes": "outage over"}
    state, decided = esc.follow(state, Resolved.of(resolution, minutes(90)))
    back = only(decided)
    assert (back.kind, back.trigger, back.from_tier, back.to_tier, back.basis) == (
        "hand_back",
        "resolved",
        TierRef("acme", ""),
        TierRef("northwind", "L2"),
        {"type": "hand_back"},
    )
    assert back.decision_id == decision_id("inc-1|hand_back|1")
    assert back.reason == f"resolved by acme for its outage {OUTAGE}: handed back to northwind L2"
    assert state.outage is None and state.queue == TierRef("northwind", "L2")  # the hold ended
    state, _ = land(state, back, minutes(91))
    assert state.current == TierRef("northwind", "L2") and state.pending is None
    # The requester rejects: reopened and unlinked, back on the ladder from the reopening.
    state, _ = esc.follow(state, Reopened.of({"reason": "still down"}, minutes(120)))
    state, decided = unlink(state, minutes(120))
    assert decided == [] and state.path[-1].decision_id == back.decision_id  # nothing to return
    assert esc.next_due(state) == minutes(121)  # nobody acknowledged at L2 since the hand-back


def test_a_linked_incident_already_with_the_provider_is_handed_back_as_before() -> None:
    state = routed("S1", "firewalls")  # acme TAC L2: handed back to northwind's first tier
    state, _ = link(state, minutes(5))
    back = only(esc.follow(state, Resolved.of({}, minutes(30))).decisions)
    assert (back.from_tier, back.to_tier) == (TierRef("acme", ""), TierRef("northwind", "L1"))


def test_people_may_still_move_a_linked_incident_and_it_returns_to_where_they_left_it() -> None:
    state, _ = link(routed(), minutes(5))
    by_hand = {
        "from_party": "northwind",
        "from_tier": "L1",
        "to_party": "acme",
        "to_tier": "TAC L1",
        "reason": "by hand",
        "decision_id": None,
    }
    state, decided = esc.follow(state, Escalated.of(by_hand, minutes(10)))
    assert decided == [] and state.queue == QUEUE and esc.next_due(state) is None
    state, _ = unlink(state, minutes(20))
    assert state.current == TierRef("acme", "TAC L1") and esc.next_due(state) == minutes(35)


def test_unlinking_another_outage_or_linking_an_ended_incident_changes_nothing() -> None:
    state, _ = link(routed(), minutes(5))
    assert unlink(state, minutes(6), outage="another").state == state
    cancelled, _ = esc.follow(state, Cancelled.of({"reason": "dup"}, minutes(7)))
    assert cancelled.outage is None and cancelled.queue == TierRef("northwind", "L1")
    assert link(cancelled, minutes(8)).state == cancelled


def test_a_state_stored_before_outages_loads_and_a_held_one_round_trips() -> None:
    before = json.loads(STATE.dump_json(routed()))
    del before["outage"]  # as stored before this field existed
    old = STATE.validate_python(before)
    assert old.outage is None and old == routed()
    held, _ = link(old, minutes(5))
    restored = STATE.validate_json(STATE.dump_json(held))
    assert restored == held and restored.outage is not None
    assert restored.outage.at.utcoffset() == timedelta(0)
    assert esc.next_due(restored) is None


def test_the_consumer_follows_the_outage_events() -> None:
    class Process:
        on_opened = "opened"

        def follow(self, fact: type) -> str:
            return fact.__name__

    process: Any = Process()
    routes = incident_routes(process)
    assert routes["village.incident.outage_linked.v1"] == "OutageLinked"
    assert routes["village.incident.outage_unlinked.v1"] == "OutageUnlinked"
