"""The configuration documents: the demo set and the documented examples load; bad documents are
validation errors that say what is wrong."""

from __future__ import annotations

import pytest
from escalation_demo import PROFILES, RULES, TIERS, snapshot
from pydantic import BaseModel, ValidationError

from village_escalation.domain.config import (
    ConfigSnapshot,
    Match,
    Policy,
    ProfileDoc,
    RouteTo,
    Rule,
    RulesDoc,
    Tier,
    TiersDoc,
)

MODELS: list[type[BaseModel]] = [Policy, Tier, TiersDoc, ProfileDoc, Match, RouteTo, Rule, RulesDoc]


def test_the_demo_documents_load() -> None:
    acme = TiersDoc.model_validate(TIERS["acme"])
    assert [t.name for t in acme.tiers] == ["TAC L1", "TAC L2", "Engineering L3"]
    assert acme.ceiling == "Engineering L3"
    assert acme.tier("TAC L2").policy == Policy(ack_minutes=15, progress_minutes=120)  # type: ignore[union-attr]
    assert acme.tier("Engineering L3").policy == Policy()  # type: ignore[union-attr]
    assert TiersDoc.model_validate(TIERS["contoso"]).tiers[0].policy.progress_minutes is None
    assert ProfileDoc.model_validate(PROFILES["northwind"]).specialisations == ("routers",)
    rules = RulesDoc.for_owner(RULES["northwind"], "northwind", "acme")
    assert rules.rules[0].match.severities == ("S1",)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_documented_example_is_valid(model: type[BaseModel]) -> None:
    examples = model.model_json_schema()["examples"]
    assert examples
    for example in examples:
        assert model.model_validate(example).model_dump(mode="json", exclude_unset=True) == example


def test_the_examples_are_the_demo_set() -> None:
    assert TiersDoc.model_json_schema()["examples"] == [
        {**TIERS["northwind"], "ceiling": None},
        TIERS["acme"],
    ]
    assert ProfileDoc.model_json_schema()["examples"] == [
        PROFILES["northwind"],
        PROFILES["contoso"],
    ]
    assert RulesDoc.model_json_schema()["examples"] == [RULES["acme"], RULES["northwind"]]


def test_documents_round_trip_through_json() -> None:
    config = snapshot()
    assert ConfigSnapshot.model_validate_json(config.model_dump_json()) == config
    doc = TiersDoc.model_validate(TIERS["northwind"])
    assert TiersDoc.model_validate(doc.model_dump(mode="json")) == doc


def test_documents_are_frozen_and_closed() -> None:
    doc = TiersDoc.model_validate(TIERS["northwind"])
    with pytest.raises(ValidationError):
        doc.ceiling = "L2"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        TiersDoc.model_validate({**TIERS["northwind"], "owner": "northwind"})
    with pytest.raises(ValidationError, match="extra"):
        Policy.model_validate({"ack_minute": 30})


def _tiers(*names: str, ceiling: str | None = None, **policy: object) -> dict[str, object]:
    return {"tiers": [{"name": n, "policy": policy} for n in names], "ceiling": ceiling}


