"""Knowledge REST API (thin): articles and their lifecycle, search, an incident's suggestions and
links, feedback and stats. Every read filters by the caller's party (404 for what it may not see);
every POST/PUT honours Idempotency-Key; PUT takes If-Match (the article's stream version).
Routes translate a request into a call of the handlers (handlers.py) or a read (views.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from village_platform.auth import Caller
from village_platform.cursors import Cursor, uuid_value
from village_platform.deps import Engine
from village_platform.errors import DomainError, problem_responses
from village_platform.headers import if_match_versions
from village_platform.writes import Write

from . import incident_api, views
from . import search as searching
from .deps import KnowledgeCommands, ReadAccess
from .domain import articles as domain
from .examples import AID, ARTICLE_VIEW, SEARCH_EXAMPLE, STATS_EXAMPLE, example
from .schemas import ArticleIn, DraftIn, FeedbackIn, RejectIn, RetireIn

router = APIRouter()
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="the article's ETag (stream version); 412 when stale"),
]
ArticleId = Annotated[str, Path(max_length=100)]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422, 503)
READ_ERRORS = problem_responses(400, 401, 404, 422)
ARTICLES = Cursor("articles", uuid_value)  # the list's order: article id


def _json(body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(jsonable_encoder(body), headers=headers)


# ---------------------------------------------------------------------------- articles


@router.post(
    "/articles",
    status_code=201,
    tags=["articles"],
    summary="Draft an article (provider or partner) for the knowledge base of one provider",
    responses=WRITE_ERRORS
    | example(
        {  # null fields (published_version, ...) are left out
            k: v
            for k, v in ARTICLE_VIEW.items()
            if k not in ("published_version", "review_note", "origin_incident")
        }
        | {"version": 1},
        201,
    ),
)
async def create_article(body: DraftIn, ctx: Write, knowledge: KnowledgeCommands) -> Response:
    return (await knowledge.draft(ctx, body.content(), body.provider)).response()


@router.get(
    "/articles",
    tags=["articles"],
    summary="Articles you work on (any status) and published ones you may read",
    responses=READ_ERRORS | example({"items": [ARTICLE_VIEW], "next_cursor": ARTICLES.encode(AID)}),
)
async def list_articles(
    caller: Caller,
    access: ReadAccess,
    engine: Engine,
    status: Literal["draft", "in_review", "published", "retired"] | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    after = ARTICLES.decode_optional(cursor)
    scope = await access.scope(caller)
    async with engine.connect() as conn:
        items = await views.listing(
            conn, caller.party, caller.kind, scope, status, after, limit + 1
        )
    more = len(items) > limit
    items = items[:limit]
    next_cursor = ARTICLES.encode(items[-1]["id"]) if more else None
    return jsonable_encoder({"items": items, "next_cursor": next_cursor})


@router.get(
    "/articles/{article_id}",
    tags=["articles"],
    summary="An article (latest, or ?version=)",
    responses=READ_ERRORS | example(ARTICLE_VIEW),
)
async def read_article(
    article_id: ArticleId,
    caller: Caller,
    access: ReadAccess,
    engine: Engine,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> JSONResponse:
    row, managed = await access.readable(caller, article_id)
    if not managed:
        if version is not None and version != row.published_version:
            raise DomainError.not_found(f"no version {version} of this article")
        return _json(views.reader_view(row))
    if version is None:
        return _json(views.manager_view(row), {"ETag": f'"{row.stream_version}"'})
    async with engine.connect() as conn:
        content = await views.version(conn, row.article_id, version)
    if content is None:
        raise DomainError.not_found(f"no version {version} of this article")
    return _json(views.manager_view(row, content, version))


@router.get(
    "/articles/{article_id}/versions",
    tags=["articles"],
    summary="Every version of an article",
    responses=READ_ERRORS,
)
async def article_versions(
    article_id: ArticleId, caller: Caller, access: ReadAccess, engine: Engine
) -> dict[str, Any]:
    row, managed = await access.readable(caller, article_id)
    async with engine.connect() as conn:
        found = await views.versions(conn, row.article_id)
    if not managed:
        found = [v for v in found if v["version"] == row.published_version]
    return jsonable_encoder({"items": found})


@router.put(
    "/articles/{article_id}",
    tags=["articles"],
    responses=WRITE_ERRORS | example(ARTICLE_VIEW),
    summary="Revise an article: a new version, a draft until published (readers keep the published"
    " one)",
)
async def revise_article(
    article_id: ArticleId,
    body: ArticleIn,
    ctx: Write,
    knowledge: KnowledgeCommands,
    if_match: IfMatch = None,
) -> Response:
    wanted = if_match_versions(if_match, "article")
    return (
        await knowledge.change(ctx, article_id, domain.Revise(body.content()), wanted)
    ).response()


@router.post(
    "/articles/{article_id}/submit",
    tags=["articles"],
    responses=WRITE_ERRORS,
    summary="Submit a draft for review by the provider it was drafted for",
)
async def submit(article_id: ArticleId, ctx: Write, knowledge: KnowledgeCommands) -> Response:
    return (await knowledge.change(ctx, article_id, domain.Submit())).response()


@router.post(
    "/articles/{article_id}/publish",
    tags=["articles"],
    responses=WRITE_ERRORS,
    summary="Publish (the reviewers of the article's provider: role reviewer or admin)",
)
async def publish(article_id: ArticleId, ctx: Write, knowledge: KnowledgeCommands) -> Response:
    return (await knowledge.change(ctx, article_id, domain.Publish())).response()


@router.post(
    "/articles/{article_id}/reject",
    tags=["articles"],
    responses=WRITE_ERRORS,
    summary="Send an article in review back to draft, with the reason (the provider's reviewers)",
)
async def reject(
    article_id: ArticleId, body: RejectIn, ctx: Write, knowledge: KnowledgeCommands
) -> Response:
    return (await knowledge.change(ctx, article_id, domain.Reject(body.reason))).response()


@router.post(
    "/articles/{article_id}/retire",
    tags=["articles"],
    responses=WRITE_ERRORS,
    summary="Retire an article: readers no longer find it (the author's party or a provider"
    " reviewer)",
)
async def retire(
    article_id: ArticleId, body: RetireIn, ctx: Write, knowledge: KnowledgeCommands
) -> Response:
    return (await knowledge.change(ctx, article_id, domain.Retire(body.reason))).response()


# ---------------------------------------------------------------------------- search


@router.get(
    "/search",
    tags=["search"],
    responses=READ_ERRORS | example(SEARCH_EXAMPLE),
    summary="Full-text search over the published articles you may read, ranked, with snippets",
)
async def search(
    caller: Caller,
    access: ReadAccess,
    engine: Engine,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    product: Annotated[str | None, Query(max_length=50)] = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    visibility: Literal["provider", "partners", "public"] | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    offset = searching.CURSOR.decode(cursor, query=q) if cursor else 0
    scope = await access.scope(caller)
    if visibility is not None:
        scope = searching.Scope(
            scope.providers, tuple(a for a in scope.audiences if a == visibility)
        )
    async with engine.begin() as conn:
        items, more = await searching.search(
            conn, q, scope, product=product, tag=tag, limit=limit, offset=offset
        )
    next_cursor = searching.CURSOR.encode(offset + limit, query=q) if more else None
    return jsonable_encoder({"items": items, "next_cursor": next_cursor})


# ---------------------------------------------------------------------------- feedback and stats


@router.post(
    "/articles/{article_id}/feedback",
    tags=["articles"],
    responses=WRITE_ERRORS,
    summary="Helpful or not: once per party per article (the latest wins)",
)
async def feedback(
    article_id: ArticleId, body: FeedbackIn, ctx: Write, knowledge: KnowledgeCommands
) -> Response:
    return (await knowledge.feedback(ctx, article_id, body.helpful, body.incident_id)).response()


@router.get(
    "/articles/{article_id}/stats",
    tags=["articles"],
    responses=READ_ERRORS | example(STATS_EXAMPLE),
    summary="Usage (incidents linked), solves, helpful and not helpful",
)
async def article_stats(
    article_id: ArticleId, caller: Caller, access: ReadAccess, engine: Engine
) -> dict[str, Any]:
    row, _ = await access.readable(caller, article_id)
    async with engine.connect() as conn:
        return await views.stats(conn, row.article_id)


router.include_router(incident_api.router)
