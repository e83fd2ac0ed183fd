"""Provider incidents (outages) on a real PostgreSQL: the handlers append to the outage's stream
(and, for a link, to the incident's in the same transaction) with each event's audience, the
read model follows in the same transaction, Idempotency-Key and If-Match hold, racing links
are decided again on fresh state, the reads show each caller what it may see, and the rebuild
gives the same rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import Any

import pytest
from incidents_support import KINDS, World, fresh_settings

from village_incidents import readmodel
from village_incidents.cli import MIGRATIONS
from village_incidents.domain import commands as c
from village_incidents.domain.provider_incident import stream_of
from village_incidents.domain.supply import Supply
from village_incidents.handlers import SupplyHandlers
from village_incidents.outages import OutageHandlers
from village_incidents.rebuild import rebuild
from village_platform import idempotency
from village_platform.auth import Principal
from village_platform.egress import Recipient
from village_platform.errors import DomainError
from village_platform.eventstore import StoredEvent
from village_platform.service_cli import migrate
from village_platform.writes import WriteContext, Written

FIREWALLS = "globex-firewalls"


def who(party: str, *roles: str) -> Principal:
    return Principal(party, KINDS[party], f"{party}-user", frozenset(roles or {"agent"}))  # type: ignore[arg-type]


def as_(party: str, *roles: str, key: str | None = None, body: Any = None) -> WriteContext:
    made = idempotency.make_key(party, key, "POST", "/provider-incidents", body)
    return WriteContext(who(party, *roles), made)


async def refused(status: int, command: Awaitable[Any]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await command
    assert caught.value.status == status, caught.value.detail
    return caught.value


class Outages:
    """The outage handlers on the world's database, with shorthands."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.handlers = OutageHandlers(world.writes, world.store, world.handlers)

    async def declare(self, by: str = "acme", **kw: Any) -> dict[str, Any]:
        self.world.clock.advance(timedelta(seconds=1))
        cmd = c.DeclareOutage(
            str(uuid.uuid4()),
            kw.pop("title", "Router firmware 7.2 drops IPsec tunnels"),
            kw.pop("description", "Tunnels drop after rekeying."),
            kw.pop("products", ["routers"]),
            kw.pop("severity", "S1"),
            **kw,
        )
        written = await self.handlers.declare(as_(by), cmd)
        assert written.status_code == 201
        return written.body

    async def link(self, by: str, outage_id: str, incident_id: str, **kw: Any) -> Written:
        self.world.clock.advance(timedelta(seconds=1))
        context = kw.pop("context", None) or as_(by)
        return await self.handlers.link(
            context, outage_id, c.LinkIncident(incident_id), kw.pop("if_match", None)
        )

    async def unlink(self, by: str, outage_id: str, incident_id: str, reason: str) -> Written:
        self.world.clock.advance(timedelta(seconds=1))
        cmd = c.UnlinkIncident(incident_id, reason)
        return await self.handlers.unlink(as_(by), outage_id, cmd, None)

    async def view(self, party: str, outage_id: str) -> dict[str, Any]:
        async with self.world.engine.connect() as conn:
            return (await self.handlers.reads.view(conn, outage_id, who(party)))[0]

    async def listed(self, party: str, **kw: Any) -> dict[str, Any]:
        async with self.world.engine.connect() as conn:
            return await self.handlers.reads.list(
                conn, who(party), kw.get("status"), kw.get("cursor"), kw.get("limit", 50)
            )

    async def candidates(self, party: str, outage_id: str) -> list[dict[str, Any]]:
        async with self.world.engine.connect() as conn:
            found = await self.handlers.reads.candidates(conn, outage_id, who(party), 20)
        return found["items"]

    async def events(self, outage_id: str, seen_by: str | None = None) -> list[StoredEvent]:
        recipient = Recipient(seen_by, KINDS[seen_by]) if seen_by else None
        async with self.world.engine.connect() as conn:
            return await self.world.store.load(conn, stream_of(outage_id), recipient=recipient)


