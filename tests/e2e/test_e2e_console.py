"""The console end to end on a full village (six services, real PostgreSQL and broker): one
incident's history joined from every service, as each party may see it, and the live stream.

northwind opens an incident for initech on acme's routers; the escalation service routes it,
the SLA monitor starts its clocks, knowledge suggests articles; northwind writes a note of each
visibility; contoso is invited, writes, and is revoked. The console's timeline shows northwind
all of it (its internal note as its bare fact: the console holds no more of a sealed note),
acme the working parties' share, initech the shared share and its own contract's clocks, contoso
nothing until invited and nothing after revocation. A stream opened by initech receives a new
shared note. northwind's webhook endpoint (a real receiver) gets the incident's events: the
outcomes of those deliveries (village.webhooks.v1) are on northwind's timeline, nobody else's."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from e2e_support import Api, open_incident

from village_console.cli import MIGRATIONS
from village_console.reads import Timeline, Viewer
from village_console.rebuild import rebuild
from village_devstack.waiting import eventually
from village_devstack.webhook_receiver import Receiver, ReceiverServer
from village_platform.db import make_engine
from village_platform.service_cli import migrate


@pytest.fixture
async def apis(full_village: Any, tokens: Any) -> AsyncIterator[tuple[Api, Api]]:
    incidents = Api(full_village.incidents.url, tokens)
    console = Api(full_village.console.url, tokens)
    try:
        yield incidents, console
    finally:
        await incidents.aclose()
        await console.aclose()


async def timeline(console: Api, party: str, incident: str) -> list[dict[str, Any]] | None:
    """Every entry `party` may see, oldest first; None for a 404."""
    items, cursor = [], None
    client = console(party)
    while True:
        r = await client.get(
            f"/incidents/{incident}/timeline", params={"cursor": cursor} if cursor else {}
        )
        if r.status_code == 404:
            return None
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


def kinds(items: list[dict[str, Any]] | None) -> set[str]:
    return {i["kind"] for i in items or ()}


def bodies(items: list[dict[str, Any]] | None) -> set[str]:
    return {i["data"].get("body") for i in items or () if i["data"].get("body")}


async def note(incidents: Api, party: str, incident: str, body: str, visibility: str) -> None:
    r = await incidents(party).post(
        f"/incidents/{incident}/notes", json={"body": body, "visibility": visibility}
    )
    assert r.status_code == 200, r.text


async def test_one_timeline_of_every_service_as_each_party_may_see_it(
    apis: tuple[Api, Api],
) -> None:
    incidents, console = apis
    opened = await open_incident(incidents("northwind"), severity="S1")
    iid = opened["id"]
    for visibility in ("internal", "restricted", "shared"):
        await note(incidents, "northwind", iid, f"{visibility} word", visibility)

    every_service = {
        "incident.opened",
        "incident.note_added",
        "escalation.decided",
        "sla.clock_started",
        "knowledge.suggestions_made",
    }
    northwind = await eventually(
        lambda: timeline(console, "northwind", iid),
        lambda items: every_service <= kinds(items) and len(bodies(items)) == 2,
        timeout=60,
        what="routing, clocks, suggestions and notes on northwind's timeline",
    )
    assert bodies(northwind) == {"restricted word", "shared word"}
    internal = [i for i in northwind if i.get("visibility") == "internal"]
    assert len(internal) == 1 and internal[0]["redacted"] is True
    assert all(i["trace_id"] for i in northwind)
    decided = next(i for i in northwind if i["kind"] == "escalation.decided")
    basis = decided["data"]["basis"]  # routed by a rule: the summary names it and the reason
    assert decided["summary"].startswith("route to ") and decided["data"]["reason"]
    assert basis["type"] != "rule" or f"rule {basis['id']}" in decided["summary"]

    acme = await timeline(console, "acme", iid)
    assert bodies(acme) == {"restricted word", "shared word"}
    assert {"escalation.decided", "knowledge.suggestions_made"} <= kinds(acme)
    assert not [i for i in acme or () if i.get("visibility") == "internal"]

    initech = await timeline(console, "initech", iid)
    assert bodies(initech) == {"shared word"}
    assert "escalation.decided" not in kinds(initech)
    clocks = [i for i in initech or () if i["kind"].startswith("sla.")]
    assert clocks and {c["data"]["contract_id"] for c in clocks} == {"initech-northwind"}
    assert "chain" not in next(i for i in initech or () if i["kind"] == "incident.opened")["data"]

    # contoso: nothing until invited; its invitation and what it writes while invited; nothing
    # after its revocation, not even that the incident exists.
    assert await timeline(console, "contoso", iid) is None
    invited = await incidents("northwind").post(
        f"/incidents/{iid}/collaborators", json={"partner": "contoso", "scope": "routing"}
    )
    assert invited.status_code == 200, invited.text
    contoso = await eventually(
        lambda: timeline(console, "contoso", iid),
        lambda items: items is not None and "incident.collaborator_invited" in kinds(items),
        what="contoso's invitation on its timeline",
    )
    assert not bodies(contoso)  # the notes were written before it was invited
    await note(incidents, "contoso", iid, "contoso word", "restricted")
    await eventually(
        lambda: timeline(console, "contoso", iid),
        lambda items: "contoso word" in bodies(items),
        what="contoso's note on its timeline",
    )
    revoked = await incidents("northwind").post(
        f"/incidents/{iid}/collaborators/contoso/revoke", json={"reason": "done"}
    )
    assert revoked.status_code == 200, revoked.text
    await eventually(
        lambda: timeline(console, "contoso", iid),
        lambda items: items is None,
        what="the incident gone from contoso's console",
    )
    await note(incidents, "northwind", iid, "after word", "restricted")
    await eventually(
        lambda: timeline(console, "acme", iid),
        lambda items: "after word" in bodies(items),
        what="the later note on acme's timeline",
    )
    assert await timeline(console, "contoso", iid) is None
    assert (await console("umbrella").get(f"/incidents/{iid}/timeline")).status_code == 404


async def _entries(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The `entry` events of a server-sent event stream, parsed."""
    event, data = None, []
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line.split(":", 1)[1].strip())
        elif not line:
            if event == "entry" and data:
                yield json.loads("\n".join(data))
            event, data = None, []


