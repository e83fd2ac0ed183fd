"""The value web against a real PostgreSQL (escalation_world.py): configuration written through
the service's command path (who may read it, and its events' audience), incidents opened through
the consumer's handler (the snapshot each pins), decisions landed as the incidents service's
events, and the queues and paths read as each party. acme and globex are providers with their
own tiers and rules; northwind sells both; dist is a distributor between northwind and globex."""

from __future__ import annotations

import pytest
from escalation_demo import (
    DIST_TIERS,
    GLOBEX_RULES,
    GLOBEX_TIERS,
    NORTHWIND_WEB_RULES,
    PROFILES,
    RULES,
    TIERS,
    opened_data,
    web_opened,
)
from escalation_world import World
from sqlalchemy import text

from village_platform.errors import Problem

FOUR = ["initech", "northwind", "dist", "globex"]


async def seed_two_vendors(world: World) -> None:
    """acme's and northwind's demo documents; then northwind buys from globex too, globex sets
    its own, and northwind routes S2s to acme."""
    for writer, party, kind, document in (
        ("acme", "acme", "tiers", TIERS["acme"]),
        ("acme", "acme", "rules", RULES["acme"]),
        ("northwind", "northwind", "tiers", TIERS["northwind"]),
        ("northwind", "northwind", "rules", RULES["northwind"]),
        ("acme", "northwind", "profile", PROFILES["northwind"]),
    ):
        assert await world.revise(writer, party, kind, document) == 201
    world.supplies.registered.add(("globex", "northwind"))
    assert await world.revise("globex", "globex", "tiers", GLOBEX_TIERS) == 201
    assert await world.revise("globex", "globex", "rules", GLOBEX_RULES) == 201
    assert await world.revise("northwind", "northwind", "rules", NORTHWIND_WEB_RULES) == 200


async def test_each_incident_is_decided_and_queued_with_its_own_providers_configuration(
    world: World,
) -> None:
    await seed_two_vendors(world)
    routes = {
        "gx-1": await world.open(web_opened("globex", "S2", incident_id="gx-1")),
        "gx-2": await world.open(web_opened("globex", "S3", incident_id="gx-2")),
        "ac-1": await world.open(web_opened("acme", "S3", "switches", incident_id="ac-1")),
        "ac-2": await world.open(web_opened("acme", "S2", "switches", incident_id="ac-2")),
        "old-1": await world.open(opened_data("old-1")),  # no chain: acme's, as before
    }
    decided = {iid: (r.to_party, r.to_tier, r.basis.get("id")) for iid, r in routes.items()}
    assert decided == {
        # northwind's s2-to-acme is skipped (not globex's incident); acme's profile of
        # northwind (premier) does not make globex's gx-premier match.
        "gx-1": ("globex", "GX L2", "gx-uncertified"),
        "gx-2": ("northwind", "L1", None),
        "ac-1": ("acme", "TAC L1", "uncertified"),
        "ac-2": ("acme", "TAC L2", "s2-to-acme"),
        "old-1": ("northwind", "L1", None),
    }
    path = await world.views.incident("gx-1", None)
    assert path is not None and path["pinned_versions"] == {
        "tiers/globex": 1,
        "rules/globex": 1,
        "tiers/northwind": 1,
        "rules/northwind": 2,
    }
    async with world.engine.connect() as conn:
        state = await world.escalations.load(conn, "gx-2")
        assert state is not None
        assert {r.party for r in state.ladder.rungs} == {"northwind", "globex"}
        decided_for = await conn.scalar(
            text("SELECT metadata FROM events WHERE stream_id = 'gx-1' ORDER BY id LIMIT 1")
        )
    assert decided_for["parties"] == ["globex", "northwind"]
    assert decided_for["provider"] == "globex"

    # Each provider's queues hold its own incidents only, in its own tiers and its partner's.
    assert await world.queues("globex") == {("globex", "GX L2"): 1, ("northwind", "L1"): 1}
    assert await world.queues("acme") == {
        ("acme", "TAC L1"): 1,
        ("acme", "TAC L2"): 1,
        ("northwind", "L1"): 1,
    }
    assert await world.queues("northwind") == {("northwind", "L1"): 2}
    assert await world.queue("northwind", "L1", "globex") == ["gx-2"]
    assert await world.queue("northwind", "L1", "acme") == ["old-1"]
    assert sorted(await world.queue("northwind", "L1", "northwind")) == ["gx-2", "old-1"]
    # Another provider's queue: not found (None, 404), not an empty queue echoing the tier.
    assert await world.queue("globex", "GX L2", "acme") is None
    assert await world.queue("acme", "TAC L1", "globex") is None
    assert await world.queue("acme", "outage:any", "globex") is None
    for iid, stranger in (("gx-1", "acme"), ("gx-2", "acme"), ("ac-1", "globex")):
        assert await world.views.incident(iid, stranger) is None, (iid, stranger)
    assert await world.views.incident("gx-1", "northwind") is not None


