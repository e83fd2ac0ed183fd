"""Full-text search over published articles: PostgreSQL `tsvector` ranking (`ts_rank_cd`),
highlighted snippets (`ts_headline`), filters, and typo tolerance from pg_trgm.

The query's words are OR-ed (`a | b | c`) and ranked by cover density, so an article matching
more of them, closer together and in heavier fields (title A, symptoms and tags B, body C),
ranks higher; an incident's whole title and description work as a query that way (suggestions).
When full text finds fewer than `FEW` articles, titles that look like the query
(`word_similarity`, pg_trgm) follow them: a misspelt word still finds its article. Who may see
what is part of the WHERE clause (providers and audiences), never a filter after the LIMIT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.cursors import Cursor, offset_up_to

WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORDS = 40
FEW = 3  # fewer full-text hits than this: add title look-alikes
TRGM_THRESHOLD = 0.45
HEADLINE = (
    "StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=12, MaxFragments=2,"
    ' FragmentDelimiter=" … "'
)


def or_query(q: str) -> str:
    """The words of `q` as an OR tsquery (words only: nothing the caller types is syntax)."""
    words = list(dict.fromkeys(w.lower() for w in WORD.findall(q)))[:MAX_WORDS]
    return " | ".join(words)


@dataclass(frozen=True)
class Scope:
    """What a caller may see: these providers' articles of these audiences (providers None: every
    provider's)."""

    providers: tuple[str, ...] | None
    audiences: tuple[str, ...]


_FILTER = (
    "(CAST(:providers AS text[]) IS NULL OR d.provider = ANY(:providers))"
    " AND d.audience = ANY(:audiences)"
    " AND (CAST(:product AS text) IS NULL OR d.products @> ARRAY[CAST(:product AS text)])"
    " AND (CAST(:tag AS text) IS NULL OR d.tags @> ARRAY[CAST(:tag AS text)])"
)

_SEARCH = text(f"""
    WITH q AS (SELECT to_tsquery('english', :tsq) AS q),
    fts AS (
        SELECT d.article_id, ts_rank_cd(d.tsv, q.q) AS score, 0 AS tier
        FROM search_docs d, q WHERE d.tsv @@ q.q AND {_FILTER}),
    few AS (SELECT count(*) < :few AS yes FROM (SELECT 1 FROM fts LIMIT :few) f),
    trgm AS (
        SELECT d.article_id, word_similarity(:raw, d.title) AS score, 1 AS tier
        FROM search_docs d, few WHERE few.yes AND :raw <% d.title AND {_FILTER}
          AND d.article_id NOT IN (SELECT article_id FROM fts)),
    hits AS (SELECT * FROM fts UNION ALL SELECT * FROM trgm ORDER BY tier, score DESC, article_id
             OFFSET :offset LIMIT :limit)
    SELECT h.article_id, h.score, h.tier, d.title, d.audience, d.products, d.tags, d.version,
           d.published_at,
           ts_headline('english', d.body, q.q, :headline) AS snippet,
           ts_headline('english', d.title, q.q,
                       'HighlightAll=true, StartSel=<mark>, StopSel=</mark>') AS title_hl
    FROM hits h JOIN search_docs d USING (article_id), q
    ORDER BY h.tier, h.score DESC, h.article_id
""")


MAX_OFFSET = 10_000  # deeper than this, refine the query
# An offset into the ranking, bound to the query it ranks.
CURSOR = Cursor("search", offset_up_to(MAX_OFFSET))


