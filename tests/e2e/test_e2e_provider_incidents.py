"""Provider incidents (outages) end to end: the incidents service and the webhook dispatcher as
subprocesses on a real PostgreSQL and broker, real HTTP receivers for every party's endpoint.

acme declares an outage: each of its partners' (northwind's, contoso's) endpoints receives it,
no customer's and not globex's. Both partners find their incident among the candidates and link
it; each sees its own and how many others, the customers learn only that their incident is part
of an outage; a status change reaches the partners; northwind unlinks with a reason. Refusals are
RFC 9457 problems and change nothing. Every record on the topic matches its schema."""

from __future__ import annotations

import contextlib
from typing import Any

from e2e_support import Api, IncidentTopicReader, assert_problem, assert_shape, open_incident
from schema_check import assert_valid_cloudevent

from village_devstack.waiting import eventually
from village_devstack.webhook_receiver import Receiver, ReceiverServer

PARTIES = ("acme", "northwind", "contoso", "initech", "umbrella", "globex")
TYPES = ["village.outage.*", "village.incident.outage_*"]
OUTAGE = {
    "title": "Router firmware 7.2 drops IPsec tunnels",
    "description": "Routers on firmware 7.2 drop site-to-site tunnels after rekeying.",
    "products": ["routers"],
    "impacted_services": ["site-to-site VPN"],
    "regions": ["eu-west"],
    "severity": "S1",
}


async def receivers(hooks: Api, stop: contextlib.AsyncExitStack) -> dict[str, Receiver]:
    """A real receiver per party, its endpoint subscribed to outages and their links."""
    found = {}
    for party in PARTIES:
        receiver = Receiver()
        url = await stop.enter_async_context(ReceiverServer(receiver))
        r = await hooks(party, "admin").post("/endpoints", json={"url": url, "event_types": TYPES})
        assert r.status_code == 201, r.text
        receiver.secrets.append(r.json()["secret"])
        found[party] = receiver
    return found


def got(receiver: Receiver, type_: str, subject: str) -> list[dict[str, Any]]:
    return [e for e in receiver.events() if e["type"] == type_ and e["subject"] == subject]


async def arrived(receiver: Receiver, type_: str, subject: str) -> dict[str, Any]:
    [event] = await eventually(
        lambda: got(receiver, type_, subject), timeout=60, what=f"{type_} of {subject}"
    )
    return event


async def ok(response: Any, status: int = 200) -> dict[str, Any]:
    r = await response
    assert r.status_code == status, r.text
    return r.json()


