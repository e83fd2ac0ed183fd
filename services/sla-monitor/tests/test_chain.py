"""The SLA projection along a longer supply chain: each link's contract from the first hand-off
to its supplier or beyond, the ball attributed to a side of every link, what the customer may be
shown of it, the chain check over adjacent links, and incidents opened before chains. Pure: no
database, no broker, no `now()`.

The chain in these tests: litware (customer) <- fabrikam (partner, a managed-service provider)
<- northwind (its reseller) <- acme (provider).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from village_sla_monitor.domain.contracts import Shortfall, Terms, adjacent_links, chain_shortfalls
from village_sla_monitor.domain.events import SlaFact
from village_sla_monitor.domain.projection import IncidentEvent, IncidentSla, Projector
from village_sla_monitor.views import chains_view, incident_view

CUSTOMER, PARTNER, RESELLER, PROVIDER = "litware", "fabrikam", "northwind", "acme"
CHAIN = [CUSTOMER, PARTNER, RESELLER, PROVIDER]
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STATE = TypeAdapter(IncidentSla)


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def contract(contract_id: str, kind: str, provider: str, customer: str, **targets: int) -> Terms:
    spec = {
        "kind": kind,
        "provider": provider,
        "customer": customer,
        "targets": {"S1": {f"{clock}_minutes": m for clock, m in targets.items()}},
    }
    return Terms.from_spec(contract_id, 1, spec, T0 - timedelta(days=30))


# litware-fabrikam is carried by fabrikam-northwind except for resolution (60 minutes short);
# fabrikam-northwind by northwind-acme except for the response (20 minutes short).
LF = contract("lf", "customer_facing", PARTNER, CUSTOMER, respond=15, resolve=240)
FN = contract("fn", "underpinning", RESELLER, PARTNER, respond=10, resolve=300)
NA = contract("na", "underpinning", PROVIDER, RESELLER, respond=30, resolve=240)
FN_UPDATES = contract("fn-u", "underpinning", RESELLER, PARTNER, respond=10, resolve=300, update=60)
NA_UPDATES = contract(
    "na-u", "underpinning", PROVIDER, RESELLER, respond=30, resolve=240, update=60
)


class Incident:
    """One incident on the four-party chain, projected from its opening; the caller of `event`
    finds the contracts of the links a hand-off brings in, as the handler does."""

    def __init__(self, *links: Terms, opened: dict[str, Any] | None = None) -> None:
        links = links or (LF, FN, NA)
        book = {(t.contract_id, t.version): t for t in links}
        self.projector = Projector(lambda contract_id, version: book[(contract_id, version)])
        self.underpinning = {(t.customer, t.provider): t for t in links[1:]}
        data = opened or {
            "incident_id": "INC-4",
            "customer": CUSTOMER,
            "partner": PARTNER,
            "provider": PROVIDER,
            "chain": CHAIN,
            "severity": "S1",
        }
        self.state, self.facts = self.projector.open(data, T0, links[0])

    def event(
        self, name: str, at: datetime, actor: str = PARTNER, visibility: str = "shared", **data: Any
    ) -> list[SlaFact]:
        party = data.get("to_party") or data.get("party")
        links = self.state.links_handed_to(party) if party else []
        found = [self.underpinning[link] for link in links if link in self.underpinning]
        event = IncidentEvent(name, data, at, actor, visibility)
        self.state, facts = self.projector.evolve(self.state, event, found)
        self.facts += facts
        return facts

    def escalate(self, at: datetime, party: str, tier: str = "L2") -> list[SlaFact]:
        return self.event("escalated", at, to_party=party, to_tier=tier)

    def note(self, at: datetime, actor: str, visibility: str) -> list[SlaFact]:
        return self.event("note_added", at, actor=actor, visibility=visibility)

    def advance(self, at: datetime) -> list[SlaFact]:
        self.state, facts = self.projector.advance(self.state, at)
        self.facts += facts
        return facts

    def covered(self) -> list[str]:
        return [c.contract_id for c in self.state.coverages]

    def coverage(self, contract_id: str) -> Any:
        return next(c for c in self.state.coverages if c.contract_id == contract_id)

    def view(self, party: str | None, at: datetime) -> dict[str, Any]:
        return incident_view(self.state, self.projector, at, party)


def started(facts: list[SlaFact]) -> list[tuple[str, str, str, str, datetime, datetime]]:
    """(contract, clock, owing, owed, at, due) of every clock started."""
    return [
        (
            f.contract_id,
            f.clock,
            f.owing_party,
            f.owed_party,
            datetime.fromisoformat(f.at),
            datetime.fromisoformat(f.due_at),
        )
        for f in facts
        if f.NAME == "clock_started"
    ]


# --- each link's clocks ------------------------------------------------------------------------


def test_opening_covers_only_the_first_link() -> None:
    inc = Incident()
    assert inc.state.parties == CHAIN
    assert started(inc.facts) == [
        ("lf", "respond", PARTNER, CUSTOMER, T0, minutes(15)),
        ("lf", "resolve", PARTNER, CUSTOMER, T0, minutes(240)),
    ]
    assert inc.state.links_handed_to(PROVIDER) == [(PARTNER, RESELLER), (RESELLER, PROVIDER)]


def test_each_hand_off_along_the_chain_starts_the_clocks_of_its_link() -> None:
    inc = Incident()
    assert started(inc.escalate(minutes(20), RESELLER)) == [
        ("fn", "respond", RESELLER, PARTNER, minutes(20), minutes(30)),
        ("fn", "resolve", RESELLER, PARTNER, minutes(20), minutes(320)),
    ]
    assert inc.state.handed_off_at == minutes(20)
    assert started(inc.escalate(minutes(40), PROVIDER, "TAC L2")) == [
        ("na", "respond", PROVIDER, RESELLER, minutes(40), minutes(70)),
        ("na", "resolve", PROVIDER, RESELLER, minutes(40), minutes(280)),
    ]
    assert inc.covered() == ["lf", "fn", "na"]
    assert inc.state.handed_off_at == minutes(20)  # the first hand-off
    assert set(inc.projector.timers(inc.state)) == {
        f"INC-4|{c}|{clock}" for c in ("lf", "fn", "na") for clock in ("respond", "resolve")
    }


def test_handing_straight_to_the_provider_brings_in_every_link_on_the_way() -> None:
    inc = Incident()
    facts = inc.event("assigned", minutes(20), party=PROVIDER, tier="L1")
    assert [(c, clock, at) for c, clock, _, _, at, _ in started(facts)] == [
        ("fn", "respond", minutes(20)),
        ("fn", "resolve", minutes(20)),
        ("na", "respond", minutes(20)),
        ("na", "resolve", minutes(20)),
    ]
    assert inc.covered() == ["lf", "fn", "na"]


def test_only_the_first_hand_off_to_a_party_brings_in_its_link() -> None:
    inc = Incident()
    inc.escalate(minutes(20), PROVIDER)
    assert started(inc.escalate(minutes(30), RESELLER)) == []  # back along the chain
    assert started(inc.escalate(minutes(40), PROVIDER, "L3")) == []
    assert started(inc.event("assigned", minutes(50), party=PARTNER, tier="L1")) == []
    assert inc.covered() == ["lf", "fn", "na"]
    assert inc.coverage("na").clocks["respond"].started_at == minutes(20)


def test_a_hand_off_within_the_owner_or_to_a_collaborator_brings_in_no_link() -> None:
    inc = Incident()
    assert started(inc.escalate(minutes(10), PARTNER, "L2")) == []
    assert started(inc.event("assigned", minutes(20), party="contoso", tier=None)) == []
    assert inc.covered() == ["lf"]
    assert inc.state.handed_off_at is None
    assert inc.state.links_handed_to(RESELLER) == [(PARTNER, RESELLER)]


def test_a_link_without_a_contract_runs_no_clock_but_the_next_still_does() -> None:
    inc = Incident(LF, NA)  # fabrikam and northwind have no contract
    assert started(inc.escalate(minutes(20), RESELLER)) == []
    assert [c for c, *_ in started(inc.escalate(minutes(40), PROVIDER))] == ["na", "na"]
    assert inc.covered() == ["lf", "na"]


def test_each_supplier_responds_for_its_own_link() -> None:
    inc = Incident()
    inc.event("acknowledged", minutes(5), actor=RESELLER, party=RESELLER)  # before its hand-off
    inc.escalate(minutes(20), PROVIDER)
    assert inc.coverage("fn").clocks["respond"].outcome == "met"  # at once, at the hand-off
    assert inc.coverage("na").clocks["respond"].running
    assert inc.coverage("lf").clocks["respond"].running  # fabrikam still owes litware
    inc.event("acknowledged", minutes(25), actor=PROVIDER, party=PROVIDER)
    assert inc.coverage("na").clocks["respond"].outcome == "met"
    assert inc.coverage("lf").clocks["respond"].running


def test_a_restricted_note_updates_only_the_party_it_is_for() -> None:
    """A middle party's restricted note is for its own supplier, not for the party it owes;
    the provider's is for its buyer."""
    inc = Incident(LF, FN_UPDATES, NA_UPDATES)
    for party in (PARTNER, RESELLER, PROVIDER):
        inc.event("acknowledged", minutes(1), actor=party, party=party)
    inc.escalate(minutes(10), PROVIDER)  # both acknowledged: their update clocks start

    def restarted(facts: list[SlaFact]) -> list[tuple[str, int]]:
        return [(f.contract_id, f.round) for f in facts if f.NAME == "clock_started"]

    assert restarted(inc.note(minutes(20), RESELLER, "restricted")) == []
    assert restarted(inc.note(minutes(30), PROVIDER, "restricted")) == [("na-u", 1)]
    assert restarted(inc.note(minutes(40), RESELLER, "shared")) == [("fn-u", 1)]