async def search(
    conn: AsyncConnection,
    q: str,
    scope: Scope,
    *,
    product: str | None = None,
    tag: str | None = None,
    limit: int = 10,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of hits and whether there are more."""
    tsq = or_query(q)
    if not tsq or not scope.audiences:
        return [], False
    await conn.execute(text(f"SET LOCAL pg_trgm.word_similarity_threshold = {TRGM_THRESHOLD}"))
    rows = (
        await conn.execute(
            _SEARCH,
            {
                "tsq": tsq,
                "raw": q[:200],
                "providers": None if scope.providers is None else list(scope.providers),
                "audiences": list(scope.audiences),
                "product": product,
                "tag": tag,
                "few": FEW,
                "offset": offset,
                "limit": limit + 1,
                "headline": HEADLINE,
            },
        )
    ).all()
    hits = [
        {
            "article_id": str(r.article_id),
            "title": r.title,
            "title_highlighted": r.title_hl,
            "snippet": r.snippet,
            "score": round(float(r.score), 6),
            "match": "text" if r.tier == 0 else "similar_title",
            "audience": r.audience,
            "products": list(r.products),
            "tags": list(r.tags),
            "version": r.version,
            "published_at": r.published_at,
        }
        for r in rows[:limit]
    ]
    return hits, len(rows) > limit


# Candidates match the incident's words in what they are about (title, symptoms, tags; the
# `about` column, exactly by its GIN index), for the incident's product first, and best those
# matching at least two of its words; they are ranked with the whole query over the whole article.
# On a large knowledge base this keeps the ranking to the few hundred articles that matter.
# Three tiers, each tried only while the ones before found fewer than :limit (a condition on
# nothing of the row: PostgreSQL checks it once and skips the tier's scan), in one statement:
# at least two of the words for the product (`pairs`, NULL for a one-word incident), then any
# one of them for the product, then any one for any product. An article's score is the same in
# every tier, so the union's best are the tiers' best.
_TIER = """
    SELECT d.article_id, d.title, d.audience,
           ts_rank_cd(d.tsv, q.q)
           * (CASE WHEN d.products @> ARRAY[CAST(:product AS text)] THEN 2 ELSE 1 END) AS score
    FROM search_docs d, q
    WHERE d.about @@ q.{candidates} AND d.provider = :provider AND {where}
    ORDER BY score DESC, d.article_id LIMIT :limit"""
_FOR_PRODUCT = "d.products @> ARRAY[CAST(:product AS text)]"
_PAIRS = _TIER.format(candidates="pairs", where=_FOR_PRODUCT)
_ANY_FOR_PRODUCT = _TIER.format(
    candidates="any_one", where=f"(SELECT count(*) FROM t1) < :limit AND {_FOR_PRODUCT}"
)
_ANY = _TIER.format(
    candidates="any_one",
    where="(SELECT count(*) FROM (SELECT article_id FROM t1 UNION SELECT article_id FROM t2) f)"
    " < :limit",
)
_SUGGEST = text(f"""
    WITH q AS (SELECT to_tsquery('english', :tsq) AS q, to_tsquery('simple', :pairs) AS pairs,
                      to_tsquery('simple', :any) AS any_one),
    t1 AS ({_PAIRS}), t2 AS ({_ANY_FOR_PRODUCT}), t3 AS ({_ANY})
    SELECT * FROM t1 UNION SELECT * FROM t2 UNION SELECT * FROM t3
""")
PAIR_WORDS = 12


def _pairs(lexemes: list[str]) -> str:
    """`('a' & 'b') | ('a' & 'c') | ...`: at least two of the lexemes."""
    lexemes = lexemes[:PAIR_WORDS]
    return " | ".join(f"('{a}' & '{b}')" for i, a in enumerate(lexemes) for b in lexemes[i + 1 :])


# The text's lexemes as the `about` column has them (stemmed, no stop words), title words first.
_LEXEMES = text("SELECT lexeme FROM unnest(to_tsvector('english', :t)) ORDER BY positions[1]")


async def suggest(
    conn: AsyncConnection, title: str, description: str, product: str, provider: str, limit: int = 5
) -> list[dict[str, Any]]:
    """The provider's published articles closest to an incident (any audience: the events and the
    API split them by who may see them); an article for the incident's product counts double."""
    tsq = or_query(f"{title} {description} {product}")
    if not tsq:
        return []
    lexemes = [
        x for x in await conn.scalars(_LEXEMES, {"t": tsq.replace(" | ", " ")}) if "'" not in x
    ]
    if not lexemes:
        return []
    found = await conn.execute(
        _SUGGEST,
        {
            "tsq": tsq,
            "pairs": _pairs(lexemes) if len(lexemes) > 1 else None,
            "any": " | ".join(f"'{x}'" for x in lexemes),
            "product": product,
            "provider": provider,
            "limit": limit,
        },
    )
    best = sorted(found, key=lambda r: (-r.score, str(r.article_id)))[:limit]
    return [
        {
            "article_id": str(r.article_id),
            "title": r.title,
            "audience": r.audience,
            "score": round(float(r.score), 6),
        }
        for r in best
    ]
