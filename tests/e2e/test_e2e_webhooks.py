"""Webhooks end to end: the dispatcher as a subprocess on the shared incidents service and SLA
monitor (real PostgreSQL, broker), delivering to real HTTP receivers started here, each
request verified with the `standardwebhooks` verifier."""

from __future__ import annotations

import re
from typing import Any

import pytest
from e2e_support import PROBLEM_JSON, Api, open_incident

from village_devstack.waiting import eventually
from village_devstack.webhook_receiver import Receiver, ReceiverServer

LIFECYCLE = [
    "opened",
    "acknowledged",
    "note_added",
    "note_added",
    "note_added",
    "status_changed",
    "resolved",
    "closed",
]


async def register(
    hooks: Api, party: str, url: str, receiver: Receiver | None = None, **body: Any
) -> dict[str, Any]:
    r = await hooks(party, "admin").post(
        "/endpoints", json={"url": url, "event_types": ["village.incident.*"], **body}
    )
    assert r.status_code == 201, r.text
    endpoint = r.json()
    assert endpoint["secret"].startswith("whsec_")
    if receiver is not None:
        receiver.secrets.append(endpoint["secret"])
    return endpoint


async def test_partner_endpoint_gets_its_incident_lifecycle_in_order_signed(api, hooks) -> None:
    receiver = Receiver()
    async with ReceiverServer(receiver) as url:
        endpoint = await register(hooks, "northwind", url, receiver)
        northwind, acme, initech, contoso = (
            api("northwind"),
            api("acme"),
            api("initech"),
            api("contoso"),
        )
        iid = (await open_incident(northwind))["id"]
        other = (await open_incident(contoso, customer="umbrella", external_refs=[]))["id"]
        path = f"/incidents/{iid}"
        assert (await northwind.post(f"{path}/acknowledge", json={})).status_code == 200
        for client, visibility in (
            (initech, "shared"),
            (acme, "restricted"),
            (northwind, "internal"),
            (acme, "internal"),
        ):
            r = await client.post(
                f"{path}/notes", json={"body": visibility, "visibility": visibility}
            )
            assert r.status_code == 200, r.text
        assert (
            await acme.post(f"{path}/status", json={"status": "in_progress"})
        ).status_code == 200
        r = await acme.post(
            f"{path}/status",
            json={"status": "resolved", "resolution_code": "fix", "resolution_notes": "patched"},
        )
        assert r.status_code == 200, r.text
        r = await northwind.post(f"{path}/status", json={"status": "closed"})
        assert r.status_code == 200, r.text

        def short(types: list[str]) -> list[str]:
            return [t.removeprefix("village.incident.").removesuffix(".v1") for t in types]

        await eventually(
            lambda: short(receiver.types(iid)),
            lambda t: len(t) >= len(LIFECYCLE),
            timeout=60,
            what="the incident's lifecycle at northwind's endpoint",
        )
        assert short(receiver.types(iid)) == LIFECYCLE
        events = [e for e in receiver.events() if e["subject"] == iid]
        assert [int(e["sequence"]) for e in events] == sorted(int(e["sequence"]) for e in events)
        notes = [e for e in events if e["type"] == "village.incident.note_added.v1"]
        assert sorted(n["visibility"] for n in notes) == ["internal", "restricted", "shared"]
        assert [n["actorparty"] for n in notes if n["visibility"] == "internal"] == ["northwind"]
        # Every request verified with standardwebhooks, webhook-id = the event id, structured
        # CloudEvent.
        assert receiver.arrivals and all(a.verified for a in receiver.arrivals)
        assert all(
            a.id == a.event["id"] and a.event["specversion"] == "1.0" for a in receiver.arrivals
        )
        assert all(
            a.headers["content-type"] == "application/cloudevents+json" for a in receiver.arrivals
        )
        assert not [
            e for e in receiver.events() if e["subject"] == other
        ]  # contoso's incident: never
        # Each delivery continues the trace of the request that caused its event.
        traced = [a for a in receiver.arrivals if a.event["subject"] == iid]
        assert traced and all(
            a.headers["traceparent"].split("-")[1] == a.event["traceparent"].split("-")[1]
            for a in traced
        )

        async def delivered() -> list[dict[str, Any]]:
            return (
                await hooks("northwind").get(
                    f"/endpoints/{endpoint['id']}/deliveries", params={"status": "delivered"}
                )
            ).json()["items"]

        # Outcomes are recorded just after the receiver answered (group commit): wait for them.
        deliveries = await eventually(
            delivered,
            lambda found: len([d for d in found if d["subject"] == iid]) == len(LIFECYCLE),
            timeout=30,
            what="every delivery recorded",
        )
        mine = [d for d in deliveries if d["subject"] == iid]
        assert all(
            d["attempts"] == 1 and d["response_status"] == 204 and d["latency_ms"] >= 0
            for d in mine
        )
        # Cursor pages, newest first, add up to the whole list.
        paged, cursor = [], None
        while True:
            page = (
                await hooks("northwind").get(
                    f"/endpoints/{endpoint['id']}/deliveries",
                    params={"limit": 3, **({"cursor": cursor} if cursor else {})},
                )
            ).json()
            paged += page["items"]
            if not (cursor := page["next_cursor"]):
                break
        assert [d["id"] for d in paged] == [d["id"] for d in deliveries]
        assert (
            await hooks("northwind").get(
                f"/endpoints/{endpoint['id']}/deliveries", params={"cursor": "%%%"}
            )
        ).status_code == 400