@pytest.fixture(scope="module")
async def world(stack: Any) -> AsyncIterator[World]:
    settings = fresh_settings(stack)
    await migrate(settings, MIGRATIONS)
    world = World(settings)
    await world.seed_parties()
    supplies = SupplyHandlers(world.writes, world.store)
    for supplier, buyer, products in (
        ("globex", "northwind", {FIREWALLS}),
        ("globex", "contoso", {FIREWALLS}),
        ("northwind", "fabrikam", {"acme-cloud"}),
    ):
        admin = Principal(supplier, KINDS[supplier], f"{supplier}-admin", frozenset({"admin"}))  # type: ignore[arg-type]
        await supplies.register(WriteContext(admin), Supply(supplier, buyer, frozenset(products)))
    yield world
    await world.close()


@pytest.fixture
def outages(world: World) -> Outages:
    return Outages(world)


async def open_incident(
    world: World, by: str, customer: str, title: str = "VPN down", **kw: Any
) -> str:
    world.clock.advance(timedelta(seconds=1))
    iid = str(uuid.uuid4())
    cmd = c.OpenIncident(
        iid, title, kw.get("description", ""), "S2", kw.get("product", "routers"), None, customer
    )
    await world.handlers.open(WriteContext(who(by)), cmd)
    return iid


async def incident_view(world: World, party: str, iid: str) -> dict[str, Any]:
    async with world.engine.connect() as conn:
        return (await world.handlers.reads.view(conn, iid, who(party)))[0]


# --------------------------------------------------------------------------- declare


async def test_a_declaration_is_for_the_provider_and_its_partners(
    world: World, outages: Outages
) -> None:
    body = await outages.declare(regions=["eu-west"], impacted_services=["vpn"])
    assert (body["provider"], body["status"], body["version"]) == ("acme", "declared", 1)
    assert (body["products"], body["regions"], body["declared_by"]) == (
        ["routers"],
        ["eu-west"],
        "acme-user",
    )
    assert (body["incidents"], body["others"], body["messages"]) == ([], 0, [])
    [declared] = await outages.events(body["id"])
    assert declared.type == "village.outage.declared.v1"
    assert declared.stream_id == f"provider-incident:{body['id']}"
    assert declared.metadata["parties"] == ["acme", "contoso", "northwind"]
    assert (declared.metadata["visibility"], declared.metadata["provider"]) == (
        "restricted",
        "acme",
    )
    # Each partner's feed has it; customers', other providers' and non-partners' do not.
    for party, seen in (
        ("acme", 1),
        ("northwind", 1),
        ("contoso", 1),
        ("initech", 0),
        ("globex", 0),
        ("fabrikam", 0),
    ):
        assert len(await outages.events(body["id"], seen_by=party)) == seen, party
    for party in ("initech", "globex", "fabrikam"):
        await refused(404, outages.view(party, body["id"]))
    assert (await outages.view("northwind", body["id"]))["title"] == body["title"]


async def test_a_declaration_is_refused_and_changes_nothing(world: World, outages: Outages) -> None:
    before = await world.table("SELECT count(*) FROM provider_incidents")
    cmd = c.DeclareOutage(str(uuid.uuid4()), "t", "", ["routers"], "S1")
    await refused(403, outages.handlers.declare(as_("northwind"), cmd))
    await refused(403, outages.handlers.declare(as_("acme", "reviewer"), cmd))
    await refused(422, outages.handlers.declare(as_("globex"), cmd))  # not globex's product
    later = c.DeclareOutage(
        str(uuid.uuid4()), "t", "", ["routers"], "S1", started_at=world.clock.now() + timedelta(1)
    )
    await refused(422, outages.handlers.declare(as_("acme"), later))
    assert await world.table("SELECT count(*) FROM provider_incidents") == before
    # globex declares an outage of its own product.
    assert (await outages.declare("globex", products=[FIREWALLS]))["provider"] == "globex"


