"""The read model, projected from the knowledge service's own events: articles and their
versions, the search index (published articles only), suggestions, links, solves, feedback.

The same function serves the live path (in the transaction that appends the events) and the
rebuild (every stored event again, in order), so both give the same rows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.eventstore import StoredEvent

from .domain.events import (
    CATALOG,
    ArticleDrafted,
    ArticleLinked,
    ArticlePublished,
    ArticleRejected,
    ArticleRetired,
    ArticleRevised,
    ArticleSubmitted,
    ArticleUnlinked,
    DraftProposed,
    FeedbackGiven,
    IncidentSolved,
    SuggestionsMade,
)

_DRAFTED = text(
    "INSERT INTO articles (article_id, author_party, provider, status, stream_version, version,"
    " content, origin_incident, created_at, updated_at)"
    " VALUES (:id, :author, :provider, 'draft', :sv, 1, CAST(:content AS jsonb), :origin, :at, :at)"
    " ON CONFLICT (article_id) DO NOTHING"
)
_VERSION = text(
    "INSERT INTO article_versions (article_id, version, content, recorded_at, recorded_by)"
    " VALUES (:id, :v, CAST(:content AS jsonb), :at, :by) ON CONFLICT DO NOTHING"
)
_INDEX = text(
    "INSERT INTO search_docs (article_id, provider, audience, title, body, symptoms, steps,"
    " tags_text, products, tags, version, published_at)"
    " VALUES (:id, :provider, :audience, :title, :body, :symptoms, :steps, :tags_text, :products,"
    " :tags, :v, :at)"
    " ON CONFLICT (article_id) DO UPDATE SET audience = excluded.audience, title = excluded.title,"
    " body = excluded.body, symptoms = excluded.symptoms, steps = excluded.steps,"
    " tags_text = excluded.tags_text,"
    " products = excluded.products, tags = excluded.tags, version = excluded.version,"
    " published_at = excluded.published_at"
)


def index_row(
    article_id: Any, provider: str, content: dict[str, Any], version: int, at: Any
) -> dict[str, Any]:
    return {
        "id": article_id,
        "provider": provider,
        "audience": content["audience"],
        "title": content["title"],
        "body": content["body"],
        "symptoms": "\n".join(content.get("symptoms", [])),
        "steps": "\n".join(content.get("resolution_steps", [])),
        "tags_text": " ".join(content.get("tags", [])),
        "products": list(content.get("products", [])),
        "tags": list(content.get("tags", [])),
        "v": version,
        "at": at,
    }


async def project(conn: AsyncConnection, event: StoredEvent) -> None:
    """Apply one stored knowledge event to the read model (read through the event catalog)."""
    typed = CATALOG.load(event.type, event.data)
    await _PROJECTIONS[type(typed)](conn, typed, event)


def _by(event: StoredEvent) -> str:
    return f"{event.metadata.get('actor_party', '')}/{event.metadata.get('actor_user', '')}"


async def _created(
    conn: AsyncConnection, e: ArticleDrafted | DraftProposed, stored: StoredEvent
) -> None:
    aid, content, at = uuid.UUID(e.article_id), json.dumps(e.content), stored.recorded_at
    await conn.execute(
        _DRAFTED,
        {
            "id": aid,
            "author": e.author_party,
            "provider": e.provider,
            "sv": stored.stream_version,
            "content": content,
            "origin": getattr(e, "incident_id", None),
            "at": at,
        },
    )
    await conn.execute(
        _VERSION, {"id": aid, "v": 1, "content": content, "at": at, "by": _by(stored)}
    )


def _params(article_id: str, stored: StoredEvent) -> dict[str, Any]:
    return {"id": uuid.UUID(article_id), "sv": stored.stream_version, "at": stored.recorded_at}


async def _revised(conn: AsyncConnection, e: ArticleRevised, stored: StoredEvent) -> None:
    params, content = _params(e.article_id, stored), json.dumps(e.content)
    await conn.execute(
        text(
            "UPDATE articles SET status = 'draft', version = :v, content = CAST(:content AS jsonb),"
            " stream_version = :sv, updated_at = :at WHERE article_id = :id"
        ),
        {**params, "v": e.version, "content": content},
    )
    await conn.execute(
        _VERSION,
        {
            "id": params["id"],
            "v": e.version,
            "content": content,
            "at": params["at"],
            "by": _by(stored),
        },
    )


async def _submitted(conn: AsyncConnection, e: ArticleSubmitted, stored: StoredEvent) -> None:
    await conn.execute(
        text(
            "UPDATE articles SET status = 'in_review', stream_version = :sv, updated_at = :at"
            " WHERE article_id = :id"
        ),
        _params(e.article_id, stored),
    )


async def _rejected(conn: AsyncConnection, e: ArticleRejected, stored: StoredEvent) -> None:
    await conn.execute(
        text(
            "UPDATE articles SET status = 'draft', review_note = :reason, stream_version = :sv,"
            " updated_at = :at WHERE article_id = :id"
        ),
        {**_params(e.article_id, stored), "reason": e.reason},
    )


async def _published(conn: AsyncConnection, e: ArticlePublished, stored: StoredEvent) -> None:
    params = _params(e.article_id, stored)
    await conn.execute(
        text(
            "UPDATE articles SET status = 'published', published_version = :v,"
            " published = CAST(:content AS jsonb),"
            " audience = :audience, review_note = NULL, stream_version = :sv, updated_at = :at"
            " WHERE article_id = :id"
        ),
        {
            **params,
            "v": e.version,
            "content": json.dumps(e.content),
            "audience": e.content["audience"],
        },
    )
    await conn.execute(
        _INDEX, index_row(params["id"], e.provider, e.content, e.version, params["at"])
    )


async def _retired(conn: AsyncConnection, e: ArticleRetired, stored: StoredEvent) -> None:
    params = _params(e.article_id, stored)
    await conn.execute(
        text(
            "UPDATE articles SET status = 'retired', stream_version = :sv, updated_at = :at"
            " WHERE article_id = :id"
        ),
        params,
    )
    await conn.execute(text("DELETE FROM search_docs WHERE article_id = :id"), {"id": params["id"]})


async def _suggested(conn: AsyncConnection, e: SuggestionsMade, stored: StoredEvent) -> None:
    await conn.execute(
        text("DELETE FROM suggestions WHERE incident_id = :i AND audience = :a"),
        {"i": e.incident_id, "a": e.audience},
    )
    if e.articles:  # one statement for the lot (executemany), not one per article
        await conn.execute(_UPSERT_SUGGESTION, _suggestion_rows(e))


def _suggestion_rows(e: SuggestionsMade) -> list[dict[str, Any]]:
    return [
        {
            "i": e.incident_id,
            "a": uuid.UUID(s["article_id"]),
            "aud": e.audience,
            "r": s["rank"],
            "s": s["score"],
        }
        for s in e.articles
    ]


async def project_many(conn: AsyncConnection, stored: Sequence[StoredEvent]) -> None:
    """`project` for events appended together (a consumer's fetch): the suggestions in two
    statements, each incident's and audience's latest replacing what it had; the rest one by
    one, in order (other tables)."""
    latest: dict[tuple[str, str], SuggestionsMade] = {}
    for event in stored:
        typed = CATALOG.load(event.type, event.data)
        if isinstance(typed, SuggestionsMade):
            latest.pop((typed.incident_id, typed.audience), None)  # its rows after the others'
            latest[(typed.incident_id, typed.audience)] = typed
        else:
            await _PROJECTIONS[type(typed)](conn, typed, event)
    if not latest:
        return
    await conn.execute(
        _FORGET_SUGGESTIONS, {"i": [i for i, _ in latest], "a": [a for _, a in latest]}
    )
    rows = [row for e in latest.values() for row in _suggestion_rows(e)]
    if rows:
        await conn.execute(_UPSERT_SUGGESTION, rows)


async def _linked(conn: AsyncConnection, e: ArticleLinked, stored: StoredEvent) -> None:
    await conn.execute(
        text(
            "INSERT INTO links (incident_id, article_id, party, linked_at) VALUES (:i, :a, :p, :at)"
            " ON CONFLICT DO NOTHING"
        ),
        {"i": e.incident_id, "a": uuid.UUID(e.article_id), "p": e.party, "at": stored.recorded_at},
    )


async def _unlinked(conn: AsyncConnection, e: ArticleUnlinked, stored: StoredEvent) -> None:
    await conn.execute(
        text("DELETE FROM links WHERE incident_id = :i AND article_id = :a"),
        {"i": e.incident_id, "a": uuid.UUID(e.article_id)},
    )


async def _solved(conn: AsyncConnection, e: IncidentSolved, stored: StoredEvent) -> None:
    await conn.execute(
        text(
            "INSERT INTO solves (incident_id, article_id, solved_at) VALUES (:i, :a, :at)"
            " ON CONFLICT DO NOTHING"
        ),
        {"i": e.incident_id, "a": uuid.UUID(e.article_id), "at": stored.recorded_at},
    )


async def _feedback(conn: AsyncConnection, e: FeedbackGiven, stored: StoredEvent) -> None:
    await conn.execute(
        text(
            "INSERT INTO feedback (article_id, party, helpful, incident_id, given_at)"
            " VALUES (:a, :p, :h, :i, :at) ON CONFLICT (article_id, party) DO UPDATE"
            " SET helpful = excluded.helpful, incident_id = excluded.incident_id,"
            " given_at = excluded.given_at"
            " WHERE feedback.given_at <= excluded.given_at"
        ),
        {
            "a": uuid.UUID(e.article_id),
            "p": e.party,
            "h": e.helpful,
            "i": e.incident_id,
            "at": stored.recorded_at,
        },
    )


# Each knowledge event and the change it makes to the read model.
_PROJECTIONS: dict[type, Callable[[AsyncConnection, Any, StoredEvent], Awaitable[None]]] = {
    ArticleDrafted: _created,
    DraftProposed: _created,
    ArticleRevised: _revised,
    ArticleSubmitted: _submitted,
    ArticleRejected: _rejected,
    ArticlePublished: _published,
    ArticleRetired: _retired,
    SuggestionsMade: _suggested,
    ArticleLinked: _linked,
    ArticleUnlinked: _unlinked,
    IncidentSolved: _solved,
    FeedbackGiven: _feedback,
}


_UPSERT_SUGGESTION = text(
    "INSERT INTO suggestions (incident_id, article_id, audience, rank, score)"
    " VALUES (:i, :a, :aud, :r, :s) ON CONFLICT (incident_id, article_id) DO UPDATE"
    " SET audience = excluded.audience, rank = excluded.rank, score = excluded.score"
)
_FORGET_SUGGESTIONS = text(
    "DELETE FROM suggestions s USING unnest(CAST(:i AS text[]), CAST(:a AS text[])) AS f(i, a)"
    " WHERE s.incident_id = f.i AND s.audience = f.a"
)
RESET = (
    "TRUNCATE articles, article_versions, search_docs, suggestions, links, solves, feedback,"
    " incidents,"
    " shared_notes"
)
