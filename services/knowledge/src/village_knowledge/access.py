"""Who the caller is and what it may read, shared by the API's routes: the party directory, the
caller's search scope, an article it may read (404 otherwise), and the one idempotent unit of
work every write runs in."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from village_platform import idempotency
from village_platform.auth import Principal
from village_platform.errors import Problem

from . import search as searching
from . import views
from .domain.articles import Actor, DomainError
from .domain.audience import audiences_for, provider_of


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


def actor(caller: Principal) -> Actor:
    return Actor(caller.party, caller.kind, caller.user, caller.roles)


async def directory(request: Request) -> dict[str, dict[str, Any]]:
    return await request.app.state.directory.for_request()


async def scope(request: Request, caller: Principal) -> searching.Scope:
    if caller.kind == "service":
        return searching.Scope(None, audiences_for("service"))
    if caller.kind == "provider":
        return searching.Scope(caller.party, audiences_for("provider"))
    return searching.Scope(provider_of(caller.party, caller.kind, await directory(request)) or "",
                           audiences_for(caller.kind))


async def once(request: Request, caller: Principal, key: str | None, body: Any,
                work: Callable[[Any], Awaitable[idempotency.StoredResponse]]) -> JSONResponse:
    app = request.app.state
    idem = idempotency.make_key(caller.party, key, request.method, request.url.path, body)
    try:
        response, replayed = await idempotency.run_once(app.engine, idem, app.clock.now, app.idempotency_ttl, work)
    except DomainError as exc:
        raise Problem(exc.status, exc.kind, exc.detail) from None
    app.relay_doorbell.ring()
    headers = dict(response.headers) | ({"Idempotent-Replayed": "true"} if replayed else {})
    return json_response(response.status_code, response.body, headers)


async def article_response(conn: Any, article_id: str, status: int, caller: Principal) -> idempotency.StoredResponse:
    row = await views.article_row(conn, article_id)
    return idempotency.StoredResponse(status, jsonable_encoder(views.manager_view(row)), {
        "ETag": f'"{row.stream_version}"', "Location": f"/articles/{article_id}"})


async def readable(request: Request, caller: Principal, article_id: str) -> tuple[Any, bool]:
    """The article row and whether the caller manages it; 404 when it may not read it at all."""
    async with request.app.state.engine.connect() as conn:
        row = await views.article_row(conn, article_id)
    if row is not None:
        if views.manages(row, caller.party, caller.kind):
            return row, True
        if views.reads(row, await scope(request, caller)):
            return row, False
    raise Problem(404, "not-found", "no such article")


async def incident(request: Request, caller: Principal, incident_id: str) -> Any:
    async with request.app.state.engine.connect() as conn:
        found = await views.on_incident(conn, incident_id, caller.party, caller.kind)
    if found is None:
        raise Problem(404, "not-found", "no such incident")
    return found
