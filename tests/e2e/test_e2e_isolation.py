"""Tenant isolation: what each party may see and touch of someone else's incident."""

from __future__ import annotations

from e2e_support import (
    assert_ok,
    assert_problem,
    feed,
    open_incident,
    service_token,
    unique,
    wait_published,
)

# Every action a party could try on an incident, with a body that would otherwise be valid.
ACTIONS = [
    ("/acknowledge", {}),
    ("/assign", {"party": "contoso", "tier": "L1"}),
    ("/escalate", {"to_party": "acme", "to_tier": "TAC L2", "reason": "x"}),
    ("/notes", {"body": "hello", "visibility": "shared"}),
    ("/status", {"status": "in_progress"}),
    ("/status", {"status": "cancelled", "reason": "mine now"}),
    ("/severity", {"severity": "S4", "reason": "x"}),
    ("/impact/start", {}),
    ("/impact/end", {}),
    ("/collaborators", {"partner": "contoso"}),
    ("/collaborators/contoso/revoke", {}),
    ("/rating", {"rating": 1}),
]


async def assert_invisible(
    client, incident: dict, ref: dict | None = None, *, never_on_it: bool = True
) -> None:
    """`client` can neither see nor touch nor find `incident`: 404 everywhere, never 403.

    `never_on_it`: the party was never on the incident, so its feed holds none of its events
    (a former collaborator keeps the events it was shown while on it)."""
    iid = incident["id"]
    path = f"/incidents/{iid}"
    assert_problem(await client.get(path), 404, "not-found")
    assert_problem(await client.get(f"{path}/timeline"), 404, "not-found")
    assert_problem(await client.get(f"{path}/notes"), 404, "not-found")
    for action, body in ACTIONS:
        response = await client.post(path + action, json=body)
        assert response.status_code == 404, (action, response.status_code, response.text)
        assert_problem(response, 404)
    response = await client.patch(f"{path}/notes/{unique('n')}", json={"body": "x"})
    assert response.status_code == 404
    listed = (
        await client.get("/incidents", params={"product": incident["product"], "limit": 200})
    ).json()
    assert iid not in [i["id"] for i in listed["items"]]
    if ref:
        listed = (await client.get("/incidents", params={"external_id": ref["id"]})).json()
        assert listed["items"] == []
        found = await client.get("/incidents/by-external-ref", params=ref)
        assert_problem(found, 404, "not-found")
    if never_on_it:
        assert await feed(client, iid) == []


async def test_another_partner_cannot_see_or_touch_an_incident(api) -> None:
    northwind, contoso = api("northwind"), api("contoso")
    ref = {"owner": "northwind", "type": "servicenow", "id": unique("INC")}
    incident = await open_incident(northwind, product=unique("p"), external_refs=[ref])
    await assert_invisible(contoso, incident, ref)
    # and nothing it tried landed
    after = assert_ok(await northwind.get(f"/incidents/{incident['id']}"), version=1)
    assert after["notes"] == [] and after["status"] == "new"
    # nor can it probe northwind's ticket ids by claiming them: refused whether taken or not
    for probe in (ref, {**ref, "id": unique("free")}):
        claimed = await contoso.post(
            "/incidents",
            json={
                "title": "t",
                "severity": "S3",
                "product": "p",
                "customer": "umbrella",
                "external_refs": [probe],
            },
        )
        assert assert_problem(claimed, 422, "invalid-command")["detail"].startswith("external_refs")
    # the other partner's customer sees nothing either
    await assert_invisible(api("umbrella"), incident, ref)


