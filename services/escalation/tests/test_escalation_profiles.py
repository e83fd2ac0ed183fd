"""One profile per (provider, partner), against a real PostgreSQL (escalation_world.py): each
provider that supplies northwind keeps its own versioned profile of it, reads only its own, and
its own incidents are routed by it; northwind reads each. Profiles recorded before (one per
partner, by its registered provider, on `config:<partner>:profile`) keep loading, routing and
being written on after migration 0004."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from alembic import command
from escalation_demo import GLOBEX_TIERS, PROFILES, RULES, TIERS, web_opened
from escalation_world import World, open_world, principal
from sqlalchemy import text

from village_escalation.cli import MIGRATIONS
from village_escalation.domain.config import ProfileDoc
from village_escalation.domain.events import CATALOG, ConfigRevised
from village_platform.auth import Principal
from village_platform.egress import describe
from village_platform.envelope import Metadata
from village_platform.errors import Problem
from village_platform.service_cli import alembic_config, ensure_database, migrate
from village_platform.writes import WriteContext

ACME_OF_NORTHWIND = PROFILES["northwind"]  # premier, certified for routers
GLOBEX_OF_NORTHWIND = {"level": "gold", "specialisations": ["firewalls"]}
# Each provider's rules match the partner's level as that provider's profile says it.
ACME_LEVEL_RULES = {
    "rules": [
        *RULES["acme"]["rules"],
        {
            "id": "premier-s2",
            "priority": 5,
            "match": {"severities": ["S2"], "partner_levels": ["premier"]},
            "route_to": {"party": "acme", "tier": "TAC L2"},
        },
    ]
}
GLOBEX_LEVEL_RULES = {
    "rules": [
        {  # acme says northwind is premier: never for globex's incidents
            "id": "gx-premier",
            "priority": 1,
            "match": {"partner_levels": ["premier"]},
            "route_to": {"party": "globex", "tier": "GX L3"},
        },
        {
            "id": "gx-gold-s2",
            "priority": 5,
            "match": {"severities": ["S2"], "partner_levels": ["gold"]},
            "route_to": {"party": "globex", "tier": "GX L2"},
        },
        {
            "id": "gx-uncertified",
            "priority": 20,
            "match": {"partner_certified": False},
            "route_to": {"party": "globex", "tier": "GX L1"},
        },
    ]
}
OPS = Principal("village-ops", "service", "ops", frozenset())


async def two_vendors(world: World) -> None:
    """northwind, acme's partner by registration, buys globex's firewalls too; each vendor has
    its tiers, its rules on the partner's level and its own profile of northwind."""
    world.supplies.registered.add(("globex", "northwind"))
    for writer, party, kind, document in (
        ("acme", "acme", "tiers", TIERS["acme"]),
        ("acme", "acme", "rules", ACME_LEVEL_RULES),
        ("northwind", "northwind", "tiers", TIERS["northwind"]),
        ("globex", "globex", "tiers", GLOBEX_TIERS),
        ("globex", "globex", "rules", GLOBEX_LEVEL_RULES),
        ("acme", "northwind", "profile", ACME_OF_NORTHWIND),
        ("globex", "northwind", "profile", GLOBEX_OF_NORTHWIND),
    ):
        assert await world.revise(writer, party, kind, document) == 201, (writer, party, kind)


