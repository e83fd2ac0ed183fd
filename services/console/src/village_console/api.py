"""The console's routes (thin): each translates a request into a read of the timeline."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse

from village_platform.auth import Caller
from village_platform.deps import Engine

from .deps import LiveTimelines, Timelines
from .examples import READ_ERRORS, TIMELINE_PAGE, TIMELINE_STREAM
from .reads import Viewer

router = APIRouter(tags=["timeline"])


@router.get(
    "/incidents/{incident_id}/timeline",
    summary="The incident's history across every service, as you may see it, a page at a time",
    description="Incident events, SLA clocks, warnings, breaches and credits, escalation"
    " decisions with their rule and reason, knowledge suggestions and links: each entry with"
    " when, which party and tier acted, what happened and its trace id. Each entry is shown as"
    " the egress rule lets your party see it; an incident you are not on is 404.",
    responses={200: TIMELINE_PAGE, **READ_ERRORS},
)
async def timeline(
    incident_id: str,
    caller: Caller,
    engine: Engine,
    timelines: Timelines,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    order: Annotated[
        Literal["asc", "desc"], Query(description="asc: oldest first; desc: newest first")
    ] = "asc",
) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await timelines.page(
            conn, incident_id, Viewer.of(caller), cursor, limit, newest_first=order == "desc"
        )


@router.get(
    "/incidents/{incident_id}/timeline/stream",
    summary="New timeline entries as they happen (server-sent events)",
    description="Each entry you may see, pushed once the console has recorded it; the stream"
    " ends when you are no longer on the incident.",
    responses={200: TIMELINE_STREAM, **READ_ERRORS},
    response_class=EventSourceResponse,
)
async def timeline_stream(
    incident_id: str, caller: Caller, live: LiveTimelines
) -> EventSourceResponse:
    entries = await live.open(incident_id, Viewer.of(caller))
    return EventSourceResponse(entries, ping=15)
