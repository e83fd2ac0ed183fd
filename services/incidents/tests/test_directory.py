"""Party registrations as directory events (real PostgreSQL): registering or changing a party
appends `party_registered` to the directory's stream, beside the supplies; the same registration
again appends nothing; the event is for the party and the provider and partner it names; a
rebuild gives the same directory, parties registered before registrations were events included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import schema_check as sc
from incidents_support import KINDS, World, fresh_settings, principal

from village_incidents import readmodel
from village_incidents.cli import MIGRATIONS
from village_incidents.domain import commands as c
from village_incidents.domain.incident import Party
from village_incidents.domain.supply import DIRECTORY_STREAM, Supply
from village_incidents.handlers import PartyHandlers, SupplyHandlers
from village_incidents.rebuild import rebuild
from village_incidents.views import parties_seen_by
from village_platform import cloudevent
from village_platform.auth import Principal
from village_platform.egress import Recipient
from village_platform.errors import DomainError
from village_platform.service_cli import migrate
from village_platform.writes import WriteContext

PARTY_TYPE = "village.directory.party_registered.v1"
SERVICE = WriteContext(Principal("devstack", "service", "devstack", frozenset()))
ACME_ADMIN = WriteContext(Principal("acme", "provider", "acme-admin", frozenset({"admin"})))


@pytest.fixture(scope="module")
async def directory(stack: Any) -> AsyncIterator[tuple[World, PartyHandlers]]:
    """The demo parties as registered before registrations were events (rows, no events)."""
    settings = fresh_settings(stack)
    await migrate(settings, MIGRATIONS)
    world = World(settings)
    await world.seed_parties()
    yield world, PartyHandlers(world.writes, world.store)
    await world.close()


async def register(parties: PartyHandlers, party: Party, by: WriteContext = SERVICE) -> Any:
    KINDS.setdefault(party.id, party.kind)
    return await parties.register(by, party)


async def listing(world: World) -> list[tuple[Any, ...]]:
    return await world.table(
        "SELECT id, kind, name, provider, partner, customers FROM parties ORDER BY id"
    )


async def test_a_registration_is_an_event_and_the_same_one_again_is_none(directory):
    world, parties = directory
    before = len(await world.events(DIRECTORY_STREAM))
    hooli = Party("hooli", "partner", "Hooli", provider="acme", customers=("initech",))
    first = await register(parties, hooli, ACME_ADMIN)
    assert first.status_code == 201
    assert (first.body["changed"], first.body["version"]) == (True, before + 1)
    (stored,) = (await world.events(DIRECTORY_STREAM))[before:]
    assert (stored.type, stored.stream_version) == (PARTY_TYPE, before + 1)
    assert stored.data == {
        "party": "hooli",
        "kind": "partner",
        "name": "Hooli",
        "provider": "acme",
        "partner": None,
        "customers": ["initech"],
    }
    # Its audience: the party and the provider it names; not its customers. No provider's
    # channel carries it whole: on the topic it is its bare fact, without data.
    assert stored.metadata["parties"] == ["acme", "hooli"]
    assert stored.metadata["provider"] is None and stored.metadata["actor_party"] == "acme"
    message = cloudevent.to_kafka(stored, "/village/incidents")
    assert (
        sc.assert_valid_cloudevent(
            list(message.headers.items()), message.key.encode(), message.value
        )
        == {}
    )
    sc.validate_event_data(stored.type, stored.data)

    again = await register(parties, hooli, ACME_ADMIN)
    assert again.status_code == 200
    assert (again.body["changed"], again.body["version"]) == (False, before + 1)
    assert len(await world.events(DIRECTORY_STREAM)) == before + 1


async def test_a_changed_registration_is_a_new_version_of_the_directory(directory):
    world, parties = directory
    await register(parties, Party("pied", "partner", "Pied Piper", provider="acme"))
    before = len(await world.events(DIRECTORY_STREAM))
    renamed = Party("pied", "partner", "Pied Piper Inc.", provider="acme", customers=("initech",))
    changed = await register(parties, renamed)
    assert changed.status_code == 200
    assert (changed.body["changed"], changed.body["version"]) == (True, before + 1)
    assert (await world.events(DIRECTORY_STREAM))[-1].data["name"] == "Pied Piper Inc."
    assert ("pied", "partner", "Pied Piper Inc.", "acme", None, ["initech"]) in await listing(world)


async def test_a_party_registered_before_registrations_were_events_changes_by_one(directory):
    world, parties = directory
    before = len(await world.events(DIRECTORY_STREAM))
    # umbrella exists only as a row: the same registration again appends nothing...
    umbrella = Party("umbrella", "customer", "Umbrella Corporation", partner="contoso")
    assert (await register(parties, umbrella)).body["changed"] is False
    assert len(await world.events(DIRECTORY_STREAM)) == before
    # ...a kind it is not is refused, and nothing is appended...
    with pytest.raises(DomainError) as refused:
        await register(parties, Party("umbrella", "partner", "Umbrella", provider="acme"))
    assert (refused.value.status, refused.value.kind) == (409, "party-kind-conflict")
    assert len(await world.events(DIRECTORY_STREAM)) == before
    # ...and a change is its first event.
    renamed = Party("umbrella", "customer", "Umbrella Corp.", partner="contoso")
    assert (await register(parties, renamed)).body["changed"] is True
    assert (await world.events(DIRECTORY_STREAM))[-1].data["name"] == "Umbrella Corp."


async def test_the_registration_fields_still_make_supplies_and_chains(directory):
    """A partner registered through the event buys every product from the provider it names,
    and supplies every product to its customers: incidents run along that."""
    world, parties = directory
    await register(parties, Party("wayne", "customer", "Wayne Enterprises", partner="vandelay"))
    await register(
        parties,
        Party("vandelay", "partner", "Vandelay Industries", provider="acme", customers=("wayne",)),
    )
    async with world.engine.connect() as conn:
        supplies = await readmodel.load_supplies(conn)
    assert {Supply("acme", "vandelay"), Supply("vandelay", "wayne")} <= set(supplies)
    iid = await world.open(by="vandelay", customer="wayne")
    state = await world.read(world.handlers.load, iid)
    assert state.chain == ("wayne", "vandelay", "acme")


async def test_each_party_reads_only_the_registrations_it_is_named_by(directory):
    """On the incidents feed (the egress rule's SQL twin): a partner's registration reaches it
    and its provider; not its customers, not another provider, not a competing partner."""
    world, parties = directory
    await register(
        parties,
        Party("initrode", "partner", "Initrode", provider="acme", customers=("initech",)),
    )

    async def named(party: str) -> set[str]:
        async with world.engine.connect() as conn:
            stored = await world.store.load(
                conn, DIRECTORY_STREAM, recipient=Recipient(party, KINDS[party])
            )
        return {s.data["party"] for s in stored if s.type == PARTY_TYPE}

    assert "initrode" in await named("acme") and "initrode" in await named("initrode")
    for outsider in ("initech", "globex", "northwind", "contoso"):
        assert "initrode" not in await named(outsider), outsider
    # A customer's registration reaches its partner, not the partner's provider.
    await register(parties, Party("soylent", "customer", "Soylent", partner="initrode"))
    assert "soylent" in await named("initrode") and "soylent" not in await named("acme")


async def test_concurrent_registrations_each_get_their_own_version(directory):
    """One stream: racing registrations are decided again on the directory's fresh state."""
    world, parties = directory
    before = len(await world.events(DIRECTORY_STREAM))
    racers = [Party(f"racer{i}", "customer", f"Racer {i}", partner="northwind") for i in range(4)]
    written = await asyncio.gather(*(register(parties, p) for p in racers))
    assert sorted(w.body["version"] for w in written) == [before + i for i in range(1, 5)]
    stored = (await world.events(DIRECTORY_STREAM))[before:]
    assert sorted(s.data["party"] for s in stored) == [p.id for p in racers]


async def test_a_rebuild_gives_the_same_directory(directory):
    """Parties with events and parties without (the demo's rows), and the supplies, alike; a
    row changed behind the events' back is what the events say again after the rebuild."""
    world, parties = directory
    supplies = SupplyHandlers(world.writes, world.store)
    admin = WriteContext(Principal("globex", "provider", "globex-admin", frozenset({"admin"})))
    await supplies.register(admin, Supply("globex", "northwind", frozenset({"globex-firewalls"})))
    await register(parties, Party("hooli", "partner", "Hooli", provider="acme"), ACME_ADMIN)
    before = await listing(world)
    async with world.engine.connect() as conn:
        supplies_before = sorted(map(repr, await readmodel.load_supplies(conn)))
    seen_before = {p: await _seen(world, p) for p in ("acme", "globex", "northwind", "initech")}
    assert ("northwind", "partner", "Northwind Traders", "acme", None, ["initech"]) in before
    await world.execute("UPDATE parties SET name = 'tampered' WHERE id = 'hooli'")

    await rebuild(world.settings)

    assert await listing(world) == before
    async with world.engine.connect() as conn:
        assert sorted(map(repr, await readmodel.load_supplies(conn))) == supplies_before
    for party, seen in seen_before.items():
        assert await _seen(world, party) == seen, party


async def _seen(world: World, party: str) -> list[dict[str, Any]]:
    async with world.engine.connect() as conn:
        directory = await readmodel.load_directory(conn)
        supplies = await readmodel.load_supplies(conn, directory=directory)
    return sorted(parties_seen_by(directory, principal(party), supplies), key=lambda p: p["id"])


async def test_an_incident_keeps_the_chain_it_was_opened_with_when_a_registration_changes(
    directory,
):
    world, parties = directory
    await register(parties, Party("dunder", "customer", "Dunder Mifflin", partner="northwind"))
    iid = await world.open(by="northwind", customer="dunder")
    # dunder moves to contoso: the open incident stays northwind's, a new one is contoso's.
    await register(parties, Party("dunder", "customer", "Dunder Mifflin", partner="contoso"))
    view = await world.do("northwind", iid, c.Acknowledge())
    assert (view["partner"], view["provider"]) == ("northwind", "acme")
    reopened = await world.open(by="contoso", customer="dunder")
    assert (await world.read(world.handlers.load, reopened)).partner == "contoso"


GLOBEX_ADMIN = WriteContext(Principal("globex", "provider", "globex-admin", frozenset({"admin"})))


async def test_a_provider_registers_only_itself_its_partners_and_their_customers(directory):
    """globex supplies northwind firewalls, but northwind is acme's partner by registration:
    globex's admins may not rename it, move it to globex, or touch initech (a customer of
    acme's partner), nor register a customer under acme's partner; acme's admins may."""
    world, parties = directory
    northwind = Party("northwind", "partner", "Northwind (by globex)", provider="globex")
    before = await listing(world)
    for party in (
        northwind,
        Party("northwind", "partner", "Northwind renamed", provider="acme"),
        Party("initech", "customer", "Initech", partner="northwind"),
        Party("newco-g", "customer", "NewCo", partner="northwind"),
        Party("acme", "provider", "Acme (by globex)"),
    ):
        with pytest.raises(DomainError) as refused:
            await register(parties, party, GLOBEX_ADMIN)
        assert refused.value.status == 403, party
    assert await listing(world) == before
    # its own: itself, a new partner naming it, that partner's customer
    await register(parties, Party("globex", "provider", "Globex Corp"), GLOBEX_ADMIN)
    await register(parties, Party("gpart", "partner", "G Partner", provider="globex"), GLOBEX_ADMIN)
    await register(parties, Party("gcust", "customer", "G Customer", partner="gpart"), GLOBEX_ADMIN)
    # acme's admins may move their own partner's customer; not to globex's partner
    with pytest.raises(DomainError):
        await register(parties, Party("gcust", "customer", "G Customer", partner="northwind"),
                       ACME_ADMIN)  # fmt: skip
