"""The SLA monitor as it runs: a subprocess consuming the incidents service's topic, demo
contracts seeded by the stack. Who sees which contract and clock, the chain check, contract
management, and the SLA events on `village.sla.v1`."""

from __future__ import annotations

from typing import Any

from e2e_support import Api, IncidentTopicReader, assert_problem, open_incident, unique

from village_devstack.waiting import eventually

SLA_TOPIC = "village.sla.v1"


async def _sla_of(client: Any, incident_id: str, kinds: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        r = await client.get(f"/incidents/{incident_id}/sla")
        return r.json() if r.status_code == 200 and len(r.json()["contracts"]) == kinds else None

    return await eventually(
        probe, timeout=30, what=f"SLA of {incident_id} with {kinds} contract(s)"
    )


async def test_each_party_sees_only_the_contracts_it_is_party_to(sla: Api) -> None:
    seen = {}
    for party in ("northwind", "initech", "acme", "umbrella"):
        r = await sla(party).get("/contracts")
        assert r.status_code == 200, r.text
        seen[party] = {c["id"] for c in r.json()["items"]}
    assert {"initech-northwind", "northwind-acme"} <= seen["northwind"]
    assert "initech-northwind" in seen["initech"] and "northwind-acme" not in seen["initech"]
    assert {"northwind-acme", "contoso-acme"} <= seen["acme"] and "initech-northwind" not in seen[
        "acme"
    ]
    assert "umbrella-contoso" in seen["umbrella"] and not seen["umbrella"] & {
        "initech-northwind",
        "northwind-acme",
    }
    # A customer cannot read the terms between its partner and the provider: not even that they
    # exist.
    assert_problem(await sla("initech").get("/contracts/northwind-acme"), 404)
    assert_problem(await sla("initech").get("/contracts/northwind-acme/report"), 404)
    r = await sla("initech").get("/contracts/initech-northwind")
    assert r.status_code == 200 and r.json()["targets"]["S1"] == {
        "respond_minutes": 15,
        "resolve_minutes": 240,
        "update_minutes": 60,
    }


async def test_an_incident_is_covered_along_the_chain_and_each_party_sees_its_link(
    api: Api, sla: Api, stack: Any
) -> None:
    incident = await open_incident(api("northwind"), severity="S1")
    iid = incident["id"]
    view = await _sla_of(sla("northwind"), iid, 1)
    (cf,) = view["contracts"]
    assert (cf["contract_id"], cf["kind"], cf["owing_party"], cf["owed_party"]) == (
        "initech-northwind",
        "customer_facing",
        "northwind",
        "initech",
    )
    clocks = {c["clock"]: c for c in cf["clocks"]}
    assert (
        clocks["respond"]["target_seconds"] == 15 * 60 and clocks["respond"]["state"] == "running"
    )
    assert clocks["resolve"]["target_seconds"] == 240 * 60
    assert (await sla("acme").get(f"/incidents/{iid}/sla")).json()[
        "contracts"
    ] == []  # not handed off yet
    # The OpenAPI example shows the shape the service really answers with.
    spec = (await sla(None).get("/openapi.json")).json()
    example = spec["paths"]["/incidents/{incident_id}/sla"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]
    assert set(example) == set(view) and set(example["contracts"][0]) == set(cf)
    # (FastAPI leaves null values out of examples: every key shown is a real one.)
    assert set(example["contracts"][0]["clocks"][1]) <= set(clocks["resolve"])
    assert_problem(await sla("contoso").get(f"/incidents/{iid}/sla"), 404)

    r = await api("northwind").post(
        f"/incidents/{iid}/escalate",
        json={"to_party": "acme", "to_tier": "TAC L1", "reason": "needs the vendor"},
    )
    assert r.status_code == 200, r.text
    both = await _sla_of(sla("northwind"), iid, 2)
    up = next(c for c in both["contracts"] if c["kind"] == "underpinning")
    assert (up["contract_id"], up["owing_party"], up["owed_party"]) == (
        "northwind-acme",
        "acme",
        "northwind",
    )
    acme_view = (await sla("acme").get(f"/incidents/{iid}/sla")).json()
    assert [c["contract_id"] for c in acme_view["contracts"]] == ["northwind-acme"]
    initech_view = (await sla("initech").get(f"/incidents/{iid}/sla")).json()
    assert [c["contract_id"] for c in initech_view["contracts"]] == ["initech-northwind"]

    # On the topic: four clocks started, each event carrying only its contract's two parties.
    async with IncidentTopicReader(stack.kafka_bootstrap, SLA_TOPIC) as reader:
        records = (await reader.collect({iid: 4}))[iid]
    started = [
        dict(r.headers)
        for r in records
        if dict(r.headers)["ce_type"] == b"village.sla.clock_started.v1"
    ]
    assert len(started) == 4
    parties = sorted(" ".join(sorted(h["ce_parties"].decode().split())) for h in started)
    assert parties == ["acme northwind"] * 2 + ["initech northwind"] * 2
    # acme's tooling channel: northwind's own contract with initech travels as its bare fact
    redacted = sorted(
        " ".join(sorted(h["ce_parties"].decode().split()))
        for h in started
        if h.get("ce_redacted") == b"true"
    )
    assert redacted == ["initech northwind"] * 2

    # At risk: northwind sees its clocks of this incident; umbrella sees none of them.
    risky = (await sla("northwind").get("/at-risk", params={"limit": 200})).json()["items"]
    assert {(i["incident_id"], i["contract_id"]) for i in risky if i["incident_id"] == iid} == {
        (iid, "initech-northwind"),
        (iid, "northwind-acme"),
    }
    assert all(i["owing_party"] in ("northwind", "acme") for i in risky)
    assert not [
        i
        for i in (await sla("umbrella").get("/at-risk")).json()["items"]
        if i["incident_id"] == iid
    ]


async def test_the_chain_check_flags_what_the_underpinning_contract_cannot_carry(sla: Api) -> None:
    items = (await sla("northwind").get("/chains")).json()["items"]
    chain = next(i for i in items if i["customer_facing"] == "initech-northwind")
    assert chain["underpinning"] == "northwind-acme" and chain["chain"] == [
        "initech",
        "northwind",
        "acme",
    ]
    assert not chain["supported"]
    s1 = {f["clock"]: f["shortfall_minutes"] for f in chain["shortfalls"] if f["severity"] == "S1"}
    assert s1 == {"respond": 15, "resolve": 240}
    # Only the middle of the chain may compare both contracts.
    assert (await sla("initech").get("/chains")).json()["items"] == []
    assert (await sla("acme").get("/chains")).json()["items"] == []


async def test_contracts_are_managed_by_the_owing_partys_admins_and_versioned(
    api: Api, sla: Api
) -> None:
    cid = unique("c")
    body = {
        "id": cid,
        "provider": "northwind",
        "customer": "initech",
        "kind": "underpinning",
        "targets": {"S2": {"respond_minutes": 60, "resolve_minutes": 600}},
    }
    # Only the owing party's admins publish what it promises.
    assert_problem(await sla("northwind").post("/contracts", json=body), 403)
    assert_problem(await sla("acme", "admin").post("/contracts", json=body), 403)
    assert_problem(
        await sla("northwind", "admin").post("/contracts", json={**body, "targets": {}}), 422
    )
    assert_problem(
        await sla("northwind", "admin").post(
            "/contracts",
            json={**body, "calendar": {"type": "business_hours", "timezone": "Mars/Olympus"}},
        ),
        422,
    )
    # The demo already has northwind's customer-facing contract with initech: one per pair and kind.
    assert_problem(
        await sla("northwind", "admin").post(
            "/contracts", json={**body, "kind": "customer_facing"}
        ),
        409,
        "contract-exists",
    )
    admin = sla("northwind", "admin")
    created = await admin.post("/contracts", json=body, headers={"Idempotency-Key": cid})
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    again = await admin.post("/contracts", json=body, headers={"Idempotency-Key": cid})
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert_problem(
        await admin.put(f"/contracts/{cid}", json={"warn_at": [80]}, headers={"If-Match": '"7"'}),
        412,
    )
    revised = await admin.put(
        f"/contracts/{cid}", json={"warn_at": [80]}, headers={"If-Match": '"1"'}
    )
    assert revised.status_code == 200, revised.text
    assert revised.json()["version"] == 2 and revised.json()["warn_at"] == [80]
    versions = (await admin.get(f"/contracts/{cid}/versions")).json()["items"]
    assert [v["version"] for v in versions] == [1, 2] and versions[0]["warn_at"] == [50, 75, 90]
    assert (await sla("initech").get(f"/contracts/{cid}")).json()["version"] == 2
    assert_problem(await sla("contoso").get(f"/contracts/{cid}"), 404)
