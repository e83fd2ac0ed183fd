"""The paged event feed every service serves (`GET /events?after=<position>`).

Consumers use it to heal sequence gaps and to rebuild read models from position 0. What a caller
gets is the egress rule's (egress.py): a service every published event (a sealed one the provider
may not see as its bare fact), a party only what it may see, filtered in SQL before the page's
LIMIT, with metadata that names no other party.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from . import published
from .auth import Caller
from .egress import Recipient, for_recipient
from .errors import PROBLEM_SCHEMA

MAX_LIMIT = 1000
_MAX_POSITION = 2**63 - 1

_EXAMPLE_ITEM = {
    "position": 42,
    "id": "6f1c2a36-3f0e-4a59-9f4b-0b8f3f0f6e1d",
    "source": "/village/incidents",
    "stream_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
    "stream_version": 3,
    "type": "village.incident.acknowledged.v1",
    "data": {"party": "northwind", "user": "northwind-agent"},
    "metadata": {
        "actor_party": "northwind",
        "actor_user": "northwind-agent",
        "actor_kind": "partner",
        "parties": ["northwind"],
        "visibility": "shared",
        "correlation_id": "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    },
    "recorded_at": "2026-01-05T09:04:12.512000+00:00",
}


class FeedItem(BaseModel):
    position: int = Field(description="global, gap-free publication order")
    id: str = Field(description="event id (UUID); the CloudEvents `id`")
    source: str = Field(description="the owning service; the CloudEvents `source`")
    stream_id: str = Field(description="the stream (incident) id; the CloudEvents `subject`")
    stream_version: int = Field(description="version within the stream; CloudEvents `sequence`")
    type: str = Field(description="event type and schema version")
    data: dict[str, Any]
    metadata: dict[str, Any] = Field(description="actor, parties, visibility, trace and causation")
    recorded_at: str = Field(description="ISO 8601 time the event was recorded")


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_after: int = Field(
        description="pass as `after` for the next page: the last item's position (for a"
        " party, events it may not see never move it)"
    )

    model_config = {
        "json_schema_extra": {"examples": [{"items": [_EXAMPLE_ITEM], "next_after": 42}]}
    }


def feed_router(source: str | None = None) -> APIRouter:
    """`GET /events` over `request.app.state.store` and `.engine`.

    `source` is the CloudEvents source stamped on items; by default the app's service name.
    """
    router = APIRouter(tags=["feed"])

    @router.get(
        "/events",
        response_model=FeedPage,
        summary="Published events in global order, for catch-up and rebuilds",
        responses={
            200: {
                "content": {
                    "application/json": {"example": {"items": [_EXAMPLE_ITEM], "next_after": 42}}
                }
            },
            401: PROBLEM_SCHEMA,
            422: PROBLEM_SCHEMA,
        },
    )
    async def read_feed(
        request: Request,
        caller: Caller,
        after: Annotated[
            int, Query(ge=0, le=_MAX_POSITION, description="return events after this position")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")] = 100,
        stream_id: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=200,
                pattern=r"^[^\x00-\x1f\x7f]+$",
                description="one stream only",
            ),
        ] = None,
    ) -> Any:
        state = request.app.state
        name = source or state.settings.service
        if caller.kind == "service":
            # Rebuilds and gap healing read pages of a thousand: built by PostgreSQL, no
            # decoding and validating of every event on the way out.
            async with state.engine.connect() as conn:
                items, last = await published.page_json(
                    conn, after, limit, name, stream_id=stream_id
                )
            body = f'{{"items":{items},"next_after":{last if last is not None else after}}}'
            return Response(body, media_type="application/json")
        recipient = Recipient(caller.party, caller.kind)
        async with state.engine.connect() as conn:
            events = await published.read(
                conn, after, limit, recipient=recipient, stream_id=stream_id
            )
        items = []
        for event in events:
            shown = for_recipient(event.data, event.metadata, recipient)
            if shown is not None:  # always: the SQL filter is the same rule
                items.append(
                    {**event.as_feed_item(), "data": shown[0], "metadata": shown[1], "source": name}
                )
        return {"items": items, "next_after": events[-1].position if events else after}

    return router