async def test_the_status_moves_forward_with_if_match_and_cancel_ends_it(
    world: World, outages: Outages
) -> None:
    oid = (await outages.declare())["id"]
    h = outages.handlers
    moved = await h.change_status(
        as_("acme"), oid, c.ChangeOutageStatus("investigating", "looking"), frozenset({1})
    )
    assert moved.headers["ETag"] == '"2"' and moved.body["status"] == "investigating"
    stale = h.change_status(
        as_("acme"), oid, c.ChangeOutageStatus("identified", "x"), frozenset({1})
    )
    assert (await refused(412, stale)).extensions["current_version"] == 2
    await refused(
        409, h.change_status(as_("acme"), oid, c.ChangeOutageStatus("investigating", "x"), None)
    )
    await refused(
        403, h.change_status(as_("northwind"), oid, c.ChangeOutageStatus("monitoring", "x"), None)
    )
    await refused(
        404, h.change_status(as_("globex"), oid, c.ChangeOutageStatus("monitoring", "x"), None)
    )
    skipped = await h.change_status(
        as_("acme"), oid, c.ChangeOutageStatus("monitoring", "fix out"), None
    )
    assert [m["message"] for m in skipped.body["messages"]] == ["looking", "fix out"]
    cancelled = await h.cancel(as_("acme"), oid, c.CancelOutage("false alarm"), None)
    assert (cancelled.body["status"], cancelled.body["messages"][-1]["status"]) == (
        "cancelled",
        "cancelled",
    )
    assert cancelled.body["ended_at"] is not None
    await refused(409, h.cancel(as_("acme"), oid, c.CancelOutage("again"), None))
    await refused(
        409, h.change_status(as_("acme"), oid, c.ChangeOutageStatus("monitoring", "x"), None)
    )
    types = [ev.type.split(".")[2] for ev in await outages.events(oid)]
    assert types == ["declared", "status_changed", "status_changed", "cancelled"]
    row = await world.table(f"SELECT status, version FROM provider_incidents WHERE id = '{oid}'")
    assert row == [("cancelled", 4)]


# --------------------------------------------------------------------------- links


async def test_each_partner_sees_its_own_linked_incidents_and_the_number_of_others(
    world: World, outages: Outages
) -> None:
    oid = (await outages.declare())["id"]
    a = await open_incident(world, "northwind", "initech")
    b = await open_incident(world, "contoso", "umbrella")
    linked = await outages.link("northwind", oid, a)
    assert (linked.body["version"], linked.headers["ETag"]) == (2, '"2"')
    await outages.link("contoso", oid, b)
    # Both streams, one transaction each: the outage's link and the incident's outage_linked.
    link_a = (await outages.events(oid))[1]
    assert (link_a.type, link_a.data["incident_id"], link_a.data["partner"]) == (
        "village.outage.linked.v1",
        a,
        "northwind",
    )
    assert link_a.metadata["parties"] == ["acme", "northwind"]
    on_a = (await world.events(a))[-1]
    assert on_a.type == "village.incident.outage_linked.v1"
    assert on_a.data == {
        "incident_id": a,
        "outage_id": oid,
        "provider": "acme",
        "title": "Router firmware 7.2 drops IPsec tunnels",
    }
    assert on_a.metadata["parties"] == ["acme", "initech", "northwind"]
    assert on_a.metadata["visibility"] == "shared"
    # Who sees which link.
    acme = await outages.view("acme", oid)
    assert sorted(i["incident_id"] for i in acme["incidents"]) == sorted([a, b])
    assert acme["others"] == 0
    for party, own, other in (("northwind", a, b), ("contoso", b, a)):
        seen = await outages.view(party, oid)
        assert [i["incident_id"] for i in seen["incidents"]] == [own], party
        assert seen["others"] == 1 and other not in str(seen), party
        assert len(await outages.events(oid, seen_by=party)) == 2, party  # declared + its link
    # Everyone on the incident, its customer too, sees that it is part of the outage.
    for party in ("initech", "northwind", "acme"):
        assert (await incident_view(world, party, a))["outage_id"] == oid, party
    async with world.engine.connect() as conn:
        items, _ = await readmodel.list_incidents(
            conn, who("initech"), readmodel.IncidentFilter(), None, 50
        )
    assert {i["id"]: i["outage_id"] for i in items}[a] == oid
    await refused(404, outages.view("initech", oid))


