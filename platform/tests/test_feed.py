"""The event feed: auth and visibility, paging, validation, and rebuilding a read model from it."""

from __future__ import annotations

import httpx
import pytest

from village_platform.auth import mint_token
from village_platform.clock import ManualClock
from village_platform.feedclient import FeedClient
from village_platform.rebuild import rebuild

INCIDENT = ["acme", "northwind", "village"]  # customer, owning partner, provider


@pytest.fixture
async def published(owner):
    """Four events on two incidents, each visibility once (metadata is per append); ids by name."""
    (shared,) = await owner.append("inc-1", {"n": 1}, parties=INCIDENT)
    (restricted,) = await owner.append("inc-1", {"n": 2}, parties=INCIDENT, visibility="restricted")
    (internal,) = await owner.append(
        "inc-1", {"n": 3}, parties=INCIDENT, visibility="internal", actor_party="northwind"
    )
    (other,) = await owner.append("inc-2", {"n": 1}, parties=["initech", "contoso", "village"])
    await owner.publish()
    ids = {"shared": shared, "restricted": restricted, "internal": internal, "other": other}
    return {name: str(event.event_id) for name, event in ids.items()}


def client(owner, party: str | None = None, kind: str = "partner") -> httpx.AsyncClient:
    headers = {}
    if party is not None:
        headers["Authorization"] = f"Bearer {mint_token(owner.settings, party, kind)}"
    return httpx.AsyncClient(base_url=owner.feed_url, headers=headers)