async def test_customer_endpoint_gets_shared_notes_only_and_no_contract_terms(api, hooks) -> None:
    receiver = Receiver()
    async with ReceiverServer(receiver) as url:
        await register(hooks, "umbrella", url, receiver, event_types=["*"])
        contoso, acme, umbrella, northwind = (
            api("contoso"),
            api("acme"),
            api("umbrella"),
            api("northwind"),
        )
        iid = (await open_incident(contoso, customer="umbrella", external_refs=[]))["id"]
        other = (await open_incident(northwind))["id"]  # initech's: not umbrella's
        for client, visibility in (
            (umbrella, "shared"),
            (acme, "restricted"),
            (contoso, "internal"),
            (contoso, "shared"),
        ):
            r = await client.post(
                f"/incidents/{iid}/notes", json={"body": visibility, "visibility": visibility}
            )
            assert r.status_code == 200, r.text
        await eventually(
            lambda: [e for e in receiver.events() if e["type"].endswith("note_added.v1")],
            lambda notes: len(notes) >= 2,
            timeout=60,
            what="umbrella's shared notes",
        )
        # The SLA monitor's clocks for umbrella's contract arrive too (and settle what else came).
        await eventually(
            lambda: [
                e
                for e in receiver.events()
                if e["type"] == "village.sla.clock_started.v1" and e["subject"] == iid
            ],
            timeout=60,
            what="umbrella's SLA clock",
        )
        events = receiver.events()
        assert {e["subject"] for e in events if e["type"].startswith("village.incident.")} == {iid}
        assert other not in {e["subject"] for e in events}
        assert all(
            e["visibility"] == "shared" and "umbrella" in e["parties"].split() for e in events
        )
        notes = [e for e in events if e["type"].endswith("note_added.v1")]
        assert [n["visibility"] for n in notes] == ["shared", "shared"]
        # The underpinning contract (contoso <- acme) is not umbrella's business.
        assert not [e for e in events if "contoso-acme" in str(e["data"])]
        assert all(a.verified for a in receiver.arrivals)


