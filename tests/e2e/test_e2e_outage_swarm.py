"""Swarming on a provider incident, on the real stack (the incidents service, PostgreSQL, the
broker).

acme declares an outage of its routers and invites northwind's engineers (certified for routers,
allowed to invite others); northwind brings in contoso below its hop; acme brings in a partner
of its own (tailspin) on another branch. Each party sees the provenance it may and the events
of the hops it answers for; a swarming partner sees the outage but not another partner's links.
Refusals are problems that change nothing. Revoking northwind's hop revokes contoso's with it;
every record of the outage on the topic matches its schema."""

from __future__ import annotations

from typing import Any

import httpx
from e2e_support import assert_problem, assert_shape, feed, open_incident, unique
from schema_check import assert_valid_cloudevent

from village_devstack.waiting import eventually
from village_platform.auth import mint_token
from village_platform.settings import Settings

INVITED = "village.outage.swarm_invited.v1"
REVOKED = "village.outage.swarm_revoked.v1"
OUTAGE = {
    "title": "Router firmware 7.2 drops IPsec tunnels",
    "description": "Routers on firmware 7.2 drop site-to-site tunnels after rekeying.",
    "products": ["routers"],
    "severity": "S1",
}


async def ok(response: Any, status: int = 200) -> dict[str, Any]:
    r = await response
    assert r.status_code == status, r.text
    return r.json()


def trees(view: dict[str, Any]) -> list[Any]:
    """The provenance view's trees as (partner, invited_by, [below...])."""

    def shape(hops: list[dict[str, Any]]) -> list[Any]:
        return [(h["partner"], h["invited_by"], shape(h["below"])) for h in hops]

    return shape(view["hops"])