async def feed_ids(owner, party: str, kind: str, **params) -> list[str]:
    async with client(owner, party, kind) as http:
        response = await http.get("/events", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_feed_requires_a_token(owner) -> None:
    async with client(owner) as http:
        response = await http.get("/events")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


async def test_each_party_sees_only_what_it_may(owner, published) -> None:
    everything = [published[k] for k in ("shared", "restricted", "internal", "other")]
    assert await feed_ids(owner, "incidents-reader", "service") == everything
    assert await feed_ids(owner, "village", "provider") == [
        published["shared"],
        published["restricted"],
        published["other"],
    ]
    assert await feed_ids(owner, "northwind", "partner") == [
        published["shared"],
        published["restricted"],
        published["internal"],
    ]
    assert await feed_ids(owner, "contoso", "partner") == [published["other"]]
    assert await feed_ids(owner, "acme", "customer") == [published["shared"]]
    assert await feed_ids(owner, "umbrella", "partner") == []


async def test_a_partys_page_is_filtered_before_its_limit_and_tells_nothing_of_others(
    owner, published
) -> None:
    """contoso may see only the fourth event: its first page of one is that event (the filter
    comes before the LIMIT), the next is empty; `next_after` never moves for what others
    produce, and the metadata names contoso alone."""
    seen, after, pages = [], 0, 0
    async with client(owner, "contoso", "partner") as http:
        while True:
            page = (await http.get("/events", params={"after": after, "limit": 1})).json()
            seen += page["items"]
            pages += 1
            if page["next_after"] == after:
                break
            after = page["next_after"]
        assert [item["id"] for item in seen] == [published["other"]]
        assert (after, pages) == (4, 2)
        assert (
            seen[0]["metadata"]["parties"] == ["contoso"] and "provider" not in seen[0]["metadata"]
        )
        # others keep producing: contoso's feed end does not move
        await owner.append("inc-1", {"n": 4}, parties=INCIDENT)
        await owner.publish()
        assert (await http.get("/events", params={"after": after})).json() == {
            "items": [],
            "next_after": 4,
        }


async def test_feed_pages_and_filters_by_stream(owner, published) -> None:
    async with client(owner, "reader", "service") as http:
        first = (await http.get("/events", params={"limit": 2})).json()
        second = (
            await http.get("/events", params={"after": first["next_after"], "limit": 2})
        ).json()
        empty = (await http.get("/events", params={"after": 99, "limit": 2})).json()
        stream = (await http.get("/events", params={"stream_id": "inc-2"})).json()
    assert [i["position"] for i in first["items"]] == [1, 2] and first["next_after"] == 2
    assert [i["position"] for i in second["items"]] == [3, 4] and second["next_after"] == 4
    assert empty == {"items": [], "next_after": 99}
    assert [i["id"] for i in stream["items"]] == [published["other"]]
    item = stream["items"][0]
    assert item["source"] == "owner" and item["stream_version"] == 1
    assert item["metadata"]["parties"] == ["initech", "contoso", "village"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 1001}, {"after": -1}, {"after": "x"}, {"stream_id": ""}]
)
async def test_bad_parameters_are_problems(owner, params) -> None:
    async with client(owner, "reader", "service") as http:
        response = await http.get("/events", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/validation-error"


async def test_openapi_documents_the_feed_with_an_example(owner) -> None:
    async with client(owner) as http:
        spec = (await http.get("/openapi.json")).json()
    operation = spec["paths"]["/events"]["get"]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert example["items"][0]["type"] == "village.incident.acknowledged.v1"
    assert {p["name"] for p in operation["parameters"]} == {"after", "limit", "stream_id"}
    assert "401" in operation["responses"] and "422" in operation["responses"]


async def test_feed_client_pages_everything_and_finds_the_latest_position(owner) -> None:
    for i in range(7):
        await owner.append(f"inc-{i}", *({"n": n} for n in range(1, i + 2)))
    await owner.publish()  # 1 + 2 + ... + 7 = 28 events
    async with FeedClient.for_consumer(
        owner.feed_url, owner.settings, "reader", page_size=5
    ) as feed:
        events = [e async for e in feed.events()]
        assert [e.position for e in events] == list(range(1, 29))
        assert await feed.latest_position() == 28
        assert [e.sequence for e in await feed.stream_events("inc-6")] == list(range(1, 8))
    async with FeedClient.for_consumer(owner.feed_url, owner.settings, "reader") as feed:
        assert await feed.latest_position() == 28


async def test_rebuild_from_the_feed_reproduces_the_read_model(
    owner, read_model, runners, eventually, make_runner
) -> None:
    for stream in ("inc-a", "inc-b", "inc-c"):
        await owner.append(stream, *({"n": n, "stream": stream} for n in range(1, 5)))
    await owner.publish()
    runner = make_runner(owner, read_model)
    stop, task = runners(runner)
    await eventually(lambda: runner.committed == 12, what="12 records")
    stop.set()
    await task

    async def snapshot():
        return await read_model.scalar(
            "SELECT json_agg(json_build_object('e', event_id, 's', stream_id, 'q', sequence,"
            " 'd', data) ORDER BY stream_id, sequence) FROM applied"
        )

    before = await snapshot()
    async with owner.feed(runner.name, page_size=5) as feed:
        count = await rebuild(
            runner.name, read_model.engine, feed, read_model.routes, read_model.reset,
            clock=ManualClock(), progress=True,
        )  # fmt: skip
    assert count == 12
    assert await snapshot() == before
    assert len(await read_model.rows()) == 12  # truncated first: nothing applied twice
    assert await read_model.scalar(
        "SELECT json_agg(version ORDER BY stream_id) FROM stream_positions WHERE consumer = :c",
        c=runner.name,
    ) == [4, 4, 4]


CLI_READ_MODEL = """
import json
from sqlalchemy import text
from village_platform.rebuild import ReadModel

async def apply(conn, event):
    await conn.execute(
        text("INSERT INTO applied (consumer, event_id, stream_id, sequence, type, data)"
             " VALUES ('cli', CAST(:id AS uuid), :s, :q, :t, CAST(:d AS jsonb))"),
        {
            "id": event.id,
            "s": event.stream_id,
            "q": event.sequence,
            "t": event.type,
            "d": json.dumps(event.data),
        },
    )

async def reset(conn):
    await conn.execute(text("TRUNCATE applied"))

READ_MODEL = ReadModel("rebuild-cli", {"%s": apply}, reset)
"""


async def test_the_rebuild_command_rebuilds_a_declared_read_model(
    owner, read_model, tmp_path
) -> None:
    """`village-rebuild module:READ_MODEL` as a real process: progress bar, count, same rows
    twice."""
    import asyncio
    import os
    import sys
    from pathlib import Path

    event = (
        "village.test.happened.v1"  # the owner fixture's event type (conftest is not importable)
    )

    for stream in ("inc-x", "inc-y"):
        await owner.append(stream, *({"n": n} for n in range(1, 4)))
    await owner.publish()
    (tmp_path / "cli_read_model.py").write_text(CLI_READ_MODEL % event)
    url = read_model.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "READER_DATABASE_URL": url}
    command = [
        str(Path(sys.executable).parent / "village-rebuild"),
        "cli_read_model:READ_MODEL",
        "--service",
        "reader",
        "--feed",
        owner.feed_url,
    ]
    for _ in range(2):  # a second rebuild starts from scratch: nothing applied twice
        # Asynchronously: the owner's feed is served by this test's own event loop.
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stderr=asyncio.subprocess.PIPE
        )
        stderr = (await asyncio.wait_for(process.communicate(), 120))[1].decode()
        assert process.returncode == 0, stderr
        assert "rebuilt rebuild-cli: 6 events" in stderr
        assert "rebuild rebuild-cli" in stderr  # the progress bar
        assert await read_model.scalar("SELECT count(*) FROM applied WHERE consumer = 'cli'") == 6
