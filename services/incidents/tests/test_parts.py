"""Parts: the owning partner hands a part of an incident to another product's vendor. The rules
as pure functions first, then the handlers, the read model and the rebuild on a real PostgreSQL:
each vendor sees only its part, the parent lists to each party only the parts it is on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schema_check as sc
from incidents_support import World, ctx, fresh_settings, principal, statements_of

from village_incidents import readmodel
from village_incidents.cli import MIGRATIONS
from village_incidents.domain import commands as c
from village_incidents.domain import events as e
from village_incidents.domain.incident import Incident, Party, describe, evolve
from village_incidents.domain.rules import decide, decide_open, decide_part
from village_incidents.domain.supply import Supply
from village_incidents.handlers import SupplyHandlers
from village_incidents.rebuild import rebuild
from village_platform import egress
from village_platform.auth import Principal
from village_platform.errors import DomainError
from village_platform.service_cli import migrate
from village_platform.writes import WriteContext

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIREWALLS = "globex-firewalls"
# The demo web: northwind buys everything from acme and globex's firewalls from globex;
# fabrikam buys acme's cloud (only) through northwind and serves litware.
SUPPLIES = [
    Supply("acme", "northwind"),
    Supply("northwind", "initech"),
    Supply("globex", "northwind", frozenset({FIREWALLS})),
    Supply("northwind", "fabrikam", frozenset({"acme-cloud"})),
    Supply("fabrikam", "litware"),
]
# Who the openers are (kinds only: the supplies above are the web).
DIRECTORY = {
    "northwind": Party("northwind", "partner", "Northwind"),
    "fabrikam": Party("fabrikam", "partner", "Fabrikam"),
}
NORTHWIND = c.Actor("northwind", "partner", "jane.doe")
SERVICE = c.Actor("village-escalation", "service", "village-escalation")


def parent(**kw: Any) -> Incident:
    """initech's router outage, raised to northwind, provided by acme."""
    cmd = c.OpenIncident(
        "parent-1", "Branch offline", "Leeds is down", "S1", "routers", "branch-net", "initech"
    )
    [opened] = decide_open(cmd, NORTHWIND, DIRECTORY, SUPPLIES)
    state = evolve(None, opened, T0)
    for event in kw.get("then", ()):
        state = evolve(state, event, T0)
    return state


def part_of(state: Incident | None, actor: c.Actor = NORTHWIND, **kw: Any) -> e.IncidentOpened:
    cmd = c.OpenPart("part-1", state.id if state else "nowhere", kw.pop("product", FIREWALLS), **kw)
    [opened] = decide_part(state, cmd, actor, SUPPLIES)
    assert isinstance(opened, e.IncidentOpened)
    return opened


# --------------------------------------------------------------------------- the rules


def test_a_part_is_an_incident_of_its_own_along_the_partners_supply_path_of_its_product():
    opened = part_of(parent())
    assert (opened.incident_id, opened.parent_id) == ("part-1", "parent-1")
    assert opened.chain == ["initech", "northwind", "globex"]
    assert (opened.customer, opened.partner, opened.provider) == ("initech", "northwind", "globex")
    assert (opened.requester, opened.opened_by) == ("northwind", "jane.doe")
    # What the partner does not say is the parent's.
    assert (opened.title, opened.description, opened.severity, opened.impacted_service) == (
        "Branch offline",
        "Leeds is down",
        "S1",
        "branch-net",
    )
    said = part_of(parent(), title="Firewall drops IKE", description="", severity="S3")
    assert (said.title, said.description, said.severity) == ("Firewall drops IKE", "", "S3")
    state = evolve(None, opened, T0)
    assert state.parent_id == "parent-1" and state.parties == ["initech", "northwind", "globex"]


def test_the_parts_opened_event_is_for_the_parts_chain_and_matches_its_schema():
    opened = part_of(parent())
    state = evolve(None, opened, T0)
    meta = describe(None, state, opened)
    assert meta["parties"] == ["globex", "initech", "northwind"]  # not acme, the parent's vendor
    assert meta["provider"] == "globex"
    assert not egress.sees(meta, "acme", "provider")
    sc.validate_event_data(opened.type, opened.to_data())


def test_an_opened_event_stored_before_parts_loads_as_no_part():
    data = part_of(parent()).to_data()
    del data["parent_id"]
    loaded = e.CATALOG.load("village.incident.opened.v1", data)
    assert loaded.parent_id is None and evolve(None, loaded, T0).parent_id is None


def test_a_service_may_open_a_part_for_the_owner():
    opened = part_of(parent(), SERVICE)
    assert (opened.partner, opened.requester, opened.provider) == (
        "northwind",
        "northwind",
        "globex",
    )


