"""Swarming with provenance on the real stack (the incidents service, PostgreSQL, the broker).

northwind's incident for initech: northwind invites contoso and lets it invite others; contoso
brings in fabrikam (who may not invite); acme brings in a partner of its own on another branch.
fabrikam's invitation of another is refused and changes nothing; each party sees the provenance
it may; revoking contoso's hop revokes fabrikam's with it, and both lose the incident (404).
"""

from __future__ import annotations

from typing import Any

import httpx
from e2e_support import assert_ok, assert_problem, etag_version, open_incident, unique
from schema_check import assert_valid_cloudevent

from village_platform.auth import mint_token
from village_platform.settings import Settings

INVITED = "village.incident.collaborator_invited.v1"
REVOKED = "village.incident.collaborator_revoked.v1"


async def register_partner(api: Any) -> str:
    """A partner of acme's besides the demo's (so the incident can have two branches)."""
    partner = unique("tailspin").lower()
    body = {"id": partner, "kind": "partner", "name": partner, "provider": "acme", "customers": []}
    r = await api("acme", "admin").post("/parties", json=body)
    assert r.status_code == 201, r.text
    return partner


def trees(view: dict[str, Any]) -> list[Any]:
    """The provenance view's trees as (partner, invited_by, [below...])."""

    def shape(hops: list[dict[str, Any]]) -> list[Any]:
        return [(h["partner"], h["invited_by"], shape(h["below"])) for h in hops]

    return shape(view["hops"])


async def provenance(client: httpx.AsyncClient, iid: str) -> dict[str, Any]:
    r = await client.get(f"/incidents/{iid}/provenance")
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_swarm_with_provenance_and_cascaded_revocation(api, kafka_reader) -> None:
    northwind, acme, contoso, fabrikam, initech, umbrella = (
        api(p) for p in ("northwind", "acme", "contoso", "fabrikam", "initech", "umbrella")
    )
    tailspin_id, wingtip_id = await register_partner(api), await register_partner(api)
    tailspin = api(None, token=mint_token(Settings(), tailspin_id, "partner", roles=["agent"]))
    iid = (await open_incident(northwind))["id"]
    path = f"/incidents/{iid}"

    # ---- northwind lets contoso invite others; contoso brings in fabrikam
    delegating = {
        "partner": "contoso",
        "scope": "firewall rules review",
        "may_invite": True,
        "reason": "contoso runs initech's firewalls",
    }
    assert_ok(await northwind.post(f"{path}/collaborators", json=delegating))
    invited = {"partner": "fabrikam", "scope": "VPN logs", "reason": "VPN specialist"}
    view = assert_ok(await contoso.post(f"{path}/collaborators", json=invited))
    assert view["collaborators"] == ["contoso", "fabrikam"]
    assert (await fabrikam.get(path)).status_code == 200

    # ---- fabrikam's own invitation does not allow it: 403, nothing changed
    before = await northwind.get(f"{path}/timeline")
    refused = await fabrikam.post(
        f"{path}/collaborators", json={"partner": wingtip_id, "reason": "more hands"}
    )
    assert_problem(refused, 403, "forbidden")
    assert "does not allow it to invite others" in refused.json()["detail"]
    after = await northwind.get(f"{path}/timeline")
    assert after.json() == before.json()
    assert etag_version(await northwind.get(path)) == view["version"]
    # Allowed, but a collaborator's hop says why.
    assert_problem(await contoso.post(f"{path}/collaborators", json={"partner": wingtip_id}), 422)

    # ---- acme brings in a partner of its own: another branch
    assert_ok(await acme.post(f"{path}/collaborators", json={"partner": tailspin_id}))

    # ---- the provenance, as each party sees it
    whole = [
        ("contoso", "northwind", [("fabrikam", "contoso", [])]),
        (tailspin_id, "acme", []),
    ]
    assert trees(await provenance(northwind, iid)) == whole
    assert trees(await provenance(acme, iid)) == whole
    seen = await provenance(contoso, iid)  # its hop and those below: not acme's branch
    assert trees(seen) == whole[:1]
    contoso_hop = seen["hops"][0]
    assert (contoso_hop["may_invite"], contoso_hop["reason"], contoso_hop["revoked"]) == (
        True,
        "contoso runs initech's firewalls",
        None,
    )
    [own] = (await provenance(fabrikam, iid))["hops"]  # its own: not why contoso was invited
    assert (own["partner"], own["parent_hop"], own["reason"], own["may_invite"]) == (
        "fabrikam",
        contoso_hop["hop_id"],
        "VPN specialist",
        False,
    )
    assert "contoso runs initech's firewalls" not in str(await provenance(fabrikam, iid))
    assert trees(await provenance(tailspin, iid)) == [(tailspin_id, "acme", [])]
    # The other branch's invitation reaches no channel of contoso's either.
    contoso_timeline = (await contoso.get(f"{path}/timeline")).json()
    assert tailspin_id not in str(contoso_timeline)
    # The customer learns nothing of who collaborates, nor why.
    customer = await provenance(initech, iid)
    assert customer["hops"] == []
    for text in (
        str(customer),
        (await initech.get(path)).text,
        (await initech.get(f"{path}/timeline")).text,
    ):
        assert "contoso" not in text and "fabrikam" not in text and tailspin_id not in text
    assert_problem(await umbrella.get(f"{path}/provenance"), 404)

    # ---- revoking contoso's hop revokes fabrikam's with it
    view = assert_ok(
        await northwind.post(f"{path}/collaborators/contoso/revoke", json={"reason": "done"})
    )
    assert view["collaborators"] == [tailspin_id]
    for gone in (contoso, fabrikam):
        assert_problem(await gone.get(path), 404)
        assert_problem(await gone.get(f"{path}/provenance"), 404)
        assert_problem(
            await gone.post(f"{path}/notes", json={"body": "hi", "visibility": "shared"}), 404
        )
    [root, _] = (await provenance(northwind, iid))["hops"]
    [below] = root["below"]
    assert (root["revoked"]["by"], root["revoked"]["cascade_of"]) == ("northwind", None)
    assert (below["revoked"]["by"], below["revoked"]["cascade_of"]) == ("northwind", root["hop_id"])

    # The OpenAPI example shows the shape the route answers with (FastAPI leaves nulls out).
    spec = (await northwind.get("/openapi.json")).json()["paths"][
        "/incidents/{incident_id}/provenance"
    ]
    example = spec["get"]["responses"]["200"]["content"]["application/json"]["example"]
    real = await provenance(northwind, iid)
    pairs = [
        (example, real),
        (example["hops"][0], root),
        (example["hops"][0]["below"][0], below),
        (example["hops"][0]["below"][0]["revoked"], below["revoked"]),
    ]
    for shown, answered in pairs:
        assert {k for k, v in answered.items() if v is not None} <= set(shown) <= set(answered)

    # ---- on the topic: each hop's events, valid against their schemas, in order
    records = (await kafka_reader.collect({iid: 6}))[iid]  # opened, 3 invitations, 2 revocations
    hops = []
    for record in records:
        data = assert_valid_cloudevent(record.headers, record.key, record.value)
        kind = dict(record.headers)["ce_type"].decode()
        if kind in (INVITED, REVOKED):
            hops.append((kind, data["partner"], data.get("parent_hop"), data.get("cascade_of")))
    assert hops == [
        (INVITED, "contoso", None, None),
        (INVITED, "fabrikam", root["hop_id"], None),
        (INVITED, tailspin_id, None, None),
        (REVOKED, "contoso", None, None),
        (REVOKED, "fabrikam", None, root["hop_id"]),
    ]
