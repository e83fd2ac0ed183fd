"""The knowledge API about one incident: its suggestions and links. Only parties on the incident
get an answer (404 for anyone else), and each sees only the articles it may read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from village_platform import idempotency
from village_platform.auth import Caller, Principal
from village_platform.errors import Problem, problem_responses
from village_platform.headers import IdempotencyKey

from . import access, views
from .schemas import LinkIn

router = APIRouter()
IncidentId = Annotated[str, Path(max_length=100)]
ArticleId = Annotated[str, Path(max_length=100)]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422, 503)
READ_ERRORS = problem_responses(400, 401, 404, 422)
_AID = "0b6c7a38-3f4e-4c3b-9a2e-1e5f0d7c9a41"
SUGGESTIONS_EXAMPLE = {"incident_id": "7d0c9f3e-5b1a-4f0e-9a77-0c2a1e4b8d11", "items": [{
    "article_id": _AID, "rank": 1, "score": 0.4, "title": "IPsec tunnel flaps every few minutes after a firmware upgrade",
    "audience": "public", "products": ["routers"], "tags": ["vpn", "ipsec"]}]}


def _example(example: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    return {status: {"content": {"application/json": {"example": example}}}}


@router.get("/incidents/{incident_id}/suggestions", tags=["incidents"],
            responses=READ_ERRORS | _example(SUGGESTIONS_EXAMPLE),
            summary="The articles suggested for an incident when it opened, those you may read")
async def incident_suggestions(request: Request, incident_id: IncidentId, caller: Caller) -> dict[str, Any]:
    incident = await access.incident(request, caller, incident_id)
    async with request.app.state.engine.connect() as conn:
        items = await views.suggestions(conn, incident, caller.party, caller.kind)
    return jsonable_encoder({"incident_id": incident_id, "items": items})


@router.get("/incidents/{incident_id}/links", tags=["incidents"], responses=READ_ERRORS,
            summary="The articles linked to an incident, those you may read")
async def incident_links(request: Request, incident_id: IncidentId, caller: Caller) -> dict[str, Any]:
    incident = await access.incident(request, caller, incident_id)
    async with request.app.state.engine.connect() as conn:
        items = await views.links(conn, incident, caller.party, caller.kind)
    return jsonable_encoder({"incident_id": incident_id, "items": items})


async def _link_target(request: Request, caller: Principal, incident_id: str, article_id: str) -> Any:
    await access.incident(request, caller, incident_id)
    row, _ = await access.readable(request, caller, article_id)
    if not views.reads(row, await access.scope(request, caller)):
        raise Problem(404, "not-found", "no such article")  # only published articles the caller reads
    return row


@router.post("/incidents/{incident_id}/links", status_code=201, tags=["incidents"], responses=WRITE_ERRORS,
             summary="Link an article to an incident (a party on it that may read the article)")
async def link(request: Request, incident_id: IncidentId, body: LinkIn, caller: Caller,
               key: IdempotencyKey = None) -> JSONResponse:
    row = await _link_target(request, caller, incident_id, body.article_id)

    async def work(conn: Any) -> idempotency.StoredResponse:
        fresh = await request.app.state.knowledge.link(conn, incident_id, row, access.actor(caller))
        return idempotency.StoredResponse(201 if fresh else 200, {
            "incident_id": incident_id, "article_id": str(row.article_id), "linked": True}, {})

    return await access.once(request, caller, key, body.model_dump(), work)


@router.delete("/incidents/{incident_id}/links/{article_id}", status_code=204, tags=["incidents"],
               responses=WRITE_ERRORS, summary="Unlink an article from an incident")
async def unlink(request: Request, incident_id: IncidentId, article_id: ArticleId, caller: Caller) -> Response:
    row = await _link_target(request, caller, incident_id, article_id)
    async with request.app.state.engine.begin() as conn:
        found = await request.app.state.knowledge.unlink(conn, incident_id, row, access.actor(caller))
    if not found:
        raise Problem(404, "not-found", "the article is not linked to this incident")
    request.app.state.relay_doorbell.ring()
    return Response(status_code=204)