@pytest.mark.parametrize(
    "actor, status",
    [
        (c.Actor("contoso", "partner", "kim"), 404),  # not on it: it may not learn it exists
        (c.Actor("globex", "provider", "gus"), 404),
        (c.Actor("acme", "provider", "sam"), 403),  # its vendor, not its owner
        (c.Actor("initech", "customer", "bob"), 403),
    ],
)
def test_only_the_owning_partner_hands_parts_on(actor: c.Actor, status: int):
    with pytest.raises(DomainError) as refused:
        part_of(parent(), actor)
    assert refused.value.status == status


def test_no_part_of_an_incident_that_does_not_exist():
    with pytest.raises(DomainError) as refused:
        part_of(None)
    assert refused.value.status == 404


@pytest.mark.parametrize(
    "then",
    [
        [e.IncidentCancelled("new", "opened by mistake")],
        [
            e.IncidentResolved("new", "fix", "Rekeyed."),
            e.IncidentClosed(automatic=False, reason="confirmed"),
        ],
    ],
)
def test_no_part_of_an_incident_that_is_over(then: list[e.IncidentEvent]):
    with pytest.raises(DomainError) as refused:
        part_of(parent(then=then))
    assert refused.value.status == 409


def test_a_part_has_no_parts():
    part = evolve(None, part_of(parent()), T0)
    with pytest.raises(DomainError) as refused:
        part_of(part, product="routers")
    assert refused.value.status == 422


def test_a_product_the_owner_buys_from_no_one_is_refused():
    cmd = c.OpenIncident("cloud-1", "Tenant down", "", "S2", "acme-cloud", customer="litware")
    fabrikam = c.Actor("fabrikam", "partner", "fay")
    state = evolve(None, decide_open(cmd, fabrikam, DIRECTORY, SUPPLIES)[0], T0)
    assert state.chain == ("litware", "fabrikam", "northwind", "acme")
    with pytest.raises(DomainError) as refused:
        part_of(state, fabrikam, product=FIREWALLS)  # fabrikam buys only acme's cloud
    assert refused.value.status == 422


def test_a_part_is_worked_like_any_incident_along_its_own_chain():
    part = evolve(None, part_of(parent()), T0)
    globex = c.Actor("globex", "provider", "gus")
    [handed] = decide(part, c.Escalate("globex", "Globex TAC", "firewall fault"), NORTHWIND, T0)
    assert handed.to_party == "globex"
    assert decide(evolve(part, handed, T0), c.Acknowledge(), globex, T0)
    with pytest.raises(DomainError) as refused:  # acme is not on the part
        decide(part, c.Acknowledge(), c.Actor("acme", "provider", "sam"), T0)
    assert refused.value.status == 404


# --------------------------------------------------------------------------- on PostgreSQL


@pytest.fixture(scope="module")
async def web(stack: Any) -> AsyncIterator[World]:
    settings = fresh_settings(stack)
    await migrate(settings, MIGRATIONS)
    world = World(settings)
    await world.seed_parties()
    admin = Principal("globex", "provider", "globex-admin", frozenset({"admin"}))
    await SupplyHandlers(world.writes, world.store).register(
        WriteContext(admin), Supply("globex", "northwind", frozenset({FIREWALLS}))
    )
    yield world
    await world.close()


async def open_part(world: World, by: str, parent_id: str, product: str = FIREWALLS) -> Any:
    cmd = c.OpenPart(str(uuid.uuid4()), parent_id, product, title="Firewall drops IKE")
    return await world.handlers.open_part(ctx(by), cmd)


async def view(world: World, party: str, iid: str) -> dict[str, Any]:
    async with world.engine.connect() as conn:
        return (await world.handlers.reads.view(conn, iid, principal(party)))[0]


async def parts(world: World, party: str, iid: str, **page: Any) -> dict[str, Any]:
    async with world.engine.connect() as conn:
        return await world.handlers.reads.parts_page(
            conn, iid, principal(party), page.get("cursor"), page.get("limit", 50)
        )


async def test_each_party_sees_the_parts_it_is_on_and_a_vendor_only_its_own(web: World):
    world = web
    outage = await world.open()
    written = await open_part(world, "northwind", outage)
    assert (
        written.status_code == 201
        and written.headers["Location"] == f"/incidents/{written.body['id']}"
    )
    part = written.body
    assert (part["parent_id"], part["provider"], part["chain"]) == (
        outage,
        "globex",
        ["initech", "northwind", "globex"],
    )
    # Its own stream, begun by its own opened event.
    assert [s.type for s in await world.events(part["id"])] == ["village.incident.opened.v1"]
    assert len(await world.events(outage)) == 1  # the parent's stream is not touched

    for party in ("northwind", "initech"):
        shown = await view(world, party, outage)
        assert [(p["id"], p["product"], p["provider"]) for p in shown["parts"]] == [
            (part["id"], FIREWALLS, "globex")
        ], party
        assert (await parts(world, party, outage))["items"] == shown["parts"]
        assert (await view(world, party, part["id"]))["parent_id"] == outage
    # acme, the parent's vendor, never learns of globex's part.
    assert (await view(world, "acme", outage))["parts"] == []
    assert (await parts(world, "acme", outage))["items"] == []
    with pytest.raises(DomainError) as hidden:
        await view(world, "acme", part["id"])
    assert hidden.value.status == 404
    # globex sees its part and whose part it is, never the parent.
    assert (await view(world, "globex", part["id"]))["parent_id"] == outage
    for read in (view, parts):
        with pytest.raises(DomainError) as hidden:
            await read(world, "globex", outage)
        assert hidden.value.status == 404


