"""`Prefer: return=minimal` (RFC 7240) on the incident commands: 204 with the new ETag and no
body, for callers that do not read the incident back (the escalation service's decisions); the
command is done all the same, and a retry with the same key gets the first answer."""

from __future__ import annotations

import uuid

from e2e_support import assert_ok, etag_version, incident_body


async def test_a_command_preferring_a_minimal_answer_gets_204_and_the_new_etag(api) -> None:
    northwind = api("northwind")
    opened = assert_ok(await northwind.post("/incidents", json=incident_body()), 201, version=1)
    iid, key = opened["id"], str(uuid.uuid4())
    minimal = {"Prefer": "return=minimal", "Idempotency-Key": key}

    r = await northwind.post(f"/incidents/{iid}/acknowledge", json={}, headers=minimal)
    assert (r.status_code, r.content) == (204, b"")
    assert etag_version(r) == 2 and r.headers["Preference-Applied"] == "return=minimal"
    again = await northwind.post(f"/incidents/{iid}/acknowledge", json={}, headers=minimal)
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (204, "true")
    assert etag_version(again) == 2
    view = assert_ok(await northwind.get(f"/incidents/{iid}"), version=2)
    assert view["status"] == "acknowledged" and "northwind" in view["acknowledged_by"]

    # One preference among others, with parameters, in any case: still minimal.
    note = {"body": "Tunnel flaps every 30 s.", "visibility": "shared"}
    mixed = {"Prefer": 'handling=lenient, RETURN=minimal; x="y"'}
    r = await northwind.post(f"/incidents/{iid}/notes", json=note, headers=mixed)
    assert r.status_code == 204 and etag_version(r) == 3
    # Without it, or asking for the representation: the incident as before.
    full = {"Prefer": "return=representation"}
    body = assert_ok(await northwind.post(f"/incidents/{iid}/notes", json=note, headers=full))
    assert body["version"] == 4 and [n["body"] for n in body["notes"]] == [note["body"]] * 2
    assert (
        "Preference-Applied"
        not in (await northwind.post(f"/incidents/{iid}/notes", json=note)).headers
    )
