"""The value web in the incidents service: supplies registered as directory events, a partner of
two vendors, a four-party chain, and what each party sees of it (real PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from incidents_support import KINDS, World, ctx, fresh_settings, principal, statements_of

from village_incidents import readmodel
from village_incidents.cli import MIGRATIONS
from village_incidents.domain import commands as c
from village_incidents.domain.incident import Party
from village_incidents.domain.supply import DIRECTORY_STREAM, MAX_CHAIN, Supply, register
from village_incidents.handlers import SupplyHandlers
from village_incidents.rebuild import rebuild
from village_incidents.views import supplies_seen_by
from village_platform.auth import Principal
from village_platform.errors import DomainError
from village_platform.service_cli import migrate
from village_platform.writes import WriteContext

FIREWALLS, CLOUD = "globex-firewalls", "acme-cloud"
# Beside the demo chain: a second vendor, and a managed-service provider (fabrikam) that buys
# acme's cloud through northwind and serves its own customer (litware).
MORE = (
    Party("globex", "provider", "Globex Security"),
    Party("fabrikam", "partner", "Fabrikam Managed Services"),
    Party("litware", "customer", "Litware"),
)


def admin(party: str) -> WriteContext:
    return WriteContext(Principal(party, KINDS[party], f"{party}-admin", frozenset({"admin"})))


@pytest.fixture(scope="module")
async def web(stack: Any) -> AsyncIterator[tuple[World, SupplyHandlers]]:
    settings = fresh_settings(stack)
    await migrate(settings, MIGRATIONS)
    world = World(settings)
    await world.seed_parties()
    async with world.engine.begin() as conn:
        for p in MORE:
            await readmodel.upsert_party(conn, p)
    KINDS.update({p.id: p.kind for p in MORE})
    supplies = SupplyHandlers(world.writes, world.store)
    await supplies.register(admin("globex"), Supply("globex", "northwind", frozenset({FIREWALLS})))
    await supplies.register(admin("northwind"), Supply("northwind", "fabrikam", frozenset({CLOUD})))
    await supplies.register(admin("fabrikam"), Supply("fabrikam", "litware"))
    yield world, supplies
    await world.close()


async def open_for(
    world: World, by: str, customer: str, product: str, **more: Any
) -> dict[str, Any]:
    cmd = c.OpenIncident(str(uuid.uuid4()), "Down", "", "S2", product, customer=customer, **more)
    return (await world.handlers.open(ctx(by), cmd)).body


async def listed(world: World, party: str) -> set[str]:
    async with world.engine.connect() as conn:
        items, _ = await readmodel.list_incidents(
            conn, principal(party), readmodel.IncidentFilter(), None, 500
        )
    return {i["id"] for i in items}


async def test_supplies_are_versioned_directory_events_for_their_two_parties_only(web):
    world, supplies = web
    stored = await world.events(DIRECTORY_STREAM)
    assert [(s.stream_version, s.type) for s in stored] == [
        (1, "village.directory.supply_registered.v1"),
        (2, "village.directory.supply_registered.v1"),
        (3, "village.directory.supply_registered.v1"),
    ]
    assert stored[0].data == {"supplier": "globex", "buyer": "northwind", "products": [FIREWALLS]}
    assert stored[0].metadata["parties"] == ["globex", "northwind"]
    assert stored[0].metadata["provider"] is None  # no provider's channel carries it whole
    # The same registration again changes nothing and appends nothing.
    again = await supplies.register(
        admin("globex"), Supply("globex", "northwind", frozenset({FIREWALLS}))
    )
    assert again.status_code == 200 and again.body["version"] == 3
    assert len(await world.events(DIRECTORY_STREAM)) == 3


async def test_a_provider_learns_only_of_its_own_supplies(web):
    world, _ = web
    async with world.engine.connect() as conn:
        every = await readmodel.load_supplies(conn)
    seen_by_acme = supplies_seen_by(every, principal("acme"))
    assert {(s["supplier"], s["buyer"]) for s in seen_by_acme} == {
        ("acme", "northwind"),
        ("acme", "contoso"),
    }
    seen_by_northwind = {
        (s["supplier"], s["buyer"]) for s in supplies_seen_by(every, principal("northwind"))
    }
    assert ("globex", "northwind") in seen_by_northwind and (
        "acme",
        "northwind",
    ) in seen_by_northwind


@pytest.mark.parametrize(
    "by, supply, status",
    [
        ("acme", Supply("globex", "contoso"), 403),  # only the supplier's own admins
        ("globex", Supply("globex", "nobody"), 422),  # an unknown party
        ("globex", Supply("globex", "northwind"), 409),  # northwind buys everything from acme
        ("litware", Supply("litware", "fabrikam"), 422),  # a customer supplies no one
        ("fabrikam", Supply("fabrikam", "northwind", frozenset({CLOUD})), 422),  # a loop
    ],
)
async def test_a_supply_that_would_make_chains_ambiguous_or_is_not_yours_is_refused(
    web, by, supply, status
):
    world, supplies = web
    before = len(await world.events(DIRECTORY_STREAM))
    with pytest.raises(DomainError) as refused:
        await supplies.register(admin(by), supply)
    assert refused.value.status == status
    assert len(await world.events(DIRECTORY_STREAM)) == before


async def test_a_loop_of_supplies_is_refused():
    current = [Supply("a", "b"), Supply("b", "c")]
    with pytest.raises(DomainError, match="loops"):
        register(current, {"a": "partner", "b": "partner", "c": "partner"}, Supply("c", "a"))


async def test_a_partner_of_two_vendors_opens_each_incident_to_its_products_vendor(web):
    world, _ = web
    firewall = await open_for(world, "northwind", "initech", FIREWALLS)
    router = await open_for(world, "northwind", "initech", "routers")
    assert firewall["provider"] == "globex" and firewall["chain"] == [
        "initech",
        "northwind",
        "globex",
    ]
    assert router["provider"] == "acme"
    # Each provider sees its own, and never learns of the other's.
    assert firewall["id"] in await listed(world, "globex")
    assert firewall["id"] not in await listed(world, "acme")
    assert router["id"] not in await listed(world, "globex")
    with pytest.raises(DomainError) as hidden:
        await world.do("acme", firewall["id"], c.Acknowledge())
    assert hidden.value.status == 404
    async with world.engine.connect() as conn:
        with pytest.raises(DomainError):
            await world.handlers.reads.view(conn, firewall["id"], principal("acme"))
    # The customer sees it as ever: its partner and the provider.
    assert firewall["id"] in await listed(world, "initech")


async def test_a_four_party_chain_is_handed_off_link_by_link(web):
    world, _ = web
    opened = await open_for(world, "fabrikam", "litware", CLOUD)
    iid = opened["id"]
    assert opened["chain"] == ["litware", "fabrikam", "northwind", "acme"]
    assert (opened["customer"], opened["partner"], opened["provider"]) == (
        "litware",
        "fabrikam",
        "acme",
    )
    for party in ("litware", "fabrikam", "northwind", "acme"):
        assert iid in await listed(world, party), party
    assert iid not in await listed(world, "globex") | await listed(world, "contoso")
    # Each hand-off names its link: fabrikam to northwind, northwind to acme.
    await world.do("fabrikam", iid, c.Escalate("northwind", "L2", "needs the reseller"))
    await world.do("northwind", iid, c.Escalate("acme", "L2", "cloud backend"))
    view = await world.do("acme", iid, c.Assign("acme", "L3", "ana"))
    assert [(s["to_party"]) for s in view["escalations"]] == ["northwind", "acme"]
    # A party between the owner and the provider assigns only within itself.
    with pytest.raises(DomainError) as refused:
        await world.do("northwind", iid, c.Assign("fabrikam", "L1", None))
    assert refused.value.status == 403


async def test_restricted_notes_are_for_the_parties_of_their_link(web):
    world, _ = web
    iid = (await open_for(world, "fabrikam", "litware", CLOUD))["id"]
    msp = await world.note("fabrikam", iid, "restricted", "fabrikam to northwind only")
    reseller = await world.note("northwind", iid, "restricted", "northwind to acme only")
    vendor = await world.note("acme", iid, "restricted", "acme to northwind only")
    shared = await world.note("acme", iid, "shared", "for everyone")

    async def seen(party: str) -> set[str]:
        async with world.engine.connect() as conn:
            view, _ = await world.handlers.reads.view(conn, iid, principal(party))
        return {n["id"] for n in view["notes"]}

    assert await seen("fabrikam") == {msp, shared}
    assert await seen("northwind") == {msp, reseller, vendor, shared}
    assert await seen("acme") == {reseller, vendor, shared}
    assert await seen("litware") == {shared}


async def test_an_open_incident_keeps_its_chain_when_the_supplies_change(web):
    world, supplies = web
    iid = (await open_for(world, "northwind", "initech", FIREWALLS))["id"]
    await supplies.end(admin("globex"), "globex", "northwind")
    try:
        view = await world.do("globex", iid, c.Acknowledge())
        assert view["provider"] == "globex"
        # A new incident for firewalls now goes to northwind's every-product vendor.
        assert (await open_for(world, "northwind", "initech", FIREWALLS))["provider"] == "acme"
    finally:
        await supplies.register(
            admin("globex"), Supply("globex", "northwind", frozenset({FIREWALLS}))
        )


async def test_a_customer_raises_an_incident_to_its_supplier_of_the_product(web):
    world, _ = web
    opened = await open_for(world, "litware", "litware", CLOUD)
    assert (opened["partner"], opened["provider"]) == ("fabrikam", "acme")
    # The customer is not told who is between its partner and the provider.
    assert "chain" not in opened and "northwind" not in str(opened)
    state = await world.read(world.handlers.load, opened["id"])
    assert state.chain == ("litware", "fabrikam", "northwind", "acme")
    with pytest.raises(DomainError) as refused:
        await open_for(world, "litware", "litware", CLOUD, supplier="northwind")
    assert refused.value.status == 403


async def test_a_rebuild_gives_the_same_supplies_and_chains(web):
    world, _ = web
    async with world.engine.connect() as conn:
        supplies_before = sorted(map(repr, await readmodel.load_supplies(conn)))
    chains_before = await world.table("SELECT id, chain FROM incidents ORDER BY id")
    await rebuild(world.settings)
    async with world.engine.connect() as conn:
        assert sorted(map(repr, await readmodel.load_supplies(conn))) == supplies_before
    assert await world.table("SELECT id, chain FROM incidents ORDER BY id") == chains_before


async def test_an_open_reads_the_parties_and_the_supply_paths_in_one_statement(web):
    """`readmodel.opening` gives what the two reads give, for every opener and customer of the
    web, and the open path asks the database once."""
    world, _ = web
    for by, customer in [
        ("northwind", "initech"),
        ("fabrikam", "litware"),
        ("litware", None),
        ("contoso", "umbrella"),
        ("globex", None),
    ]:
        wanted = [by] + ([customer] if customer else [])
        buyer = customer or by
        async with world.engine.connect() as conn:
            directory = await readmodel.load_directory(conn, wanted)
            supplies = await readmodel.supplies_upstream_of(conn, buyer, MAX_CHAIN)
            together = await readmodel.opening(conn, wanted, buyer, MAX_CHAIN)
        assert together == (directory, supplies)
        assert directory and (supplies or by == "globex")
    with statements_of(world.engine) as statements:
        await open_for(world, "fabrikam", "litware", CLOUD)
    assert sum("FROM parties" in s for s in statements) == 1