async def test_a_commands_answer_lists_the_parts_and_reads_them_only_when_there_are_any(
    web: World,
):
    """The upsert of the incident's row says whether any part names it: without parts the
    answer reads no parts page (one statement fewer per command); with one it lists it."""
    world = web
    outage = await world.open()

    def parts_reads(statements: list[str]) -> int:
        return sum("FROM incidents WHERE" in s and "ORDER BY seq DESC" in s for s in statements)

    with statements_of(world.engine) as statements:
        answer = await world.do("northwind", outage, c.Acknowledge())
    assert answer["parts"] == [] and parts_reads(statements) == 0

    part = (await open_part(world, "northwind", outage)).body
    for party, cmd, shown in (
        ("northwind", c.ChangeSeverity("S1", "spreading"), [part["id"]]),
        ("acme", c.AddNote.new("acme looks", "shared"), []),  # not on globex's part
    ):
        with statements_of(world.engine) as statements:
            answer = await world.do(party, outage, cmd)
        assert [p["id"] for p in answer["parts"]] == shown and parts_reads(statements) == 1, party
    # The part itself has none (a part has no parts): nothing to read there either.
    with statements_of(world.engine) as statements:
        answer = await world.do("northwind", part["id"], c.AddNote.new("on the part", "shared"))
    assert answer["parts"] == [] and parts_reads(statements) == 0


async def test_the_incident_list_names_each_parts_parent(web: World):
    world = web
    outage = await world.open()
    part = (await open_part(world, "northwind", outage)).body

    async def listed(party: str) -> dict[str, str | None]:
        async with world.engine.connect() as conn:
            items, _ = await readmodel.list_incidents(
                conn, principal(party), readmodel.IncidentFilter(), None, 500
            )
        return {i["id"]: i["parent_id"] for i in items if i["id"] in (outage, part["id"])}

    assert await listed("globex") == {part["id"]: outage}
    assert await listed("acme") == {outage: None}
    assert await listed("initech") == {outage: None, part["id"]: outage}


async def test_the_parts_of_an_incident_come_a_page_at_a_time_newest_first(web: World):
    world = web
    outage = await world.open()
    opened = [
        (await open_part(world, "northwind", outage, p)).body["id"]
        for p in (
            FIREWALLS,
            "routers",
            "switches",
        )
    ]
    first = await parts(world, "northwind", outage, limit=2)
    assert [p["id"] for p in first["items"]] == opened[:0:-1]
    rest = await parts(world, "northwind", outage, cursor=first["next_cursor"], limit=2)
    assert [p["id"] for p in rest["items"]] == opened[:1] and rest["next_cursor"] is None
    # acme is on the two parts it provides (acme's own products), not on globex's.
    assert [p["provider"] for p in (await parts(world, "acme", outage))["items"]] == [
        "acme",
        "acme",
    ]


async def test_a_refused_part_changes_nothing(web: World):
    world = web
    outage = await world.open()
    await world.do("northwind", outage, c.ChangeStatus("cancelled", reason="opened by mistake"))
    before = await world.table("SELECT count(*) FROM events")
    for by, iid, status in (
        ("northwind", outage, 409),
        ("contoso", outage, 404),
        ("initech", outage, 403),
        ("northwind", str(uuid.uuid4()), 404),
    ):
        with pytest.raises(DomainError) as refused:
            await open_part(world, by, iid)
        assert refused.value.status == status, by
    assert await world.table("SELECT count(*) FROM events") == before


async def test_a_rebuild_restores_each_parts_parent(web: World):
    world = web
    outage = await world.open()
    part = (await open_part(world, "northwind", outage)).body
    query = "SELECT id, parent_id, chain FROM incidents ORDER BY id"
    before = await world.table(query)
    assert (part["id"], outage, ["initech", "northwind", "globex"]) in before
    await rebuild(world.settings)
    assert await world.table(query) == before
    assert [p["id"] for p in (await parts(world, "initech", outage))["items"]] == [part["id"]]
