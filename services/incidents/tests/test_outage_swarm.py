"""A provider incident's swarm on a real PostgreSQL: the handlers append the hops to the outage's
stream with each hop's audience and keep them in its row's state, Idempotency-Key and If-Match
hold, a revocation takes every hop below it in one transaction, the provenance shows each caller
what it may see, refusals change nothing, and the rebuild gives the same rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from incidents_support import World, fresh_settings
from test_provider_incidents import Outages, as_, refused, who

from village_incidents.cli import MIGRATIONS
from village_incidents.domain import commands as c
from village_incidents.rebuild import rebuild
from village_platform.service_cli import migrate


@pytest.fixture(scope="module")
async def world(stack: Any) -> AsyncIterator[World]:
    settings = fresh_settings(stack)
    await migrate(settings, MIGRATIONS)
    world = World(settings)
    await world.seed_parties()  # acme's partners: northwind and contoso
    yield world
    await world.close()


@pytest.fixture
def outages(world: World) -> Outages:
    return Outages(world)


def ask(partner: str, **kw: Any) -> c.InviteToSwarm:
    return c.InviteToSwarm(
        partner,
        kw.pop("certification", "routers"),
        kw.pop("reason", f"{partner} knows firmware 7.2"),
        **kw,
    )


async def provenance(outages: Outages, party: str, outage_id: str) -> dict[str, Any]:
    async with outages.world.engine.connect() as conn:
        return (await outages.handlers.reads.provenance(conn, outage_id, who(party)))[0]


def flat(trees: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(partner, its parent's partner) of every hop, depth first."""
    found: list[tuple[str, str | None]] = []

    def walk(nodes: list[dict[str, Any]], parent: str | None) -> None:
        for node in nodes:
            found.append((node["partner"], parent))
            walk(node["below"], node["partner"])

    walk(trees, None)
    return found


async def test_invitations_hop_by_hop_each_seen_by_those_who_answer_for_it(
    outages: Outages,
) -> None:
    oid = (await outages.declare())["id"]
    handlers = outages.handlers
    body = {"partner": "northwind", "certification": "routers"}
    key = as_("acme", key="swarm-1", body=body)
    first = await handlers.invite_to_swarm(key, oid, ask("northwind", may_invite=True), None)
    again = await handlers.invite_to_swarm(key, oid, ask("northwind", may_invite=True), None)
    assert first.status_code == again.status_code == 201
    assert again.body == first.body and first.body["version"] == 2  # the retry added nothing
    [hop] = first.body["hops"]
    assert (hop["partner"], hop["invited_by"], hop["certification"], hop["may_invite"]) == (
        "northwind",
        "acme",
        "routers",
        True,
    )
    # northwind invites contoso below its own hop, at the version it read.
    below = await handlers.invite_to_swarm(as_("northwind"), oid, ask("contoso"), frozenset({2}))
    assert flat(below.body["hops"]) == [("northwind", None), ("contoso", "northwind")]

    assert flat((await provenance(outages, "acme", oid))["hops"]) == [
        ("northwind", None),
        ("contoso", "northwind"),
    ]
    # contoso sees its own hop, not why northwind was invited; a customer may not see the outage.
    assert flat((await provenance(outages, "contoso", oid))["hops"]) == [("contoso", None)]
    await refused(404, provenance(outages, "initech", oid))
    # On the stream: contoso gets its own invitation, not northwind's.
    seen = [
        ev.data["partner"] for ev in await outages.events(oid, "contoso") if "hop_id" in ev.data
    ]
    assert seen == ["contoso"]
    seen = [ev.data["partner"] for ev in await outages.events(oid, "acme") if "hop_id" in ev.data]
    assert seen == ["northwind", "contoso"]


async def test_refusals_change_nothing(outages: Outages) -> None:
    oid = (await outages.declare())["id"]
    handlers = outages.handlers
    await refused(403, handlers.invite_to_swarm(as_("acme", "viewer"), oid, ask("northwind"), None))
    await refused(403, handlers.invite_to_swarm(as_("northwind"), oid, ask("contoso"), None))
    bad = ask("northwind", certification="firewalls")
    await refused(422, handlers.invite_to_swarm(as_("acme"), oid, bad, None))
    await refused(422, handlers.invite_to_swarm(as_("acme"), oid, ask("globex"), None))
    await refused(404, handlers.invite_to_swarm(as_("globex"), oid, ask("northwind"), None))
    stale = frozenset({7})
    await refused(412, handlers.invite_to_swarm(as_("acme"), oid, ask("northwind"), stale))
    await refused(
        404, handlers.revoke_swarm_hop(as_("acme"), oid, c.RevokeSwarmHop("x", "r"), None)
    )
    assert [ev.type for ev in await outages.events(oid)] == ["village.outage.declared.v1"]
    assert (await provenance(outages, "acme", oid))["hops"] == []


async def test_revoking_a_hop_revokes_every_hop_below_it_in_one_transaction(
    outages: Outages, world: World
) -> None:
    oid = (await outages.declare())["id"]
    handlers = outages.handlers
    await handlers.invite_to_swarm(as_("acme"), oid, ask("northwind", may_invite=True), None)
    written = await handlers.invite_to_swarm(as_("northwind"), oid, ask("contoso"), None)
    [top] = written.body["hops"]
    [child] = top["below"]
    # contoso may not revoke its own hop (it did not decide on it).
    cmd = c.RevokeSwarmHop(child["hop_id"], "leaving")
    await refused(403, handlers.revoke_swarm_hop(as_("contoso"), oid, cmd, None))

    revoked = await handlers.revoke_swarm_hop(
        as_("acme"), oid, c.RevokeSwarmHop(top["hop_id"], "the fix is out"), None
    )
    [after] = revoked.body["hops"]
    assert after["revoked"]["by"] == "acme" and after["revoked"]["cascade_of"] is None
    assert after["below"][0]["revoked"]["cascade_of"] == top["hop_id"]
    stored = await outages.events(oid)
    tail = stored[-2:]
    assert [(ev.type, ev.data["partner"]) for ev in tail] == [
        ("village.outage.swarm_revoked.v1", "northwind"),
        ("village.outage.swarm_revoked.v1", "contoso"),
    ]
    assert tail[0].data["cascade"] == [child["hop_id"]] and tail[1].data["cascade"] == []
    # One append: one instant, consecutive versions.
    assert tail[0].recorded_at == tail[1].recorded_at
    assert tail[1].stream_version == tail[0].stream_version + 1
    # Revoked already: a conflict, nothing appended. A revoked partner may be invited again.
    again = handlers.revoke_swarm_hop(as_("acme"), oid, c.RevokeSwarmHop(top["hop_id"], "x"), None)
    await refused(409, again)
    assert len(await outages.events(oid)) == len(stored)
    back = await handlers.invite_to_swarm(as_("acme"), oid, ask("contoso"), None)
    assert [h["partner"] for h in back.body["hops"]] == ["northwind", "contoso"]

    # The rebuild replays the streams to the same rows (the swarm in the state included).
    sql = "SELECT id, version, schema, state FROM provider_incidents ORDER BY seq"
    before = await world.table(sql)
    await rebuild(world.settings)
    assert await world.table(sql) == before