async def test_the_stream_pushes_a_new_entry_to_a_viewer_who_may_see_it(
    apis: tuple[Api, Api],
) -> None:
    incidents, console = apis
    iid = (await open_incident(incidents("northwind")))["id"]
    await eventually(
        lambda: timeline(console, "initech", iid),
        lambda items: items is not None,
        what="the incident on the console",
    )
    stream = console("initech").stream(
        "GET", f"/incidents/{iid}/timeline/stream", timeout=httpx.Timeout(30.0, read=None)
    )
    async with stream as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        await note(incidents, "northwind", iid, "not for initech", "restricted")
        posted = time.monotonic()
        await note(incidents, "northwind", iid, "for everyone", "shared")
        entries = _entries(response)

        async def first_note() -> dict[str, Any]:
            # The other services' entries of the new incident (its SLA clocks, suggestions) may
            # still be arriving: the first *note* initech is pushed is the one to look at.
            async for entry in entries:
                if entry["kind"] == "incident.note_added":
                    return entry
            raise AssertionError("the stream ended")

        first = await asyncio.wait_for(first_note(), timeout=30)
        latency = time.monotonic() - posted
    assert first["data"]["body"] == "for everyone"  # the restricted note never reached it
    print(f"SSE: a shared note reached initech's stream {latency * 1000:.0f} ms after its POST")
    assert (await console("umbrella").get(f"/incidents/{iid}/timeline/stream")).status_code == 404


async def test_a_rebuilt_read_model_shows_what_the_live_one_does(
    apis: tuple[Api, Api], full_village: Any, stack: Any
) -> None:
    """`rebuild-read-model` replays the four owners' feeds into a fresh database: the timeline
    read from it is the live console's, entry for entry."""
    incidents, console = apis
    iid = (await open_incident(incidents("northwind"), severity="S1"))["id"]
    await note(incidents, "northwind", iid, "before the rebuild", "restricted")
    live = await eventually(
        lambda: timeline(console, "northwind", iid),
        lambda items: (
            {
                "escalation.decided",
                "sla.clock_started",
                "knowledge.suggestions_made",
                "incident.note_added",
            }
            <= kinds(items)
        ),
        timeout=60,
        what="the incident's entries on the live console",
    )
    settings = stack.settings(
        "console-rebuilt",
        INCIDENTS_URL=full_village.incidents.url,
        SLA_MONITOR_URL=full_village.sla.url,
        ESCALATION_URL=full_village.escalation.url,
        KNOWLEDGE_URL=full_village.knowledge.url,
        WEBHOOKS_URL=full_village.webhooks.url,
    )
    await migrate(settings, MIGRATIONS)
    assert await rebuild(settings, progress=False) > len(live)
    engine = make_engine(settings)
    try:
        async with engine.connect() as conn:
            page = await Timeline().page(conn, iid, Viewer("northwind", "partner"), None, 500)
    finally:
        await engine.dispose()
    rebuilt = {i["id"]: (i["kind"], i["party"], i["tier"]) for i in page["items"]}
    live = await timeline(console, "northwind", iid) or []
    assert rebuilt == {i["id"]: (i["kind"], i["party"], i["tier"]) for i in live}


async def test_the_owners_timeline_shows_its_webhook_deliveries_and_nobody_elses_does(
    full_village: Any, apis: tuple[Api, Api], tokens: Any
) -> None:
    incidents, console = apis
    hooks = Api(full_village.webhooks.url, tokens)
    receiver = Receiver()
    try:
        async with ReceiverServer(receiver) as url:
            r = await hooks("northwind", "admin").post(
                "/endpoints", json={"url": url, "event_types": ["village.incident.*"]}
            )
            assert r.status_code == 201, r.text
            endpoint = r.json()
            receiver.secrets.append(endpoint["secret"])
            iid = (await open_incident(incidents("northwind"), severity="S2"))["id"]
            await note(incidents, "northwind", iid, "hooked", "shared")
            northwind = await eventually(
                lambda: timeline(console, "northwind", iid),
                lambda items: "webhook.delivered" in kinds(items) and "hooked" in bodies(items),
                timeout=60,
                what="a delivery outcome on northwind's timeline",
            )
            outcomes = [i for i in northwind if i["kind"] == "webhook.delivered"]
            assert {o["data"]["delivered_type"] for o in outcomes} <= set(receiver.types(iid))
            assert all(o["data"]["endpoint_id"] == endpoint["id"] for o in outcomes)
            assert all(o["data"]["status_code"] == 204 for o in outcomes)
            assert all(o["summary"].endswith("ms)") for o in outcomes)
            r = await hooks("northwind", "admin").delete(f"/endpoints/{endpoint['id']}")
            assert r.status_code == 204, r.text
        # The others on the incident see its notes, and never northwind's deliveries.
        for party in ("acme", "initech"):
            items = await eventually(
                lambda party=party: timeline(console, party, iid),
                lambda items: "hooked" in bodies(items),
                timeout=60,
                what=f"the shared note on {party}'s timeline",
            )
            assert not any(i["kind"].startswith("webhook.") for i in items), party
            assert endpoint["id"] not in json.dumps(items)
    finally:
        await hooks.aclose()