def test_every_links_clocks_pause_while_pending_the_customer_and_stop_at_resolution() -> None:
    inc = Incident()
    inc.escalate(minutes(20), PROVIDER)
    paused = inc.event("status_changed", minutes(30), to_status="pending_customer")
    assert [(f.contract_id, f.clock) for f in paused if f.NAME == "clock_paused"] == [
        ("lf", "resolve"),
        ("fn", "resolve"),
        ("na", "resolve"),
    ]
    inc.event("status_changed", minutes(60), actor=CUSTOMER, to_status="in_progress")
    met = [f for f in inc.event("resolved", minutes(90), actor=PROVIDER) if f.clock == "resolve"]
    assert [(f.contract_id, f.outcome, f.elapsed_seconds) for f in met] == [
        ("lf", "met", 60 * 60.0),
        ("fn", "met", 40 * 60.0),
        ("na", "met", 40 * 60.0),
    ]


# --- the ball along the chain ------------------------------------------------------------------


def story() -> Incident:
    """fabrikam holds 0-20, northwind 20-40, acme 40-60, litware (pending) 60-90, acme 90-120."""
    inc = Incident()
    inc.escalate(minutes(20), RESELLER)
    inc.escalate(minutes(40), PROVIDER, "TAC L2")
    inc.event("status_changed", minutes(60), actor=PROVIDER, to_status="pending_customer")
    inc.event("status_changed", minutes(90), actor=CUSTOMER, to_status="in_progress")
    inc.advance(minutes(120))
    return inc


