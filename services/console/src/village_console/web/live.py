"""Live updates of open pages, as server-sent events (the page's EventSource sends the session
cookie; a browser's EventSource cannot send a bearer token).

The war room listens to the console's own timeline stream (`village_console.live.Live`), in this
process, as the session's viewer: every entry it may see (an incident change, an SLA clock, an
escalation decision, a knowledge suggestion) comes as an `entry` event once the console has
recorded it, and the page then fetches its live sections again. Nothing is polled: the stream
waits on the consumers' bell. A party taken off the incident gets `gone`, and the stream ends.
My work's stream is the same timeline across every incident the party is on: `changed` when an
entry it may see is recorded (a new incident routed to one of its tiers, say)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from sse_starlette import EventSourceResponse

from village_platform.errors import DomainError

from ..deps import LiveTimelines
from ..reads import start_position
from .deps import Console, SessionViewer
from .services import ApiProblem
from .session import Me

router = APIRouter(include_in_schema=False)
KEEPALIVE_EVERY = 15.0  # seconds: proxies close idle streams
RETRY_MS = 1000  # the browser reconnects this soon after a stream ends without `gone`
# How long a new stream waits for this console to record an access the incidents service has
# already granted (the page was just read from it: an incident just opened, an invitation).
CATCH_UP_SECONDS = 10.0
Since = Annotated[str | None, Query(pattern=r"^[0-9]{1,20}$")]


async def since_now(engine: AsyncEngine) -> str | None:
    """Where a page's stream starts: a transaction floor taken before the page is read, so that
    what commits while it renders and connects still reaches it (None: the stream starts at its
    own now)."""
    try:
        async with engine.connect() as conn:
            return (await start_position(conn)).floor
    except (SQLAlchemyError, OSError):
        return None


@router.get("/incidents/{incident_id}/war-room/live")
async def live(
    incident_id: str,
    me: Me,
    viewer: SessionViewer,
    console: Console,
    timelines: LiveTimelines,
    since: Since = None,
) -> EventSourceResponse:
    try:
        entries = await timelines.open(incident_id, viewer, since=since)
    except DomainError:
        # This console may not have recorded yet what the incidents service already lets the
        # party see: the owner decides, and the stream waits for the console to catch up.
        try:
            await console.services.request(me, "incidents", "GET", f"/incidents/{incident_id}")
        except ApiProblem as problem:
            # 404: not the party's (any more); else the service is away: the browser asks again
            # (an EventSource gives up for good on an answer that is not a stream).
            return EventSourceResponse(_gone() if problem.status == 404 else _retry())
        try:
            entries = await timelines.open(
                incident_id, viewer, since=since, catch_up=CATCH_UP_SECONDS
            )
        except DomainError:
            return EventSourceResponse(_retry())  # not recorded yet: the browser asks again
    return EventSourceResponse(_room(entries), ping=KEEPALIVE_EVERY)


async def _room(entries: AsyncIterator[dict[str, str]]) -> AsyncIterator[dict[str, Any]]:
    yield {"retry": RETRY_MS, "comment": "live"}
    async for entry in entries:
        # Only which entry: the page reads what it shows through its own routes, so this stream
        # shows nothing the pages do not (the egress rule has passed the entry for the viewer).
        yield {"event": "entry", "id": entry["id"], "data": entry["id"]}
    # The timeline stream ends only when the viewer is taken off the incident.
    yield {"event": "gone", "data": "{}"}


async def _gone() -> AsyncIterator[dict[str, Any]]:
    yield {"event": "gone", "data": "{}"}


async def _retry() -> AsyncIterator[dict[str, Any]]:
    yield {"retry": RETRY_MS, "comment": "not recorded yet"}


@router.get("/work/live")
async def work_live(
    viewer: SessionViewer, timelines: LiveTimelines, since: Since = None
) -> EventSourceResponse:
    """`changed` whenever the console records something the party may see on any incident it
    is on (opened, routed to one of its tiers, acknowledged...): the page then reads its lists
    again through the services' APIs. Waits on the consumers' bell, as the war room does."""

    async def events() -> AsyncIterator[dict[str, Any]]:
        yield {"retry": RETRY_MS, "comment": "live"}
        async for _ in timelines.changes(viewer, since=since):
            yield {"event": "changed", "data": "{}"}

    return EventSourceResponse(events(), ping=KEEPALIVE_EVERY)