async def test_each_provider_keeps_its_own_profile_and_reads_only_it(world: World) -> None:
    await two_vendors(world)
    # Each its own document, versioned on its own: acme's second version, globex's still one.
    premier = {**ACME_OF_NORTHWIND, "specialisations": ["routers", "switches"]}
    assert await world.revise("acme", "northwind", "profile", premier, if_match='"1"') == 200
    with pytest.raises(Problem) as stale:
        await world.revise("globex", "northwind", "profile", GLOBEX_OF_NORTHWIND, if_match='"2"')
    assert stale.value.status == 412

    acme = await world.read("acme", "northwind", "profile")
    globex = await world.read("globex", "northwind", "profile")
    assert acme is not None and globex is not None
    assert (acme["provider"], acme["version"], acme["specialisations"]) == (
        "acme",
        2,
        ["routers", "switches"],
    )
    assert (globex["provider"], globex["version"], globex["level"]) == ("globex", 1, "gold")
    # Never another provider's, however asked.
    assert await world.read("acme", "northwind", "profile", provider="globex") is None
    assert await world.read("globex", "northwind", "profile", provider="acme") is None
    with pytest.raises(Problem) as refused:
        await world.configs.versions(principal("globex"), "northwind", "profile", "acme")
    assert refused.value.status == 404
    assert [
        p.key.provider for p in await world.configs.profiles(principal("acme"), "northwind")
    ] == ["acme"]
    assert [
        p.key.provider for p in await world.configs.profiles(principal("globex"), "northwind")
    ] == ["globex"]
    # northwind reads each (by default its registered provider's), and the list of both.
    assert await world.read("northwind", "northwind", "profile") == acme
    assert await world.read("northwind", "northwind", "profile", provider="globex") == globex
    listed = await world.configs.profiles(principal("northwind"), "northwind")
    assert [(p.key.provider, p.version) for p in listed] == [("acme", 2), ("globex", 1)]
    versions = await world.configs.versions(principal("northwind"), "northwind", "profile", "acme")
    assert [v.version for v in versions] == [1, 2]
    # Other partners and customers: nothing, not even that there is one.
    for stranger in ("contoso", "initech", "dist"):
        assert await world.read(stranger, "northwind", "profile", provider="acme") is None
        with pytest.raises(Problem) as refused:
            await world.configs.profiles(principal(stranger), "northwind")
        assert refused.value.status == 404

    # Each version's event: for the partner and the provider that keeps it, on its channel.
    assert await world.audience("northwind", "profile", "acme") == (["acme", "northwind"], "acme")
    assert await world.audience("northwind", "profile", "globex") == (
        ["globex", "northwind"],
        "globex",
    )
    data, headers = await world.on_topic("northwind", "profile", "globex")
    assert data == {
        "party": "northwind",
        "kind": "profile",
        "version": 1,
        "document": GLOBEX_OF_NORTHWIND,
        "provider": "globex",
    }
    assert headers["ce_subject"] == "config:northwind:profile:globex"
    assert headers["ce_provider"] == "globex"


async def test_only_a_providers_admins_write_its_own_profile_of_a_partner_it_supplies(
    world: World,
) -> None:
    world.supplies.registered.add(("globex", "northwind"))
    doc = ProfileDoc.model_validate(GLOBEX_OF_NORTHWIND)

    async def status(who: Principal, party: str, provider: str | None = None) -> int:
        try:
            written = await world.configs.revise(
                WriteContext(who), party, "profile", doc, None, provider
            )
        except Problem as problem:
            return problem.status
        return written.status_code

    assert await status(principal("globex"), "northwind") == 403  # an agent, not an admin
    assert await status(principal("globex", "admin"), "northwind", provider="acme") == 403  # acme's
    assert (
        await status(principal("globex", "admin"), "contoso") == 403
    )  # globex does not supply contoso
    assert await status(principal("globex", "admin"), "initech") == 403  # a customer has no profile
    assert await status(principal("northwind", "admin"), "northwind") == 403  # nor writes its own
    assert await status(principal("globex", "admin"), "northwind") == 201
    assert await status(principal("globex", "admin"), "northwind", provider="globex") == 200
    # A Village service names the provider (by default the partner's registered one).
    assert await status(OPS, "northwind", provider="globex") == 200
    assert await status(OPS, "northwind") == 201
    listed = await world.configs.profiles(OPS, "northwind")
    assert [(p.key.provider, p.version) for p in listed] == [("acme", 1), ("globex", 3)]
    # dist is nobody's partner by registration and buys from two providers: name which.
    world.supplies.registered |= {("globex", "dist"), ("acme", "dist")}
    with pytest.raises(Problem) as ambiguous:
        await world.configs.read(principal("dist"), "dist", "profile", None)
    assert (ambiguous.value.status, ambiguous.value.kind) == (422, "provider-required")
    assert await status(principal("acme", "admin"), "dist") == 201
    assert await world.read("dist", "dist", "profile", provider="acme") is not None