async def test_a_link_is_refused_and_changes_nothing(world: World, outages: Outages) -> None:
    oid = (await outages.declare())["id"]
    a = await open_incident(world, "northwind", "initech")
    firewall = await open_incident(world, "northwind", "initech", product=FIREWALLS)
    cloud = await open_incident(world, "fabrikam", "litware", product="acme-cloud")
    done = await open_incident(world, "northwind", "initech")
    await world.do(
        "northwind", done, c.ChangeStatus("resolved", resolution_code="x", resolution_notes="y")
    )
    before = len(await outages.events(oid))
    await refused(404, outages.link("contoso", oid, a))  # not on it
    await refused(404, outages.link("initech", oid, a))  # a customer: no such outage
    await refused(404, outages.link("globex", oid, a))
    await refused(404, outages.link("northwind", str(uuid.uuid4()), a))
    await refused(404, outages.link("fabrikam", oid, cloud))  # not acme's partner
    await refused(403, outages.link("northwind", oid, cloud))  # on it, not its owner
    await refused(422, outages.link("northwind", oid, firewall))  # globex's incident
    await refused(409, outages.link("northwind", oid, done))
    elsewhere = (await outages.declare(title="another"))["id"]
    await outages.link("northwind", elsewhere, a)
    err = await refused(409, outages.link("northwind", oid, a))
    assert (err.kind, err.extensions["outage_id"]) == ("linked-elsewhere", elsewhere)
    assert len(await outages.events(oid)) == before
    # acme, the provider of fabrikam's incident, may link it.
    await outages.link("acme", oid, cloud)
    assert (await incident_view(world, "fabrikam", cloud))["outage_id"] == oid


async def test_a_retried_link_is_applied_once(world: World, outages: Outages) -> None:
    oid = (await outages.declare())["id"]
    a = await open_incident(world, "northwind", "initech")
    key = as_("northwind", key=f"link-{a}", body={"incident_id": a})
    first = await outages.link("northwind", oid, a, context=key)
    again = await outages.link("northwind", oid, a, context=key)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.body == first.body
    assert [ev.type for ev in await outages.events(oid)][-1] == "village.outage.linked.v1"
    assert len(await outages.events(oid)) == 2
    assert [ev.type for ev in await world.events(a)].count("village.incident.outage_linked.v1") == 1


async def test_racing_links_are_decided_on_fresh_state(world: World, outages: Outages) -> None:
    # One incident, two outages at once: one link wins, the other finds it linked elsewhere.
    first, second = (await outages.declare())["id"], (await outages.declare())["id"]
    a = await open_incident(world, "northwind", "initech")
    results = await asyncio.gather(
        outages.link("northwind", first, a),
        outages.link("northwind", second, a),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, Written)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and [e.kind for e in lost] == ["linked-elsewhere"]
    assert [ev.type for ev in await world.events(a)].count("village.incident.outage_linked.v1") == 1
    # Several incidents to one outage at once: each appended once, in one gap-free stream.
    incidents = [await open_incident(world, "northwind", "initech") for _ in range(12)]
    await asyncio.gather(*(outages.link("northwind", first, i) for i in incidents))
    stored = await outages.events(first)
    assert [s.stream_version for s in stored] == list(range(1, len(stored) + 1))
    a_on_first = (await incident_view(world, "acme", a))["outage_id"] == first
    view = await outages.view("acme", first)
    assert len(view["incidents"]) == 12 + a_on_first == view["version"] - 1


async def test_unlinking_takes_a_reason_and_the_incident_may_be_linked_again(
    world: World, outages: Outages
) -> None:
    oid = (await outages.declare())["id"]
    a = await open_incident(world, "northwind", "initech")
    await outages.link("northwind", oid, a)
    await refused(404, outages.unlink("contoso", oid, a, "not yours"))
    await refused(404, outages.unlink("northwind", str(uuid.uuid4()), a, "no such"))
    off = await outages.unlink("northwind", oid, a, "a local power cut")
    assert off.body["incidents"] == [] and off.body["version"] == 3
    unlinked = (await outages.events(oid))[-1]
    assert unlinked.data == {
        "outage_id": oid,
        "incident_id": a,
        "partner": "northwind",
        "unlinked_by": "northwind",
        "reason": "a local power cut",
    }
    assert (await world.events(a))[-1].data["reason"] == "a local power cut"
    assert (await incident_view(world, "initech", a))["outage_id"] is None
    row = await world.table(
        "SELECT unlink_reason, unlinked_at IS NOT NULL FROM provider_incident_links"
        f" WHERE outage_id = '{oid}'"
    )
    assert row == [("a local power cut", True)]
    # Unlinked already: a conflict (its parties were told), not a provider incident unheard of.
    err = await refused(409, outages.unlink("northwind", oid, a, "again"))
    assert err.kind == "not-linked"
    await outages.link("acme", oid, a)  # linked again, by the provider this time
    assert [i["linked_by"] for i in (await outages.view("northwind", oid))["incidents"]] == ["acme"]


