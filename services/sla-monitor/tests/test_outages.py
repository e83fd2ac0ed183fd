"""An incident linked to a provider outage (docs/provider-outages.md): while linked the ball is in
the provider's court on every link (held by the provider for the outage: the supplier's side of
the customer-facing and the underpinning contract), from `outage_linked` until `outage_unlinked`
or the resolution; linking is no hand-off (no contract starts covering it). Pure.

The chain: initech (customer) <- northwind (partner) <- acme (provider)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.domain.events import SlaFact
from village_sla_monitor.domain.projection import IncidentEvent, IncidentSla, Projector
from village_sla_monitor.views import incident_view

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STATE = TypeAdapter(IncidentSla)
OUTAGE = "4f1c8a2e-6b3d-4e5f-9a0b-1c2d3e4f5a6b"
HELD = f"acme/outage:{OUTAGE}"


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def contract(contract_id: str, kind: str, provider: str, customer: str) -> Terms:
    spec = {
        "kind": kind,
        "provider": provider,
        "customer": customer,
        "targets": {"S1": {"respond_minutes": 600, "resolve_minutes": 1200}},  # nothing fires
    }
    return Terms.from_spec(contract_id, 1, spec, T0 - timedelta(days=30))


IN = contract("in", "customer_facing", "northwind", "initech")
NA = contract("na", "underpinning", "acme", "northwind")


class Incident:
    """One incident projected from its opening, as the handlers do (a hand-off to acme brings in
    the underpinning contract)."""

    def __init__(self) -> None:
        book = {(t.contract_id, t.version): t for t in (IN, NA)}
        self.projector = Projector(lambda contract_id, version: book[(contract_id, version)])
        opened = {
            "incident_id": "INC-9",
            "customer": "initech",
            "partner": "northwind",
            "provider": "acme",
            "chain": ["initech", "northwind", "acme"],
            "severity": "S1",
        }
        self.state, self.facts = self.projector.open(opened, T0, IN)

    def event(self, name: str, at: float, actor: str = "northwind", **data: Any) -> list[SlaFact]:
        party = data.get("to_party") or data.get("party")
        handed = [NA] if party and self.state.links_handed_to(party) else []
        event = IncidentEvent(name, data, minutes(at), actor, "shared")
        self.state, facts = self.projector.evolve(self.state, event, handed)
        self.facts += facts
        return facts

    def link(self, at: float, outage: str = OUTAGE) -> list[SlaFact]:
        return self.event("outage_linked", at, "acme", outage_id=outage, provider="acme", title="x")

    def unlink(self, at: float, outage: str = OUTAGE) -> list[SlaFact]:
        return self.event("outage_unlinked", at, "acme", outage_id=outage, reason="not it")

    def held(self, contract_id: str, at: float) -> dict[str, float]:
        state, _ = self.projector.advance(self.state, minutes(at))
        cov = next(c for c in state.coverages if c.contract_id == contract_id)
        return {holder: round(s / 60, 3) for holder, s in cov.held.items()}  # minutes

    def view(self, party: str | None, at: float) -> dict[str, Any]:
        view = incident_view(self.state, self.projector, minutes(at), party)
        return {**view, "contracts": {c["contract_id"]: c for c in view["contracts"]}}


def handed_back_and_linked() -> Incident:
    """acme's TAC L1 10-30, back at northwind L2 from 30, linked 40-100, northwind L2 again."""
    inc = Incident()
    inc.event("escalated", 10, to_party="acme", to_tier="TAC L1")
    inc.event("assigned", 30, "acme", party="northwind", tier="L2")
    assert inc.link(40) == [] and inc.unlink(100) == []  # no clock moves, no contract starts
    return inc


