"""Read paths. Every one filters by the caller: the author's party and the provider see an
article in every status, other parties only its published version and only if its audience
reaches them; anything else is a 404, existence included."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import egress

from .domain.audience import incident_metadata
from .search import Scope


def parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def manages(row: Any, party: str, kind: str) -> bool:
    return kind == "service" or party in (row.author_party, row.provider)


def reads(row: Any, scope: Scope) -> bool:
    return (
        row.published is not None
        and row.status != "retired"
        and row.audience in scope.audiences
        and (scope.providers is None or row.provider in scope.providers)
    )


async def article_row(conn: AsyncConnection, article_id: str) -> Any:
    aid = parse_id(article_id)
    if aid is None:
        return None
    return (
        await conn.execute(text("SELECT * FROM articles WHERE article_id = :a"), {"a": aid})
    ).first()


def manager_view(
    row: Any, content: dict[str, Any] | None = None, version: int | None = None
) -> dict[str, Any]:
    return {
        "id": str(row.article_id),
        "author_party": row.author_party,
        "provider": row.provider,
        "status": row.status,
        "version": version or row.version,
        "published_version": row.published_version,
        **(content or row.content),
        "review_note": row.review_note,
        "origin_incident": row.origin_incident,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def reader_view(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.article_id),
        "author_party": row.author_party,
        "provider": row.provider,
        "status": "published",
        "version": row.published_version,
        "published_version": row.published_version,
        **row.published,
        "updated_at": row.updated_at,
    }


async def versions(conn: AsyncConnection, article_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(
            "SELECT version, content, recorded_at, recorded_by FROM article_versions"
            " WHERE article_id = :a"
            " ORDER BY version"
        ),
        {"a": article_id},
    )
    return [
        {
            "version": r.version,
            "title": r.content["title"],
            "audience": r.content["audience"],
            "recorded_at": r.recorded_at,
            "recorded_by": r.recorded_by,
        }
        for r in rows
    ]


async def version(
    conn: AsyncConnection, article_id: uuid.UUID, number: int
) -> dict[str, Any] | None:
    return await conn.scalar(
        text("SELECT content FROM article_versions WHERE article_id = :a AND version = :v"),
        {"a": article_id, "v": number},
    )


async def listing(
    conn: AsyncConnection,
    party: str,
    kind: str,
    scope: Scope,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Articles the caller works on (any status) and the published ones it may read."""
    rows = await conn.execute(
        text(
            "SELECT * FROM articles WHERE (CAST(:status AS text) IS NULL OR status = :status)"
            " AND (CAST(:after AS uuid) IS NULL OR article_id > :after)"
            " AND (:service OR author_party = :party OR provider = :party"
            "      OR (published IS NOT NULL AND status <> 'retired' AND audience = ANY(:audiences)"
            "          AND provider = ANY(:providers)))"
            " ORDER BY article_id LIMIT :limit"
        ),
        {
            "status": status,
            "after": after,
            "service": kind == "service",
            "party": party,
            "audiences": list(scope.audiences),
            "providers": list(scope.providers or ()),
            "limit": limit,
        },
    )
    return [manager_view(r) if manages(r, party, kind) else reader_view(r) for r in rows]


async def on_incident(conn: AsyncConnection, incident_id: str, party: str, kind: str) -> Any:
    """The incident if the caller is on it now (service principals: any): a revoked partner is
    off it from its revocation on."""
    row = (
        await conn.execute(
            text("SELECT * FROM incidents WHERE incident_id = :i"), {"i": incident_id}
        )
    ).first()
    if row is None or (kind != "service" and party not in row.parties):
        return None
    return row


def of_incident(incident: Any, provider: str) -> bool:
    """Whether an article of `provider` is for the incident: only its own provider's knowledge
    base is (never another provider's); an incident whose opening this service never saw, the
    provider on it."""
    if incident.provider is not None:
        return provider == incident.provider
    return provider in incident.parties


def _seen(incident: Any, audience: str | None, party: str, kind: str) -> bool:
    """The egress rule on an article about the incident: the audience its events describe."""
    description = incident_metadata(
        audience or "provider", incident.parties, incident.customer, incident.provider
    )
    return egress.share(description, egress.Recipient(party, kind)) is egress.Share.VISIBLE


async def suggestions(
    conn: AsyncConnection, incident: Any, party: str, kind: str
) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(
            "SELECT s.article_id, s.rank, s.score, d.title, d.audience, d.products, d.tags,"
            " d.provider"
            " FROM suggestions s JOIN search_docs d USING (article_id)"
            " WHERE s.incident_id = :i ORDER BY s.rank"
        ),
        {"i": incident.incident_id},
    )
    return [
        {
            "article_id": str(r.article_id),
            "rank": r.rank,
            "score": r.score,
            "title": r.title,
            "audience": r.audience,
            "products": list(r.products),
            "tags": list(r.tags),
        }
        for r in rows
        if of_incident(incident, r.provider) and _seen(incident, r.audience, party, kind)
    ]


async def links(
    conn: AsyncConnection, incident: Any, party: str, kind: str
) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(
            "SELECT l.article_id, l.party, l.linked_at, a.published->>'title' AS title, a.audience,"
            " a.provider,"
            " EXISTS (SELECT 1 FROM solves s"
            " WHERE s.incident_id = l.incident_id AND s.article_id = l.article_id) AS solved"
            " FROM links l JOIN articles a USING (article_id)"
            " WHERE l.incident_id = :i ORDER BY l.linked_at, l.article_id"
        ),
        {"i": incident.incident_id},
    )
    return [
        {
            "article_id": str(r.article_id),
            "title": r.title,
            "audience": r.audience,
            "linked_by": r.party,
            "linked_at": r.linked_at,
            "solved": r.solved,
        }
        for r in rows
        if of_incident(incident, r.provider) and _seen(incident, r.audience, party, kind)
    ]


async def stats(conn: AsyncConnection, article_id: uuid.UUID) -> dict[str, Any]:
    row = (
        await conn.execute(
            text(
                "SELECT (SELECT count(*) FROM links WHERE article_id = :a) AS usage,"
                " (SELECT count(*) FROM solves WHERE article_id = :a) AS solves,"
                " (SELECT count(*) FROM feedback WHERE article_id = :a AND helpful) AS helpful,"
                " (SELECT count(*) FROM feedback WHERE article_id = :a AND NOT helpful)"
                " AS not_helpful"
            ),
            {"a": article_id},
        )
    ).one()
    return {
        "article_id": str(article_id),
        "usage": row.usage,
        "solves": row.solves,
        "helpful": row.helpful,
        "not_helpful": row.not_helpful,
    }
