"""Escalation in the value web: two providers, acme (routers, switches) and globex (firewalls), each
with its own tiers and rules, and northwind a partner of both. Every incident is decided with its
own provider's configuration (and its partner's own, whatever the vendor): a globex incident
never reaches an acme tier, nor an acme incident a globex one. A longer chain's middle supplier
is a party the ladder passes through, or skips when it has no tiers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from escalation_demo import (
    DIST_TIERS,
    GLOBEX_RULES,
    GLOBEX_TIERS,
    NORTHWIND_WEB_RULES,
    PROFILES,
    RULES,
    T0,
    TIERS,
    land,
    opened_data,
    web_opened,
)
from pydantic import TypeAdapter, ValidationError

from village_escalation.domain import escalation as esc
from village_escalation.domain.config import (
    ConfigSnapshot,
    ProfileDoc,
    RulesDoc,
    SupplierTiers,
    TierRef,
    TiersDoc,
)
from village_escalation.domain.escalation import Decision, IncidentEscalation
from village_escalation.domain.facts import Assigned, Resolved
from village_platform.errors import DomainError

STATE = TypeAdapter(IncidentEscalation)

PROVIDERS = {"acme": (TIERS["acme"], RULES["acme"]), "globex": (GLOBEX_TIERS, GLOBEX_RULES)}


def web_snapshot(
    provider: str,
    *,
    middle: dict[str, dict[str, Any] | None] | None = None,
    partner_tiers: dict[str, Any] | None = TIERS["northwind"],
    partner_rules: dict[str, Any] = NORTHWIND_WEB_RULES,
) -> ConfigSnapshot:
    """What the repository pins for a northwind incident of `provider`'s product: that
    provider's tiers and rules, northwind's own, acme's profile of northwind only for acme's
    incidents, and the tiers of the middle suppliers (None: one without tiers)."""
    tiers, rules = PROVIDERS[provider]
    middle = middle or {}
    profile = ProfileDoc.model_validate(PROFILES["northwind"]) if provider == "acme" else None
    return ConfigSnapshot(
        provider=provider,
        partner="northwind",
        middle=tuple(middle),
        middle_tiers=tuple(
            SupplierTiers(party=p, tiers=TiersDoc.model_validate(doc), version=1)
            for p, doc in middle.items()
            if doc is not None
        ),
        provider_tiers=TiersDoc.model_validate(tiers),
        provider_tiers_version=1,
        provider_rules=RulesDoc.for_owner(rules, provider, provider),
        provider_rules_version=1,
        partner_tiers=None if partner_tiers is None else TiersDoc.model_validate(partner_tiers),
        partner_tiers_version=None if partner_tiers is None else 1,
        partner_rules=RulesDoc.for_owner(partner_rules, "northwind", {"acme", "globex"}),
        partner_rules_version=2,
        partner_profile=profile,
        partner_profile_version=1 if profile else None,
    )


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def only(decisions: list[Decision]) -> Decision:
    assert len(decisions) == 1, decisions
    return decisions[0]


def climb(state: IncidentEscalation, decisions: list[Decision]) -> list[TierRef]:
    """Land every decision, letting each tier's timed policy fire, to the top of the ladder:
    every tier the incident passes through."""
    at, path = 1.0, []
    while decisions:
        state, _ = land(state, only(decisions), minutes(at))
        assert state.current is not None
        path.append(state.current)
        due = esc.next_due(state)
        if due is None:
            break
        at = (due - T0).total_seconds() / 60 + 1
        state, decisions = esc.advance(state, minutes(at))
    return path


# --------------------------------------------------------------------------- two providers


def test_a_globex_incident_is_routed_by_globex_rules_never_to_acme() -> None:
    state, decisions = esc.open(web_opened("globex", "S2"), T0, web_snapshot("globex"))
    route = only(decisions)
    # northwind's s2-to-acme comes first, but routes to acme: not this incident's provider.
    # globex's gx-premier does not match: acme's profile of northwind is not globex's.
    assert route.to_tier == TierRef("globex", "GX L2")
    assert route.basis == {"type": "rule", "party": "globex", "id": "gx-uncertified", "version": 1}
    assert route.reason == (
        "S2 for firewalls: northwind is not certified for firewalls"
        " (rule gx-uncertified of globex, v1)"
    )
    assert state.pinned == {
        "tiers/globex": 1,
        "rules/globex": 1,
        "tiers/northwind": 1,
        "rules/northwind": 2,
    }
    assert {r.party for r in state.ladder.rungs} == {"northwind", "globex"}


def test_an_acme_incident_of_the_same_partner_is_routed_by_acme_and_northwind_rules() -> None:
    _, decisions = esc.open(web_opened("acme", "S2", "switches"), T0, web_snapshot("acme"))
    route = only(decisions)
    assert route.to_tier == TierRef("acme", "TAC L2")
    assert route.basis == {"type": "rule", "party": "northwind", "id": "s2-to-acme", "version": 2}
    _, decisions = esc.open(web_opened("acme", "S3", "switches"), T0, web_snapshot("acme"))
    assert only(decisions).basis["id"] == "uncertified"  # acme's rule, acme's profile
    assert only(decisions).to_tier == TierRef("acme", "TAC L1")


def test_the_partners_own_rules_and_tiers_apply_whatever_the_vendor() -> None:
    s3_to_l2 = {
        "rules": [
            {
                "id": "s3-l2",
                "priority": 1,
                "match": {"severities": ["S3"]},
                "route_to": {"party": "northwind", "tier": "L2"},
            }
        ]
    }
    for provider in ("acme", "globex"):
        config = web_snapshot(provider, partner_rules=s3_to_l2)
        route = only(esc.open(web_opened(provider), T0, config).decisions)
        assert route.to_tier == TierRef("northwind", "L2"), provider
        assert route.basis["party"] == "northwind"


@pytest.mark.parametrize("provider, other", [("globex", "acme"), ("acme", "globex")])
def test_the_ladder_climbs_to_the_incidents_own_provider_only(provider: str, other: str) -> None:
    state, decisions = esc.open(web_opened(provider), T0, web_snapshot(provider))
    path = climb(state, decisions)
    assert path[:2] == [TierRef("northwind", "L1"), TierRef("northwind", "L2")]
    tiers = [t["name"] for t in PROVIDERS[provider][0]["tiers"]]
    assert path[2:] == [TierRef(provider, t) for t in tiers]
    assert all(ref.party != other for ref in path)


def test_a_hand_back_and_a_manual_request_stay_on_the_incidents_chain() -> None:
    state, decisions = esc.open(web_opened("globex", "S1"), T0, web_snapshot("globex"))
    state, _ = land(state, only(decisions), minutes(1))
    assert state.current == TierRef("globex", "GX L2")
    back = only(esc.follow(state, Resolved.of({}, minutes(5))).decisions)
    assert back.to_tier == TierRef("northwind", "L1")
    with pytest.raises(DomainError) as refused:
        esc.request(state, "mine", "acme", "al", "r-1", minutes(6))
    assert refused.value.status == 403
    _, manual = esc.request(state, "faster", "globex", "gina", "r-2", minutes(6))
    assert manual.to_tier == TierRef("globex", "GX L3")


def test_a_partners_rules_may_route_to_any_supplier_it_buys_from() -> None:
    doc = RulesDoc.for_owner(NORTHWIND_WEB_RULES, "northwind", {"acme", "globex"})
    assert {r.route_to.party for r in doc.rules} == {"northwind", "acme"}
    stray = {
        "rules": [{**NORTHWIND_WEB_RULES["rules"][1], "route_to": {"party": "x", "tier": "L1"}}]
    }
    with pytest.raises(ValidationError, match="must be northwind, acme or globex, not x"):
        RulesDoc.for_owner(stray, "northwind", {"globex", "acme"})
    with pytest.raises(ValidationError, match="must be northwind or acme, not x"):
        RulesDoc.for_owner(stray, "northwind", "acme")


# --------------------------------------------------------------------------- longer chains

FOUR = ["initech", "northwind", "dist", "globex"]


def test_a_four_party_chain_passes_through_the_middle_suppliers_tiers() -> None:
    config = web_snapshot("globex", middle={"dist": DIST_TIERS})
    state, decisions = esc.open(web_opened("globex", chain=FOUR), T0, config)
    assert state.chain == tuple(FOUR) and state.suppliers == ("northwind", "dist", "globex")
    assert state.pinned["tiers/dist"] == 1
    path = climb(state, decisions)
    assert [str(t) for t in path] == [
        "northwind L1",
        "northwind L2",
        "dist D1",
        "dist D2",
        "globex GX L1",
        "globex GX L2",
        "globex GX L3",
    ]


def test_a_middle_supplier_without_tiers_is_skipped() -> None:
    config = web_snapshot("globex", middle={"dist": None})
    state, decisions = esc.open(web_opened("globex", chain=FOUR), T0, config)
    path = climb(state, decisions)
    assert [t.party for t in path] == ["northwind", "northwind", "globex", "globex", "globex"]
    # Nobody before the provider has tiers: the provider's first, and the reason says who not.
    config = web_snapshot("globex", middle={"dist": None}, partner_tiers=None)
    route = only(esc.open(web_opened("globex", chain=FOUR), T0, config).decisions)
    assert route.to_tier == TierRef("globex", "GX L1")
    assert route.reason == (
        "no routing rule matched and northwind, dist have no tiers: globex's first tier,"
        " GX L1 (default)"
    )


def test_without_partner_tiers_a_four_party_chain_starts_at_the_middle_supplier() -> None:
    config = web_snapshot("globex", middle={"dist": DIST_TIERS}, partner_tiers=None)
    state, decisions = esc.open(web_opened("globex", chain=FOUR), T0, config)
    route = only(decisions)
    assert route.to_tier == TierRef("dist", "D1")
    assert route.reason == (
        "no routing rule matched and northwind has no tiers: dist's first tier, D1 (default)"
    )
    # Resolved at the middle supplier's tier: handed back to the owner.
    state, _ = land(state, route, minutes(1))
    back = only(esc.follow(state, Resolved.of({}, minutes(5))).decisions)
    assert back.to_tier == TierRef("northwind", "")


def test_the_middle_supplier_may_ask_and_a_tierless_move_goes_up_the_chain() -> None:
    config = web_snapshot("globex", middle={"dist": DIST_TIERS})
    state, decisions = esc.open(web_opened("globex", chain=FOUR), T0, config)
    state, _ = land(state, only(decisions), minutes(1))
    assigned = {"party": "northwind", "tier": None, "assignee": "nina"}
    state, _ = esc.follow(state, Assigned.of(assigned, minutes(2)))
    _, manual = esc.request(state, "needs dist", "northwind", "nina", "r-1", minutes(3))
    assert manual.to_tier == TierRef("dist", "D1")
    _, by_dist = esc.request(state, "we take it", "dist", "dan", "r-2", minutes(3))
    assert by_dist.basis["requested_by"] == "dist"
    with pytest.raises(DomainError):
        esc.request(state, "me too", "acme", "al", "r-3", minutes(3))


def test_the_configuration_must_be_for_the_incidents_middle_suppliers() -> None:
    with pytest.raises(ValueError, match="middle suppliers"):
        esc.open(web_opened("globex", chain=FOUR), T0, web_snapshot("globex"))
    stray = [{"party": "dist", "tiers": DIST_TIERS, "version": 1}]
    with pytest.raises(ValidationError, match="not in the middle of the chain: dist"):
        ConfigSnapshot.model_validate(
            {**web_snapshot("globex").model_dump(), "middle_tiers": stray}
        )


# --------------------------------------------------------------------------- old events


def test_an_opened_event_without_a_chain_has_its_three_parties() -> None:
    data = opened_data()
    assert "chain" not in data
    assert esc.chain_of(data) == ("initech", "northwind", "acme")
    state, _ = esc.open(data, T0, web_snapshot("acme"))
    assert state.chain == () and state.suppliers == ("northwind", "acme")
    assert state.upstream == ("acme",)
    # A chain that disagrees with the event's own parties is not trusted.
    disagreeing = {**data, "chain": ["initech", "contoso", "acme"]}
    assert esc.chain_of(disagreeing) == ("initech", "northwind", "acme")


def test_a_state_with_a_chain_round_trips_and_one_stored_before_chains_loads() -> None:
    config = web_snapshot("globex", middle={"dist": DIST_TIERS})
    state, _ = esc.open(web_opened("globex", chain=FOUR), T0, config)
    assert STATE.validate_json(STATE.dump_json(state)) == state
    old = STATE.dump_python(esc.open(opened_data(), T0, web_snapshot("acme")).state, mode="json")
    del old["chain"], old["ladder"]["middle"]
    loaded = STATE.validate_python(old)
    assert loaded.chain == () and loaded.ladder.middle == () and loaded.upstream == ("acme",)
