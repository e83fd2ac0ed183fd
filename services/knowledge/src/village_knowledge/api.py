"""Knowledge REST API (thin): articles and their lifecycle, search, an incident's suggestions and
links, feedback and stats. Every read filters by the caller's party (404 for what it may not see);
every POST/PUT honours Idempotency-Key; PUT takes If-Match (the article's stream version)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from village_platform import idempotency
from village_platform.auth import Caller, Principal
from village_platform.cursors import Cursor, uuid_value
from village_platform.errors import Problem, problem_responses
from village_platform.headers import IdempotencyKey, if_match_versions

from . import access, incident_api, views
from . import search as searching
from .domain import articles as domain
from .domain.audience import provider_of
from .schemas import ARTICLE_EXAMPLE, ArticleIn, FeedbackIn, RejectIn, RetireIn

router = APIRouter()
IfMatch = Annotated[str | None, Header(alias="If-Match",
                                       description="the article's ETag (stream version); 412 when stale")]
ArticleId = Annotated[str, Path(max_length=100)]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422, 503)
READ_ERRORS = problem_responses(400, 401, 404, 422)
_AID = "0b6c7a38-3f4e-4c3b-9a2e-1e5f0d7c9a41"
ARTICLES = Cursor("articles", uuid_value)  # the list's order: article id
# A revision sent back by the reviewers of an article first proposed from a resolved incident
# (OpenAPI drops null values from examples: this one has none).
ARTICLE_VIEW = {"id": _AID, "author_party": "northwind", "provider": "acme", "status": "draft", "version": 3,
                "published_version": 2, **ARTICLE_EXAMPLE, "review_note": "Name the firmware versions affected.",
                "origin_incident": "7d0c9f3e-5b1a-4f0e-9a77-0c2a1e4b8d11",
                "created_at": "2026-11-23T09:00:00+00:00", "updated_at": "2026-11-23T10:00:00+00:00"}
SEARCH_EXAMPLE = {"items": [{
    "article_id": _AID, "title": ARTICLE_EXAMPLE["title"],
    "title_highlighted": "IPsec <mark>tunnel</mark> <mark>flaps</mark> every few minutes after a firmware upgrade",
    "snippet": "peers on older firmware renegotiate out of step and the <mark>tunnel</mark> <mark>flaps</mark>",
    "score": 0.4, "match": "text", "audience": "public", "products": ["routers"], "tags": ["vpn", "ipsec"],
    "version": 2, "published_at": "2026-11-23T10:00:00+00:00"}],
    "next_cursor": "WyJzZWFyY2giLDEwLCJmYjRjYjM5NjYzNDRjYjUxIl0"}
STATS_EXAMPLE = {"article_id": _AID, "usage": 12, "solves": 9, "helpful": 7, "not_helpful": 1}


def _example(example: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    return {status: {"content": {"application/json": {"example": example}}}}


# ---------------------------------------------------------------------------- articles


@router.post("/articles", status_code=201, tags=["articles"], summary="Draft an article (provider or partner)",
             responses=WRITE_ERRORS | _example({  # null fields (published_version, ...) are left out
                 k: v for k, v in ARTICLE_VIEW.items()
                 if k not in ("published_version", "review_note", "origin_incident")} | {"version": 1}, 201))
async def create_article(request: Request, body: ArticleIn, caller: Caller, key: IdempotencyKey = None) -> JSONResponse:
    if caller.kind not in ("provider", "partner"):
        raise Problem(403, "forbidden", "articles are written by the provider and its partners")
    provider = caller.party if caller.kind == "provider" else provider_of(caller.party, caller.kind,
                                                                          await access.directory(request))
    if not provider:
        raise Problem(403, "forbidden", f"{caller.party} has no provider in the party directory")
    article_id = str(uuid.uuid4())

    async def work(conn: Any) -> idempotency.StoredResponse:
        await request.app.state.knowledge.article_command(
            conn, article_id, domain.Draft(article_id, body.content(), provider), access.actor(caller), None)
        return await access.article_response(conn, article_id, 201, caller)

    return await access.once(request, caller, key, body.model_dump(mode="json"), work)


@router.get("/articles", tags=["articles"], summary="Articles you work on (any status) and published ones you may read",
            responses=READ_ERRORS | _example({"items": [ARTICLE_VIEW],
                                              "next_cursor": ARTICLES.encode(_AID)}))
async def list_articles(request: Request, caller: Caller,
                        status: Literal["draft", "in_review", "published", "retired"] | None = None,
                        limit: Annotated[int, Query(ge=1, le=100)] = 50,
                        cursor: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    after = ARTICLES.decode_optional(cursor)
    scope = await access.scope(request, caller)
    async with request.app.state.engine.connect() as conn:
        items = await views.listing(conn, caller.party, caller.kind, scope, status, after, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    next_cursor = ARTICLES.encode(items[-1]["id"]) if more else None
    return jsonable_encoder({"items": items, "next_cursor": next_cursor})


@router.get("/articles/{article_id}", tags=["articles"], summary="An article (latest, or ?version=)",
            responses=READ_ERRORS | _example(ARTICLE_VIEW))
async def read_article(request: Request, article_id: ArticleId, caller: Caller,
                       version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None) -> JSONResponse:
    row, managed = await access.readable(request, caller, article_id)
    if not managed:
        if version is not None and version != row.published_version:
            raise Problem(404, "not-found", f"no version {version} of this article")
        return access.json_response(200, views.reader_view(row))
    if version is None:
        return access.json_response(200, views.manager_view(row), {"ETag": f'"{row.stream_version}"'})
    async with request.app.state.engine.connect() as conn:
        content = await views.version(conn, row.article_id, version)
    if content is None:
        raise Problem(404, "not-found", f"no version {version} of this article")
    return access.json_response(200, views.manager_view(row, content, version))


@router.get("/articles/{article_id}/versions", tags=["articles"], summary="Every version of an article",
            responses=READ_ERRORS)
async def article_versions(request: Request, article_id: ArticleId, caller: Caller) -> dict[str, Any]:
    row, managed = await access.readable(request, caller, article_id)
    async with request.app.state.engine.connect() as conn:
        found = await views.versions(conn, row.article_id)
    if not managed:
        found = [v for v in found if v["version"] == row.published_version]
    return jsonable_encoder({"items": found})


@router.put("/articles/{article_id}", tags=["articles"], responses=WRITE_ERRORS | _example(ARTICLE_VIEW),
            summary="Revise an article: a new version, a draft until published (readers keep the published one)")
async def revise_article(request: Request, article_id: ArticleId, body: ArticleIn, caller: Caller,
                         key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    wanted = if_match_versions(if_match, "article")
    return await _command(request, article_id, caller, key, domain.Revise(body.content()),
                          body.model_dump(mode="json"), wanted)


async def _command(request: Request, article_id: str, caller: Principal, key: str | None, command: domain.Command,
                   body: Any, if_match: frozenset[int] | None = None) -> JSONResponse:
    if views.parse_id(article_id) is None:
        raise Problem(404, "not-found", "no such article")
    directory = await access.directory(request) if isinstance(command, domain.Publish) else None

    async def work(conn: Any) -> idempotency.StoredResponse:
        await request.app.state.knowledge.article_command(conn, article_id, command, access.actor(caller), directory,
                                                          if_match)
        return await access.article_response(conn, article_id, 200, caller)

    return await access.once(request, caller, key, body, work)


@router.post("/articles/{article_id}/submit", tags=["articles"], responses=WRITE_ERRORS,
             summary="Submit a draft for review by the provider (the author's party)")
async def submit(request: Request, article_id: ArticleId, caller: Caller, key: IdempotencyKey = None) -> JSONResponse:
    return await _command(request, article_id, caller, key, domain.Submit(), {})


@router.post("/articles/{article_id}/publish", tags=["articles"], responses=WRITE_ERRORS,
             summary="Publish (the provider's reviewers: role reviewer or admin)")
async def publish(request: Request, article_id: ArticleId, caller: Caller, key: IdempotencyKey = None) -> JSONResponse:
    return await _command(request, article_id, caller, key, domain.Publish(), {})


@router.post("/articles/{article_id}/reject", tags=["articles"], responses=WRITE_ERRORS,
             summary="Send an article in review back to draft, with the reason (the provider's reviewers)")
async def reject(request: Request, article_id: ArticleId, body: RejectIn, caller: Caller,
                 key: IdempotencyKey = None) -> JSONResponse:
    return await _command(request, article_id, caller, key, domain.Reject(body.reason), body.model_dump())


@router.post("/articles/{article_id}/retire", tags=["articles"], responses=WRITE_ERRORS,
             summary="Retire an article: readers no longer find it (the author's party or a provider reviewer)")
async def retire(request: Request, article_id: ArticleId, body: RetireIn, caller: Caller,
                 key: IdempotencyKey = None) -> JSONResponse:
    return await _command(request, article_id, caller, key, domain.Retire(body.reason), body.model_dump())


# ---------------------------------------------------------------------------- search


@router.get("/search", tags=["search"], responses=READ_ERRORS | _example(SEARCH_EXAMPLE),
            summary="Full-text search over the published articles you may read, ranked, with snippets")
async def search(request: Request, caller: Caller, q: Annotated[str, Query(min_length=1, max_length=500)],
                 product: Annotated[str | None, Query(max_length=50)] = None,
                 tag: Annotated[str | None, Query(max_length=50)] = None,
                 visibility: Literal["provider", "partners", "public"] | None = None,
                 limit: Annotated[int, Query(ge=1, le=50)] = 10,
                 cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
    offset = searching.CURSOR.decode(cursor, query=q) if cursor else 0
    scope = await access.scope(request, caller)
    if visibility is not None:
        scope = searching.Scope(scope.provider, tuple(a for a in scope.audiences if a == visibility))
    async with request.app.state.engine.begin() as conn:
        items, more = await searching.search(conn, q, scope, product=product, tag=tag, limit=limit, offset=offset)
    next_cursor = searching.CURSOR.encode(offset + limit, query=q) if more else None
    return jsonable_encoder({"items": items, "next_cursor": next_cursor})


# ---------------------------------------------------------------------------- feedback and stats


@router.post("/articles/{article_id}/feedback", tags=["articles"], responses=WRITE_ERRORS,
             summary="Helpful or not: once per party per article (the latest wins)")
async def feedback(request: Request, article_id: ArticleId, body: FeedbackIn, caller: Caller,
                   key: IdempotencyKey = None) -> JSONResponse:
    row, _ = await access.readable(request, caller, article_id)
    if not views.reads(row, await access.scope(request, caller)):
        raise Problem(404, "not-found", "no such article")
    if body.incident_id is not None:
        await access.incident(request, caller, body.incident_id)

    async def work(conn: Any) -> idempotency.StoredResponse:
        await request.app.state.knowledge.feedback(conn, row, body.helpful, body.incident_id, access.actor(caller))
        return idempotency.StoredResponse(200, await views.stats(conn, row.article_id), {})

    return await access.once(request, caller, key, body.model_dump(), work)


@router.get("/articles/{article_id}/stats", tags=["articles"], responses=READ_ERRORS | _example(STATS_EXAMPLE),
            summary="Usage (incidents linked), solves, helpful and not helpful")
async def article_stats(request: Request, article_id: ArticleId, caller: Caller) -> dict[str, Any]:
    row, _ = await access.readable(request, caller, article_id)
    async with request.app.state.engine.connect() as conn:
        return await views.stats(conn, row.article_id)


router.include_router(incident_api.router)
