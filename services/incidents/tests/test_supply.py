"""Supplies and the chain of an incident (the value web): pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from village_incidents.domain import commands as c
from village_incidents.domain import events as e
from village_incidents.domain.incident import Party, evolve
from village_incidents.domain.rules import decide_open
from village_incidents.domain.supply import (
    MAX_CHAIN,
    Supply,
    chain_of,
    legacy_supplies,
    supply_path,
)
from village_platform.errors import DomainError

ROUTERS, FIREWALLS = "acme-routers", "globex-firewalls"
WEB = [
    Supply("acme", "northwind"),  # northwind resells everything of acme's...
    Supply("globex", "northwind", frozenset({FIREWALLS})),  # ...and globex's firewalls
    Supply("northwind", "initech"),
    Supply("northwind", "fabrikam", frozenset({"acme-cloud"})),  # an MSP buys acme's cloud
    Supply("acme", "northwind", frozenset({"acme-cloud"})),
    Supply("fabrikam", "litware"),  # ...and serves its own customer
]


def test_a_named_product_goes_to_its_own_vendor_and_everything_else_to_the_general_one():
    assert supply_path(WEB, "northwind", FIREWALLS) == ["globex"]
    assert supply_path(WEB, "northwind", ROUTERS) == ["acme"]
    assert supply_path(WEB, "acme", ROUTERS) == []


def test_a_chain_is_as_long_as_the_supply_path_of_its_product():
    assert chain_of(WEB, "initech", "northwind", FIREWALLS) == ["initech", "northwind", "globex"]
    assert chain_of(WEB, "litware", "fabrikam", "acme-cloud") == [
        "litware",
        "fabrikam",
        "northwind",
        "acme",
    ]


def test_a_supplier_the_customer_does_not_buy_from_is_refused():
    with pytest.raises(DomainError) as refused:
        chain_of(WEB, "initech", "fabrikam", "acme-cloud")
    assert refused.value.status == 403


def test_a_product_its_supplier_buys_from_no_one_has_no_chain():
    with pytest.raises(DomainError) as refused:
        chain_of(WEB, "litware", "fabrikam", ROUTERS)
    assert refused.value.status == 422 and "no provider" in refused.value.detail


def test_two_suppliers_of_one_product_at_the_same_level_are_a_configuration_error():
    twice = [*WEB, Supply("initrode", "northwind", frozenset({FIREWALLS}))]
    with pytest.raises(DomainError) as refused:
        supply_path(twice, "northwind", FIREWALLS)
    assert refused.value.kind == "ambiguous-supply"


def test_a_loop_or_an_endless_path_is_refused_not_followed():
    loop = [Supply("a", "b"), Supply("b", "c"), Supply("c", "a")]
    with pytest.raises(DomainError, match="loops"):
        supply_path(loop, "a", "x")
    line = [Supply(f"p{i + 1}", f"p{i}") for i in range(MAX_CHAIN + 2)]
    with pytest.raises(DomainError, match="longer"):
        supply_path(line, "p0", "x")
    assert len(supply_path(line[: MAX_CHAIN - 2], "p0", "x")) == MAX_CHAIN - 2


def test_the_original_registration_fields_are_supplies_of_every_product():
    parties = [
        Party("acme", "provider"),
        Party("northwind", "partner", provider="acme", customers=("initech",)),
        Party("initech", "customer", partner="northwind"),
    ]
    assert set(legacy_supplies(parties)) == {
        Supply("acme", "northwind"),
        Supply("northwind", "initech"),
    }


def test_an_incident_records_its_chain_when_it_is_opened():
    directory = {
        "northwind": Party("northwind", "partner", provider="acme", customers=("initech",)),
        "initech": Party("initech", "customer", partner="northwind"),
    }
    cmd = c.OpenIncident("i-1", "VPN down", "", "S2", FIREWALLS, customer="initech")
    actor = c.Actor("northwind", "partner", "jane")
    (opened,) = decide_open(cmd, actor, directory, WEB)
    assert opened.chain == ["initech", "northwind", "globex"] and opened.provider == "globex"
    # By default the chain follows the registration fields: the partner's provider.
    (legacy,) = decide_open(cmd, actor, directory)
    assert legacy.chain == ["initech", "northwind", "acme"]


def test_an_opened_event_stored_before_chains_loads_with_its_three_parties():
    old = {
        "incident_id": "i-0",
        "title": "VPN down",
        "description": "",
        "severity": "S2",
        "product": "routers",
        "impacted_service": None,
        "customer": "initech",
        "partner": "northwind",
        "provider": "acme",
        "requester": "northwind",
        "opened_by": "jane",
        "external_refs": [],
    }
    event = e.CATALOG.load("village.incident.opened.v1", old)
    state = evolve(None, event, datetime(2026, 1, 1, tzinfo=UTC))
    assert state.chain == ("initech", "northwind", "acme")
    assert state.parties == ["initech", "northwind", "acme"]