async def swarm_events(
    client: httpx.AsyncClient, subject: str, expected: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The swarm events of the outage the caller's feed has, (type's name, partner), once they
    are `expected` (the feed shows what the relay has published, in its own time)."""

    async def seen() -> list[tuple[str, str]]:
        return [
            (e["type"].split(".")[2], e["data"]["partner"])
            for e in await feed(client, subject)
            if e["type"] in (INVITED, REVOKED)
        ]

    return await eventually(seen, lambda found: found == expected, what="the swarm events")


async def test_a_swarm_on_an_outage_hop_by_hop_and_its_cascaded_revocation(
    api: Any, kafka_reader: Any
) -> None:
    acme, northwind, contoso, initech = (
        api(p) for p in ("acme", "northwind", "contoso", "initech")
    )
    tailspin_id = unique("tailspin").lower()
    body = {
        "id": tailspin_id,
        "kind": "partner",
        "name": tailspin_id,
        "provider": "acme",
        "customers": [],
    }
    assert (await api("acme", "admin").post("/parties", json=body)).status_code == 201
    tailspin = api(None, token=mint_token(Settings(), tailspin_id, "partner", roles=["agent"]))

    oid = (await ok(acme.post("/provider-incidents", json=OUTAGE), 201))["id"]
    subject, path = f"provider-incident:{oid}", f"/provider-incidents/{oid}"
    # northwind's incident, linked: a swarming contoso must not learn of it.
    iid = (await open_incident(northwind))["id"]
    await ok(northwind.post(f"{path}/links", json={"incident_id": iid}))

    # ---- acme invites northwind, which may invite; northwind brings in contoso below it.
    invite = {
        "partner": "northwind",
        "certification": "routers",
        "scope": "read the tunnel logs",
        "reason": "northwind's engineers know firmware 7.2",
        "may_invite": True,
    }
    key = {"Idempotency-Key": unique("swarm")}
    first = await acme.post(f"{path}/swarm", json=invite, headers=key)
    again = await acme.post(f"{path}/swarm", json=invite, headers=key)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert first.headers["Location"] == f"{path}/provenance"
    [top] = first.json()["hops"]
    assert (top["certification"], top["scope"], top["parent_hop"]) == (
        "routers",
        "read the tunnel logs",
        None,
    )
    below = {"partner": "contoso", "certification": "routers", "reason": "same tunnels"}
    await ok(northwind.post(f"{path}/swarm", json=below), 201)
    other = {"partner": tailspin_id, "certification": "routers", "reason": "acme's own"}
    await ok(acme.post(f"{path}/swarm", json=other), 201)

    # ---- each sees the hops it answers for: acme every one, contoso not why northwind came.
    seen = {p: await ok(api(p).get(f"{path}/provenance")) for p in ("acme", "northwind")}
    assert trees(seen["acme"]) == [
        ("northwind", "acme", [("contoso", "northwind", [])]),
        (tailspin_id, "acme", []),
    ]
    assert trees(seen["northwind"]) == [("northwind", "acme", [("contoso", "northwind", [])])]
    assert trees(await ok(contoso.get(f"{path}/provenance"))) == [("contoso", "northwind", [])]
    assert trees(await ok(tailspin.get(f"{path}/provenance"))) == [(tailspin_id, "acme", [])]
    assert_problem(await initech.get(f"{path}/provenance"), 404)
    spec = (await acme.get("/openapi.json")).json()["paths"]
    shown = spec["/provider-incidents/{outage_id}/provenance"]["get"]["responses"]["200"]
    example = shown["content"]["application/json"]["example"]
    assert_shape(example, seen["acme"])
    assert_shape(example["hops"][0], seen["acme"]["hops"][0])

    # A swarming partner sees the outage and how many incidents are linked, not which.
    view = await ok(contoso.get(path))
    assert view["incidents"] == [] and view["others"] == 1 and iid not in str(view)
    # Each party's feed has the events of the hops it answers for, no other branch's.
    await swarm_events(contoso, subject, [("swarm_invited", "contoso")])
    await swarm_events(tailspin, subject, [("swarm_invited", tailspin_id)])
    # Both are published by now: initech, which swarms nowhere, has none of them.
    assert [e for e in await feed(initech, subject) if e["type"] in (INVITED, REVOKED)] == []

    # ---- refusals: problems, nothing changed.
    before = await ok(acme.get(path))
    own = seen["northwind"]["hops"][0]["below"][0]["hop_id"]  # contoso's
    for call, status in (
        (acme.post(f"{path}/swarm", json={**below, "certification": "firewalls"}), 422),
        (acme.post(f"{path}/swarm", json={**below, "partner": "fabrikam"}), 422),
        (acme.post(f"{path}/swarm", json={**below, "partner": "northwind"}), 409),
        (acme.post(f"{path}/swarm", json={"partner": "contoso"}), 422),
        (contoso.post(f"{path}/swarm", json={**below, "partner": tailspin_id}), 403),
        (initech.post(f"{path}/swarm", json=below), 404),
        (contoso.post(f"{path}/swarm/{own}/revoke", json={"reason": "x"}), 403),
        (contoso.post(f"{path}/swarm/{top['hop_id']}/revoke", json={"reason": "x"}), 404),
        (tailspin.post(f"{path}/swarm/{top['hop_id']}/revoke", json={"reason": "x"}), 404),
    ):
        assert_problem(await call, status)
    assert await ok(acme.get(path)) == before

    # ---- acme revokes northwind's hop: contoso's goes with it, in one transaction.
    revoked = await ok(
        acme.post(f"{path}/swarm/{top['hop_id']}/revoke", json={"reason": "The fix is out."})
    )
    [gone, kept] = revoked["hops"]
    assert gone["revoked"]["by"] == "acme" and kept["revoked"] is None
    [child] = gone["below"]
    assert child["revoked"]["cascade_of"] == top["hop_id"]
    await swarm_events(
        contoso, subject, [("swarm_invited", "contoso"), ("swarm_revoked", "contoso")]
    )
    assert_problem(
        await acme.post(f"{path}/swarm/{top['hop_id']}/revoke", json={"reason": "x"}), 409
    )

    # Every record of the outage on the topic matches its schema, in stream order.
    records = (await kafka_reader.collect({subject: 7}))[subject]
    for record in records:
        assert_valid_cloudevent(record.headers, record.key, record.value)
    types = [dict(r.headers)["ce_type"].decode() for r in records]
    assert types.count(INVITED) == 3 and types.count(REVOKED) == 2
    assert [int(dict(r.headers)["ce_sequence"]) for r in records] == list(range(1, 8))
