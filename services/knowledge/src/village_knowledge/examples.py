"""Examples of the knowledge API's answers, for its OpenAPI document."""

from __future__ import annotations

from typing import Any

from .schemas import ARTICLE_EXAMPLE

AID = "0b6c7a38-3f4e-4c3b-9a2e-1e5f0d7c9a41"


def example(value: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` with this example for `status`."""
    return {status: {"content": {"application/json": {"example": value}}}}


# A revision sent back by the reviewers of an article first proposed from a resolved incident
# (OpenAPI drops null values from examples: this one has none).
ARTICLE_VIEW = {
    "id": AID,
    "author_party": "northwind",
    "provider": "acme",
    "status": "draft",
    "version": 3,
    "published_version": 2,
    **ARTICLE_EXAMPLE,
    "review_note": "Name the firmware versions affected.",
    "origin_incident": "7d0c9f3e-5b1a-4f0e-9a77-0c2a1e4b8d11",
    "created_at": "2026-11-23T09:00:00+00:00",
    "updated_at": "2026-11-23T10:00:00+00:00",
}
SEARCH_EXAMPLE = {
    "items": [
        {
            "article_id": AID,
            "title": ARTICLE_EXAMPLE["title"],
            "title_highlighted": "IPsec <mark>tunnel</mark> <mark>flaps</mark> every few minutes"
            " after a firmware upgrade",
            "snippet": "peers on older firmware renegotiate out of step and the <mark>tunnel</mark>"
            " <mark>flaps</mark>",
            "score": 0.4,
            "match": "text",
            "audience": "public",
            "products": ["routers"],
            "tags": ["vpn", "ipsec"],
            "version": 2,
            "published_at": "2026-11-23T10:00:00+00:00",
        }
    ],
    "next_cursor": "WyJzZWFyY2giLDEwLCJmYjRjYjM5NjYzNDRjYjUxIl0",
}
STATS_EXAMPLE = {"article_id": AID, "usage": 12, "solves": 9, "helpful": 7, "not_helpful": 1}
SUGGESTIONS_EXAMPLE = {
    "incident_id": "7d0c9f3e-5b1a-4f0e-9a77-0c2a1e4b8d11",
    "items": [
        {
            "article_id": AID,
            "rank": 1,
            "score": 0.4,
            "title": "IPsec tunnel flaps every few minutes after a firmware upgrade",
            "audience": "public",
            "products": ["routers"],
            "tags": ["vpn", "ipsec"],
        }
    ],
}
