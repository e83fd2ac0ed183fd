"""Optimistic concurrency (If-Match/412) and Idempotency-Key, against the running service."""

from __future__ import annotations

import asyncio

from e2e_support import (
    assert_ok,
    assert_problem,
    current_version,
    incident_body,
    open_incident,
    unique,
    wait_published,
)

# --------------------------------------------------------------------------- If-Match


async def test_two_updates_with_the_same_if_match_one_wins(api) -> None:
    northwind, acme = api("northwind"), api("acme")
    for _ in range(3):  # a few rounds, so both the "read stale" and "append raced" paths show up
        incident = await open_incident(northwind)
        iid, version = incident["id"], incident["version"]
        headers = {"If-Match": f'"{version}"'}
        first, second = await asyncio.gather(
            northwind.post(
                f"/incidents/{iid}/notes", json={"body": "from northwind"}, headers=headers
            ),
            acme.post(f"/incidents/{iid}/notes", json={"body": "from acme"}, headers=headers),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 412], (first.text, second.text)
        winner, loser = (first, second) if first.status_code == 200 else (second, first)
        assert_ok(winner, version=version + 1)
        problem = assert_problem(loser, 412)
        assert problem["current_version"] == version + 1, problem
        assert await current_version(northwind, iid) == version + 1
        items = await wait_published(northwind, iid, version + 1)
        assert [i["type"] for i in items][-1] == "village.incident.note_added.v1"


async def test_stale_if_match_is_412_and_appends_nothing(api) -> None:
    northwind = api("northwind")
    incident = await open_incident(northwind)
    iid = incident["id"]
    assert_ok(
        await northwind.post(f"/incidents/{iid}/acknowledge", json={}, headers={"If-Match": '"1"'}),
        version=2,
    )

    for stale in ('"1"', "1", '"7"', '"1", "7"'):
        response = await northwind.post(
            f"/incidents/{iid}/notes", json={"body": "late"}, headers={"If-Match": stale}
        )
        problem = assert_problem(response, 412)
        assert problem["current_version"] == 2
    for unmatched in ("garbage", 'W/"2"'):  # a weak tag never matches (strong comparison)
        assert_problem(
            await northwind.post(
                f"/incidents/{iid}/notes", json={"body": "x"}, headers={"If-Match": unmatched}
            ),
            412,
        )
    assert await current_version(northwind, iid) == 2
    await wait_published(northwind, iid, 2)

    # the current version still works, and is the very next event
    assert_ok(
        await northwind.post(
            f"/incidents/{iid}/notes", json={"body": "on time"}, headers={"If-Match": '"1", "2"'}
        ),
        version=3,
    )
    items = await wait_published(northwind, iid, 3)
    assert [i["stream_version"] for i in items] == [1, 2, 3]


# --------------------------------------------------------------------------- Idempotency-Key


async def test_same_key_and_body_replays_the_stored_response(api) -> None:
    northwind = api("northwind")
    key = unique("key")
    body = incident_body()
    first = await northwind.post("/incidents", json=body, headers={"Idempotency-Key": key})
    assert_ok(first, 201, version=1)
    assert "Idempotent-Replayed" not in first.headers
    second = await northwind.post("/incidents", json=body, headers={"Idempotency-Key": key})
    assert second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Location"] == first.headers["Location"]
    iid = first.json()["id"]
    listed = (
        await northwind.get("/incidents", params={"external_id": body["external_refs"][0]["id"]})
    ).json()
    assert [i["id"] for i in listed["items"]] == [iid]

    # an action too: one event however often it is retried
    ack_key = unique("ack")
    acks = [
        await northwind.post(
            f"/incidents/{iid}/acknowledge", json={}, headers={"Idempotency-Key": ack_key}
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in acks] == [200, 200, 200]
    assert [a.headers.get("Idempotent-Replayed") for a in acks] == [None, "true", "true"]
    assert all(a.json() == acks[0].json() for a in acks)
    assert await current_version(northwind, iid) == 2
    await wait_published(northwind, iid, 2)


async def test_same_key_with_another_body_is_422(api) -> None:
    northwind = api("northwind")
    key = unique("key")
    first = await northwind.post(
        "/incidents", json=incident_body(), headers={"Idempotency-Key": key}
    )
    assert_ok(first, 201)
    other = await northwind.post(
        "/incidents", json=incident_body(title="Another"), headers={"Idempotency-Key": key}
    )
    assert_problem(other, 422, "idempotency-key-reused")
    # the same key on another route is another request too
    iid = first.json()["id"]
    reused = await northwind.post(
        f"/incidents/{iid}/acknowledge", json={}, headers={"Idempotency-Key": key}
    )
    assert_problem(reused, 422, "idempotency-key-reused")
    assert await current_version(northwind, iid) == 1


async def test_keys_are_scoped_per_party(api) -> None:
    northwind, contoso = api("northwind"), api("contoso")
    key = unique("shared-key")
    nw = await northwind.post("/incidents", json=incident_body(), headers={"Idempotency-Key": key})
    assert_ok(nw, 201)
    body = incident_body(
        customer="umbrella", external_refs=[{"owner": "contoso", "type": "jira", "id": unique("C")}]
    )
    co = await contoso.post("/incidents", json=body, headers={"Idempotency-Key": key})
    assert_ok(co, 201)
    assert "Idempotent-Replayed" not in co.headers
    assert co.json()["id"] != nw.json()["id"]
    assert co.json()["customer"] == "umbrella"
    # and contoso's body under that key does not leak northwind's incident
    assert (await contoso.get(f"/incidents/{nw.json()['id']}")).status_code == 404


async def test_concurrent_retries_with_one_key_create_one_incident(api) -> None:
    northwind = api("northwind")
    key = unique("burst")
    body = incident_body()
    responses = await asyncio.gather(
        *(
            northwind.post("/incidents", json=body, headers={"Idempotency-Key": key})
            for _ in range(20)
        )
    )
    created = [r for r in responses if r.status_code == 201]
    in_flight = [r for r in responses if r.status_code == 409]
    assert len(created) + len(in_flight) == 20, [(r.status_code, r.text) for r in responses]
    assert created, "at least the first request succeeds"
    for r in in_flight:
        assert_problem(r, 409, "request-in-flight")
        assert r.headers.get("Retry-After")
    bodies = {r.text for r in created}
    assert len({r.json()["id"] for r in created}) == 1, bodies
    assert all(r.json() == created[0].json() for r in created)
    assert sum(1 for r in created if r.headers.get("Idempotent-Replayed") != "true") == 1
    iid = created[0].json()["id"]

    listed = (
        await northwind.get("/incidents", params={"external_id": body["external_refs"][0]["id"]})
    ).json()
    assert [i["id"] for i in listed["items"]] == [iid]
    assert await current_version(northwind, iid) == 1
    await wait_published(northwind, iid, 1)
    # a late retry replays
    late = await northwind.post("/incidents", json=body, headers={"Idempotency-Key": key})
    assert late.status_code == 201 and late.headers["Idempotent-Replayed"] == "true"
    assert late.json() == created[0].json()
