"""Webhook signing secrets, end to end on the running webhooks service: its own database rows
(endpoints, idempotency records) and its log hold none in plain text, and an idempotent replay of
a registration or rotation answers the same secret again (read back from the endpoint, where it
is sealed) for as long as the endpoint keeps it."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from e2e_support import PROBLEM_JSON, open_incident

from village_devstack.waiting import eventually
from village_devstack.webhook_receiver import Arrival, Receiver, ReceiverServer
from village_webhooks.sealing import DEV_SECRET_KEY, Sealer


async def fetch(service: Any, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of the service's own database, as they are stored."""
    conn = await asyncpg.connect(service.database_url)
    try:
        return [dict(row) for row in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def test_replays_answer_the_same_secret_and_no_row_holds_one(hooks, webhooks_service) -> None:
    admin = hooks("initech", "admin")
    register_key, rotate_key = f"register-{uuid.uuid4()}", f"rotate-{uuid.uuid4()}"
    body = {"url": "http://127.0.0.1:9/hooks", "event_types": ["*"]}
    first = await admin.post("/endpoints", json=body, headers={"Idempotency-Key": register_key})
    again = await admin.post("/endpoints", json=body, headers={"Idempotency-Key": register_key})
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    endpoint, registered = first.json()["id"], first.json()["secret"]
    path = f"/endpoints/{endpoint}/rotate-secret"

    rotated = await admin.post(
        path, json={"overlap_seconds": 3600}, headers={"Idempotency-Key": rotate_key}
    )
    rotated_again = await admin.post(
        path, json={"overlap_seconds": 3600}, headers={"Idempotency-Key": rotate_key}
    )
    assert rotated.status_code == rotated_again.status_code == 200, rotated.text
    assert (
        rotated_again.json() == rotated.json()
        and rotated_again.headers["Idempotent-Replayed"] == "true"
    )
    second = rotated.json()["secret"]
    assert second != registered
    # The registration's secret still signs (the rotation's overlap): its replay still answers it.
    replayed = await admin.post("/endpoints", json=body, headers={"Idempotency-Key": register_key})
    assert replayed.json() == first.json()

    # Rotated again without overlap: the first two secrets are gone, and so are their answers.
    third = (await admin.post(path, json={"overlap_seconds": 0})).json()["secret"]
    for key, request in (
        (register_key, ("/endpoints", body)),
        (rotate_key, (path, {"overlap_seconds": 3600})),
    ):
        gone = await admin.post(request[0], json=request[1], headers={"Idempotency-Key": key})
        assert gone.status_code == 409 and gone.headers["content-type"] == PROBLEM_JSON, gone.text
        assert gone.json()["type"].endswith("secret-replaced")
        assert "whsec_" not in gone.text

    # What is stored: the endpoint's secrets sealed, the idempotency records without them.
    rows = await fetch(
        webhooks_service, "SELECT * FROM endpoints WHERE endpoint_id = $1", uuid.UUID(endpoint)
    )
    records = await fetch(
        webhooks_service,
        "SELECT * FROM idempotency_keys WHERE party = 'initech' AND key = ANY($1::text[])",
        [register_key, rotate_key],
    )
    assert len(rows) == 1 and len(records) == 2
    stored = repr(rows) + repr(records)
    for secret in (registered, second, third):
        assert secret not in stored and secret.removeprefix("whsec_") not in stored
    assert Sealer([DEV_SECRET_KEY]).open(rows[0]["secret_sealed"]) == third  # sealed, not lost
    # Nothing anywhere in either table: every test's endpoints and replays.
    everything = await fetch(
        webhooks_service,
        "SELECT e::text AS row FROM endpoints e UNION ALL SELECT k::text FROM idempotency_keys k",
    )
    assert everything and not [r for r in everything if "whsec_" in r["row"]]


async def test_failing_statements_and_deliveries_log_no_secret(
    api, hooks, webhooks_service
) -> None:
    """A statement that fails with a secret among its parameters, and deliveries that fail: the
    service logs them (with their statements), and its whole log holds no plain-text secret."""
    marker = f"fail-{uuid.uuid4().hex[:8]}"
    trigger = f"webhooks_test_{marker.replace('-', '_')}"
    admin = hooks("northwind", "admin")

    def refuse(arrival: Arrival) -> Any:
        return (500, {}) if len(receiver.arrivals) == 1 else 400

    receiver = Receiver(respond=refuse)
    async with ReceiverServer(receiver) as url:
        r = await admin.post(
            "/endpoints",
            json={
                "url": url,
                "event_types": ["village.incident.*"],
                "description": f"{marker}-rotate",
            },
        )
        assert r.status_code == 201
        endpoint, secret = r.json()["id"], r.json()["secret"]
        receiver.secrets.append(secret)
        await fetch(
            webhooks_service,
            f"""
            CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.description LIKE '{marker}%'
                   AND (TG_OP = 'INSERT' OR NEW.version > OLD.version) THEN
                    RAISE EXCEPTION 'refused by the test trigger {marker}';
                END IF;
                RETURN NEW;
            END $$""",
        )
        await fetch(
            webhooks_service,
            f"CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE ON endpoints"
            f" FOR EACH ROW EXECUTE FUNCTION {trigger}()",
        )
        try:
            # An INSERT and an UPDATE, each with a new secret among its parameters, fail (the server
            # closes a connection after an unhandled error: not one to use again).
            close = {"Connection": "close"}
            failed = await admin.post(
                "/endpoints",
                json={"url": url, "event_types": ["*"], "description": marker},
                headers=close,
            )
            assert failed.status_code == 500 and "whsec_" not in failed.text
            failed = await admin.post(
                f"/endpoints/{endpoint}/rotate-secret", json={}, headers=close
            )
            assert failed.status_code == 500 and "whsec_" not in failed.text
        finally:
            await fetch(webhooks_service, f"DROP TRIGGER {trigger} ON endpoints")
            await fetch(webhooks_service, f"DROP FUNCTION {trigger}()")

        # Deliveries that fail: a 500 (retried), then 400s (final).
        iid = (await open_incident(api("northwind")))["id"]
        assert (
            await api("northwind").post(f"/incidents/{iid}/acknowledge", json={})
        ).status_code == 200
        await eventually(
            lambda: hooks("northwind").get(f"/endpoints/{endpoint}/deliveries"),
            lambda r: sum(d["status"] == "failed" for d in r.json()["items"]) >= 2,
            timeout=60,
            what="the refused deliveries recorded",
        )
        assert receiver.arrivals and all(a.verified for a in receiver.arrivals)

    log = webhooks_service.log_tail(lines=10**9)
    assert f"refused by the test trigger {marker}" in log  # the failing statements were logged
    assert "refused for good" in log  # and the failing deliveries
    assert secret not in log and secret.removeprefix("whsec_") not in log and "whsec_" not in log