def test_while_linked_the_provider_holds_it_on_every_link() -> None:
    inc = handed_back_and_linked()
    assert inc.held("na", 120) == {"acme/TAC L1": 20, "northwind/L2": 30, HELD: 60}
    assert inc.held("in", 120) == {
        "northwind/": 10,
        "acme/TAC L1": 20,
        "northwind/L2": 30,
        HELD: 60,
    }
    northwind = inc.view("northwind", 120)["contracts"]
    assert northwind["na"]["held_by_side"] == {"owing": 80 * 60.0, "owed": 30 * 60.0}
    # The customer's contract: the provider's side (its partner's, the owing one) held it.
    customer = inc.view("initech", 120)["contracts"]
    assert list(customer) == ["in"]
    assert {"party": "acme", "tier": f"outage:{OUTAGE}", "side": "owing"} in [
        {k: h[k] for k in ("party", "tier", "side")} for h in customer["in"]["held"]
    ]
    assert customer["in"]["held_by_side"] == {"owing": 120 * 60.0, "owed": 0.0}


def test_the_ball_is_in_the_providers_court_until_unlinked() -> None:
    inc = Incident()
    inc.event("escalated", 10, to_party="acme", to_tier="TAC L1")
    inc.event("assigned", 30, "acme", party="northwind", tier="L2")
    assert inc.view(None, 35)["contracts"]["na"]["ball"] == {"side": "owed", "party": "northwind"}
    inc.link(40)
    view = inc.view(None, 50)
    assert view["held_by_now"] == {"party": "acme", "tier": f"outage:{OUTAGE}"}
    assert view["contracts"]["na"]["ball"] == {"side": "owing", "party": "acme"}
    assert view["contracts"]["in"]["ball"] == {"side": "owing", "party": "northwind"}
    inc.unlink(60)
    assert inc.view(None, 70)["held_by_now"] == {"party": "northwind", "tier": "L2"}


def test_linking_is_no_hand_off_an_incident_never_with_the_provider_keeps_its_one_contract() -> (
    None
):
    inc = Incident()
    assert inc.link(5) == []
    assert [c.contract_id for c in inc.state.coverages] == ["in"]
    assert inc.held("in", 65) == {"northwind/": 5, HELD: 60}


def test_the_resolution_ends_the_hold_and_a_later_unlink_changes_nothing() -> None:
    inc = Incident()
    inc.event("escalated", 10, to_party="acme", to_tier="TAC L1")
    inc.link(20)
    inc.event("resolved", 50, "acme", resolution_code="fixed")
    assert inc.state.outage is None
    inc.event("assigned", 51, "acme", party="northwind", tier="L1")  # the hand-back
    inc.event("reopened", 60, "initech", reason="still down")  # rejected: reopened, unlinked
    inc.unlink(60)
    assert inc.held("na", 90) == {"acme/TAC L1": 10, HELD: 30, "northwind/L1": 30}


def test_pending_the_customer_the_customer_holds_it_even_while_linked() -> None:
    inc = Incident()
    inc.link(10)
    inc.event("status_changed", 20, "acme", to_status="pending_customer")
    inc.event("status_changed", 30, "initech", to_status="in_progress")
    assert inc.held("in", 40) == {"northwind/": 10, HELD: 20, "initech/": 10}


def test_redeliveries_and_other_outages_change_nothing() -> None:
    inc = Incident()
    inc.link(10)
    linked = inc.state
    inc.unlink(20, outage="another")
    assert inc.state.outage == OUTAGE
    inc.link(30)
    assert inc.state.outage == linked.outage
    closed = Incident()
    closed.event("closed", 5, "initech")
    closed.link(10)
    assert closed.state.outage is None


def test_a_state_stored_before_outages_loads_and_a_linked_one_round_trips() -> None:
    inc = Incident()
    inc.event("escalated", 10, to_party="acme", to_tier="TAC L1")
    raw = json.loads(STATE.dump_json(inc.state))
    del raw["outage"]  # as stored before outages
    assert STATE.validate_python(raw) == inc.state
    inc.link(20)
    restored = STATE.validate_json(STATE.dump_json(inc.state))
    assert restored == inc.state and restored.holder == HELD
    assert restored.draft() == restored  # the draft keeps the hold