async def test_each_incident_is_routed_by_its_own_providers_profile(world: World) -> None:
    await two_vendors(world)
    routes = {
        # globex says gold: its gx-gold-s2; acme's premier never counts for it.
        "gx-s2": await world.open(web_opened("globex", "S2", incident_id="gx-s2")),
        # certified for firewalls by globex: no rule, northwind's own first tier.
        "gx-s3": await world.open(web_opened("globex", "S3", incident_id="gx-s3")),
        # globex's profile does not certify northwind for globex's VPN appliances.
        "gx-vpn": await world.open(web_opened("globex", "S3", "vpn", incident_id="gx-vpn")),
        # acme says premier: its premier-s2; globex's gold never counts for it.
        "ac-s2": await world.open(web_opened("acme", "S2", incident_id="ac-s2")),
        # acme certifies routers only (globex's firewalls certification is not acme's).
        "ac-fw": await world.open(web_opened("acme", "S3", "firewalls", incident_id="ac-fw")),
    }
    decided = {iid: (r.to_party, r.to_tier, r.basis.get("id")) for iid, r in routes.items()}
    assert decided == {
        "gx-s2": ("globex", "GX L2", "gx-gold-s2"),
        "gx-s3": ("northwind", "L1", None),
        "gx-vpn": ("globex", "GX L1", "gx-uncertified"),
        "ac-s2": ("acme", "TAC L2", "premier-s2"),
        "ac-fw": ("acme", "TAC L1", "uncertified"),
    }
    assert "northwind is a gold partner" in routes["gx-s2"].reason
    assert "northwind is a premier partner" in routes["ac-s2"].reason
    for iid in ("gx-s2", "ac-s2"):
        path = await world.views.incident(iid, None)
        assert path is not None and path["pinned_versions"]["profile/northwind"] == 1


async def test_a_profile_recorded_before_each_provider_kept_its_own_loads_routes_and_goes_on(
    stack: Any,
) -> None:
    """A database at revision 0003 holding acme's profile of northwind as it was recorded then
    (one per partner, by its registered provider, on `config:northwind:profile`), migrated."""
    settings = stack.settings(f"escalation-{uuid.uuid4().hex[:8]}")
    await ensure_database(settings)
    config = alembic_config(MIGRATIONS, settings.service_database_url)
    await asyncio.to_thread(command.upgrade, config, "0003")
    async with open_world(settings) as world:
        old = {"party": "northwind", "kind": "profile", "version": 1, "document": ACME_OF_NORTHWIND}
        origin = Metadata(actor_party="acme", actor_user="ada")
        audience = describe(parties={"northwind", "acme"}, provider="acme")
        async with world.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO config_versions (party, kind, version, document, recorded_at,"
                    " recorded_by) VALUES ('northwind', 'profile', 1, CAST(:d AS jsonb), now(),"
                    " 'acme/ada')"
                ),
                {"d": ProfileDoc.model_validate(ACME_OF_NORTHWIND).model_dump_json()},
            )
            await world.store.append(
                conn,
                "config:northwind:profile",
                0,
                [ConfigRevised(**old).new()],
                origin.about(audience).as_dict(),
            )
    await migrate(settings, MIGRATIONS)  # to head: 0004

    async with open_world(settings) as world:
        world.supplies.registered.add(("globex", "northwind"))
        # The old payload loads as its typed event (whose provider its audience names).
        stored = await world.latest("northwind", "profile", "acme")
        loaded = CATALOG.load(stored.type, stored.data)
        assert isinstance(loaded, ConfigRevised) and loaded.provider is None
        assert loaded.to_data() == stored.data
        # acme's, as before: it reads it, routes its incidents by it, and writes on in its stream.
        found = await world.read("acme", "northwind", "profile")
        assert found is not None and (found["provider"], found["version"]) == ("acme", 1)
        assert await world.read("globex", "northwind", "profile") is None
        for writer, party, kind, document in (
            ("acme", "acme", "tiers", TIERS["acme"]),
            ("acme", "acme", "rules", RULES["acme"]),
            ("northwind", "northwind", "tiers", TIERS["northwind"]),
        ):
            assert await world.revise(writer, party, kind, document) == 201
        routes = {
            "ac-1": await world.open(web_opened("acme", "S3", incident_id="ac-1")),
            "ac-2": await world.open(web_opened("acme", "S3", "switches", incident_id="ac-2")),
        }
        assert {i: (r.to_party, r.to_tier) for i, r in routes.items()} == {
            "ac-1": ("northwind", "L1"),  # certified for routers by acme's old profile
            "ac-2": ("acme", "TAC L1"),
        }
        path = await world.views.incident("ac-1", None)
        assert path is not None and path["pinned_versions"]["profile/northwind"] == 1
        assert (
            await world.revise("acme", "northwind", "profile", ACME_OF_NORTHWIND, if_match='"1"')
            == 200
        )
        assert (await world.latest("northwind", "profile", "acme")).stream_id == (
            "config:northwind:profile"
        )
        assert await world.revise("globex", "northwind", "profile", GLOBEX_OF_NORTHWIND) == 201
        assert (await world.latest("northwind", "profile", "globex")).stream_id == (
            "config:northwind:profile:globex"
        )
        listed = await world.configs.profiles(principal("northwind"), "northwind")
        assert [(p.key.provider, p.version) for p in listed] == [("acme", 2), ("globex", 1)]
