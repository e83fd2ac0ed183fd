"""The world the leak matrix reads: every kind of thing, made once on a full village, and what
every party gets of it on every channel.

Each thing carries a unique marker in its text (a title, a note body, a contract's name, an
endpoint's URL) and an id. What a party gets on a channel is its text there: the marker shows
the thing whole, the id alone shows its bare fact, neither means the party never learns of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from village_devstack.waiting import eventually
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
    titles: dict[str, str] = field(default_factory=dict)  # incident id -> its title's marker
    outages: dict[str, str] = field(default_factory=dict)  # provider incidents: name -> id
    articles: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)  # party -> endpoint id
    receivers: dict[str, Receiver] = field(default_factory=dict)
    # party -> channel -> text the party got there; "<provider> topics" -> its tooling's text
    seen: dict[str, dict[str, str]] = field(default_factory=dict)
    # Where the console's timeline and the incidents service's disagree on an incident's events
    # for a party ("<party> / <incident>: ..."): empty when they agree.
    console_disagrees: list[str] = field(default_factory=list)
    # Where a war room's live stream named other entries than the party's console timeline
    # ("<party> / <incident>: ..."), and the parties whose My work stream never said `changed`.
    live_disagrees: list[str] = field(default_factory=list)
    work_unheard: list[str] = field(default_factory=list)

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


async def commanded(client: httpx.AsyncClient, titles: dict[str, str]) -> str:
    """The batch of commands (`POST /incident-commands`, the village's services' own) as a party
    sends it, one per incident, to a party no incident may be escalated to (so an answer changes
    nothing). A refusal reads as nothing; an answer as its text and the title marker of every
    incident it did not answer 404, which the party would learn exists."""
    ids = list(titles)
    commands = [
        {
            "action": "escalate",
            "incident_id": i,
            "idempotency_key": f"leak-matrix-{i}",
            "body": {"to_party": "nobody-at-all", "to_tier": "L1", "reason": "leak matrix"},
        }
        for i in ids
    ]
    r = await client.post("/incident-commands", json={"commands": commands})
    if r.status_code != 200:
        return ""
    answered = zip(ids, r.json()["results"], strict=True)
    return "\n".join([r.text] + [titles[i] for i, result in answered if result["status"] != 404])


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
Clients = Callable[..., httpx.AsyncClient]
"""An API's client as a party: `incidents("acme")`."""
Opener = Callable[..., Awaitable[str]]
"""Opens an incident of the world: `incident(key, owner, customer, name)`, its id."""


async def resolved_outage(w: World, incidents: Clients, incident: Opener) -> Callable[..., Any]:
    """acme's second outage, resolved. H (northwind's, for initech) and J (contoso's, for
    umbrella) are linked; acme resolves the outage, the fan-out resolves both as acme and asks
    each requester to confirm (a shared note from acme, the resolution notes in it); initech
    confirms H (closes it), umbrella leaves J waiting, and is reminded once. The confirmations:
    acme's counts per partner, each partner's own incidents. acme's first outage (G's) is left
    as it is, so its rows stand.

    Returns the wait for what follows by itself (the reminder, the escalation service taking
    H and J off acme's outage queue), to await once the rest of the world is made."""
    acme = incidents("acme")
    outage = {
        "title": f"Switch firmware {mark('outage')}",
        "description": "Ports flap after the upgrade",
        "products": ["routers"],
        "severity": "S2",
    }
    oid = (await ok(acme.post("/provider-incidents", json=outage), 201))["id"]
    w.outages["acme's resolved outage"] = oid
    h = await incident("H", "northwind", "initech", "incident H (its outage resolved, confirmed)")
    j = await incident("J", "contoso", "umbrella", "incident J (its outage resolved, waiting)")
    for owner, iid in (("northwind", h), ("contoso", j)):
        link = {"incident_id": iid}
        await ok(incidents(owner).post(f"/provider-incidents/{oid}/links", json=link))
    said = mark("fixed")
    resolution = {
        "resolution_code": "fixed",
        "resolution_notes": f"Firmware 7.3 {said}",
        "message": "Resolved: upgrade to 7.3.",
    }
    await ok(acme.post(f"/provider-incidents/{oid}/resolve", json=resolution))
    w.add("acme's resolved outage: its resolution notes", said)

    async def from_acme(iid: str, starts: str) -> str | None:
        """The id of acme's note on the incident whose body starts so (None: not yet)."""
        listed = await ok(acme.get(f"/incidents/{iid}/notes"))
        found = [n["id"] for n in listed["items"] if n["body"].startswith(starts)]
        return found[0] if found else None

    # The fan-out's notes say the provider's fixed words: their ids are what is unique to them
    # (a shared note is seen whole or not at all, so its id stands for its text).
    for key, iid in (("H", h), ("J", j)):
        asked = await eventually(lambda i=iid: from_acme(i, "acme resolved"), timeout=60)
        w.add(f"{key}: acme's request to confirm", asked)
    await ok(incidents("initech").post(f"/incidents/{h}/status", json={"status": "closed"}))
    counts = {
        "northwind": '"partner":"northwind","confirmed":1,"rejected":0,"waiting":0',
        "contoso": '"partner":"contoso","confirmed":0,"rejected":0,"waiting":1',
    }
    for partner, text in counts.items():
        w.add(f"acme's resolved outage: {partner}'s confirmation counts", text)
    w.add(
        "H's answer (confirmed), as a partner's own",
        f'"incident_id":"{h}","resolution":"confirmed"',
    )
    w.add("J's answer (waiting), as a partner's own", f'"incident_id":"{j}","resolution":"waiting"')

    async def settled(escalation: Clients) -> None:
        reminded = await eventually(
            lambda: from_acme(j, "Reminder:"), timeout=90, what="umbrella reminded"
        )
        w.add("J: acme's reminder to confirm", reminded)

        async def off_the_queues() -> bool:
            for iid in (h, j):
                path = await ok(escalation("acme").get(f"/incidents/{iid}/escalations"))
                if path["status"] not in ("resolved", "closed"):
                    return False
            return True

        await eventually(off_the_queues, timeout=60, what="H and J off acme's outage queue")

    return settled


