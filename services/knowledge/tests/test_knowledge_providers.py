"""Two providers' knowledge bases on one knowledge service (real PostgreSQL): articles on the same
words, an incident of each, suggestions and links of the incident's provider only, and a middle
supplier of a four-party chain on its incident. The consumer's reactions and the API's handlers
are called as the consumer and the routes call them; the directory and the supplies are fakes of
their ports (the incidents service's GET /parties and GET /supplies)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from village_knowledge import search, views
from village_knowledge.access import Access
from village_knowledge.cli import MIGRATIONS
from village_knowledge.domain import articles
from village_knowledge.domain.supplies import Supply
from village_knowledge.handlers import Knowledge
from village_knowledge.reactions import Reactions
from village_knowledge.streams import Streams
from village_platform.applier import ConsumedEvent
from village_platform.auth import Principal
from village_platform.clock import ManualClock
from village_platform.db import make_engine
from village_platform.errors import DomainError
from village_platform.eventstore import EventStore
from village_platform.service_cli import migrate
from village_platform.writes import WriteContext, Writes

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FIREWALLS = "globex-firewalls"
DIRECTORY = {
    "acme": {"kind": "provider"},
    "globex": {"kind": "provider"},
    "northwind": {"kind": "partner", "provider": "acme", "customers": ["initech"]},
    "contoso": {"kind": "partner", "provider": "acme"},
    "fabrikam": {"kind": "partner"},  # a managed-service provider between northwind and globex
    "wayne": {"kind": "partner"},  # globex's partner only
    "initech": {"kind": "customer", "partner": "northwind"},
}
# Registered supplies; the registration fields' (northwind's and contoso's provider acme) are
# what the directory says, as GET /supplies would list them too.
SUPPLIES = [
    Supply("fabrikam", "northwind", frozenset({FIREWALLS})),
    Supply("globex", "fabrikam"),
    Supply("globex", "wayne"),
]
CHAIN = ["initech", "northwind", "fabrikam", "globex"]
WORDS = "Firewall drops VPN tunnel after rekey"


class Fixed:
    """A port (the party directory, the supplies) that answers what it was given."""

    def __init__(self, value: Any) -> None:
        self.value = value

    async def for_request(self) -> Any:
        return self.value


def principal(party: str, *roles: str) -> Principal:
    kind = DIRECTORY.get(party, {}).get("kind", "service")
    return Principal(party, kind, f"{party}-user", frozenset(roles))  # type: ignore[arg-type]


def ctx(party: str, *roles: str) -> WriteContext:
    return WriteContext(principal(party, *roles))


def incident_event(
    incident_id: str,
    version: int,
    name: str,
    data: dict[str, Any],
    at: datetime,
    parties: list[str],
    visibility: str = "shared",
) -> ConsumedEvent:
    """An incident event as the consumer hands it over, done by northwind."""
    return ConsumedEvent(
        id=str(uuid.uuid4()),
        type=f"village.incident.{name}.v1",
        source="/village/incidents",
        stream_id=incident_id,
        sequence=version,
        position=None,
        time=at,
        data=data,
        visibility=visibility,
        parties=parties,
        actor_party="northwind",
        traceparent=None,
    )


def opened(
    incident_id: str, provider: str, chain: list[str] | None, at: datetime, title: str = WORDS
) -> ConsumedEvent:
    """A `provider`'s incident opened by northwind for initech (`chain` None: an event from before
    chains)."""
    data = {
        "incident_id": incident_id,
        "title": title,
        "description": "The site-to-site tunnel drops at every rekey.",
        "severity": "S2",
        "product": FIREWALLS if provider == "globex" else "routers",
        "impacted_service": None,
        "customer": "initech",
        "partner": "northwind",
        "provider": provider,
        "requester": "northwind",
        "opened_by": "nina",
        "external_refs": [],
    }
    if chain is not None:
        data["chain"] = chain
    parties = chain or ["initech", "northwind", provider]
    return incident_event(incident_id, 1, "opened", data, at, parties)


@dataclass
class KnowledgeWorld:
    engine: Any
    clock: ManualClock
    access: Access
    knowledge: Knowledge
    reactions: Reactions
    articles: dict[str, str]  # "<provider>-<audience>" -> article id

    async def publish(self, provider: str, audience: str) -> str:
        content = articles.Content(
            title=WORDS,
            body=f"{provider}: renew the tunnel's keys before they expire.",
            audience=audience,  # type: ignore[arg-type]
            products=(FIREWALLS if provider == "globex" else "routers",),
            tags=("vpn", "firewall"),
            symptoms=("VPN tunnel drops after rekey",),
        )
        drafted = await self.knowledge.draft(ctx(provider), content)
        article_id = drafted.body["id"]
        await self.knowledge.change(ctx(provider, "reviewer"), article_id, articles.Publish())
        return article_id

    async def open(self, provider: str, chain: list[str] | None, title: str = WORDS) -> str:
        """An incident opened, as the consumer hands it over (`chain` None: an event from before
        chains)."""
        self.clock.advance(timedelta(minutes=1))
        event = opened(str(uuid.uuid4()), provider, chain, self.clock.now(), title)
        async with self.engine.begin() as conn:
            await self.reactions.opened(conn, event)
        return event.stream_id

    async def suggested(self, incident_id: str, party: str) -> list[str]:
        """The suggestions `party` sees (a 404 DomainError when it is not on the incident)."""
        incident = await self.access.incident(principal(party), incident_id)
        async with self.engine.connect() as conn:
            found = await views.suggestions(conn, incident, party, principal(party).kind)
        return [s["article_id"] for s in found]


@pytest.fixture(scope="module")
async def world(stack: Any) -> AsyncIterator[KnowledgeWorld]:
    settings = stack.settings(f"knowledge-{uuid.uuid4().hex[:8]}")
    await migrate(settings, MIGRATIONS)
    engine = make_engine(settings)
    clock = ManualClock(T0)
    streams = Streams(EventStore(clock))
    access = Access(engine, Fixed(DIRECTORY), Fixed(SUPPLIES))
    knowledge = Knowledge(Writes(engine, clock, timedelta(hours=24)), streams, access)
    world = KnowledgeWorld(engine, clock, access, knowledge, Reactions(streams), {})
    for provider in ("acme", "globex"):
        for audience in ("provider", "partners", "public"):
            world.articles[f"{provider}-{audience}"] = await world.publish(provider, audience)
    yield world
    await engine.dispose()


def of(world: KnowledgeWorld, provider: str) -> set[str]:
    return {aid for key, aid in world.articles.items() if key.startswith(f"{provider}-")}


async def test_a_globex_incident_gets_only_globex_suggestions(world: KnowledgeWorld) -> None:
    incident_id = await world.open("globex", CHAIN)
    async with world.engine.connect() as conn:
        stored = set(
            map(
                str,
                await conn.scalars(
                    text("SELECT article_id FROM suggestions WHERE incident_id = :i"),
                    {"i": incident_id},
                ),
            )
        )
    assert stored == of(world, "globex")  # acme's articles on the same words: none
    assert set(await world.suggested(incident_id, "globex")) == of(world, "globex")
    # The partner and the middle supplier: the partners' and the public article; the customer:
    # the public one.
    expected = {world.articles["globex-partners"], world.articles["globex-public"]}
    assert set(await world.suggested(incident_id, "northwind")) == expected
    assert set(await world.suggested(incident_id, "fabrikam")) == expected
    assert await world.suggested(incident_id, "initech") == [world.articles["globex-public"]]
    # acme is not on globex's incident at all.
    with pytest.raises(DomainError) as refused:
        await world.suggested(incident_id, "acme")
    assert refused.value.status == 404


async def test_the_middle_supplier_of_a_four_party_chain_is_on_the_incident(
    world: KnowledgeWorld,
) -> None:
    incident_id = await world.open("globex", CHAIN)
    incident = await world.access.incident(principal("fabrikam"), incident_id)
    assert sorted(incident.parties) == sorted(CHAIN)
    # The suggestions' events are for it too (the egress rule reads their `parties`).
    async with world.engine.connect() as conn:
        described = {
            r.data["audience"]: r.metadata["parties"]
            for r in await conn.execute(
                text("SELECT data, metadata FROM events WHERE stream_id = :i"), {"i": incident_id}
            )
        }
    assert described["public"] == sorted(CHAIN)
    assert described["partners"] == ["fabrikam", "globex", "northwind"]
    assert described["provider"] == ["globex"]
    # It links an article of the incident's provider, which everyone working it then sees.
    linked = await world.knowledge.link(
        ctx("fabrikam"), incident_id, world.articles["globex-partners"]
    )
    assert linked.status_code == 201
    seen = await world.access.incident(principal("northwind"), incident_id)
    async with world.engine.connect() as conn:
        links = await views.links(conn, seen, "northwind", "partner")
    assert [link["article_id"] for link in links] == [world.articles["globex-partners"]]


async def test_an_acme_article_cannot_be_linked_to_a_globex_incident(
    world: KnowledgeWorld,
) -> None:
    incident_id = await world.open("globex", CHAIN)
    acme_article = world.articles["acme-partners"]
    # northwind reads acme's article (it buys from acme) and is on the incident: refused.
    await world.access.published(principal("northwind"), acme_article)
    for who in (
        ctx("northwind"),
        WriteContext(Principal("village-ops", "service", "ops", frozenset())),
    ):
        with pytest.raises(DomainError) as refused:
            await world.knowledge.link(who, incident_id, acme_article)
        assert (refused.value.status, refused.value.kind) == (422, "not-the-incidents-provider")
    # fabrikam does not read acme's article: it does not exist for it.
    with pytest.raises(DomainError) as refused:
        await world.knowledge.link(ctx("fabrikam"), incident_id, acme_article)
    assert refused.value.status == 404
    async with world.engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM links WHERE incident_id = :i"), {"i": incident_id}
        )
    assert count == 0
    # Nor is feedback on acme's article about globex's incident (acme would learn of it).
    with pytest.raises(DomainError) as refused:
        await world.knowledge.feedback(ctx("northwind"), acme_article, True, incident_id)
    assert (refused.value.status, refused.value.kind) == (422, "not-the-incidents-provider")
    # Its own provider's article links.
    linked = await world.knowledge.link(
        ctx("northwind"), incident_id, world.articles["globex-public"]
    )
    assert linked.status_code == 201


async def test_an_incident_opened_before_chains_behaves_as_before(world: KnowledgeWorld) -> None:
    incident_id = await world.open("acme", None)
    incident = await world.access.incident(principal("northwind"), incident_id)
    assert sorted(incident.parties) == ["acme", "initech", "northwind"]
    assert set(await world.suggested(incident_id, "acme")) == of(world, "acme")
    with pytest.raises(DomainError) as refused:
        await world.knowledge.link(ctx("northwind"), incident_id, world.articles["globex-public"])
    assert refused.value.status == 422
    linked = await world.knowledge.link(
        ctx("northwind"), incident_id, world.articles["acme-partners"]
    )
    assert linked.status_code == 201


async def test_each_audience_reaches_the_parties_that_buy_from_its_provider(
    world: KnowledgeWorld,
) -> None:
    async def reads(party: str, key: str) -> bool:
        try:
            await world.access.published(principal(party), world.articles[key])
        except DomainError as err:
            assert err.status == 404
            return False
        return True

    assert await reads("wayne", "globex-partners")
    assert not await reads("wayne", "acme-partners")  # a globex-only partner
    assert not await reads("wayne", "acme-public")
    assert not await reads("contoso", "globex-partners")  # an acme-only partner
    assert await reads("northwind", "acme-partners") and await reads("northwind", "globex-partners")
    assert not await reads("northwind", "globex-provider")  # the provider's staff only
    assert not await reads("acme", "globex-public")  # never another provider's
    assert await reads("initech", "globex-public") and not await reads("initech", "globex-partners")
    # Search, in SQL before the LIMIT: the same.
    async with world.engine.begin() as conn:
        hits, _ = await search.search(conn, WORDS, await world.access.scope(principal("wayne")))
    assert {h["article_id"] for h in hits} == {
        world.articles["globex-partners"],
        world.articles["globex-public"],
    }
    # Who reads a publication is in its event's `parties`, for every other channel.
    async with world.engine.connect() as conn:
        parties = await conn.scalar(
            text(
                "SELECT metadata->'parties' FROM events WHERE stream_id = :s"
                " AND type = 'village.knowledge.article_published.v1'"
            ),
            {"s": f"article:{world.articles['globex-partners']}"},
        )
    assert parties == ["fabrikam", "globex", "northwind", "wayne"]


async def _refused(call: Any) -> tuple[int, str]:
    try:
        await call
    except DomainError as err:
        return err.status, err.kind
    raise AssertionError("not refused")


async def test_a_partner_of_several_vendors_drafts_for_the_one_it_names(
    world: KnowledgeWorld,
) -> None:
    """northwind buys from acme (its registered provider) and globex (firewalls, through
    fabrikam): it says whose knowledge base a draft is for, and only that provider reviews,
    publishes and suggests it."""
    words = f"Wombat quasar licence refuses activation {uuid.uuid4().hex[:6]}"
    content = articles.Content(
        title=words, body="Reissue the licence.", audience="partners", tags=("licence",)
    )
    assert await _refused(world.knowledge.draft(ctx("northwind"), content)) == (
        422,
        "provider-required",
    )
    for stranger in ("contoso", "wayne", "initech"):  # not providers it buys from
        assert await _refused(world.knowledge.draft(ctx("northwind"), content, stranger)) == (
            422,
            "not-your-provider",
        )
    assert await _refused(world.knowledge.draft(ctx("acme"), content, "globex")) == (
        422,
        "not-your-provider",
    )
    async with world.engine.connect() as conn:
        drafts = await conn.scalar(
            text("SELECT count(*) FROM articles WHERE content->>'title' = :t"), {"t": words}
        )
    assert drafts == 0  # nothing changed

    drafted = await world.knowledge.draft(ctx("northwind"), content, "globex")
    assert drafted.status_code == 201 and drafted.body["provider"] == "globex"
    aid = drafted.body["id"]
    await world.knowledge.change(ctx("northwind"), aid, articles.Submit())

    async def in_review(party: str) -> list[str]:
        async with world.engine.connect() as conn:
            found = await views.listing(
                conn,
                party,
                principal(party).kind,
                await world.access.scope(principal(party)),
                "in_review",
                None,
                500,
            )
        return [a["id"] for a in found]

    # globex's reviewers see it in review; acme's never see it, nor publish it.
    assert aid in await in_review("globex") and aid in await in_review("northwind")
    assert aid not in await in_review("acme")
    assert await _refused(world.access.readable(principal("acme"), aid)) == (404, "not-found")
    for verb in (articles.Publish(), articles.Reject("no")):
        refused = world.knowledge.change(ctx("acme", "reviewer"), aid, verb)
        assert await _refused(refused) == (404, "not-found")
    published = await world.knowledge.change(ctx("globex", "reviewer"), aid, articles.Publish())
    assert published.body["status"] == "published"
    # Now in globex's knowledge base: globex's partners read it, an acme-only partner does not,
    # and it is suggested for globex's incidents only.
    await world.access.published(principal("wayne"), aid)
    assert await _refused(world.access.published(principal("contoso"), aid)) == (404, "not-found")
    assert await _refused(world.access.readable(principal("acme"), aid)) == (404, "not-found")
    suggested = {}
    for provider in ("globex", "acme"):
        incident_id = await world.open(provider, None, title=words)
        suggested[provider] = await world.suggested(incident_id, provider)
    assert aid in suggested["globex"] and aid not in suggested["acme"]


async def test_a_partner_of_one_vendor_drafts_for_it_without_saying_so(
    world: KnowledgeWorld,
) -> None:
    content = articles.Content(title="Quokka drift", body="Recalibrate.", audience="partners")
    for partner, provider in (("contoso", "acme"), ("wayne", "globex"), ("fabrikam", "globex")):
        drafted = await world.knowledge.draft(ctx(partner), content)
        assert drafted.body["provider"] == provider, partner
    assert (await world.knowledge.draft(ctx("acme"), content, "acme")).body["provider"] == "acme"
    assert await _refused(world.knowledge.draft(ctx("initech"), content)) == (403, "forbidden")
