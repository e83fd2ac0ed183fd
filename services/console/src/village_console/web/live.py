"""Live updates of an open war room, as server-sent events (the page's EventSource sends the
session cookie; a browser's EventSource cannot send a bearer token).

Until the console's own timeline stream (console-core) is merged, this stream watches the
incident's version through the incidents API with the signed-in party's token and says
`changed` when it moves; the page then fetches its live sections again. A party that loses the
incident (revoked) gets `gone`, and the stream ends. My work's stream says `changed` when the
party's incidents or queues change (a new incident routed to one of its tiers, say)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from .deps import Console
from .services import ApiProblem
from .session import Me

router = APIRouter(include_in_schema=False)
KEEPALIVE_EVERY = 15.0  # seconds: proxies close idle streams


@router.get("/incidents/{incident_id}/war-room/live")
async def live(request: Request, incident_id: str, me: Me, console: Console) -> StreamingResponse:
    services, poll = console.services, console.web.live_poll_seconds
    path = f"/incidents/{incident_id}"

    async def events() -> AsyncIterator[str]:
        seen: str | None = request.query_params.get("etag")
        quiet = 0.0
        yield "retry: 1000\n\n"
        while not await request.is_disconnected():
            try:
                answer = await services.request(me, "incidents", "GET", path)
            except ApiProblem as problem:
                if problem.status == 404:
                    yield "event: gone\ndata: {}\n\n"
                    return
                answer = None  # a service away for a moment: ask again
            if answer is not None and answer.etag != seen:
                seen = answer.etag
                yield f"event: changed\ndata: {answer.body.get('version')}\n\n"
                quiet = 0.0
            elif quiet >= KEEPALIVE_EVERY:
                yield ": keepalive\n\n"
                quiet = 0.0
            await asyncio.sleep(poll)
            quiet += poll

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/work/live")
async def work_live(request: Request, me: Me, console: Console) -> StreamingResponse:
    services, poll = console.services, console.web.live_poll_seconds

    async def fingerprint() -> str | None:
        try:
            listed, queues = await asyncio.gather(
                services.get(me, "incidents", "/incidents", limit=200),
                services.optional(me, "escalation", "/queues"),
            )
        except ApiProblem:
            return None  # a service away for a moment: ask again
        seen = [[i["id"], i["version"]] for i in listed["items"]], queues
        return hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()

    async def events() -> AsyncIterator[str]:
        last = await fingerprint()
        quiet = 0.0
        yield "retry: 1000\n\n"
        while not await request.is_disconnected():
            await asyncio.sleep(poll)
            quiet += poll
            now = await fingerprint()
            if now is not None and now != last:
                last, quiet = now, 0.0
                yield "event: changed\ndata: {}\n\n"
            elif quiet >= KEEPALIVE_EVERY:
                quiet = 0.0
                yield ": keepalive\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
