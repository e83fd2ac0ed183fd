"""Provider incidents (outages), the pure parts: the rules of declaring, moving on, cancelling,
linking and unlinking, how the events evolve the state, and who each event is for. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from village_incidents.domain import commands as c
from village_incidents.domain import events as e
from village_incidents.domain import outage_rules as rules
from village_incidents.domain.incident import Incident, Party, evolve
from village_incidents.domain.incident import describe as incident_describe
from village_incidents.domain.provider_incident import (
    ProviderIncident,
    describe,
    partners_of,
    provides,
    replay,
    role_of,
)
from village_incidents.domain.provider_incident import evolve as outage_evolve
from village_incidents.domain.rules import decide_open
from village_incidents.domain.supply import Supply
from village_platform import egress
from village_platform.errors import DomainError

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIREWALLS = "globex-firewalls"
# The demo web: acme supplies its partners everything, globex its firewalls only; northwind
# serves initech and sells acme's cloud to fabrikam, which serves litware.
SUPPLIES = [
    Supply("acme", "northwind"),
    Supply("acme", "contoso"),
    Supply("acme", "bigcorp"),  # a customer acme serves itself: never a partner
    Supply("globex", "northwind", frozenset({FIREWALLS})),
    Supply("northwind", "initech"),
    Supply("contoso", "umbrella"),
    Supply("northwind", "fabrikam", frozenset({"acme-cloud"})),
    Supply("fabrikam", "litware"),
]
KINDS = {
    "acme": "provider",
    "globex": "provider",
    "northwind": "partner",
    "contoso": "partner",
    "fabrikam": "partner",
    "initech": "customer",
    "umbrella": "customer",
    "litware": "customer",
    "bigcorp": "customer",
}
ACME = c.Actor("acme", "provider", "sam.tac")
GLOBEX = c.Actor("globex", "provider", "gus")
NORTHWIND = c.Actor("northwind", "partner", "jane.doe")
CONTOSO = c.Actor("contoso", "partner", "kim")
FABRIKAM = c.Actor("fabrikam", "partner", "fay")
INITECH = c.Actor("initech", "customer", "bob")
ACME_PARTNERS = partners_of("acme", SUPPLIES, KINDS)


def refused(status: int, call: Any, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    assert caught.value.status == status, caught.value.detail
    return caught.value


def declare(actor: c.Actor = ACME, **kw: Any) -> list[e.OutageEvent]:
    cmd = c.DeclareOutage(
        kw.pop("outage_id", "outage-1"),
        kw.pop("title", "Router firmware 7.2 drops IPsec tunnels"),
        kw.pop("description", "Tunnels drop after rekeying."),
        kw.pop("products", ["routers"]),
        kw.pop("severity", "S1"),
        **kw,
    )
    return rules.declare(cmd, actor, SUPPLIES, T0)


def outage(*then: e.OutageEvent, **kw: Any) -> ProviderIncident:
    state = replay([(ev, T0) for ev in (*declare(**kw), *then)])
    assert state is not None
    return state


def incident(owner: c.Actor = NORTHWIND, customer: str = "initech", **kw: Any) -> Incident:
    product = kw.pop("product", "routers")
    cmd = c.OpenIncident("incident-1", "VPN down", "", "S1", product, customer=customer)
    [opened] = decide_open(cmd, owner, {owner.party: _party(owner)}, SUPPLIES)
    state = evolve(None, opened, T0)
    for event in kw.pop("then", ()):
        state = evolve(state, event, T0)
    return state


def _party(actor: c.Actor) -> Party:
    return Party(actor.party, actor.kind)


# --------------------------------------------------------------------------- who is who


def test_a_providers_partners_are_those_it_supplies_directly_customers_excepted() -> None:
    assert ACME_PARTNERS == ["contoso", "northwind"]
    assert partners_of("globex", SUPPLIES, KINDS) == ["northwind"]
    assert partners_of("northwind", SUPPLIES, KINDS) == ["fabrikam"]


def test_a_product_is_the_providers_when_a_supply_names_it_or_it_supplies_everything() -> None:
    assert provides("acme", SUPPLIES, "anything")
    assert provides("globex", SUPPLIES, FIREWALLS)
    assert not provides("globex", SUPPLIES, "routers")


def test_only_the_provider_and_its_partners_may_know_of_a_provider_incident() -> None:
    state = outage()
    assert role_of(state, "acme", "provider", ACME_PARTNERS) == "provider"
    assert role_of(state, "northwind", "partner", ACME_PARTNERS) == "partner"
    assert role_of(state, "village-escalation", "service", ACME_PARTNERS) == "service"
    for party, kind in (("globex", "provider"), ("fabrikam", "partner"), ("initech", "customer")):
        assert role_of(state, party, kind, ACME_PARTNERS) is None, party
    # A customer is never a partner, even one its provider names.
    assert role_of(state, "bigcorp", "customer", ["bigcorp"]) is None


# --------------------------------------------------------------------------- declare


def test_the_provider_declares_an_outage_of_its_products() -> None:
    [declared] = declare(regions=["eu-west"], impacted_services=["vpn"])
    assert isinstance(declared, e.OutageDeclared)
    assert (declared.provider, declared.declared_by, declared.products) == (
        "acme",
        "sam.tac",
        ["routers"],
    )
    assert (declared.regions, declared.impacted_services) == (["eu-west"], ["vpn"])
    assert declared.started_at == T0.isoformat()  # by default: now
    state = outage_evolve(None, declared, T0)
    assert (state.status, state.version, state.linked, state.started_at) == ("declared", 1, 0, T0)
    assert state.stream_id == "provider-incident:outage-1"


def test_started_at_is_kept_in_utc_and_never_in_the_future() -> None:
    earlier = datetime(2026, 11, 23, 10, 40, tzinfo=timezone(timedelta(hours=2)))
    [declared] = declare(started_at=earlier)
    assert declared.started_at == "2026-11-23T08:40:00+00:00"
    with pytest.raises(DomainError) as caught:
        declare(started_at=T0 + timedelta(minutes=1))
    assert caught.value.status == 422


@pytest.mark.parametrize(
    ("actor", "kw", "status"),
    [
        (NORTHWIND, {}, 403),  # partners do not declare
        (INITECH, {}, 403),
        (GLOBEX, {"products": ["routers"]}, 422),  # not globex's
        (GLOBEX, {"products": [FIREWALLS, "routers"]}, 422),
        (ACME, {"severity": "S9"}, 422),
        (ACME, {"products": []}, 422),
    ],
)
def test_declaring_is_refused(actor: c.Actor, kw: dict[str, Any], status: int) -> None:
    with pytest.raises(DomainError) as caught:
        declare(actor, **kw)
    assert caught.value.status == status


# --------------------------------------------------------------------------- lifecycle


def test_the_status_moves_forward_and_may_skip_each_move_with_a_public_message() -> None:
    state = outage()
    [moved] = rules.change_status(state, c.ChangeOutageStatus("identified", "found it"), ACME)
    assert (moved.from_status, moved.to_status, moved.message) == (
        "declared",
        "identified",
        "found it",
    )
    after = outage_evolve(state, moved, T0 + timedelta(minutes=3))
    assert (after.status, after.version) == ("identified", 2)
    assert after.messages == (
        {
            "status": "identified",
            "message": "found it",
            "at": (T0 + timedelta(minutes=3)).isoformat(),
        },
    )
    refused(409, rules.change_status, after, c.ChangeOutageStatus("investigating", "back"), ACME)
    refused(409, rules.change_status, after, c.ChangeOutageStatus("identified", "again"), ACME)
    # Resolving is its own command (phase 2), never a status change.
    refused(422, rules.change_status, after, c.ChangeOutageStatus("resolved", "done"), ACME)
    refused(422, rules.change_status, after, c.ChangeOutageStatus("cancelled", "no"), ACME)


def test_only_the_provider_moves_or_cancels_its_outage() -> None:
    state = outage()
    for actor in (NORTHWIND, GLOBEX, INITECH):
        refused(403, rules.change_status, state, c.ChangeOutageStatus("monitoring", "x"), actor)
        refused(403, rules.cancel, state, c.CancelOutage("x"), actor)


def test_a_cancelled_outage_ends_and_takes_no_more_changes_nor_links() -> None:
    state = outage()
    [cancelled] = rules.cancel(state, c.CancelOutage("false alarm"), ACME)
    after = outage_evolve(state, cancelled, T0)
    assert (after.status, after.ended, after.ended_at) == ("cancelled", True, T0)
    assert after.messages[-1]["message"] == "false alarm"
    refused(409, rules.cancel, after, c.CancelOutage("again"), ACME)
    refused(409, rules.change_status, after, c.ChangeOutageStatus("monitoring", "x"), ACME)
    refused(409, rules.link, after, incident(), NORTHWIND, ACME_PARTNERS)


# --------------------------------------------------------------------------- links


def test_the_owning_partner_links_its_incident_both_aggregates_change() -> None:
    state, working = outage(), incident()
    [linked], [on_incident] = rules.link(state, working, NORTHWIND, ACME_PARTNERS)
    assert linked == e.OutageLinked("outage-1", "incident-1", "northwind", "northwind")
    assert on_incident == e.IncidentOutageLinked(
        "incident-1", "outage-1", "acme", "Router firmware 7.2 drops IPsec tunnels"
    )
    assert outage_evolve(state, linked, T0).linked == 1
    after = evolve(working, on_incident, T0)
    assert after.outage_id == "outage-1"
    refused(409, rules.link, state, after, NORTHWIND, ACME_PARTNERS)  # already linked
    other = outage(outage_id="outage-2")
    err = refused(409, rules.link, other, after, NORTHWIND, ACME_PARTNERS)
    assert err.kind == "linked-elsewhere" and err.extensions["outage_id"] == "outage-1"
    # Unlinked, it may be linked again.
    _, [off] = rules.unlink(state, after, NORTHWIND, "not this one")
    assert evolve(after, off, T0).outage_id is None


def test_the_provider_links_an_incident_it_is_on() -> None:
    [linked], _ = rules.link(outage(), incident(), ACME, ACME_PARTNERS)
    assert (linked.partner, linked.linked_by) == ("northwind", "acme")


def test_linking_is_refused() -> None:
    state, working = outage(), incident()
    # Who may not even learn of the outage: not found.
    refused(404, rules.link, state, working, INITECH, ACME_PARTNERS)
    refused(404, rules.link, state, working, GLOBEX, ACME_PARTNERS)
    refused(404, rules.link, None, working, NORTHWIND, ACME_PARTNERS)
    # A partner of the provider that is not on the incident: no such incident.
    refused(404, rules.link, state, working, CONTOSO, ACME_PARTNERS)
    refused(404, rules.link, state, None, NORTHWIND, ACME_PARTNERS)
    # fabrikam's incident for acme's cloud: fabrikam is not acme's partner (it buys through
    # northwind): it may not see the outage; northwind is on the incident but does not own it.
    cloud = incident(FABRIKAM, "litware", product="acme-cloud")
    refused(404, rules.link, state, cloud, FABRIKAM, ACME_PARTNERS)
    refused(403, rules.link, state, cloud, NORTHWIND, ACME_PARTNERS)
    assert rules.link(state, cloud, ACME, ACME_PARTNERS)  # its provider may
    # Another provider's incident: not this outage's.
    firewall = incident(product=FIREWALLS)
    refused(422, rules.link, state, firewall, NORTHWIND, ACME_PARTNERS)
    # An incident that is no longer open.
    resolved = incident(then=[e.IncidentResolved("new", "fix", "done")])
    refused(409, rules.link, state, resolved, NORTHWIND, ACME_PARTNERS)


def test_unlinking_needs_the_owner_or_the_provider_and_the_link() -> None:
    state = outage()
    _, [on] = rules.link(state, incident(), NORTHWIND, ACME_PARTNERS)
    working = evolve(incident(), on, T0)
    [off], [off_incident] = rules.unlink(state, working, ACME, "wrong outage")
    assert off == e.OutageUnlinked("outage-1", "incident-1", "northwind", "acme", "wrong outage")
    assert off_incident == e.IncidentOutageUnlinked("incident-1", "outage-1", "wrong outage")
    refused(404, rules.unlink, state, working, CONTOSO, "x")
    refused(404, rules.unlink, state, working, GLOBEX, "x")
    refused(403, rules.unlink, state, working, INITECH, "x")  # on it, but not a worker of links
    refused(404, rules.unlink, outage(outage_id="other"), working, NORTHWIND, "x")
    refused(404, rules.unlink, None, working, NORTHWIND, "x")
    refused(404, rules.unlink, state, incident(), NORTHWIND, "x")  # not linked


def test_the_owner_unlinks_its_incident_even_when_it_may_not_see_the_outage() -> None:
    """acme linked fabrikam's incident; fabrikam, not acme's partner, may still take it back."""
    state = outage()
    cloud = incident(FABRIKAM, "litware", product="acme-cloud")
    _, [on] = rules.link(state, cloud, ACME, ACME_PARTNERS)
    [off], _ = rules.unlink(state, evolve(cloud, on, T0), FABRIKAM, "ours alone")
    assert off.unlinked_by == "fabrikam"


# --------------------------------------------------------------------------- audience


def test_an_outages_events_are_for_the_provider_and_its_partners_never_a_customer() -> None:
    state = outage()
    meta = describe(state, declare()[0], ACME_PARTNERS)
    assert meta == {
        "parties": ["acme", "contoso", "northwind"],
        "visibility": "restricted",
        "provider": "acme",
    }
    for party, kind, seen in (
        ("acme", "provider", True),
        ("northwind", "partner", True),
        ("contoso", "partner", True),
        ("globex", "provider", False),
        ("initech", "customer", False),
    ):
        assert egress.sees(meta, party, kind) is seen, party
    # Even a customer named among the parties does not see it.
    assert not egress.sees({**meta, "parties": ["bigcorp"]}, "bigcorp", "customer")


def test_a_link_is_for_the_provider_and_the_parties_working_the_incident() -> None:
    state = outage()
    cloud = incident(FABRIKAM, "litware", product="acme-cloud")
    [linked], _ = rules.link(state, cloud, ACME, ACME_PARTNERS)
    meta = describe(state, linked, ACME_PARTNERS, cloud)
    assert meta["parties"] == ["acme", "fabrikam", "northwind"]  # not contoso, not litware
    assert meta["visibility"] == "restricted"


def test_the_incidents_half_of_a_link_is_for_everyone_on_the_incident() -> None:
    working = incident()
    _, [on] = rules.link(outage(), working, NORTHWIND, ACME_PARTNERS)
    meta = incident_describe(working, evolve(working, on, T0), on)
    assert meta["parties"] == ["acme", "initech", "northwind"] and meta["visibility"] == "shared"
    assert egress.sees(meta, "initech", "customer")