async def test_a_partner_of_two_vendors_keeps_its_configuration_to_itself(world: World) -> None:
    # One vendor: as before, the partner's documents are its and its provider's.
    assert await world.revise("acme", "acme", "tiers", TIERS["acme"]) == 201
    assert await world.revise("northwind", "northwind", "tiers", TIERS["northwind"]) == 201
    assert await world.revise("northwind", "northwind", "rules", RULES["northwind"]) == 201
    assert await world.revise("acme", "northwind", "profile", PROFILES["northwind"]) == 201
    assert await world.audience("acme", "tiers") == (["acme"], "acme")
    assert await world.audience("northwind", "rules") == (["acme", "northwind"], "acme")
    data, headers = await world.on_topic("northwind", "rules")
    assert (data["party"], data["version"]) == ("northwind", 1) and headers["ce_provider"] == "acme"
    assert await world.reads("acme", "northwind", "rules")
    assert await world.reads("acme", "northwind", "tiers")
    assert not await world.reads("globex", "northwind", "rules")
    assert not await world.reads("acme", "globex", "tiers")

    # northwind buys globex's firewalls too: its documents are its own from now on.
    world.supplies.registered.add(("globex", "northwind"))
    assert await world.revise("globex", "globex", "tiers", GLOBEX_TIERS) == 201
    assert await world.audience("globex", "tiers") == (["globex"], "globex")
    assert await world.revise("northwind", "northwind", "rules", NORTHWIND_WEB_RULES) == 200
    assert await world.audience("northwind", "rules") == (["northwind"], None)
    # On the topic every provider's tooling reads: that it changed, nothing of it.
    data, headers = await world.on_topic("northwind", "rules")
    assert data == {} and headers["ce_redacted"] == "true" and "ce_provider" not in headers
    for provider in ("acme", "globex"):
        assert not await world.reads(provider, "northwind", "rules"), provider
        assert not await world.reads(provider, "northwind", "tiers"), provider
    assert not await world.reads("globex", "acme", "tiers")
    assert not await world.reads("acme", "globex", "tiers")
    # It reads both vendors' tiers (its rules may route to either).
    assert await world.reads("northwind", "globex", "tiers")
    assert await world.reads("northwind", "acme", "tiers")
    # acme's profile of northwind stays acme's: globex neither reads nor overwrites it (it
    # writes its own, test_escalation_profiles.py).
    assert await world.reads("acme", "northwind", "profile")
    assert not await world.reads("globex", "northwind", "profile")
    with pytest.raises(Problem) as refused:
        await world.revise("globex", "northwind", "profile", PROFILES["northwind"], provider="acme")
    assert refused.value.status == 403
    # Its rules may route to either vendor's tiers, never to a party it does not buy from.
    to_globex = {
        "rules": [
            {
                "id": "firewalls",
                "priority": 5,
                "match": {"products": ["firewalls"]},
                "route_to": {"party": "globex", "tier": "GX L1"},
            }
        ]
    }
    assert await world.revise("northwind", "northwind", "rules", to_globex) == 200
    to_contoso = {
        "rules": [{**to_globex["rules"][0], "route_to": {"party": "contoso", "tier": "L1"}}]
    }
    with pytest.raises(Problem) as refused:
        await world.revise("northwind", "northwind", "rules", to_contoso)
    assert refused.value.status == 422
    assert "northwind, acme or globex" in refused.value.detail


async def test_a_four_party_chain_routes_and_its_middle_supplier_sees_its_own_queue(
    world: World,
) -> None:
    await seed_two_vendors(world)
    world.supplies.registered |= {("globex", "dist"), ("dist", "northwind")}
    assert await world.revise("dist", "dist", "tiers", DIST_TIERS) == 201
    route = await world.open(web_opened("globex", chain=FOUR, incident_id="gx-4"))
    assert (route.to_party, route.to_tier) == ("northwind", "L1")
    async with world.engine.connect() as conn:
        state = await world.escalations.load(conn, "gx-4")
    assert state is not None and state.suppliers == ("northwind", "dist", "globex")
    assert [str(r.ref) for r in state.ladder.rungs] == [
        "northwind L1",
        "northwind L2",
        "dist D1",
        "dist D2",
        "globex GX L1",
        "globex GX L2",
        "globex GX L3",
    ]
    assert state.pinned["tiers/dist"] == 1 and "tiers/acme" not in state.pinned

    await world.assign("gx-4", "dist", "D1")  # handed to the distributor
    assert await world.queue("dist", "D1", "dist") == ["gx-4"]
    assert await world.queues("dist") == {("dist", "D1"): 1}
    assert await world.queue("dist", "D1", "globex") == ["gx-4"]
    assert await world.queue("dist", "D1", "acme") is None  # dist works no incident of acme's
    assert await world.views.incident("gx-4", "dist") is not None
    assert await world.views.incident("gx-4", "acme") is None
    assert "gx-4" not in (await world.queue("northwind", "L1", "northwind") or [])
