"""An incident's suggestions come in tiers (real PostgreSQL): articles about at least two of its
words for its product; while fewer than five, any one of its words for its product; while still
fewer, any one for any product. The best-ranked of what the tiers tried are suggested, and a tier
is not tried once those before it found five."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_knowledge_providers import Fixed

from village_knowledge import search
from village_knowledge.access import Access
from village_knowledge.cli import MIGRATIONS
from village_knowledge.domain import articles
from village_knowledge.handlers import Knowledge
from village_knowledge.streams import Streams
from village_platform.auth import Principal
from village_platform.clock import ManualClock
from village_platform.db import make_engine
from village_platform.eventstore import EventStore
from village_platform.service_cli import migrate
from village_platform.writes import WriteContext, Writes

ROUTERS, SWITCHES, MODEMS = "acme-routers", "acme-switches", "acme-modems"
DIRECTORY = {"acme": {"kind": "provider"}, "globex": {"kind": "provider"}}
FILLER = "Check the cabling and the power supply first."
PAIRS = {f"pair{n}" for n in range(5)}


def ctx(party: str, *roles: str) -> WriteContext:
    return WriteContext(Principal(party, "provider", f"{party}-user", frozenset(roles)))


@dataclass
class Base:
    engine: Any
    knowledge: Knowledge
    ids: dict[str, str]

    async def publish(
        self, name: str, about: str, product: str, body: str = FILLER, provider: str = "acme"
    ) -> None:
        """An article whose title (what it is about) is `about`; `body` is ranked, not matched."""
        content = articles.Content(
            title=about, body=body, audience="public", products=(product,), tags=("kb",)
        )
        drafted = await self.knowledge.draft(ctx(provider), content)
        article_id = drafted.body["id"]
        await self.knowledge.change(ctx(provider, "reviewer"), article_id, articles.Publish())
        self.ids[name] = article_id

    async def suggest(self, title: str, product: str, provider: str = "acme") -> list[str]:
        async with self.engine.connect() as conn:
            found = await search.suggest(conn, title, "", product, provider, 5)
        names = {v: k for k, v in self.ids.items()}
        return [names[s["article_id"]] for s in found]

    async def ranked(self, title: str, product: str) -> list[str]:
        """Every acme article with any of the words, best first, as the full-text search ranks
        the same query (the same `ts_rank_cd`; one product: the same factor)."""
        scope = search.Scope(("acme",), ("public",))
        async with self.engine.begin() as conn:
            hits, _ = await search.search(conn, f"{title}  {product}", scope, limit=50)
        names = {v: k for k, v in self.ids.items()}
        return [names[h["article_id"]] for h in hits if h["match"] == "text"]


@pytest.fixture(scope="module")
async def base(stack: Any) -> AsyncIterator[Base]:
    settings = stack.settings(f"knowledge-{uuid.uuid4().hex[:8]}")
    await migrate(settings, MIGRATIONS)
    engine = make_engine(settings)
    clock = ManualClock(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    streams = Streams(EventStore(clock))
    access = Access(engine, Fixed(DIRECTORY), Fixed([]))
    knowledge = Knowledge(Writes(engine, clock, timedelta(hours=24)), streams, access)
    base = Base(engine, knowledge, {})
    # Routers: five articles about both words, and one about one of them whose body repeats
    # every word of the incidents below (the best ranked of all).
    for n in range(5):
        await base.publish(f"pair{n}", f"Tunnel rekey failure case {n}", ROUTERS)
    body = " ".join(["Tunnel rekey storm: the tunnel drops at every rekey."] * 20)
    await base.publish("one-rich", "Tunnel flapping", ROUTERS, body)
    # Switches: one about both words, one about one of them.
    await base.publish("sw-pair", "Tunnel rekey on switches", SWITCHES)
    await base.publish("sw-one", "Rekey schedule", SWITCHES)
    # Another provider's, about both words: never acme's suggestion.
    await base.publish("globex-pair", "Tunnel rekey at globex", ROUTERS, provider="globex")
    yield base
    await engine.dispose()


async def test_five_about_two_words_for_the_product_leave_the_rest_untried(base: Base) -> None:
    # The article about one word ranks first over the whole article...
    assert (await base.ranked("Tunnel rekey", ROUTERS))[0] == "one-rich"
    # ...yet five articles about both words for the product are suggested, and only they.
    assert set(await base.suggest("Tunnel rekey", ROUTERS)) == PAIRS


async def test_fewer_than_five_try_one_word_then_any_product(base: Base) -> None:
    # One switches article about both words: tier three brings the routers articles, the best
    # ranked first; the switches article counts double for the product; never globex's.
    found = await base.suggest("Tunnel rekey", SWITCHES)
    assert found[:2] == ["one-rich", "sw-pair"] and len(found) == 5
    assert set(found[2:]) <= {"sw-one", *PAIRS}
    # A product nobody wrote about: any product at once.
    found = await base.suggest("Tunnel rekey", MODEMS)
    assert found[0] == "one-rich" and len(found) == 5


async def test_a_one_word_incident_starts_at_one_word_for_the_product(base: Base) -> None:
    # No pairs: the switches articles with the word, then the routers articles about it.
    found = await base.suggest("Rekey", SWITCHES)
    assert found[:2] == ["sw-pair", "sw-one"] and set(found[2:]) <= PAIRS and len(found) == 5
    assert await base.suggest("Printer jam", ROUTERS) == []
    assert await base.suggest("Tunnel rekey", ROUTERS, provider="globex") == ["globex-pair"]
