"""Invalid commands are rejected with a problem detail that says why, and append nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from e2e_support import (
    assert_ok,
    assert_problem,
    current_version,
    open_incident,
    service_token,
    unique,
    wait_published,
)


def future() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


async def test_wrong_transitions_are_problems_and_append_nothing(api) -> None:
    northwind, acme, initech, contoso = (
        api("northwind"),
        api("acme"),
        api("initech"),
        api("contoso"),
    )
    service = api(None, token=service_token())
    incident = await open_incident(northwind)
    iid = incident["id"]
    path = f"/incidents/{iid}"
    assert_ok(await northwind.post(f"{path}/acknowledge", json={}), version=2)
    note = assert_ok(
        await acme.post(f"{path}/notes", json={"body": "acme's", "visibility": "restricted"}),
        version=3,
    )
    note_id = note["notes"][0]["id"]

    # (client, route, body, status) on an acknowledged incident
    rejected = [
        (northwind, "/acknowledge", {}, 409),  # twice
        (initech, "/acknowledge", {}, 403),  # customers do not
        (northwind, "/assign", {"party": "contoso"}, 422),  # not on the incident
        (northwind, "/escalate", {"to_party": "contoso", "to_tier": "L2", "reason": "x"}, 422),
        (initech, "/escalate", {"to_party": "acme", "to_tier": "L2", "reason": "x"}, 403),
        (
            initech,
            "/notes",
            {"body": "x", "visibility": "restricted"},
            422,
        ),  # customers: shared only
        (northwind, f"/notes/{note_id}/delete", {}, 403),  # acme's note
        (northwind, f"/notes/{unique('missing')}/delete", {}, 404),
        (northwind, "/status", {"status": "on_hold"}, 422),  # needs a reason
        (northwind, "/status", {"status": "resolved"}, 422),  # needs code + notes
        (initech, "/status", {"status": "closed"}, 409),  # not resolved
        (acme, "/status", {"status": "closed"}, 403),  # not the requester
        (northwind, "/status", {"status": "reopened", "reason": "x"}, 409),  # not resolved
        (acme, "/status", {"status": "cancelled", "reason": "x"}, 403),  # only the requester
        (northwind, "/status", {"status": "cancelled"}, 422),  # needs a reason
        (initech, "/status", {"status": "in_progress"}, 403),
        (northwind, "/severity", {"severity": incident["severity"], "reason": "same"}, 409),
        (service, "/severity", {"severity": "S1", "reason": "x"}, 403),
        (northwind, "/impact/end", {}, 409),  # none open
        (northwind, "/impact/start", {"started_at": future()}, 422),
        (northwind, "/collaborators", {"partner": "initech"}, 422),  # not a partner
        (northwind, "/collaborators", {"partner": "northwind"}, 409),  # already on it
        (initech, "/collaborators", {"partner": "contoso"}, 403),
        (northwind, "/collaborators/contoso/revoke", {}, 409),  # not a collaborator
        (initech, "/rating", {"rating": 4}, 409),  # not resolved
        (acme, "/rating", {"rating": 4}, 403),
        (contoso, "/acknowledge", {}, 404),  # not its incident
    ]
    for client, route, body, status in rejected:
        response = await client.post(path + route, json=body)
        problem = assert_problem(response, status)
        assert problem["instance"] == path + route, problem
        assert len(problem["detail"]) > 5
    edit = await northwind.patch(f"{path}/notes/{note_id}", json={"body": "mine now"})
    assert_problem(edit, 403)

    # on a terminal incident, every action is refused
    resolved = assert_ok(
        await northwind.post(
            f"{path}/status",
            json={"status": "resolved", "resolution_code": "fixed", "resolution_notes": "done"},
        ),
        version=4,
    )
    assert resolved["status"] == "resolved"
    assert_ok(await northwind.post(f"{path}/status", json={"status": "closed"}), version=5)
    for route, body, status in [
        ("/acknowledge", {}, 409),
        ("/notes", {"body": "late"}, 409),
        ("/status", {"status": "in_progress"}, 409),
        ("/status", {"status": "reopened", "reason": "x"}, 409),
        ("/severity", {"severity": "S1", "reason": "x"}, 409),
        ("/assign", {"party": "northwind"}, 409),
        ("/impact/start", {}, 409),
        ("/collaborators", {"partner": "contoso"}, 409),
        ("/escalate", {"to_party": "acme", "to_tier": "TAC L2", "reason": "x"}, 409),
        ("/status", {"status": "closed"}, 409),
        ("/status", {"status": "cancelled", "reason": "x"}, 409),
    ]:
        assert_problem(await northwind.post(path + route, json=body), status)

    # nothing was appended: the stream and the feed stop at version 5, in order
    assert await current_version(northwind, iid) == 5
    items = await wait_published(service, iid, 5)
    assert [i["stream_version"] for i in items] == [1, 2, 3, 4, 5]
    assert [i["type"].split(".")[2] for i in items] == [
        "opened",
        "acknowledged",
        "note_added",
        "resolved",
        "closed",
    ]


async def test_unauthenticated_is_401_with_www_authenticate(api) -> None:
    anonymous = api(None)
    bad_token = api(None, token="not-a-jwt")
    incident = await open_incident(api("northwind"))
    for client in (anonymous, bad_token):
        for method, url in [
            ("GET", "/incidents"),
            ("GET", f"/incidents/{incident['id']}"),
            ("POST", "/incidents"),
            ("POST", f"/incidents/{incident['id']}/acknowledge"),
            ("GET", "/events"),
            ("GET", "/incidents/by-external-ref?owner=a&type=b&id=c"),
            ("GET", "/parties"),
        ]:
            response = await client.request(method, url, json={} if method == "POST" else None)
            assert_problem(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert await current_version(api("northwind"), incident["id"]) == 1
    # health stays open
    assert (await anonymous.get("/healthz")).status_code == 200


async def test_bad_json_and_bad_payloads_are_422_problems(api) -> None:
    northwind = api("northwind")
    incident = await open_incident(northwind)
    iid = incident["id"]
    headers = {"Content-Type": "application/json"}
    for route in ("/incidents", f"/incidents/{iid}/notes", f"/incidents/{iid}/status"):
        for raw in (b"{not json", b"", b"[]", b'"text"', b"null"):
            response = await northwind.post(route, content=raw, headers=headers)
            assert_problem(response, 422, "validation-error")
    for route, body in [
        ("/incidents", {"title": "x", "severity": "S9", "product": "p", "customer": "initech"}),
        ("/incidents", {"title": "", "severity": "S1", "product": "p", "customer": "initech"}),
        (
            "/incidents",
            {"title": "x", "severity": "S1", "product": "p", "customer": "initech", "surprise": 1},
        ),
        (f"/incidents/{iid}/notes", {"body": "x", "visibility": "public"}),
        (f"/incidents/{iid}/status", {"status": "teleported"}),
        (f"/incidents/{iid}/rating", {"rating": 6}),
        (f"/incidents/{iid}/impact/start", {"started_at": "yesterday"}),
        (f"/incidents/{iid}/impact/start", {"started_at": "2026-01-01T00:00:00"}),  # no zone
    ]:
        problem = assert_problem(await northwind.post(route, json=body), 422, "validation-error")
        assert problem["errors"], problem
    # a partner opening for someone else's customer says why
    assert_problem(
        await northwind.post(
            "/incidents",
            json={"title": "x", "severity": "S1", "product": "p", "customer": "umbrella"},
        ),
        403,
    )
    assert_problem(
        await northwind.post("/incidents", json={"title": "x", "severity": "S1", "product": "p"}),
        422,
    )
    assert await current_version(northwind, iid) == 1
    await wait_published(northwind, iid, 1)


async def test_a_body_that_is_not_json_under_an_idempotency_key_is_a_422_problem(api) -> None:
    """The key fingerprints the body it comes with; a body that is not JSON at all is still the
    route's to refuse, with the problem it always gives."""
    northwind = api("northwind")
    iid = (await open_incident(northwind))["id"]
    for route in ("/incidents", f"/incidents/{iid}/acknowledge", "/parties"):
        for raw in (b"{not json", b"\xff\xfe"):
            headers = {"Content-Type": "text/plain", "Idempotency-Key": unique("not-json")}
            response = await northwind.post(route, content=raw, headers=headers)
            assert_problem(response, 422, "validation-error")
    assert await current_version(northwind, iid) == 1
