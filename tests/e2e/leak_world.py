"""The world the leak matrix reads: every kind of thing, made once on a full village, and what
every party gets of it on every channel.

Each thing carries a unique marker in its text (a title, a note body, a contract's name, an
endpoint's URL) and an id. What a party gets on a channel is its text there: the marker shows
the thing whole, the id alone shows its bare fact, neither means the party never learns of it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from village_devstack.webhook_receiver import Receiver
from village_platform.topics import provider_topic

# The demo web: acme and globex (a second vendor, supplying northwind and contoso its own
# products), two competing partners and their customers, and fabrikam, which buys acme's
# cloud through northwind for its customer litware.
PARTIES = (
    "acme",
    "northwind",
    "contoso",
    "initech",
    "umbrella",
    "globex",
    "fabrikam",
    "litware",
)
TOPICS = (
    "village.incidents.v1",
    "village.sla.v1",
    "village.escalations.v1",
    "village.knowledge.v1",
    "village.webhooks.v1",
)
# Words the demo knowledge base does not use: the leak-test articles are the incidents' first
# suggestions, whatever else the corpus holds.
WORDS = "quokka gizmo overheats"


def mark(name: str) -> str:
    return f"zq{name}{uuid.uuid4().hex[:8]}"


@dataclass
class Thing:
    """What the matrix checks: `marker` is the whole thing's text, `ids` what its bare fact says."""

    name: str
    marker: str
    ids: tuple[str, ...] = ()


@dataclass
class World:
    things: dict[str, Thing] = field(default_factory=dict)
    incidents: dict[str, str] = field(default_factory=dict)  # "A" -> id
    outages: dict[str, str] = field(default_factory=dict)  # provider incidents: name -> id
    articles: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)  # party -> endpoint id
    receivers: dict[str, Receiver] = field(default_factory=dict)
    # party -> channel -> text the party got there; "<provider> topics" -> its tooling's text
    seen: dict[str, dict[str, str]] = field(default_factory=dict)
    # Where the console's timeline and the incidents service's disagree on an incident's events
    # for a party ("<party> / <incident>: ..."): empty when they agree.
    console_disagrees: list[str] = field(default_factory=list)

    def add(self, key: str, marker: str, *ids: str) -> Thing:
        thing = self.things[key] = Thing(key, marker, tuple(i for i in ids if i))
        return thing


async def ok(response: Awaitable[httpx.Response], *expected: int) -> dict[str, Any]:
    r = await response
    assert r.status_code in (expected or (200, 201)), r.text
    return r.json() if r.content else {}


async def note(client: httpx.AsyncClient, incident: str, body: str, visibility: str) -> str:
    view = await ok(
        client.post(f"/incidents/{incident}/notes", json={"body": body, "visibility": visibility})
    )
    return next(n["id"] for n in view["notes"] if n["body"] == body)


async def read(client: httpx.AsyncClient, path: str, **params: Any) -> str:
    """A REST read as text; a 404 (or any refusal) reads as nothing."""
    r = await client.get(path, params=params)
    return r.text if r.status_code == 200 else ""


async def pages(client: httpx.AsyncClient, path: str) -> str:
    """Every page of a cursor-paged REST list, as text; a 404 (or any refusal) reads as nothing."""
    texts, cursor = [], None
    while True:
        r = await client.get(path, params={"cursor": cursor} if cursor else {})
        if r.status_code != 200:
            return "\n".join(texts)
        texts.append(r.text)
        cursor = r.json().get("next_cursor")
        if not cursor:
            return "\n".join(texts)


async def entries(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]] | None:
    """Every item of a cursor-paged REST list; None for a 404 (or any refusal)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = await client.get(path, params={"cursor": cursor} if cursor else {})
        if r.status_code != 200:
            return None
        items += r.json()["items"]
        cursor = r.json().get("next_cursor")
        if not cursor:
            return items


async def feed(client: httpx.AsyncClient) -> str:
    texts, after = [], 0
    while True:
        r = await client.get("/events", params={"after": after, "limit": 1000})
        assert r.status_code == 200, r.text
        page = r.json()
        texts.append(json.dumps(page["items"]))
        if page["next_after"] == after:
            return "\n".join(texts)
        after = page["next_after"]


async def topic_text(bootstrap: str, prefix: str, provider: str) -> str:
    """Every record on the provider's own five topics (village.<provider>.*) as its tooling reads
    them: headers and value."""
    consumer = AIOKafkaConsumer(
        *(prefix + provider_topic(t, provider) for t in TOPICS),
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    try:
        lines = []
        while True:
            batch = await consumer.getmany(timeout_ms=1500)
            if not batch:
                return "\n".join(lines)
            for records in batch.values():
                for r in records:
                    headers = {k: v.decode() for k, v in r.headers or []}
                    lines.append(json.dumps(headers) + " " + r.value.decode())
    finally:
        await consumer.stop()


Reader = Callable[[str], Awaitable[str]]