async def test_customer_never_sees_internal_or_restricted_notes(api) -> None:
    northwind, acme, initech = api("northwind"), api("acme"), api("initech")
    incident = await open_incident(northwind, product=unique("p"))
    iid = incident["id"]
    path = f"/incidents/{iid}"
    secret = {
        "internal": unique("nw-internal"),
        "restricted": unique("acme-restricted"),
    }
    shared = unique("shared")
    assert_ok(
        await northwind.post(
            f"{path}/notes", json={"body": secret["internal"], "visibility": "internal"}
        )
    )
    assert_ok(
        await acme.post(
            f"{path}/notes", json={"body": secret["restricted"], "visibility": "restricted"}
        )
    )
    assert_ok(
        await northwind.post(
            f"{path}/escalate",
            json={"to_party": "acme", "to_tier": "TAC L2", "reason": unique("restricted-reason")},
        )
    )
    body = assert_ok(
        await northwind.post(f"{path}/notes", json={"body": shared, "visibility": "shared"})
    )
    version = body["version"]

    # GET
    seen = assert_ok(await initech.get(path), version=version)
    assert [n["body"] for n in seen["notes"]] == [shared]
    assert "escalations" not in seen and "assignment" not in seen
    # the owner and provider do see their own
    assert {n["body"] for n in assert_ok(await northwind.get(path))["notes"]} == {
        secret["internal"],
        secret["restricted"],
        shared,
    }
    assert {n["body"] for n in assert_ok(await acme.get(path))["notes"]} == {
        secret["restricted"],
        shared,
    }

    # timeline
    timeline = (await initech.get(f"{path}/timeline")).json()["items"]
    assert {t["visibility"] for t in timeline} == {"shared"}
    assert [t["type"] for t in timeline] == [
        "village.incident.opened.v1",
        "village.incident.note_added.v1",
    ]
    text = str(timeline)
    assert all(s not in text for s in secret.values())

    # feed, with the customer's own token (waits until the relay published everything)
    full = await wait_published(api(None, token=service_token()), iid, version)
    items = await feed(initech, iid)
    assert [i["type"] for i in items] == [
        "village.incident.opened.v1",
        "village.incident.note_added.v1",
    ]
    assert all(i["metadata"].get("visibility", "shared") == "shared" for i in items)
    assert all(s not in str(items) for s in secret.values())
    assert "restricted-reason" not in str(items)
    assert len(full) == version
    # and the general feed (no stream filter) has none of it either
    everything = await feed(initech, None)
    assert iid in {i["stream_id"] for i in everything}
    assert all(s not in str(everything) for s in secret.values())
    # the customer cannot write a non-shared note
    assert_problem(
        await initech.post(f"{path}/notes", json={"body": "x", "visibility": "internal"}), 422
    )

    # umbrella sees nothing of initech's
    await assert_invisible(api("umbrella"), incident)
    umbrella_feed = await feed(api("umbrella"), None)
    assert all(i["stream_id"] != iid for i in umbrella_feed)


async def test_collaborator_sees_from_the_invite_until_the_revoke(api) -> None:
    northwind, contoso = api("northwind"), api("contoso")
    incident = await open_incident(northwind, product=unique("p"))
    iid = incident["id"]
    path = f"/incidents/{iid}"
    before = unique("before-invite")
    assert_ok(await northwind.post(f"{path}/notes", json={"body": before, "visibility": "shared"}))
    assert_problem(await contoso.get(path), 404)

    assert_ok(
        await northwind.post(
            f"{path}/collaborators", json={"partner": "contoso", "scope": "firewall"}
        )
    )
    after_shared, after_restricted, after_internal = (
        unique("shared"),
        unique("restricted"),
        unique("internal"),
    )
    for body, visibility in (
        (after_shared, "shared"),
        (after_restricted, "restricted"),
        (after_internal, "internal"),
    ):
        assert_ok(
            await northwind.post(f"{path}/notes", json={"body": body, "visibility": visibility})
        )

    seen = assert_ok(await contoso.get(path))
    assert {n["body"] for n in seen["notes"]} == {after_shared, after_restricted}
    assert seen["collaborators"] == ["contoso"]
    listed = (await contoso.get("/incidents", params={"product": incident["product"]})).json()
    assert [i["id"] for i in listed["items"]] == [iid]
    timeline = (await contoso.get(f"{path}/timeline")).json()["items"]
    assert before not in str(timeline) and after_internal not in str(timeline)
    assert after_shared in str(timeline)
    # a collaborator works the incident, and writes its own notes
    own = unique("contoso-note")
    assert_ok(await contoso.post(f"{path}/notes", json={"body": own, "visibility": "internal"}))
    assert own not in str(assert_ok(await northwind.get(path))["notes"])

    assert_ok(await northwind.post(f"{path}/collaborators/contoso/revoke", json={"reason": "done"}))
    await assert_invisible(contoso, incident, never_on_it=False)
    later = unique("after-revoke")
    version = assert_ok(
        await northwind.post(f"{path}/notes", json={"body": later, "visibility": "shared"})
    )["version"]
    await wait_published(api(None, token=service_token()), iid, version)
    contoso_feed = await feed(contoso, iid)
    assert contoso_feed, "the events shown while collaborating stay on its feed"
    assert later not in str(contoso_feed) and before not in str(contoso_feed)
    # it is told of its own revocation, and of nothing after it
    assert contoso_feed[-1]["type"] == "village.incident.collaborator_revoked.v1"
