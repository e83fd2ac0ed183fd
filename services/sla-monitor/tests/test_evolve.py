"""`evolve` and `advance` are pure: they return the next state and leave the one they were given
as it was, so the same state evolved twice gives the same next state and the same facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.domain.projection import IncidentEvent, IncidentSla, Projector

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STATE = TypeAdapter(IncidentSla)
TARGETS = {
    "S1": {"respond_minutes": 15, "resolve_minutes": 240, "update_minutes": 60},
    "S3": {"respond_minutes": 60, "resolve_minutes": 1440},
}
CF = Terms.from_spec(
    "cf",
    1,
    {
        "kind": "customer_facing",
        "provider": "northwind",
        "customer": "initech",
        "targets": TARGETS,
        "credits": {"per_breach": 50, "per_hour_beyond": 10},
    },
    T0 - timedelta(days=30),
)
UP = Terms.from_spec(
    "up",
    1,
    {"kind": "underpinning", "provider": "acme", "customer": "northwind", "targets": TARGETS},
    T0 - timedelta(days=30),
)
BOOK = {(t.contract_id, t.version): t for t in (CF, UP)}
# (minute, name, actor, data): every transition the projection knows
STORY: list[tuple[int, str, str, dict[str, Any]]] = [
    (5, "acknowledged", "northwind", {"party": "northwind"}),
    (20, "escalated", "northwind", {"to_party": "acme", "to_tier": "TAC L2"}),
    (25, "acknowledged", "acme", {"party": "acme"}),
    (40, "note_added", "northwind", {}),
    (60, "status_changed", "northwind", {"to_status": "pending_customer"}),
    (90, "status_changed", "initech", {"to_status": "in_progress"}),
    (100, "severity_changed", "northwind", {"to_severity": "S3"}),
    (130, "severity_changed", "northwind", {"to_severity": "S1"}),
    (400, "resolved", "acme", {}),
    (420, "reopened", "initech", {}),
    (500, "resolved", "acme", {}),
    (510, "rated", "initech", {"rating": 4}),
    (600, "closed", "northwind", {}),
]


def test_evolve_and_advance_leave_the_state_they_are_given_as_it_was() -> None:
    projector = Projector(lambda contract_id, version: BOOK[(contract_id, version)])
    opened = {
        "incident_id": "i-1",
        "customer": "initech",
        "partner": "northwind",
        "provider": "acme",
        "severity": "S1",
    }
    state, _ = projector.open(opened, T0, CF)
    for minute, name, actor, data in STORY:
        at = T0 + timedelta(minutes=minute)
        before = STATE.dump_json(state)
        projector.advance(state, at - timedelta(minutes=1))
        assert STATE.dump_json(state) == before
        event = IncidentEvent(name, data, at, actor)
        after, facts = projector.evolve(state, event, underpinning=UP)
        assert STATE.dump_json(state) == before, f"{name} changed the state it was given"
        assert projector.evolve(state, event, underpinning=UP) == (after, facts)  # the same again
        assert after is not state
        state = after
    assert state.status == "closed" and state.rating == 4
    assert [c.contract_id for c in state.coverages] == ["cf", "up"]
