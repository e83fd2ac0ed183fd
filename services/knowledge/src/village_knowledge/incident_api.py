"""The knowledge API about one incident: its suggestions and links. Only parties on the incident
get an answer (404 for anyone else), and each sees only the articles it may read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from village_platform.auth import Caller
from village_platform.deps import Engine
from village_platform.errors import problem_responses
from village_platform.writes import Write, WriteContext

from . import views
from .deps import KnowledgeCommands, ReadAccess
from .examples import SUGGESTIONS_EXAMPLE, example
from .schemas import LinkIn

router = APIRouter()
IncidentId = Annotated[str, Path(max_length=100)]
ArticleId = Annotated[str, Path(max_length=100)]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422, 503)
READ_ERRORS = problem_responses(400, 401, 404, 422)


@router.get(
    "/incidents/{incident_id}/suggestions",
    tags=["incidents"],
    responses=READ_ERRORS | example(SUGGESTIONS_EXAMPLE),
    summary="The articles suggested for an incident when it opened, those you may read",
)
async def incident_suggestions(
    incident_id: IncidentId, caller: Caller, access: ReadAccess, engine: Engine
) -> dict[str, Any]:
    incident = await access.incident(caller, incident_id)
    async with engine.connect() as conn:
        items = await views.suggestions(conn, incident, caller.party, caller.kind)
    return jsonable_encoder({"incident_id": incident_id, "items": items})


@router.get(
    "/incidents/{incident_id}/links",
    tags=["incidents"],
    responses=READ_ERRORS,
    summary="The articles linked to an incident, those you may read",
)
async def incident_links(
    incident_id: IncidentId, caller: Caller, access: ReadAccess, engine: Engine
) -> dict[str, Any]:
    incident = await access.incident(caller, incident_id)
    async with engine.connect() as conn:
        items = await views.links(conn, incident, caller.party, caller.kind)
    return jsonable_encoder({"incident_id": incident_id, "items": items})


@router.post(
    "/incidents/{incident_id}/links",
    status_code=201,
    tags=["incidents"],
    responses=WRITE_ERRORS,
    summary="Link an article to an incident (a party on it that may read the article)",
)
async def link(
    incident_id: IncidentId, body: LinkIn, ctx: Write, knowledge: KnowledgeCommands
) -> Response:
    return (await knowledge.link(ctx, incident_id, body.article_id)).response()


@router.delete(
    "/incidents/{incident_id}/links/{article_id}",
    status_code=204,
    tags=["incidents"],
    responses=WRITE_ERRORS,
    summary="Unlink an article from an incident",
)
async def unlink(
    incident_id: IncidentId, article_id: ArticleId, caller: Caller, knowledge: KnowledgeCommands
) -> Response:
    # No Idempotency-Key: unlinking again finds nothing linked (404).
    return (await knowledge.unlink(WriteContext(caller), incident_id, article_id)).response()