async def test_wildcards_and_incident_filters(api, hooks) -> None:
    by_type, by_incident, by_party = Receiver(), Receiver(), Receiver()
    async with (
        ReceiverServer(by_type) as u1,
        ReceiverServer(by_incident) as u2,
        ReceiverServer(by_party) as u3,
    ):
        northwind, acme = api("northwind"), api("acme")
        first = (await open_incident(northwind))["id"]
        await register(
            hooks,
            "northwind",
            u1,
            by_type,
            event_types=["*.acknowledged.v1", "village.incident.closed.v1"],
        )
        await register(
            hooks, "northwind", u2, by_incident, event_types=["*"], filter={"incident_ids": [first]}
        )
        await register(
            hooks,
            "acme",
            u3,
            by_party,
            event_types=["village.incident.*"],
            filter={"parties": ["umbrella"]},
        )
        second = (await open_incident(northwind))["id"]
        umbrellas = (await open_incident(api("contoso"), customer="umbrella", external_refs=[]))[
            "id"
        ]
        for iid in (first, second, umbrellas):
            client = northwind if iid != umbrellas else api("contoso")
            assert (await client.post(f"/incidents/{iid}/acknowledge", json={})).status_code == 200
        assert (
            await acme.post(f"/incidents/{first}/notes", json={"body": "x", "visibility": "shared"})
        ).status_code == 200
        await eventually(
            lambda: by_type.types(), lambda t: len(t) >= 2, timeout=60, what="acknowledgements"
        )
        await eventually(
            lambda: by_incident.types(first),
            lambda t: "village.incident.note_added.v1" in t,
            timeout=60,
        )
        await eventually(
            lambda: by_party.types(umbrellas),
            lambda t: "village.incident.acknowledged.v1" in t,
            timeout=60,
        )
        assert sorted(e["subject"] for e in by_type.events()) == sorted([first, second])
        assert set(by_type.types()) == {"village.incident.acknowledged.v1"}
        assert {e["subject"] for e in by_incident.events()} == {
            first
        }  # incident events and its SLA clocks
        assert by_party.types(umbrellas) == [
            "village.incident.opened.v1",
            "village.incident.acknowledged.v1",
        ]
        assert {e["subject"] for e in by_party.events()} == {umbrellas}


async def test_a_party_sees_and_manages_only_its_own_endpoints(hooks) -> None:
    endpoint = await register(hooks, "northwind", "http://127.0.0.1:9/hooks")
    path = f"/endpoints/{endpoint['id']}"
    contoso = hooks("contoso", "admin")
    for method, url, body in (
        ("GET", path, None),
        ("PATCH", path, {"description": "mine"}),
        ("DELETE", path, None),
        ("POST", f"{path}/rotate-secret", {}),
        ("POST", f"{path}/replay", {"event_ids": [endpoint["id"]]}),
        ("GET", f"{path}/deliveries", None),
        ("POST", f"{path}/enable", {}),
    ):
        r = await contoso.request(method, url, json=body)
        assert r.status_code == 404 and r.headers["content-type"] == PROBLEM_JSON, (
            method,
            url,
            r.text,
        )
    listed = (await contoso.get("/endpoints")).json()["items"]
    assert endpoint["id"] not in {e["id"] for e in listed}
    northwind = hooks("northwind", "admin")
    assert endpoint["id"] in {
        e["id"] for e in (await northwind.get("/endpoints", params={"limit": 200})).json()["items"]
    }
    mine = await northwind.get(path)
    assert mine.status_code == 200 and "secret" not in mine.json()
    # Agents read; admins manage.
    assert (await hooks("northwind").get(path)).status_code == 200
    assert (await hooks("northwind").patch(path, json={"description": "x"})).status_code == 403
    # If-Match: stale is 412, current works.
    assert (
        await northwind.patch(path, json={"description": "x"}, headers={"If-Match": '"99"'})
    ).status_code == 412
    r = await northwind.patch(
        path, json={"description": "ServiceNow"}, headers={"If-Match": mine.headers["ETag"]}
    )
    assert (
        r.status_code == 200
        and r.json()["description"] == "ServiceNow"
        and r.json()["version"] == 2
    )
    assert (await northwind.delete(path)).status_code == 204
    assert (await northwind.get(path)).status_code == 404


