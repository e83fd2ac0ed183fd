"""`POST /incident-commands`: the village's services' assignments and escalations, many at once in
one transaction (the escalation service's decisions in a surge), each answered as its own route
answers it with `Prefer: return=minimal` and its key as Idempotency-Key: a retry, in a batch or on
the route, gets the stored answer; a refusal holds up no other command and is not stored."""

from __future__ import annotations

import uuid
from typing import Any

from e2e_support import assert_ok, etag_version, feed, incident_body, service_token

from village_devstack import demo

ESCALATE = {"to_party": "acme", "to_tier": "TAC L2", "reason": "S1 for an uncertified product"}


def results_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return response.json()["results"]


def escalate(iid: str, key: str, **body: Any) -> dict[str, Any]:
    return {
        "action": "escalate",
        "incident_id": iid,
        "idempotency_key": key,
        "body": {**ESCALATE, "decision_id": key, **body},
    }


def assign(iid: str, key: str) -> dict[str, Any]:
    body = {"party": "northwind", "tier": "L2"}
    return {"action": "assign", "incident_id": iid, "idempotency_key": key, "body": body}


async def test_each_command_is_answered_as_its_route_answers_it_and_a_retry_replays_it(api) -> None:
    northwind, service = api("northwind"), api(None, token=service_token())
    opened = [
        assert_ok(await northwind.post("/incidents", json=incident_body()), 201)["id"]
        for _ in range(2)
    ]
    keys = [str(uuid.uuid4()) for _ in range(4)]
    # Each incident's trace: its escalated event carries it, not the batch request's.
    trace = "00-" + uuid.uuid4().hex + "-" + uuid.uuid4().hex[:16] + "-01"
    batch = [
        {**escalate(opened[0], keys[0]), "traceparent": trace},
        assign(opened[1], keys[1]),
        escalate(str(uuid.uuid4()), keys[2]),  # no such incident
        escalate(opened[0], keys[3], to_tier="Engineering L3"),  # after the first, in order
    ]
    r = await service.post("/incident-commands", json={"commands": batch})
    results = results_of(r)
    assert [x["status"] for x in results] == [204, 204, 404, 204]
    assert [x.get("etag") for x in results] == ['"2"', '"2"', None, '"3"']
    assert results[2]["problem"]["type"] == "/problems/not-found"
    assert not any(x.get("replayed") for x in results)
    view = assert_ok(await northwind.get(f"/incidents/{opened[0]}"))
    assert view["version"] == 3
    assert [e["to_tier"] for e in view["escalations"]] == ["TAC L2", "Engineering L3"]
    assert assert_ok(await northwind.get(f"/incidents/{opened[1]}"))["assignment"]["tier"] == "L2"
    events = [e for e in await feed(service, opened[0]) if e["type"].endswith("escalated.v1")]
    assert [e["data"]["to_tier"] for e in events] == ["TAC L2", "Engineering L3"]

    # The same batch again: the done commands replayed, nothing appended twice; the refusal was
    # not stored, so it is decided again.
    again = results_of(await service.post("/incident-commands", json={"commands": batch}))
    assert [(x["status"], x.get("replayed")) for x in again] == [
        (204, True),
        (204, True),
        (404, None),
        (204, True),
    ]
    assert assert_ok(await northwind.get(f"/incidents/{opened[0]}"))["version"] == 3
    # A command's own route with its key gets the answer the batch stored, and vice versa.
    replayed = await service.post(
        f"/incidents/{opened[1]}/assign",
        json=batch[1]["body"],
        headers={"Idempotency-Key": keys[1], "Prefer": "return=minimal"},
    )
    assert (replayed.status_code, replayed.headers["Idempotent-Replayed"]) == (204, "true")
    assert etag_version(replayed) == 2
    single = str(uuid.uuid4())
    body = {**ESCALATE, "decision_id": single}
    first = await service.post(
        f"/incidents/{opened[1]}/escalate",
        json=body,
        headers={"Idempotency-Key": single, "Prefer": "return=minimal"},
    )
    assert first.status_code == 204
    mixed = [escalate(opened[1], single), {**escalate(opened[1], keys[0]), "body": body}]
    answers = results_of(await service.post("/incident-commands", json={"commands": mixed}))
    assert answers[0] == {"status": 204, "etag": first.headers["ETag"], "replayed": True}
    # The same key with another body: refused for that command alone, as the route refuses it.
    assert answers[1]["status"] == 422
    assert answers[1]["problem"]["type"] == "/problems/idempotency-key-reused"


async def test_parties_are_refused_and_bad_batches_change_nothing(api) -> None:
    northwind, service = api("northwind"), api(None, token=service_token())
    iid = assert_ok(await northwind.post("/incidents", json=incident_body()), 201)["id"]
    one = assign(iid, str(uuid.uuid4()))
    for party in (p.id for p in demo.PARTIES):  # every party, the provider's admin too
        r = await api(party, "admin").post("/incident-commands", json={"commands": [one]})
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert iid not in r.text  # nothing of the incident, nor of the command
    twice = [one, {**one, "action": "escalate", "body": {**ESCALATE}}]
    for bad in ([], [one] * 2, twice, [{**one, "action": "close"}], [one] * 201):
        r = await service.post("/incident-commands", json={"commands": bad})
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert assert_ok(await northwind.get(f"/incidents/{iid}"))["version"] == 1
