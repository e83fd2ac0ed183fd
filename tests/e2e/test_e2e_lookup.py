"""Lookup by a party's own ticket id, and list filters with cursor pagination."""

from __future__ import annotations

from e2e_support import assert_ok, assert_problem, open_incident, unique


async def list_all(client, **params) -> tuple[list[dict], int]:
    """Follow `next_cursor` to the end; returns (items, pages)."""
    items: list[dict] = []
    pages = 0
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/incidents", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        assert len(page["items"]) <= params.get("limit", 50)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages
        assert pages < 100, "pagination does not end"


async def test_lookup_by_external_ref(api) -> None:
    northwind, initech, contoso, acme = (
        api("northwind"),
        api("initech"),
        api("contoso"),
        api("acme"),
    )
    ref = {"owner": "northwind", "type": "servicenow", "id": unique("INC")}
    customer_ref = {"owner": "initech", "type": "jira", "id": unique("IT")}
    incident = await open_incident(northwind, external_refs=[ref, customer_ref])
    iid = incident["id"]

    found = assert_ok(await northwind.get("/incidents/by-external-ref", params=ref), version=1)
    assert found["id"] == iid
    assert assert_ok(await acme.get("/incidents/by-external-ref", params=ref))["id"] == iid
    # the customer finds it by its own ticket id, and sees every ref on the incident
    by_customer = assert_ok(await initech.get("/incidents/by-external-ref", params=customer_ref))
    assert by_customer["id"] == iid
    assert by_customer["external_refs"] == [ref, customer_ref]
    # other parties, unknown ids, wrong type or owner: 404
    assert_problem(await contoso.get("/incidents/by-external-ref", params=ref), 404)
    for wrong in (
        {**ref, "id": unique("nope")},
        {**ref, "type": "jira"},
        {**ref, "owner": "contoso"},
    ):
        assert_problem(await northwind.get("/incidents/by-external-ref", params=wrong), 404)
    assert_problem(
        await northwind.get("/incidents/by-external-ref", params={"owner": "northwind"}), 422
    )

    # the ETag follows the incident
    assert_ok(await northwind.post(f"/incidents/{iid}/acknowledge", json={}))
    assert_ok(await northwind.get("/incidents/by-external-ref", params=ref), version=2)

    # a ticket id belongs to one incident only
    taken = await northwind.post(
        "/incidents",
        json={
            "title": "dup",
            "severity": "S3",
            "product": "p",
            "customer": "initech",
            "external_refs": [ref],
        },
    )
    assert assert_problem(taken, 409, "external-ref-taken")["incident_id"] == iid


async def test_list_filters_and_cursor_pagination(api) -> None:
    northwind, contoso, acme, initech, umbrella = (
        api(p) for p in ("northwind", "contoso", "acme", "initech", "umbrella")
    )
    product = unique("prod")
    ours: list[dict] = []
    for i in range(7):
        severity = ["S1", "S2", "S3"][i % 3]
        incident = await open_incident(
            northwind, product=product, severity=severity, title=f"nw {i}"
        )
        ours.append(incident)
    for i in (0, 1, 2):
        assert_ok(await northwind.post(f"/incidents/{ours[i]['id']}/acknowledge", json={}))
    theirs = [
        await open_incident(
            contoso,
            product=product,
            customer="umbrella",
            severity="S1",
            title=f"co {i}",
            external_refs=[{"owner": "contoso", "type": "jira", "id": unique("C")}],
        )
        for i in range(3)
    ]
    newest_first = [i["id"] for i in reversed(ours)]

    # 7 incidents, 3 per page: 3 pages, newest first, nothing twice, nothing missed
    items, pages = await list_all(northwind, product=product, limit=3)
    assert pages == 3
    assert [i["id"] for i in items] == newest_first
    items, pages = await list_all(northwind, product=product, limit=2)
    assert pages == 4 and [i["id"] for i in items] == newest_first
    assert {i["partner"] for i in items} == {"northwind"}
    assert items[0]["version"] == 1 and items[0]["title"] == "nw 6"

    # filters
    acked, _ = await list_all(northwind, product=product, status="acknowledged", limit=2)
    assert {i["id"] for i in acked} == {ours[i]["id"] for i in (0, 1, 2)}
    assert all(i["status"] == "acknowledged" and i["version"] == 2 for i in acked)
    new, _ = await list_all(northwind, product=product, status="new")
    assert len(new) == 4
    s1, _ = await list_all(northwind, product=product, severity="S1", limit=1)
    assert [i["id"] for i in s1] == [ours[i]["id"] for i in (6, 3, 0)]
    both, _ = await list_all(northwind, product=product, severity="S1", status="acknowledged")
    assert [i["id"] for i in both] == [ours[0]["id"]]
    ref = ours[4]["external_refs"][0]
    by_ext, _ = await list_all(northwind, external_id=ref["id"])
    assert [i["id"] for i in by_ext] == [ours[4]["id"]]
    by_ext, _ = await list_all(northwind, external_id=ref["id"], external_owner="contoso")
    assert by_ext == []
    none, _ = await list_all(northwind, product=product, customer="umbrella")
    assert none == []

    # the provider sees both partners' incidents, and filters by partner and customer
    everything, pages = await list_all(acme, product=product, limit=4)
    assert pages == 3 and len(everything) == 10
    assert [i["id"] for i in everything] == [i["id"] for i in reversed(ours + theirs)]
    contoso_only, _ = await list_all(acme, product=product, partner="contoso", limit=2)
    assert [i["id"] for i in contoso_only] == [i["id"] for i in reversed(theirs)]
    umbrella_only, _ = await list_all(acme, product=product, customer="umbrella")
    assert {i["id"] for i in umbrella_only} == {i["id"] for i in theirs}
    s1_everywhere, _ = await list_all(acme, product=product, severity="S1", limit=2)
    assert len(s1_everywhere) == 6

    # customers and the other partner see only their own
    assert {i["id"] for i in (await list_all(initech, product=product, limit=3))[0]} == {
        i["id"] for i in ours
    }
    assert {i["id"] for i in (await list_all(umbrella, product=product))[0]} == {
        i["id"] for i in theirs
    }
    assert {i["id"] for i in (await list_all(contoso, product=product))[0]} == {
        i["id"] for i in theirs
    }
    assert (await list_all(contoso, product=product, partner="northwind"))[0] == []

    # bad cursors and filters are problems
    assert_problem(
        await northwind.get("/incidents", params={"cursor": "garbage!"}), 400, "invalid-cursor"
    )
    assert_problem(await northwind.get("/incidents", params={"severity": "S9"}), 422)
    assert_problem(await northwind.get("/incidents", params={"limit": 0}), 422)