@pytest.mark.parametrize(
    "body, detail",
    [
        ({"url": "http://10.0.0.1/hooks", "event_types": ["*"]}, "private"),
        ({"url": "http://192.168.1.7/hooks", "event_types": ["*"]}, "private"),
        ({"url": "http://169.254.169.254/latest/meta-data", "event_types": ["*"]}, "link-local"),
        (
            {"url": "http://[::1]:8080/hooks", "event_types": ["*"]},
            "loopback",
        ),  # only 127.0.0.0/8 is allowed
        ({"url": "http://localhost6.invalid/hooks", "event_types": ["*"]}, "does not resolve"),
        ({"url": "http://127.0.0.1:8080/hooks", "event_types": ["village.[incident]"]}, "pattern"),
        ({"url": "http://127.0.0.1:8080/hooks", "event_types": []}, "event_types"),
        ({"url": "http://127.0.0.1:8080/hooks", "event_types": ["*"], "secret": "mine"}, "secret"),
        ({"url": "ftp://127.0.0.1/hooks", "event_types": ["*"]}, "http"),
        # Malformed hosts: 422 problems, not 500s.
        ({"url": "http://a..b/hooks", "event_types": ["*"]}, "not a valid URL"),
        ({"url": "http://exa mple.com/hooks", "event_types": ["*"]}, "not a valid URL"),
        ({"url": "http://xn--a.example/hooks", "event_types": ["*"]}, "not a valid URL"),
        ({"url": "http://\u2488.example/hooks", "event_types": ["*"]}, "not a valid URL"),
        ({"url": "http://0x7f.1/hooks", "event_types": ["*"]}, "not a valid URL"),
        ({"url": "http://" + "a" * 64 + ".example/hooks", "event_types": ["*"]}, "not a valid URL"),
        # Loopback (allowed here) carried by IPv6 forms is still refused, and the address not
        # echoed.
        ({"url": "http://[::ffff:127.0.0.1]:8080/hooks", "event_types": ["*"]}, "IPv4-mapped"),
        ({"url": "http://[2002:7f00:1::1]:8080/hooks", "event_types": ["*"]}, "6to4 (loopback"),
        ({"url": "http://[64:ff9b::a9fe:a9fe]/hooks", "event_types": ["*"]}, "NAT64 (link-local"),
        (
            {"url": "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hooks", "event_types": ["*"]},
            "Teredo",
        ),
    ],
)
async def test_bad_subscriptions_are_refused_and_nothing_is_stored(
    hooks, body: dict[str, Any], detail: str
) -> None:
    admin = hooks("initech", "admin")
    before = (await admin.get("/endpoints", params={"limit": 200})).json()["items"]
    r = await admin.post("/endpoints", json=body)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM_JSON, r.text
    assert detail in r.json()["detail"], r.json()
    _, _, what = r.json()["detail"].partition(" resolves to ")  # the kind of address, never one
    assert not re.search(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+|[0-9a-f]*::?[0-9a-f]+:", what), what
    assert (await admin.get("/endpoints", params={"limit": 200})).json()["items"] == before


async def test_idempotent_registration(hooks) -> None:
    admin = hooks("initech", "admin")
    body = {"url": "http://127.0.0.1:9/hooks", "event_types": ["*"]}
    first = await admin.post("/endpoints", json=body, headers={"Idempotency-Key": "reg-1"})
    again = await admin.post("/endpoints", json=body, headers={"Idempotency-Key": "reg-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = await admin.post(
        "/endpoints", json={**body, "description": "other"}, headers={"Idempotency-Key": "reg-1"}
    )
    assert other.status_code == 422


async def test_outside_development_only_public_https_targets(
    stack, process_globals, identity_provider
) -> None:
    """A production-configured service (in process: refusals happen before any storage): plain
    http, and hostnames or addresses that are loopback, private or link-local, are refused."""
    import httpx

    from village_platform.auth import KnownParties
    from village_webhooks.app import create_app
    from village_webhooks.config import WebhookSettings
    from village_webhooks.sealing import new_key

    settings = WebhookSettings(
        service="webhooks",
        port=0,
        VILLAGE_ENV="production",
        VILLAGE_SERVICE_SECRET="s" * 48,
        WEBHOOKS_SECRET_KEYS=new_key(),
        DATABASE_URL=stack.database("webhooks-strict"),
        database_is_own=True,
        KAFKA_BOOTSTRAP_SERVERS=stack.kafka_bootstrap,
        **identity_provider.service_env(),
    )
    app = create_app(settings, background=False, party_kinds=KnownParties({"northwind": "partner"}))
    token = identity_provider.token("northwind", roles=["admin"])
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://webhooks",
            headers={"Authorization": f"Bearer {token}"},
        ) as client,
    ):
        for url, detail in (
            ("http://hooks.example.com/x", "https"),
            ("https://localhost/x", "loopback"),
            ("https://127.0.0.1/x", "loopback"),
            ("https://[::1]/x", "loopback"),
            ("https://10.0.0.1/x", "private"),
            ("https://192.168.0.10/x", "private"),
            ("https://169.254.169.254/x", "link-local"),
        ):
            r = await client.post("/endpoints", json={"url": url, "event_types": ["*"]})
            assert r.status_code == 422 and r.headers["content-type"] == PROBLEM_JSON, (url, r.text)
            assert detail in r.json()["detail"], (url, r.json())
