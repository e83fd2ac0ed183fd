"""Where a new incident starts: the demo rules, their order, the default, and rules skipped."""

from __future__ import annotations

import pytest
from escalation_demo import PARTNER_OF, snapshot

from village_escalation.domain.config import Match, ProfileDoc, RulesDoc, TierRef
from village_escalation.domain.routing import NewIncident, evaluate, matches


def incident(
    severity: str = "S3", product: str = "routers", customer: str = "initech"
) -> NewIncident:
    return NewIncident(severity, product, customer, PARTNER_OF[customer], "acme")


def rule(id: str, priority: int, party: str, tier: str, **match: object) -> dict[str, object]:
    return {
        "id": id,
        "priority": priority,
        "match": match,
        "route_to": {"party": party, "tier": tier},
    }


@pytest.mark.parametrize(
    "severity, product, customer, to, basis",
    [
        (
            "S1",
            "firewalls",
            "initech",
            TierRef("acme", "TAC L2"),
            ("rule", "acme", "s1-uncertified"),
        ),
        ("S3", "firewalls", "initech", TierRef("acme", "TAC L1"), ("rule", "acme", "uncertified")),
        (
            "S1",
            "routers",
            "initech",
            TierRef("northwind", "L2"),
            ("rule", "northwind", "s1-routers"),
        ),
        ("S3", "routers", "initech", TierRef("northwind", "L1"), ("default", "northwind", None)),
        (
            "S1",
            "routers",
            "umbrella",
            TierRef("acme", "TAC L2"),
            ("rule", "acme", "s1-uncertified"),
        ),
        ("S2", "firewalls", "umbrella", TierRef("contoso", "L1"), ("default", "contoso", None)),
    ],
)
def test_the_demo_rules(
    severity: str, product: str, customer: str, to: TierRef, basis: tuple[str, str, str | None]
) -> None:
    route = evaluate(incident(severity, product, customer), snapshot(PARTNER_OF[customer]))
    assert route is not None
    assert route.to == to
    assert (route.basis["type"], route.basis["party"], route.basis.get("id")) == basis
    assert route.basis["version"] == 1


def test_the_reason_names_the_facts_and_the_rule() -> None:
    route = evaluate(incident("S1", "firewalls"), snapshot())
    assert route is not None
    assert route.reason == (
        "S1 for firewalls: northwind is not certified for firewalls"
        " (rule s1-uncertified of acme, v1)"
    )
    assert route.basis == {"type": "rule", "party": "acme", "id": "s1-uncertified", "version": 1}
    route = evaluate(incident("S1", "routers"), snapshot(version=4))
    assert route is not None and route.reason == "S1 for routers (rule s1-routers of northwind, v4)"


def test_no_rule_defaults_to_the_partners_first_tier() -> None:
    route = evaluate(incident("S3", "routers"), snapshot())
    assert route is not None
    assert route.basis == {"type": "default", "party": "northwind", "tier": "L1", "version": 1}
    assert route.reason == "no routing rule matched: northwind's first tier, L1 (default)"


def test_a_partner_without_tiers_defaults_to_the_provider_and_nobody_with_tiers_is_unrouted() -> (
    None
):
    route = evaluate(incident(), snapshot(tiers={"northwind": None}))
    assert route is not None and route.to == TierRef("acme", "TAC L1")
    assert "northwind has no tiers" in route.reason
    assert evaluate(incident(), snapshot(tiers={"northwind": None, "acme": None})) is None
    # An empty tiers document is no tiers either.
    route = evaluate(incident(), snapshot(tiers={"northwind": {"tiers": []}}))
    assert route is not None and route.to == TierRef("acme", "TAC L1")


def test_the_provider_wins_a_priority_tie_then_the_id_decides() -> None:
    rules = {
        "acme": {"rules": [rule("zz", 50, "acme", "TAC L1", severities=["S1"])]},
        "northwind": {"rules": [rule("aa", 50, "northwind", "L2", severities=["S1"])]},
    }
    route = evaluate(incident("S1"), snapshot(rules=rules))
    assert route is not None and route.basis["id"] == "zz"
    rules = {"acme": {"rules": [rule("b", 5, "acme", "TAC L2"), rule("a", 5, "acme", "TAC L1")]}}
    route = evaluate(incident(), snapshot(rules=rules))
    assert route is not None and route.basis["id"] == "a"
    # A lower priority number wins, whoever owns it.
    rules["northwind"] = {"rules": [rule("first", 1, "northwind", "L2")]}
    route = evaluate(incident(), snapshot(rules=rules))
    assert route is not None and route.basis == {
        "type": "rule",
        "party": "northwind",
        "id": "first",
        "version": 1,
    }


def test_a_rule_naming_a_missing_tier_is_skipped() -> None:
    """The tier existed when the rule was written, or never: either way the next rule decides."""
    rules = {
        "northwind": {
            "rules": [rule("gone", 1, "northwind", "L9"), rule("ok", 2, "northwind", "L2")]
        }
    }
    route = evaluate(incident(), snapshot(rules=rules))
    assert route is not None and route.basis["id"] == "ok"
    tiers = {"acme": {"tiers": [{"name": "TAC L1"}]}}
    route = evaluate(incident("S1", "firewalls"), snapshot(tiers=tiers))
    assert route is not None and route.basis["id"] == "uncertified"  # TAC L2 is gone


def test_a_rule_routing_to_another_partner_is_skipped() -> None:
    rogue = RulesDoc.model_validate(
        {"rules": [rule("steal", 1, "contoso", "L1")]}
    )  # no owner check
    config = snapshot().model_copy(update={"partner_rules": rogue})
    route = evaluate(incident(), config)
    assert route is not None and route.basis["type"] == "default"


def test_the_provider_rules_for_named_partners_levels_and_customers() -> None:
    rules = {
        "acme": {
            "rules": [
                rule("contoso-only", 1, "acme", "Engineering L3", partners=["contoso"]),
                rule(
                    "premier-s2", 2, "acme", "TAC L2", partner_levels=["premier"], severities=["S2"]
                ),
                rule("initech", 3, "acme", "TAC L1", customers=["initech"], products=["switches"]),
            ]
        }
    }
    route = evaluate(incident("S2"), snapshot(rules=rules))
    assert route is not None and route.basis["id"] == "premier-s2"
    assert (
        route.reason
        == "S2 for routers: northwind is a premier partner (rule premier-s2 of acme, v1)"
    )
    route = evaluate(incident("S3", "switches"), snapshot(rules=rules))
    assert route is not None and route.basis["id"] == "initech"
    assert route.reason == "S3 for switches: customer initech (rule initech of acme, v1)"
    route = evaluate(incident("S3", customer="umbrella"), snapshot("contoso", rules=rules))
    assert route is not None and route.to == TierRef("acme", "Engineering L3")


def test_matching_without_a_profile() -> None:
    """No profile: no level, certified for nothing."""
    premier = ProfileDoc(level="premier", specialisations=("routers",))
    assert matches(Match(partner_certified=True), incident(), premier)
    assert not matches(Match(partner_certified=True), incident(), None)
    assert matches(Match(partner_certified=False), incident(), None)
    assert not matches(Match(partner_levels=("premier",)), incident(), None)
    assert matches(Match(), incident(), None)
