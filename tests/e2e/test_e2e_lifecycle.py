"""The full lifecycle of an incident through HTTP, read back from Kafka and from the feed."""

from __future__ import annotations

import re
from typing import Any

from e2e_support import (
    TOPIC,
    assert_ok,
    decode_cloudevent,
    feed,
    header_map,
    incident_body,
    service_token,
    unique,
)
from schema_check import assert_valid_cloudevent

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
SOURCE = "/village/incidents"


async def test_full_lifecycle_over_http_kafka_and_feed(api, kafka_reader) -> None:
    northwind, acme, initech, contoso = (
        api("northwind"),
        api("acme"),
        api("initech"),
        api("contoso"),
    )
    ref = {"owner": "northwind", "type": "servicenow", "id": unique("INC")}
    expected_types: list[str] = []

    def step(response, name: str, **fields: Any) -> dict[str, Any]:
        expected_types.append(f"village.incident.{name}.v1")
        body = assert_ok(response, 201 if name == "opened" else 200, version=len(expected_types))
        for key, value in fields.items():
            assert body[key] == value, (key, body[key], value)
        return body

    # open: northwind for its customer initech, with its own ticket id
    r = await northwind.post(
        "/incidents",
        json=incident_body(severity="S1", external_refs=[ref]),
        headers={"Idempotency-Key": unique("open")},
    )
    body = step(
        r,
        "opened",
        status="new",
        severity="S1",
        customer="initech",
        partner="northwind",
        provider="acme",
        requester="northwind",
        external_refs=[ref],
    )
    iid = body["id"]
    assert r.headers["Location"] == f"/incidents/{iid}"
    path = f"/incidents/{iid}"

    body = step(
        await northwind.post(f"{path}/acknowledge", json={}, headers={"If-Match": '"1"'}),
        "acknowledged",
        status="acknowledged",
    )
    assert "northwind" in body["acknowledged_by"]

    body = step(
        await northwind.post(
            f"{path}/assign",
            json={"party": "northwind", "tier": "L1", "assignee": "jane"},
            headers={"If-Match": '"2"'},
        ),
        "assigned",
    )
    assert body["assignment"] == {"party": "northwind", "tier": "L1", "assignee": "jane"}

    body = step(
        await northwind.post(
            f"{path}/escalate",
            json={
                "to_party": "acme",
                "to_tier": "TAC L2",
                "reason": "not certified for this product",
            },
        ),
        "escalated",
    )
    assert body["assignment"] == {"party": "acme", "tier": "TAC L2", "assignee": None}
    assert body["escalations"][-1]["to_tier"] == "TAC L2"

    # notes of every visibility, by different parties
    notes = {
        "internal-nw": (northwind, "internal", "northwind-only musing"),
        "restricted-acme": (acme, "restricted", "acme: firmware bug suspected"),
        "shared-initech": (initech, "shared", "initech: still down at HQ"),
        "internal-acme": (acme, "internal", "acme-only: vendor case 991"),
    }
    for client, visibility, text in notes.values():
        body = step(
            await client.post(f"{path}/notes", json={"body": text, "visibility": visibility}),
            "note_added",
        )
        assert any(n["body"] == text and n["visibility"] == visibility for n in body["notes"])

    step(
        await acme.post(
            f"{path}/status", json={"status": "on_hold", "reason": "waiting on vendor firmware"}
        ),
        "status_changed",
        status="on_hold",
        hold_reason="waiting on vendor firmware",
    )
    step(
        await northwind.post(f"{path}/status", json={"status": "pending_customer"}),
        "status_changed",
        status="pending_customer",
        hold_reason=None,
    )
    step(
        await acme.post(f"{path}/status", json={"status": "in_progress"}),
        "status_changed",
        status="in_progress",
    )
    step(
        await northwind.post(
            f"{path}/severity", json={"severity": "S2", "reason": "workaround in place"}
        ),
        "severity_changed",
        severity="S2",
    )

    body = step(
        await northwind.post(f"{path}/impact/start", json={"description": "branch offline"}),
        "impact_started",
    )
    assert len(body["impacts"]) == 1 and body["impacts"][0]["ended_at"] is None
    body = step(await northwind.post(f"{path}/impact/end", json={}), "impact_ended")
    assert body["impacts"][0]["ended_at"] is not None

    body = step(
        await northwind.post(
            f"{path}/collaborators", json={"partner": "contoso", "scope": "firewall review"}
        ),
        "collaborator_invited",
    )
    assert body["collaborators"] == ["contoso"]
    assert (await contoso.get(path)).status_code == 200
    body = step(
        await northwind.post(f"{path}/collaborators/contoso/revoke", json={"reason": "done"}),
        "collaborator_revoked",
    )
    assert body["collaborators"] == []
    assert (await contoso.get(path)).status_code == 404

    body = step(
        await acme.post(
            f"{path}/status",
            json={
                "status": "resolved",
                "resolution_code": "firmware-fix",
                "resolution_notes": "Upgraded to 17.3.2",
            },
        ),
        "resolved",
        status="resolved",
    )
    assert body["resolution"] == {"code": "firmware-fix", "notes": "Upgraded to 17.3.2"}
    assert body["resolved_at"]

    body = step(
        await initech.post(f"{path}/rating", json={"rating": 5, "reason": "fixed within the hour"}),
        "rated",
    )
    assert body["rating"]["rating"] == 5 and body["rating"]["by"] == "initech"

    body = step(
        await initech.post(f"{path}/status", json={"status": "closed", "reason": "confirmed"}),
        "closed",
        status="closed",
    )
    assert body["closed_at"]
    n = len(expected_types)

    # GET agrees with the last response, ETag included
    r = await northwind.get(path)
    assert assert_ok(r, version=n)["status"] == "closed"

    # ---- Kafka: every event, in order, each a valid binary-mode CloudEvent keyed by the incident
    records = (await kafka_reader.collect({iid: n}, timeout=30))[iid]
    assert len(records) == n, [r.headers for r in records]
    partitions = {r.partition for r in records}
    assert len(partitions) == 1, "one incident, one partition"
    assert [r.offset for r in records] == sorted(r.offset for r in records)
    cloudevents = []
    for i, record in enumerate(records, start=1):
        assert record.topic == TOPIC
        assert record.key == iid.encode()
        headers = header_map(record)
        assert headers["ce_specversion"] == b"1.0"
        assert headers["ce_type"].decode() == expected_types[i - 1]
        assert headers["ce_source"].decode() == SOURCE
        assert headers["ce_subject"].decode() == iid
        assert headers["ce_sequence"].decode() == str(i)
        assert headers["ce_id"]
        assert TRACEPARENT.match(headers["traceparent"].decode()), headers["traceparent"]
        event = decode_cloudevent(record)
        assert event.get_type() == expected_types[i - 1]
        assert event.get_subject() == iid
        assert event.get_id() == headers["ce_id"].decode()
        assert isinstance(event.get_data(), dict)
        assert_valid_cloudevent(record.headers, record.key, record.value)
        cloudevents.append(event)
    assert len({e.get_id() for e in cloudevents}) == n, "event ids are unique"
    assert cloudevents[0].get_data()["incident_id"] == iid

    # ---- the feed serves the same events in the same order
    full = await feed(api(None, token=service_token()), iid)
    assert [(e["id"], e["type"], e["stream_version"]) for e in full] == [
        (e.get_id(), e.get_type(), int(e.get_extension("sequence"))) for e in cloudevents
    ]
    assert [e["data"] for e in full] == [e.get_data() for e in cloudevents]
    assert [e["position"] for e in full] == sorted(e["position"] for e in full)
    # the owner's own feed: everything but acme's internal note
    own = await feed(northwind, iid)
    acme_internal = next(
        e["id"] for e in full if e["data"].get("body") == notes["internal-acme"][2]
    )
    assert [e["id"] for e in own] == [e["id"] for e in full if e["id"] != acme_internal]

    # the timeline as northwind sees it matches its feed
    timeline = (await northwind.get(f"{path}/timeline")).json()["items"]
    assert [t["version"] for t in timeline] == [e["stream_version"] for e in own]

    # nothing more arrives for this incident
    await kafka_reader.settle()
    assert len(kafka_reader.records[iid]) == n
