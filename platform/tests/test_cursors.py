"""The one cursor codec: what it issues comes back; anything crafted is a 400 problem."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from village_platform.cursors import (
    INT64_MAX,
    Cursor,
    identifier,
    offset_up_to,
    position,
    uuid_value,
)
from village_platform.errors import Problem

POSITIONS = Cursor("incidents", position)
IDS = Cursor("articles", uuid_value)
SEARCH = Cursor("search", offset_up_to(10_000))


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def crafted(item: object) -> str:
    return b64(json.dumps(item).encode())


@pytest.mark.parametrize("value", [0, 1, 41, INT64_MAX])
def test_a_position_round_trips(value: int) -> None:
    cursor = POSITIONS.encode(value)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert POSITIONS.decode(cursor) == value
    assert POSITIONS.decode(cursor + "=" * (-len(cursor) % 4)) == value  # padded: the same


def test_an_id_and_a_bound_offset_round_trip() -> None:
    article = uuid.uuid4()
    assert IDS.decode(IDS.encode(str(article))) == article
    cursor = SEARCH.encode(20, query="vpn tunnel")
    assert SEARCH.decode(cursor, query="vpn tunnel") == 20
    assert len(SEARCH.encode(20, query="x" * 500)) == len(cursor)  # the query is not carried


CRAFTED = {
    "beyond int64": crafted(["incidents", INT64_MAX + 1]),
    "far beyond int64": crafted(["incidents", 10**40]),
    "negative": crafted(["incidents", -1]),
    "a float": crafted(["incidents", 1.5]),
    "a boolean": crafted(["incidents", True]),
    "a string number": crafted(["incidents", "41"]),
    "null": crafted(["incidents", None]),
    "another list's": crafted(["articles", 41]),
    "no kind": crafted([41]),
    "an extra element": crafted(["incidents", 41, "x"]),
    "an object": crafted({"kind": "incidents", "value": 41}),
    "a bare number": crafted(41),
    "nested": crafted([["incidents", 41]]),
    "the old incidents format": b64(b"s:41"),
    "the old format beyond int64": b64(b"s:99999999999999999999999"),
    "NUL inside": b64(b'["incidents",\x0041]'),
    "escaped NUL": b64(b'["incidents\\u0000",41]'),
    "NUL before": b64(b"\x00" + json.dumps(["incidents", 41]).encode()),
    "not UTF-8": b64(b'["incidents",41]\xff'),
    "not JSON": b64(b"incidents 41"),
    "deep JSON": b64(b"[" * 100 + b"]" * 100),
    "not base64": "garbage!",
    "percent signs": "%%%",
    "spaces": "WyJpbmNp ZGVudHMiLDQxXQ",
    "a NUL character": "WyJpbmNpZGVudHMiLDQxXQ\x00",
    "standard base64 alphabet": "+/+/",
    "too much padding": POSITIONS.encode(41) + "===",
    "one character": "A",
    "empty": "",
    "too long": "A" * 201,
    "unicode": "WyJpbmNpZGVudHMiLDQxXQ\u00e9",
}


@pytest.mark.parametrize("cursor", CRAFTED.values(), ids=CRAFTED.keys())
def test_a_crafted_cursor_is_a_400_problem(cursor: str) -> None:
    with pytest.raises(Problem) as refused:
        POSITIONS.decode(cursor)
    assert (refused.value.status, refused.value.kind) == (400, "invalid-cursor")


@pytest.mark.parametrize(
    "item",
    [
        ["articles", "not-a-uuid"],
        ["articles", 41],
        ["articles", "0b6c7a38-3f4e-4c3b-9a2e-1e5f0d7c9a4\u0000"],
        ["articles", "{0b6c7a38-3f4e-4c3b-9a2e-1e5f0d7c9a}"],
    ],
)
def test_an_id_cursor_holds_an_id(item: list[object]) -> None:
    with pytest.raises(Problem):
        IDS.decode(crafted(item))


def test_a_search_cursor_is_bound_to_its_query_and_depth() -> None:
    with pytest.raises(Problem) as refused:
        SEARCH.decode(SEARCH.encode(20, query="vpn"), query="other")
    assert "this query" in refused.value.detail
    for cursor in (SEARCH.encode(10_001, query="vpn"), SEARCH.encode(20)):
        with pytest.raises(Problem):
            SEARCH.decode(cursor, query="vpn")


def test_no_cursor_is_none() -> None:
    assert POSITIONS.decode_optional(None) is None


def test_a_text_id_cursor_holds_a_printable_id() -> None:
    contracts = Cursor("contracts", identifier(100))
    assert contracts.decode(contracts.encode("northwind-acme")) == "northwind-acme"
    for value in ["", "x" * 101, "a\u0000b", "line\nbreak", 41, ["northwind-acme"]]:
        with pytest.raises(Problem):
            contracts.decode(crafted(["contracts", value]))