async def test_an_outage_reaches_every_partner_each_links_and_sees_its_own(
    api: Api, hooks: Api, kafka_reader: IncidentTopicReader
) -> None:
    acme, northwind, contoso = api("acme"), api("northwind"), api("contoso")
    async with contextlib.AsyncExitStack() as stop:
        hooked = await receivers(hooks, stop)

        # ---- acme declares: every partner's system learns of it at once, no one else's.
        declared = await acme.post("/provider-incidents", json=OUTAGE)
        assert declared.status_code == 201, declared.text
        outage = declared.json()
        oid, subject = outage["id"], f"provider-incident:{outage['id']}"
        assert declared.headers["Location"] == f"/provider-incidents/{oid}"
        assert declared.headers["ETag"] == '"1"' and outage["status"] == "declared"
        for partner in ("northwind", "contoso"):
            event = await arrived(hooked[partner], "village.outage.declared.v1", subject)
            assert event["data"]["title"] == OUTAGE["title"] and event["parties"] == partner
            assert event["visibility"] == "restricted"
        # The fan-out of one event is one transaction: it is done, and no one else got it.
        for party in ("initech", "umbrella", "globex"):
            assert await deliveries(hooks, party) == [], party
        for party in ("initech", "umbrella", "globex"):
            assert_problem(await api(party).get(f"/provider-incidents/{oid}"), 404)
        assert oid not in str(await ok(api("initech").get("/provider-incidents")))

        # ---- each partner finds its own incident among the candidates, and links it.
        rekey = "IPsec tunnel to Leeds drops after rekeying"
        a = (await open_incident(northwind, title=rekey))["id"]
        other = (await open_incident(northwind, title="Printer jam", external_refs=[]))["id"]
        umbrella = {"customer": "umbrella", "external_refs": []}
        c = (await open_incident(contoso, title="Tunnels drop", **umbrella))["id"]
        found = await ok(northwind.get(f"/provider-incidents/{oid}/candidates"))
        ids = [i["incident_id"] for i in found["items"]]
        assert ids.index(a) < ids.index(other) and c not in ids
        assert c in [
            i["incident_id"]
            for i in (await ok(acme.get(f"/provider-incidents/{oid}/candidates")))["items"]
        ]

        linked = await northwind.post(f"/provider-incidents/{oid}/links", json={"incident_id": a})
        assert linked.status_code == 200, linked.text
        key = {"Idempotency-Key": f"link-{c}"}
        first = await contoso.post(
            f"/provider-incidents/{oid}/links", json={"incident_id": c}, headers=key
        )
        again = await contoso.post(
            f"/provider-incidents/{oid}/links", json={"incident_id": c}, headers=key
        )
        assert first.status_code == again.status_code == 200
        assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()

        views = {
            p: await ok(api(p).get(f"/provider-incidents/{oid}"))
            for p in ("acme", "northwind", "contoso")
        }
        assert sorted(i["incident_id"] for i in views["acme"]["incidents"]) == sorted([a, c])
        assert views["acme"]["version"] == 3  # declared and two links: the retry added nothing
        for party, own, theirs in (("northwind", a, c), ("contoso", c, a)):
            assert [i["incident_id"] for i in views[party]["incidents"]] == [own]
            assert views[party]["others"] == 1 and theirs not in str(views[party])
        assert a not in str(await ok(contoso.get(f"/provider-incidents/{oid}/links")))

        # The OpenAPI examples show the shapes the routes really answer with.
        spec = (await acme.get("/openapi.json")).json()["paths"]

        def example(path: str, method: str = "get", status: str = "200") -> Any:
            answer = spec[path][method]["responses"][status]["content"]["application/json"]
            return answer["example"]

        one = "/provider-incidents/{outage_id}"
        assert_shape(example("/provider-incidents", "post", "201"), outage)
        assert_shape(example(f"{one}/links", "post"), views["northwind"])
        assert_shape(example(one), views["northwind"])
        listed = await ok(northwind.get("/provider-incidents"))
        assert_shape(example("/provider-incidents")["items"][0], listed["items"][0])
        links = await ok(northwind.get(f"/provider-incidents/{oid}/links"))
        assert_shape(example(f"{one}/links")["items"][0], links["items"][0])
        assert_shape(example(one)["incidents"][0], links["items"][0])
        assert_shape(example(f"{one}/candidates")["items"][0], found["items"][0])

        # The customers learn that their incident is part of an outage, and nothing else.
        for customer, incident in (("initech", a), ("umbrella", c)):
            seen = await ok(api(customer).get(f"/incidents/{incident}"))
            assert seen["outage_id"] == oid
            event = await arrived(hooked[customer], "village.incident.outage_linked.v1", incident)
            assert event["data"] == {
                "incident_id": incident,
                "outage_id": oid,
                "provider": "acme",
                "title": OUTAGE["title"],
            }
        for partner, own in (("northwind", a), ("contoso", c)):
            link = await arrived(hooked[partner], "village.outage.linked.v1", subject)
            assert link["data"]["incident_id"] == own
        await eventually(
            lambda: got(hooked["acme"], "village.outage.linked.v1", subject),
            lambda links: len(links) == 2,
            timeout=60,
            what="both links at acme's endpoint",
        )

        # ---- acme moves it on: the partners hear it.
        moved = await acme.post(
            f"/provider-incidents/{oid}/status",
            json={"status": "identified", "message": "Cause found: a rekeying timer."},
            headers={"If-Match": '"3"'},
        )
        assert moved.status_code == 200, moved.text
        assert moved.headers["ETag"] == '"4"'
        for partner in ("northwind", "contoso"):
            event = await arrived(hooked[partner], "village.outage.status_changed.v1", subject)
            assert event["data"]["message"] == "Cause found: a rekeying timer."

        # ---- refusals: problems, and nothing changes.
        before = await ok(acme.get(f"/provider-incidents/{oid}"))
        path, at_3 = f"/provider-incidents/{oid}", {"If-Match": '"3"'}

        def status(to: str) -> dict[str, str]:
            return {"status": to, "message": "x"}

        refusals = [
            (northwind.post("/provider-incidents", json=OUTAGE), 403),
            (api("globex").post("/provider-incidents", json=OUTAGE), 422),  # not its product
            (acme.post("/provider-incidents", json={**OUTAGE, "products": []}), 422),
            (contoso.post(f"{path}/links", json={"incident_id": a}), 404),
            (api("initech").post(f"{path}/links", json={"incident_id": a}), 404),
            (northwind.post(f"{path}/links", json={"incident_id": a}), 409),  # linked already
            (northwind.post(f"{path}/status", json=status("monitoring")), 403),
            (acme.post(f"{path}/status", json=status("investigating")), 409),  # backwards
            (acme.post(f"{path}/status", json=status("monitoring"), headers=at_3), 412),
            (acme.post(f"{path}/status", json=status("resolved")), 422),
            (contoso.request("DELETE", f"{path}/links/{a}", json={"reason": "x"}), 404),
            (northwind.request("DELETE", f"{path}/links/{a}"), 422),  # no reason
        ]
        for call, status in refusals:
            assert_problem(await call, status)
        assert await ok(acme.get(f"/provider-incidents/{oid}")) == before

        # ---- northwind unlinks its incident, with a reason.
        unlinked = await northwind.request(
            "DELETE",
            f"/provider-incidents/{oid}/links/{a}",
            json={"reason": "Not this outage: a local power cut."},
        )
        assert unlinked.status_code == 200, unlinked.text
        assert unlinked.json()["incidents"] == [] and unlinked.json()["others"] == 1
        assert (await ok(api("initech").get(f"/incidents/{a}")))["outage_id"] is None
        event = await arrived(hooked["initech"], "village.incident.outage_unlinked.v1", a)
        assert event["data"]["reason"] == "Not this outage: a local power cut."
        gone = await arrived(hooked["northwind"], "village.outage.unlinked.v1", subject)
        assert gone["data"]["unlinked_by"] == "northwind"
        assert [
            i["incident_id"]
            for i in (await ok(acme.get(f"/provider-incidents/{oid}")))["incidents"]
        ] == [c]

        # Customers and globex never got anything of the outage's own stream; contoso never
        # learned of northwind's link or unlink.
        for party in ("initech", "umbrella", "globex"):
            assert not [e for e in hooked[party].events() if e["subject"] == subject], party
        assert [
            e["data"]["incident_id"]
            for e in hooked["contoso"].events()
            if e["type"].startswith("village.outage.") and "incident_id" in e["data"]
        ] == [c]
        assert all(a.verified for r in hooked.values() for a in r.arrivals)

    # Every record of the outage on the topic matches its schema, in stream order.
    records = (await kafka_reader.collect({subject: 5}))[subject]
    for record in records:
        assert_valid_cloudevent(record.headers, record.key, record.value)
    assert [int(dict(r.headers)["ce_sequence"]) for r in records] == [1, 2, 3, 4, 5]


async def deliveries(hooks: Api, party: str) -> list[str]:
    """The event types queued for `party`'s endpoints, whatever their delivery state."""
    client = hooks(party, "admin")
    types = []
    for endpoint in (await ok(client.get("/endpoints")))["items"]:
        page = await ok(
            client.get(f"/endpoints/{endpoint['id']}/deliveries", params={"limit": 200})
        )
        types += [
            d["event_type"] for d in page["items"] if d["event_type"].startswith("village.outage.")
        ]
    return types