@pytest.mark.parametrize(
    "doc, message",
    [
        (_tiers("L1", "L1"), "tier names must be unique: L1"),
        (_tiers("L1", "L2", ceiling="L3"), "ceiling 'L3' is not one of the tiers"),
        (_tiers(ceiling="L1"), "ceiling 'L1' is not one of the tiers"),
        (_tiers("L1", sla_warning_percent=0), "greater than or equal to 1"),
        (_tiers("L1", sla_warning_percent=101), "less than or equal to 100"),
        (_tiers("L1", ack_minutes=0), "greater than or equal to 1"),
        (_tiers("L1", progress_minutes=100_001), "less than or equal to 100000"),
        (_tiers("L1", ack_minutes=True), "ack_minutes"),  # JSON true is not a number of minutes
        (_tiers(*[f"L{i}" for i in range(21)]), "at most 20 items"),
        (_tiers(""), "at least 1 character"),
        (_tiers("x" * 51), "at most 50 characters"),
        (_tiers(" L1"), "pattern"),
    ],
    ids=[
        "duplicate",
        "unknown-ceiling",
        "ceiling-without-tiers",
        "percent-0",
        "percent-101",
        "minutes-0",
        "minutes-too-many",
        "minutes-bool",
        "21-tiers",
        "empty-name",
        "long-name",
        "padded-name",
    ],
)
def test_bad_tiers_documents(doc: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TiersDoc.model_validate(doc)


def test_limits_are_inclusive() -> None:
    TiersDoc.model_validate(
        _tiers(*[f"L{i}" for i in range(20)], ack_minutes=100_000, sla_warning_percent=100)
    )
    TiersDoc.model_validate(
        _tiers("x" * 50, ceiling="x" * 50, ack_minutes=1, sla_warning_percent=1)
    )
    assert TiersDoc.model_validate({}).tiers == ()  # a party may have no tiers


def _rule(
    id: str = "r", party: str = "acme", tier: str = "TAC L1", **match: object
) -> dict[str, object]:
    return {"id": id, "priority": 1, "match": match, "route_to": {"party": party, "tier": tier}}


@pytest.mark.parametrize(
    "owner, doc, message",
    [
        ("acme", {"rules": [_rule("a"), _rule("a")]}, "rule ids must be unique: a"),
        (
            "northwind",
            {"rules": [_rule(party="contoso", tier="L1")]},
            "rule r: route_to.party must be northwind or acme, not contoso",
        ),
        (
            "acme",
            {"rules": [_rule(party="northwind", tier="L1")]},
            "route_to.party must be acme, not northwind",
        ),
        ("acme", {"rules": [_rule(severities=["S5"])]}, "S1"),
        ("acme", {"rules": [_rule(severities=[])]}, "at least 1 item"),
        ("acme", {"rules": [_rule(partner_certified="maybe")]}, "partner_certified"),
        ("acme", {"rules": [_rule(colour=["red"])]}, "extra"),
        ("acme", {"rules": [_rule("has space")]}, "pattern"),
        ("acme", {"rules": [{**_rule(), "priority": -1}]}, "greater than or equal to 0"),
        ("acme", {"rules": [_rule(str(i)) for i in range(201)]}, "at most 200 items"),
    ],
    ids=[
        "duplicate-id",
        "other-partner",
        "provider-to-partner",
        "bad-severity",
        "empty-list",
        "bad-bool",
        "unknown-condition",
        "bad-id",
        "negative-priority",
        "201-rules",
    ],
)
def test_bad_rules_documents(owner: str, doc: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RulesDoc.for_owner(doc, owner, "acme")


def test_route_to_is_checked_only_with_an_owner() -> None:
    """Without a context the document alone cannot know its owner; routing skips such a rule."""
    doc = {"rules": [_rule(party="contoso", tier="L1")]}
    assert RulesDoc.model_validate(doc).rules[0].route_to.party == "contoso"
    RulesDoc.for_owner({"rules": [_rule(str(i)) for i in range(200)]}, "acme", "acme")


def test_a_snapshot_pins_each_document_with_its_version() -> None:
    config = snapshot("northwind", version=3)
    assert config.versions() == {
        "tiers/acme": 3,
        "tiers/northwind": 3,
        "rules/acme": 3,
        "rules/northwind": 3,
        "profile/northwind": 3,
    }
    assert snapshot("contoso").versions() == {
        "tiers/acme": 1,
        "tiers/contoso": 1,
        "rules/acme": 1,
        "profile/contoso": 1,
    }
    with pytest.raises(
        ValidationError, match="partner_tiers and partner_tiers_version go together"
    ):
        ConfigSnapshot(provider="acme", partner="northwind", partner_tiers=TiersDoc())
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        ConfigSnapshot(
            provider="acme", partner="northwind", partner_tiers=TiersDoc(), partner_tiers_version=0
        )
