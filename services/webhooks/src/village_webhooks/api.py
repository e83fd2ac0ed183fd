"""Webhooks REST API: a party's endpoints, their deliveries, secret rotation and replay.

A party sees and manages only its own endpoints (any other id is a 404). Any member of the
party reads them; registering, changing, rotating, replaying and deleting take the `admin` role.
Routes translate a request into a call of the handlers (handlers.py) or a read (endpoints.py).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from village_platform.auth import Caller
from village_platform.deps import AppClock, Engine
from village_platform.errors import problem_responses
from village_platform.writes import Write, WriteContext

from . import endpoints
from .deps import WebhookCommands
from .schemas import DeliveryStatus, EndpointIn, EndpointPatch, ReplayIn, RotateIn

router = APIRouter(tags=["endpoints"])
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="the endpoint's ETag (its version); 412 when stale"),
]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422, 503)
READ_ERRORS = problem_responses(400, 401, 404, 422)
_ENDPOINT = {
    "id": "5b0f7c7e-3f4e-4c1b-9a7d-2d6f0b1e8c3a",
    "party": "northwind",
    "url": "https://tickets.northwind.example/village/webhooks",
    "description": "ServiceNow bridge",
    "event_types": ["*.breached.v1", "village.incident.*"],
    "filter": {"incident_ids": [], "parties": ["initech"]},
    "status": "active",
    "version": 1,
    "created_at": "2026-11-24T09:00:00Z",
    "updated_at": "2026-11-24T09:00:00Z",
    "failing_since": None,
    "paused_until": None,
    "previous_secret_expires_at": None,
}
_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
_DELIVERY = {
    "id": "9e1c2d3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
    "event_id": "0d3b1a44-9d1c-4b5e-8f2a-1c2d3e4f5a6b",
    "event_type": "village.incident.opened.v1",
    "subject": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
    "event_time": "2026-11-24T09:14:02Z",
    "status": "delivered",
    "attempts": 1,
    "response_status": 204,
    "latency_ms": 41.7,
    "last_error": None,
    "next_attempt_at": None,
    "last_attempt_at": "2026-11-24T09:14:02.050Z",
    "delivered_at": "2026-11-24T09:14:02.092Z",
    "created_at": "2026-11-24T09:14:02.031Z",
}
EndpointId = uuid.UUID


def _example(example: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    return {status: {"content": {"application/json": {"example": example}}}}


@router.post(
    "/endpoints",
    status_code=201,
    summary="Register an endpoint (the signing secret is returned once)",
    responses=WRITE_ERRORS | _example({**_ENDPOINT, "secret": _SECRET}, 201),
)
async def register(body: EndpointIn, ctx: Write, webhooks: WebhookCommands) -> Response:
    return (await webhooks.register(ctx, body.model_dump(mode="json"))).response()


@router.get(
    "/endpoints",
    summary="Your party's endpoints",
    responses=READ_ERRORS | _example({"items": [_ENDPOINT], "next_cursor": None}),
)
async def list_endpoints(
    caller: Caller,
    engine: Engine,
    clock: AppClock,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    now = clock.now()
    async with engine.connect() as conn:
        rows, next_cursor = await endpoints.list_for(conn, caller.party, limit, cursor)
    return jsonable_encoder(
        {"items": [endpoints.view(r, now) for r in rows], "next_cursor": next_cursor}
    )


@router.get(
    "/endpoints/{endpoint_id}",
    summary="One of your endpoints",
    responses=READ_ERRORS | _example(_ENDPOINT),
)
async def read_endpoint(
    endpoint_id: EndpointId, caller: Caller, engine: Engine, clock: AppClock
) -> JSONResponse:
    async with engine.connect() as conn:
        row = await endpoints.get(conn, caller.party, endpoint_id)
    return JSONResponse(
        jsonable_encoder(endpoints.view(row, clock.now())), headers=endpoints.etag(row)
    )


@router.patch(
    "/endpoints/{endpoint_id}",
    summary="Change an endpoint (URL, subscriptions, filter, disabled)",
    responses=WRITE_ERRORS | _example(_ENDPOINT),
)
async def change_endpoint(
    endpoint_id: EndpointId,
    body: EndpointPatch,
    caller: Caller,
    webhooks: WebhookCommands,
    if_match: IfMatch = None,
) -> Response:
    # PATCH and DELETE take If-Match, not Idempotency-Key.
    return (
        await webhooks.change(WriteContext(caller), endpoint_id, body.changes(), if_match)
    ).response()


@router.delete(
    "/endpoints/{endpoint_id}",
    status_code=204,
    summary="Delete an endpoint and its deliveries",
    responses=WRITE_ERRORS,
)
async def delete_endpoint(
    endpoint_id: EndpointId, caller: Caller, webhooks: WebhookCommands, if_match: IfMatch = None
) -> Response:
    return (await webhooks.delete(WriteContext(caller), endpoint_id, if_match)).response()


@router.post(
    "/endpoints/{endpoint_id}/rotate-secret",
    summary="A new signing secret; the previous one keeps signing too for `overlap_seconds`",
    responses=WRITE_ERRORS
    | _example(
        {
            "secret": _SECRET,
            "endpoint": {
                **_ENDPOINT,
                "version": 2,
                "previous_secret_expires_at": "2026-11-25T09:00:00Z",
            },
        }
    ),
)
async def rotate_secret(
    endpoint_id: EndpointId,
    body: RotateIn,
    ctx: Write,
    webhooks: WebhookCommands,
    if_match: IfMatch = None,
) -> Response:
    overlap = timedelta(seconds=body.overlap_seconds)
    return (await webhooks.rotate_secret(ctx, endpoint_id, overlap, if_match)).response()


@router.post(
    "/endpoints/{endpoint_id}/enable",
    summary="Active again after failing or disabled (parked deliveries stay parked: replay them)",
    responses=WRITE_ERRORS | _example(_ENDPOINT),
)
async def enable(endpoint_id: EndpointId, ctx: Write, webhooks: WebhookCommands) -> Response:
    return (await webhooks.enable(ctx, endpoint_id)).response()


@router.post(
    "/endpoints/{endpoint_id}/replay",
    status_code=202,
    summary="Deliver parked or past deliveries "
    "again, by event time range or event ids (same webhook-id: deduplicate on it); a failing"
    " endpoint "
    "is active again",
    responses=WRITE_ERRORS | _example({"requeued": 12}, 202),
)
async def replay(
    endpoint_id: EndpointId, body: ReplayIn, ctx: Write, webhooks: WebhookCommands
) -> Response:
    return (await webhooks.replay(ctx, endpoint_id, body.as_query())).response()


@router.get(
    "/endpoints/{endpoint_id}/deliveries",
    summary="An endpoint's deliveries, newest first",
    responses=READ_ERRORS | _example({"items": [_DELIVERY], "next_cursor": None}),
)
async def list_deliveries(
    endpoint_id: EndpointId,
    caller: Caller,
    engine: Engine,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    async with engine.connect() as conn:
        await endpoints.get(conn, caller.party, endpoint_id)
        rows, next_cursor = await endpoints.deliveries(conn, endpoint_id, status, limit, cursor)
    return jsonable_encoder(
        {"items": [endpoints.delivery_view(r) for r in rows], "next_cursor": next_cursor}
    )