async def test_candidates_are_ranked_by_the_outages_words_among_what_the_caller_may_link(
    world: World, outages: Outages
) -> None:
    before = await open_incident(world, "northwind", "initech", "IPsec tunnels drop")
    oid = (
        await outages.declare(
            title="Firmware 7.2 drops IPsec tunnels", description="rekeying timer"
        )
    )["id"]
    best = await open_incident(
        world, "northwind", "initech", "IPsec tunnels drop", description="since firmware 7.2"
    )
    some = await open_incident(world, "northwind", "initech", "Tunnels flapping")
    none = await open_incident(world, "northwind", "initech", "Printer jam")
    theirs = await open_incident(world, "contoso", "umbrella", "IPsec tunnel drops")
    await open_incident(world, "northwind", "initech", "IPsec tunnels", product=FIREWALLS)
    linked = await open_incident(world, "northwind", "initech", "IPsec tunnels drop")
    await outages.link("northwind", oid, linked)
    northwind = await outages.candidates("northwind", oid)
    assert [c["incident_id"] for c in northwind] == [best, some, none]
    assert northwind[0]["rank"] > northwind[1]["rank"] > northwind[2]["rank"] == 0
    assert [c["incident_id"] for c in await outages.candidates("contoso", oid)] == [theirs]
    acme = [c["incident_id"] for c in await outages.candidates("acme", oid)]
    assert set(acme) == {best, some, none, theirs} and before not in acme
    await refused(404, outages.candidates("initech", oid))


async def test_the_list_shows_a_provider_its_own_and_a_partner_its_providers(
    world: World, outages: Outages
) -> None:
    acme_ids = {o["id"] for o in (await outages.listed("acme", limit=200))["items"]}
    northwind_ids = {o["id"] for o in (await outages.listed("northwind", limit=200))["items"]}
    globex_ids = {o["id"] for o in (await outages.listed("globex", limit=200))["items"]}
    assert acme_ids and globex_ids and northwind_ids == acme_ids | globex_ids
    assert not acme_ids & globex_ids
    assert (await outages.listed("initech"))["items"] == []
    assert {o["id"] for o in (await outages.listed("fabrikam"))["items"]} == set()
    cancelled = (await outages.listed("acme", status="cancelled"))["items"]
    assert cancelled and {o["status"] for o in cancelled} == {"cancelled"}
    first = await outages.listed("acme", limit=1)
    second = await outages.listed("acme", limit=1, cursor=first["next_cursor"])
    assert first["items"][0]["declared_at"] >= second["items"][0]["declared_at"]
    assert first["items"][0]["id"] != second["items"][0]["id"]


async def test_the_rebuild_gives_the_same_rows(world: World) -> None:
    tables = {
        "provider_incidents": "SELECT id, version, provider, title, status, severity, products,"
        " started_at, declared_at, updated_at, linked, schema, state FROM provider_incidents"
        " ORDER BY seq",
        "provider_incident_links": "SELECT outage_id, incident_id, partner, parties, linked_by,"
        " linked_at, unlinked_at, unlink_reason FROM provider_incident_links"
        " ORDER BY outage_id, incident_id",
        "incidents": "SELECT id, version, status, outage_id, description, words FROM incidents"
        " ORDER BY id",
    }
    before = {name: await world.table(sql) for name, sql in tables.items()}
    assert before["provider_incident_links"] and any(r[3] for r in before["incidents"])
    await rebuild(world.settings)
    after = {name: await world.table(sql) for name, sql in tables.items()}
    assert after == before