@asynccontextmanager
async def console_browser(
    console_url: str, party: str, role: str = "admin"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the console's pages as `party`'s browser: signed in through the development
    sign-in form (cookie session, CSRF)."""
    async with httpx.AsyncClient(base_url=console_url, timeout=30) as browser:
        form = await browser.get("/signin")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf, form.text[:500]
        signed = await browser.post(
            "/signin", data={"csrf_token": csrf.group(1), "party": party, "role": role}
        )
        assert signed.status_code == 303, signed.text[:500]
        yield browser


async def console_pages(browser: httpx.AsyncClient, paths: list[str]) -> str:
    """The console's pages at `paths` as text (a page it may not open reads as nothing)."""
    texts = []
    for path in paths:
        r = await browser.get(path)
        if r.status_code == 200:
            texts.append(html.unescape(r.text))
    return "\n".join(texts)


# A stream that has not shown what it must by then fails its own checks (never a sleep: reading
# stops as soon as the awaited event has arrived).
STREAM_SECONDS = 30.0


@dataclass
class Stream:
    """What a server-sent event stream said, read for a bounded time: its text, the ids of its
    `entry` events, whether it said `gone`, whether reading stopped on what it awaited."""

    text: str = ""
    entries: list[str] = field(default_factory=list)
    gone: bool = False
    done: bool = False


async def read_stream(
    browser: httpx.AsyncClient,
    path: str,
    until: Callable[[Stream], bool],
    *,
    ready: asyncio.Event | None = None,
    **params: Any,
) -> Stream:
    """Read the stream at `path` until `until(stream)` holds after an event, it ends, or
    STREAM_SECONDS pass. `ready` is set once its first event (the `retry` hint) has arrived."""
    got = Stream()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(STREAM_SECONDS):
            async with browser.stream("GET", path, params=params) as r:
                if r.status_code != 200:
                    return got
                fields: dict[str, str] = {}
                async for line in r.aiter_lines():
                    got.text += line + "\n"
                    if line:
                        name, _, value = line.partition(":")
                        fields[name] = value.strip()
                        continue
                    # A blank line ends an event.
                    if fields.get("event") == "entry":
                        got.entries.append(fields.get("data", ""))
                    got.gone = got.gone or fields.get("event") == "gone"
                    fields = {}
                    if ready is not None:
                        ready.set()
                    if until(got):
                        got.done = True
                        return got
    return got


async def war_room_stream(
    browser: httpx.AsyncClient, incident: str, expected: list[str] | None
) -> Stream:
    """The war room's live stream of `incident`, replayed from the first transaction (`since=1`):
    read until it has named every entry id of `expected` (the party's timeline there) or, for an
    incident the party may not see (`expected` None), until it says `gone`."""
    want = set(expected or ())

    def until(got: Stream) -> bool:
        return got.gone or (expected is not None and want <= set(got.entries))

    return await read_stream(browser, f"/incidents/{incident}/war-room/live", until, since="1")


def live_checked(
    w: World, key: str, party: str, timeline: list[str] | None, got: Stream, after: list[str] | None
) -> None:
    """Note where the war room's stream of incident `key` differs from `party`'s console timeline
    (`timeline` read before the stream, `after` once it stopped; None: 404)."""
    where = f"{party} / {key}"
    if timeline is None:
        if not got.gone or got.entries:
            w.live_disagrees.append(f"{where}: {len(got.entries)} entries, gone={got.gone}")
        return
    named, allowed = set(got.entries), set(timeline) | set(after or ())
    if not got.done or got.gone:
        w.live_disagrees.append(f"{where}: {len(named)} of {len(timeline)} entries, then stopped")
    if named - allowed:
        w.live_disagrees.append(f"{where}: entries off its timeline {sorted(named - allowed)}")
    if len(got.entries) != len(named):
        w.live_disagrees.append(f"{where}: an entry named twice")


async def work_live(
    w: World, console_url: str, incidents: Clients, changes: dict[str, str]
) -> dict[str, str]:
    """My work's live stream as every party's open page hears it, as text: each stream open (its
    first event says the page's work is fingerprinted), one shared note on each incident of
    `changes` (key -> its owner: between them every party's), then read until it says `changed`."""
    async with contextlib.AsyncExitStack() as stack:
        browsers = {
            p: await stack.enter_async_context(console_browser(console_url, p)) for p in PARTIES
        }
        ready = {p: asyncio.Event() for p in PARTIES}
        streams = {
            p: asyncio.create_task(
                read_stream(
                    browsers[p], "/work/live", lambda got: "event: changed" in got.text, ready=r
                )
            )
            for p, r in ready.items()
        }
        with contextlib.suppress(TimeoutError):  # a stream that never opened fails below
            async with asyncio.timeout(STREAM_SECONDS):
                await asyncio.gather(*(r.wait() for r in ready.values()))
        for key, owner in changes.items():
            await note(incidents(owner), w.incidents[key], "My work hears of this", "shared")
        heard = {p: await task for p, task in streams.items()}
    w.work_unheard = [p for p, got in heard.items() if not got.done]
    return {p: got.text for p, got in heard.items()}
