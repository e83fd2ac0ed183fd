"""Crafted inputs are 4xx problems, answered at once, and change nothing: page cursors of every
list (beyond int64, NUL inside base64, not base64, the wrong JSON shape, another list's), report
periods of 120,000 months or in year 9999, instants out of range, page sizes beyond the limit."""

from __future__ import annotations

import base64
import json
import time

import pytest
from e2e_support import assert_problem, open_incident

INT64_MAX = 2**63 - 1


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def crafted_cursors(kind: str) -> dict[str, str]:
    return {
        "beyond int64": b64(json.dumps([kind, INT64_MAX + 1]).encode()),
        "far beyond int64": b64(json.dumps([kind, 10**30]).encode()),
        "negative": b64(json.dumps([kind, -1]).encode()),
        "NUL inside base64": b64(b'["' + kind.encode() + b'",\x001]'),
        "escaped NUL": b64(json.dumps([kind, "\u0000"]).encode()),
        "the old format beyond int64": b64(b"s:99999999999999999999"),
        "not base64": "garbage!",
        "base64 of nothing JSON": b64(b"\xff\xfe"),
        "an object": b64(json.dumps({"o": 10, "q": "vpn"}).encode()),
        "another list's": b64(json.dumps(["elsewhere", 1]).encode()),
        "a boolean": b64(json.dumps([kind, True]).encode()),
        "a bare id": "0b6c7a38-3f4e-4c3b-9a2e-1e5f0d7c9a41",
    }


async def assert_refused(client, path: str, params: dict[str, str]) -> None:
    for name, cursor in crafted_cursors("x").items():
        started = time.monotonic()
        response = await client.get(path, params={**params, "cursor": cursor})
        assert response.status_code == 400, (path, name, response.text)
        assert_problem(response, 400, "invalid-cursor")
        assert time.monotonic() - started < 2, (path, name)


async def assert_pages_still_work(client, path: str, params: dict[str, str]) -> None:
    first = (await client.get(path, params={**params, "limit": 1})).json()
    if first["next_cursor"]:
        second = await client.get(
            path, params={**params, "limit": 1, "cursor": first["next_cursor"]}
        )
        assert second.status_code == 200, second.text


async def test_incidents_list_cursors(api) -> None:
    northwind = api("northwind")
    await open_incident(northwind)
    await open_incident(northwind)
    await assert_refused(northwind, "/incidents", {})
    for cursor in crafted_cursors("incidents").values():
        assert_problem(
            await northwind.get("/incidents", params={"cursor": cursor}), 400, "invalid-cursor"
        )
    await assert_pages_still_work(northwind, "/incidents", {})


async def test_knowledge_cursors(kb) -> None:
    northwind = kb("northwind")
    await assert_refused(northwind, "/articles", {})
    await assert_refused(northwind, "/search", {"q": "vpn"})
    for cursor in {**crafted_cursors("search"), **crafted_cursors("articles")}.values():
        assert_problem(await northwind.get("/search", params={"q": "vpn", "cursor": cursor}), 400)
        assert_problem(await northwind.get("/articles", params={"cursor": cursor}), 400)
    await assert_pages_still_work(northwind, "/articles", {})
    await assert_pages_still_work(northwind, "/search", {"q": "router vpn firewall switch"})


async def test_sla_contract_list_cursors(sla) -> None:
    acme = sla("acme")
    await assert_refused(acme, "/contracts", {})
    for cursor in crafted_cursors("contracts").values():
        assert_problem(
            await acme.get("/contracts", params={"cursor": cursor}), 400, "invalid-cursor"
        )
    pages, cursor = [], None
    while True:
        page = (
            await acme.get(
                "/contracts", params={"limit": 1, **({"cursor": cursor} if cursor else {})}
            )
        ).json()
        pages.append(page["items"])
        if not (cursor := page["next_cursor"]):
            break
    everything = (await acme.get("/contracts")).json()["items"]
    assert [c["id"] for page in pages for c in page] == [c["id"] for c in everything]
    assert len(pages) == len(everything) >= 2


async def test_webhook_list_cursors(hooks) -> None:
    admin = hooks("northwind", "admin")
    await assert_refused(admin, "/endpoints", {})
    for cursor in crafted_cursors("webhook-endpoints").values():
        assert_problem(
            await admin.get("/endpoints", params={"cursor": cursor}), 400, "invalid-cursor"
        )


@pytest.mark.parametrize(
    ("period", "kind"),
    [
        (
            {"from": "2016-01-01T00:00:00Z", "to": "9999-12-31T00:00:00Z"},
            "validation-error",
        ),  # 120,000 months
        ({"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"}, "validation-error"),
        ({"from": "9999-12-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"}, "validation-error"),
        ({"from": "9999-12-01T00:00:00Z"}, "validation-error"),
        ({"from": "1900-01-01T00:00:00Z", "to": "1900-02-01T00:00:00Z"}, "validation-error"),
        ({"from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "period-too-long"),
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "invalid-period"),
    ],
)
async def test_report_periods_are_bounded(sla, period: dict[str, str], kind: str) -> None:
    started = time.monotonic()
    response = await sla("northwind").get("/contracts/initech-northwind/report", params=period)
    assert_problem(response, 422, kind)
    assert time.monotonic() - started < 2


async def test_a_three_year_report_is_answered(sla) -> None:
    started = time.monotonic()
    response = await sla("northwind").get(
        "/contracts/initech-northwind/report",
        params={"from": "2024-01-01T00:00:00", "to": "2026-12-31T00:00:00"},
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["downtime"]) == 36
    assert time.monotonic() - started < 10


async def test_instants_out_of_range_change_nothing(api, sla) -> None:
    northwind = api("northwind")
    incident = await open_incident(northwind)
    path = f"/incidents/{incident['id']}"
    for when in ("0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z"):
        assert_problem(await northwind.post(f"{path}/impact/start", json={"started_at": when}), 422)
    assert (await northwind.get(path)).json()["version"] == incident["version"]

    admin = sla("northwind", "admin")
    before = (await admin.get("/contracts/initech-northwind")).json()["version"]
    for when in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"):
        assert_problem(
            await admin.put("/contracts/initech-northwind", json={"effective_from": when}), 422
        )
    assert (await admin.get("/contracts/initech-northwind")).json()["version"] == before


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "100000"},
        {"limit": str(INT64_MAX + 1)},
        {"limit": "-1"},
        {"after": str(INT64_MAX + 1)},
        {"after": "-1"},
    ],
)
async def test_page_sizes_and_positions_are_bounded(api, params: dict[str, str]) -> None:
    northwind = api("northwind")
    assert_problem(await northwind.get("/events", params=params), 422)
    if "limit" in params:
        assert_problem(await northwind.get("/incidents", params=params), 422)
