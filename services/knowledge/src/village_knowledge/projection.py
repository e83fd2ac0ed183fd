"""The read model, projected from the knowledge service's own events: articles and their
versions, the search index (published articles only), suggestions, links, solves, feedback.

The same function serves the live path (in the transaction that appends the events) and the
rebuild (every stored event again, in order), so both give the same rows.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.eventstore import StoredEvent

_DRAFTED = text(
    "INSERT INTO articles (article_id, author_party, provider, status, stream_version, version, content,"
    " origin_incident, created_at, updated_at)"
    " VALUES (:id, :author, :provider, 'draft', :sv, 1, CAST(:content AS jsonb), :origin, :at, :at)"
    " ON CONFLICT (article_id) DO NOTHING"
)
_VERSION = text(
    "INSERT INTO article_versions (article_id, version, content, recorded_at, recorded_by)"
    " VALUES (:id, :v, CAST(:content AS jsonb), :at, :by) ON CONFLICT DO NOTHING"
)
_INDEX = text(
    "INSERT INTO search_docs (article_id, provider, audience, title, body, symptoms, steps, tags_text, products,"
    " tags, version, published_at)"
    " VALUES (:id, :provider, :audience, :title, :body, :symptoms, :steps, :tags_text, :products, :tags, :v, :at)"
    " ON CONFLICT (article_id) DO UPDATE SET audience = excluded.audience, title = excluded.title,"
    " body = excluded.body, symptoms = excluded.symptoms, steps = excluded.steps, tags_text = excluded.tags_text,"
    " products = excluded.products, tags = excluded.tags, version = excluded.version,"
    " published_at = excluded.published_at"
)


def index_row(article_id: Any, provider: str, content: dict[str, Any], version: int, at: Any) -> dict[str, Any]:
    return {"id": article_id, "provider": provider, "audience": content["audience"], "title": content["title"],
            "body": content["body"], "symptoms": "\n".join(content.get("symptoms", [])),
            "steps": "\n".join(content.get("resolution_steps", [])), "tags_text": " ".join(content.get("tags", [])),
            "products": list(content.get("products", [])), "tags": list(content.get("tags", [])), "v": version,
            "at": at}


async def project(conn: AsyncConnection, event: StoredEvent) -> None:
    name = event.type.split(".")[2]
    data, at = event.data, event.recorded_at
    by = f"{event.metadata.get('actor_party', '')}/{event.metadata.get('actor_user', '')}"
    if name in ("article_drafted", "draft_proposed"):
        aid = uuid.UUID(data["article_id"])
        content = json.dumps(data["content"])
        await conn.execute(_DRAFTED, {"id": aid, "author": data["author_party"], "provider": data["provider"],
                                      "sv": event.stream_version, "content": content,
                                      "origin": data.get("incident_id"), "at": at})
        await conn.execute(_VERSION, {"id": aid, "v": 1, "content": content, "at": at, "by": by})
        return
    if name.startswith("article_") and name not in ("article_linked", "article_unlinked"):
        await _article_change(conn, name, uuid.UUID(data["article_id"]), data, event, by)
        return
    if name == "suggestions_made":
        await conn.execute(text("DELETE FROM suggestions WHERE incident_id = :i AND audience = :a"),
                           {"i": data["incident_id"], "a": data["audience"]})
        if data["articles"]:  # one statement for the lot (executemany), not one per article
            await conn.execute(_UPSERT_SUGGESTION, [
                {"i": data["incident_id"], "a": uuid.UUID(s["article_id"]), "aud": data["audience"],
                 "r": s["rank"], "s": s["score"]} for s in data["articles"]])
    elif name == "article_linked":
        await conn.execute(text(
            "INSERT INTO links (incident_id, article_id, party, linked_at) VALUES (:i, :a, :p, :at)"
            " ON CONFLICT DO NOTHING"),
            {"i": data["incident_id"], "a": uuid.UUID(data["article_id"]), "p": data["party"], "at": at})
    elif name == "article_unlinked":
        await conn.execute(text("DELETE FROM links WHERE incident_id = :i AND article_id = :a"),
                           {"i": data["incident_id"], "a": uuid.UUID(data["article_id"])})
    elif name == "incident_solved":
        await conn.execute(text(
            "INSERT INTO solves (incident_id, article_id, solved_at) VALUES (:i, :a, :at) ON CONFLICT DO NOTHING"),
            {"i": data["incident_id"], "a": uuid.UUID(data["article_id"]), "at": at})
    elif name == "feedback_given":
        await conn.execute(text(
            "INSERT INTO feedback (article_id, party, helpful, incident_id, given_at)"
            " VALUES (:a, :p, :h, :i, :at) ON CONFLICT (article_id, party) DO UPDATE"
            " SET helpful = excluded.helpful, incident_id = excluded.incident_id, given_at = excluded.given_at"
            " WHERE feedback.given_at <= excluded.given_at"),
            {"a": uuid.UUID(data["article_id"]), "p": data["party"], "h": data["helpful"],
             "i": data.get("incident_id"), "at": at})


async def _article_change(conn: AsyncConnection, name: str, aid: uuid.UUID, data: dict[str, Any],
                          event: StoredEvent, by: str) -> None:
    params: dict[str, Any] = {"id": aid, "sv": event.stream_version, "at": event.recorded_at}
    if name == "article_revised":
        content = json.dumps(data["content"])
        await conn.execute(text(
            "UPDATE articles SET status = 'draft', version = :v, content = CAST(:content AS jsonb),"
            " stream_version = :sv, updated_at = :at WHERE article_id = :id"), {**params, "v": data["version"],
                                                                                "content": content})
        await conn.execute(_VERSION, {"id": aid, "v": data["version"], "content": content, "at": event.recorded_at,
                                      "by": by})
    elif name == "article_submitted":
        await conn.execute(text("UPDATE articles SET status = 'in_review', stream_version = :sv, updated_at = :at"
                                " WHERE article_id = :id"), params)
    elif name == "article_rejected":
        await conn.execute(text("UPDATE articles SET status = 'draft', review_note = :reason, stream_version = :sv,"
                                " updated_at = :at WHERE article_id = :id"), {**params, "reason": data["reason"]})
    elif name == "article_published":
        content = data["content"]
        await conn.execute(text(
            "UPDATE articles SET status = 'published', published_version = :v, published = CAST(:content AS jsonb),"
            " audience = :audience, review_note = NULL, stream_version = :sv, updated_at = :at"
            " WHERE article_id = :id"),
            {**params, "v": data["version"], "content": json.dumps(content), "audience": content["audience"]})
        await conn.execute(_INDEX, index_row(aid, data["provider"], content, data["version"], event.recorded_at))
    elif name == "article_retired":
        await conn.execute(text("UPDATE articles SET status = 'retired', stream_version = :sv, updated_at = :at"
                                " WHERE article_id = :id"), params)
        await conn.execute(text("DELETE FROM search_docs WHERE article_id = :id"), {"id": aid})


_UPSERT_SUGGESTION = text(
    "INSERT INTO suggestions (incident_id, article_id, audience, rank, score)"
    " VALUES (:i, :a, :aud, :r, :s) ON CONFLICT (incident_id, article_id) DO UPDATE"
    " SET audience = excluded.audience, rank = excluded.rank, score = excluded.score")
RESET = ("TRUNCATE articles, article_versions, search_docs, suggestions, links, solves, feedback, incidents,"
         " shared_notes")
