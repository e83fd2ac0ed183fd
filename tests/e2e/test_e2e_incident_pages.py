"""An incident's notes and timeline over HTTP, a page at a time, and the per-incident limits.

The matrix of parties × page sizes × orders runs in process against PostgreSQL
(services/incidents/tests/test_incident_pages.py); here the routes themselves: the view's latest
notes and its link to the older ones, cursors followed to the end, what is refused (crafted
cursors, page sizes), and a service started with small limits refusing a note or an event too
many with a problem, appending nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import (
    Api,
    assert_ok,
    assert_problem,
    feed,
    open_incident,
    service_token,
    wait_published,
)

from village_devstack.testing import INCIDENTS, ServiceProcess

VIEW_NOTES = 20


async def all_pages(client: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        following = {"cursor": cursor} if cursor else {}
        response = await client.get(path, params={**params, **following})
        pages.append(response.json())
        assert response.status_code == 200, response.text
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            return pages


async def test_notes_and_timeline_page_over_http(api) -> None:
    northwind, acme, initech = api("northwind"), api("acme"), api("initech")
    incident = await open_incident(northwind)
    path = f"/incidents/{incident['id']}"
    shared = []
    for i in range(VIEW_NOTES + 5):
        # Between every two shared notes, one the customer may not see.
        added = await northwind.post(f"{path}/notes", json={"body": f"shared {i}"})
        shared.append(assert_ok(added)["notes"][-1]["id"])
        hidden = {"body": f"acme {i}", "visibility": "restricted"}
        assert_ok(await acme.post(f"{path}/notes", json=hidden))

    # The view: the latest page, oldest first, and the way to the older notes.
    view = assert_ok(await initech.get(path))
    assert [n["id"] for n in view["notes"]] == shared[-VIEW_NOTES:]
    older = assert_ok_page(await initech.get(view["notes_next"]))
    assert [n["id"] for n in reversed(older["items"])] == shared[:-VIEW_NOTES]
    assert older["next_cursor"] is None
    assert assert_ok(await northwind.get(path))["notes"][-1]["body"] == f"acme {VIEW_NOTES + 4}"

    # Pages of the customer's notes: full while more follow, none of acme's, none empty.
    for order, expected in (("asc", shared), ("desc", shared[::-1])):
        pages = await all_pages(initech, f"{path}/notes", limit=4, order=order)
        assert [n["id"] for p in pages for n in p["items"]] == expected
        assert [len(p["items"]) for p in pages] == [4] * 6 + [1]

    # The timeline: pages add up to the whole, which is what the customer's feed holds.
    whole = (await initech.get(f"{path}/timeline", params={"limit": 1000})).json()
    assert whole["next_cursor"] is None
    pages = await all_pages(initech, f"{path}/timeline", limit=10)
    assert [t for p in pages for t in p["items"]] == whole["items"]
    assert {t["visibility"] for t in whole["items"]} == {"shared"}
    await wait_published(api(None, token=service_token()), incident["id"], 1 + 2 * (VIEW_NOTES + 5))
    assert [t["version"] for t in whole["items"]] == [
        e["stream_version"] for e in await feed(initech, incident["id"])
    ]


def assert_ok_page(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


async def test_crafted_cursors_and_page_sizes_are_refused(api) -> None:
    northwind = api("northwind")
    path = f"/incidents/{(await open_incident(northwind))['id']}"
    for route in ("/notes", "/timeline"):
        for cursor in ("not-a-cursor", "czotMQ", "czo5OTk5OTk5OTk5OTk5OTk5OTk5"):
            assert_problem(
                await northwind.get(path + route, params={"cursor": cursor}), 400, "invalid-cursor"
            )
        for limit in (0, 1001):
            assert (await northwind.get(path + route, params={"limit": limit})).status_code == 422
    assert (await northwind.get(f"{path}/notes", params={"order": "sideways"})).status_code == 422


@pytest.fixture(scope="module")
def limited_service(stack: Any) -> Iterator[ServiceProcess]:
    """An incidents service of its own: at most 2 notes per party, 8 events an incident."""
    service = stack.start_service(
        INCIDENTS,
        instance="limits",
        KAFKA_TOPIC_PREFIX="limits.",
        INCIDENTS_MAX_NOTES_PER_PARTY="2",
        INCIDENTS_MAX_EVENTS="8",
    )
    yield service
    service.close()


async def test_the_limits_are_problems_that_append_nothing(limited_service, tokens) -> None:
    api = Api(limited_service.url, tokens)
    try:
        northwind, acme, initech = api("northwind"), api("acme"), api("initech")
        incident = await open_incident(northwind)
        path = f"/incidents/{incident['id']}"
        for _ in range(2):
            assert_ok(await northwind.post(f"{path}/notes", json={"body": "n"}))
        refused = assert_problem(
            await northwind.post(
                f"{path}/notes", json={"body": "one too many", "visibility": "shared"}
            ),
            409,
            "incident-limit-reached",
        )
        assert (refused["limit"], refused["maximum"]) == ("notes_per_party", 2)
        assert assert_ok(await northwind.get(path), version=3)["notes"][-1]["body"] == "n"
        # Another party writes on; then the incident is full.
        for client in (acme, acme, initech):
            assert_ok(await client.post(f"{path}/notes", json={"body": "x"}))
        assert_ok(await northwind.post(f"{path}/acknowledge", json={}), version=7)
        assert_ok(await acme.post(f"{path}/acknowledge", json={}), version=8)
        full = assert_problem(
            await initech.post(f"{path}/notes", json={"body": "x"}), 409, "incident-limit-reached"
        )
        assert (full["limit"], full["maximum"]) == ("events", 8)
        assert_problem(
            await northwind.post(f"{path}/status", json={"status": "in_progress"}),
            409,
            "incident-limit-reached",
        )
        assert len((await northwind.get(f"{path}/timeline")).json()["items"]) == 8
        # A full incident is still resolved and closed.
        resolve = {"status": "resolved", "resolution_code": "fixed", "resolution_notes": "done"}
        assert_ok(await acme.post(f"{path}/status", json=resolve), version=9)
        assert_ok(await initech.post(f"{path}/status", json={"status": "closed"}), version=10)
    finally:
        await api.aclose()
