"""The party directory: provider admins register parties; everyone else sees only its own circle."""

from __future__ import annotations

from e2e_support import assert_problem, unique


async def test_registering_a_party_is_idempotent_and_admin_only(api):
    admin = api("acme", "admin")
    partner_id = unique("fabrikam").lower()
    body = {
        "id": partner_id,
        "kind": "partner",
        "name": "Fabrikam",
        "provider": "acme",
        "customers": [],
    }
    key = {"Idempotency-Key": f"register-{partner_id}"}

    first = await admin.post("/parties", json=body, headers=key)
    assert first.status_code == 201, first.text
    again = await admin.post("/parties", json=body, headers=key)
    assert (again.status_code, again.json(), again.headers["Idempotent-Replayed"]) == (
        201,
        first.json(),
        "true",
    )
    assert_problem(
        await admin.post("/parties", json={**body, "name": "Other"}, headers=key),
        422,
        "idempotency-key-reused",
    )

    assert_problem(await api("northwind").post("/parties", json=body), 403, "forbidden")
    assert_problem(
        await admin.post("/parties", json={**body, "kind": "customer", "partner": "northwind"}),
        409,
        "party-kind-conflict",
    )
    assert_problem(
        await admin.post(
            "/parties", json={"id": unique("c").lower(), "kind": "customer", "name": "C"}
        ),
        422,
        "invalid-party",
    )


async def test_partners_see_only_their_circle_of_the_directory(api):
    everyone = {p["id"] for p in (await api("acme").get("/parties")).json()["items"]}
    assert {"acme", "northwind", "contoso", "initech", "umbrella"} <= everyone
    contoso_sees = {p["id"] for p in (await api("contoso").get("/parties")).json()["items"]}
    # Its suppliers (acme, and globex for its products) and its customer; never northwind or
    # northwind's customer.
    assert contoso_sees == {"contoso", "umbrella", "acme", "globex"}
    initech_sees = {p["id"] for p in (await api("initech").get("/parties")).json()["items"]}
    assert initech_sees == {"initech", "northwind"}