def test_held_time_follows_the_ball_on_every_link_from_its_start() -> None:
    inc = story()
    assert inc.coverage("lf").held == {
        "fabrikam/": 1200.0,
        "northwind/L2": 1200.0,
        "acme/TAC L2": 3000.0,
        "litware/": 1800.0,
    }
    assert inc.coverage("fn").held == {
        "northwind/L2": 1200.0,
        "acme/TAC L2": 3000.0,
        "litware/": 1800.0,
    }
    assert inc.coverage("na").held == {"acme/TAC L2": 3000.0, "litware/": 1800.0}


def test_the_ball_is_on_the_supplier_side_of_every_link_up_to_its_holder() -> None:
    inc = Incident()
    inc.escalate(minutes(40), PROVIDER)
    lf, fn, na = (inc.coverage(c) for c in ("lf", "fn", "na"))
    assert [inc.state.side(lf, p) for p in CHAIN] == ["owed", "owing", "owing", "owing"]
    assert [inc.state.side(fn, p) for p in CHAIN] == ["owed", "owed", "owing", "owing"]
    assert [inc.state.side(na, p) for p in CHAIN] == ["owed", "owed", "owed", "owing"]
    # A collaborator works with the owner: on fabrikam's side of every link.
    assert [inc.state.side(c, "contoso") for c in (lf, fn, na)] == ["owing", "owed", "owed"]


def test_each_links_view_says_which_side_the_ball_is_on_and_for_how_long() -> None:
    inc = story()
    northwind = {c["contract_id"]: c for c in inc.view(RESELLER, minutes(120))["contracts"]}
    assert list(northwind) == ["fn", "na"]  # its two links, not litware-fabrikam
    assert northwind["fn"]["ball"] == {"side": "owing", "party": RESELLER}
    assert northwind["na"]["ball"] == {"side": "owing", "party": PROVIDER}
    assert northwind["fn"]["held_by_side"] == {"owing": 4200.0, "owed": 1800.0}
    assert northwind["na"]["held_by_side"] == {"owing": 3000.0, "owed": 1800.0}
    assert [(h["party"], h["side"]) for h in northwind["na"]["held"]] == [
        (PROVIDER, "owing"),
        (CUSTOMER, "owed"),
    ]
    inc.event("status_changed", minutes(130), actor=PROVIDER, to_status="pending_customer")
    waiting = inc.view(None, minutes(130))["contracts"]
    assert [c["ball"] for c in waiting] == [
        {"side": "owed", "party": CUSTOMER},
        {"side": "owed", "party": PARTNER},
        {"side": "owed", "party": RESELLER},
    ]


def test_the_customer_is_not_told_who_is_between_its_partner_and_the_provider() -> None:
    inc = story()
    inc.escalate(minutes(120), RESELLER, "L3")
    view = inc.view(CUSTOMER, minutes(150))
    assert RESELLER not in json.dumps(view, default=str)
    assert view["held_by_now"] == {"party": None, "tier": None}
    [lf] = view["contracts"]
    assert lf["ball"] == {"side": "owing", "party": PARTNER}
    assert lf["held"] == [  # northwind's L2 (20 minutes) and L3 (30), unnamed
        {"party": None, "tier": None, "side": "owing", "business_seconds": 3000.0},
        {"party": PROVIDER, "tier": "TAC L2", "side": "owing", "business_seconds": 3000.0},
        {"party": CUSTOMER, "tier": None, "side": "owed", "business_seconds": 1800.0},
        {"party": PARTNER, "tier": None, "side": "owing", "business_seconds": 1200.0},
    ]
    assert lf["held_by_side"] == {"owing": 7200.0, "owed": 1800.0}
    # Those working along the chain know it all.
    assert inc.view(PARTNER, minutes(150))["held_by_now"] == {"party": RESELLER, "tier": "L3"}


# --- the chain check ---------------------------------------------------------------------------


def test_the_chain_check_compares_every_pair_of_adjacent_links_and_no_other() -> None:
    assert adjacent_links([NA, LF, FN]) == [(LF, FN), (FN, NA)]
    assert chain_shortfalls(LF, FN) == [Shortfall("S1", "resolve", 240, 300)]
    assert chain_shortfalls(FN, NA) == [Shortfall("S1", "respond", 10, 30)]


def test_each_middle_party_sees_the_pair_of_links_it_is_the_middle_of() -> None:
    contracts = [LF, FN, NA]
    [fabrikam] = chains_view(contracts, PARTNER)
    assert (fabrikam["customer_facing"], fabrikam["underpinning"], fabrikam["chain"]) == (
        "lf",
        "fn",
        [CUSTOMER, PARTNER, RESELLER],
    )
    assert [(f["clock"], f["shortfall_minutes"]) for f in fabrikam["shortfalls"]] == [
        ("resolve", 60)
    ]
    [northwind] = chains_view(contracts, RESELLER)
    assert (northwind["customer_facing"], northwind["underpinning"], northwind["chain"]) == (
        "fn",
        "na",
        [PARTNER, RESELLER, PROVIDER],
    )
    assert [(f["clock"], f["shortfall_minutes"]) for f in northwind["shortfalls"]] == [
        ("respond", 20)
    ]
    assert chains_view(contracts, CUSTOMER) == chains_view(contracts, PROVIDER) == []
    assert [(i["customer_facing"], i["underpinning"]) for i in chains_view(contracts, None)] == [
        ("lf", "fn"),
        ("fn", "na"),
    ]


def test_a_supported_pair_further_along_the_chain_has_no_shortfall() -> None:
    fast = contract("na-fast", "underpinning", PROVIDER, RESELLER, respond=5, resolve=120)
    [northwind] = chains_view([FN, fast], RESELLER)
    assert northwind["supported"] and northwind["shortfalls"] == []


# --- incidents opened before chains ------------------------------------------------------------

OLD_OPENED = {  # village.incident.opened.v1 as published before chains: no `chain`
    "incident_id": "INC-3",
    "customer": "initech",
    "partner": "northwind",
    "provider": "acme",
    "severity": "S1",
}
CF3 = contract("cf3", "customer_facing", "northwind", "initech", respond=15, resolve=240, update=60)
UP3 = contract("up3", "underpinning", "acme", "northwind", respond=30, resolve=480, update=120)
OLD_STORY: list[tuple[int, str, str, str, dict[str, Any]]] = [
    (5, "acknowledged", "northwind", "shared", {"party": "northwind"}),
    (10, "escalated", "northwind", "restricted", {"to_party": "northwind", "to_tier": "L2"}),
    (20, "escalated", "northwind", "restricted", {"to_party": "acme", "to_tier": "TAC L2"}),
    (25, "acknowledged", "acme", "shared", {"party": "acme"}),
    (30, "note_added", "acme", "restricted", {}),
    (40, "note_added", "northwind", "restricted", {}),
    (60, "status_changed", "northwind", "shared", {"to_status": "pending_customer"}),
    (90, "status_changed", "initech", "shared", {"to_status": "in_progress"}),
    (100, "assigned", "acme", "restricted", {"party": "acme", "tier": "TAC L3"}),
    (400, "resolved", "acme", "shared", {}),
]


def project_old(opened: dict[str, Any], *, stored_before_chains: bool = False) -> Incident:
    inc = Incident(CF3, UP3, opened=opened)
    for minute, name, actor, visibility, data in OLD_STORY:
        if stored_before_chains:  # the state as the monitor stored it before chains
            raw = json.loads(STATE.dump_json(inc.state))
            del raw["chain"], raw["reached"]
            inc.state = STATE.validate_python(raw)
        inc.event(name, minutes(minute), actor=actor, visibility=visibility, **data)
    inc.advance(minutes(600))
    return inc


def test_an_opened_event_without_a_chain_projects_as_its_three_parties() -> None:
    old = project_old(OLD_OPENED)
    assert old.state.parties == ["initech", "northwind", "acme"]
    assert old.covered() == ["cf3", "up3"]
    assert old.coverage("up3").clocks["respond"].started_at == minutes(20)
    assert old.coverage("up3").clocks["update"].round == 1  # acme's restricted note reached
    assert old.coverage("cf3").held == {
        "northwind/": 600.0,
        "northwind/L2": 600.0,
        "acme/TAC L2": 3000.0,
        "initech/": 1800.0,
        "acme/TAC L3": 18000.0,
    }
    with_chain = project_old({**OLD_OPENED, "chain": ["initech", "northwind", "acme"]})
    assert old.facts == with_chain.facts
    assert old.state == with_chain.state


def test_a_state_stored_before_chains_loads_and_projects_the_same() -> None:
    stored = project_old(OLD_OPENED, stored_before_chains=True)
    assert stored.facts == project_old(OLD_OPENED).facts
    raw = json.loads(STATE.dump_json(stored.state))
    del raw["chain"], raw["reached"]
    loaded = STATE.validate_python(raw)
    assert loaded.parties == ["initech", "northwind", "acme"]
    assert loaded.furthest == 2 and loaded.links_handed_to("acme") == []
