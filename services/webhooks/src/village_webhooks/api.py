"""Webhooks REST API: a party's endpoints, their deliveries, secret rotation and replay.

A party sees and manages only its own endpoints (any other id is a 404). Any member of the
party reads them; registering, changing, rotating, replaying and deleting take the `admin` role.

A signing secret is in the answer to its registration or rotation, never in the idempotency
record: the record keeps the endpoint and the secret's serial, and a replay reads the secret
back from the endpoint (sealed there) while it is kept: the same answer again.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Annotated, Any, Awaitable, Callable

from fastapi import APIRouter, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import idempotency
from village_platform.auth import Caller, Principal
from village_platform.directory import DirectoryUnavailable
from village_platform.errors import Problem, problem_responses
from village_platform.headers import IdempotencyKey, if_match_versions

from . import endpoints
from .domain.targets import TargetRefused
from .pinning import check_target
from .schemas import DeliveryStatus, EndpointIn, EndpointPatch, ReplayIn, RotateIn

router = APIRouter(tags=["endpoints"])
IfMatch = Annotated[str | None, Header(alias="If-Match", description="the endpoint's ETag (its version); 412 when stale")]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422, 503)
READ_ERRORS = problem_responses(400, 401, 404, 422)
_ENDPOINT = {
    "id": "5b0f7c7e-3f4e-4c1b-9a7d-2d6f0b1e8c3a", "party": "northwind",
    "url": "https://tickets.northwind.example/village/webhooks", "description": "ServiceNow bridge",
    "event_types": ["*.breached.v1", "village.incident.*"], "filter": {"incident_ids": [], "parties": ["initech"]},
    "status": "active", "version": 1, "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:00:00Z",
    "failing_since": None, "previous_secret_expires_at": None}
_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
_DELIVERY = {
    "id": "9e1c2d3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f", "event_id": "0d3b1a44-9d1c-4b5e-8f2a-1c2d3e4f5a6b",
    "event_type": "village.incident.opened.v1", "subject": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
    "event_time": "2026-11-24T09:14:02Z", "status": "delivered", "attempts": 1, "response_status": 204,
    "latency_ms": 41.7, "last_error": None, "next_attempt_at": None, "last_attempt_at": "2026-11-24T09:14:02.050Z",
    "delivered_at": "2026-11-24T09:14:02.092Z", "created_at": "2026-11-24T09:14:02.031Z"}
EndpointId = uuid.UUID


def _example(example: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    return {status: {"content": {"application/json": {"example": example}}}}


def _admin(caller: Principal) -> None:
    if caller.kind == "service" or not caller.has_role("admin"):
        raise Problem(403, "forbidden", "webhook endpoints are managed by the party's admins")


async def _check_url(request: Request, url: str) -> None:
    """Refused (422) before anything is stored: the same check every delivery makes again."""
    app = request.app.state
    try:
        async with asyncio.timeout(app.settings.timeout_seconds):
            await check_target(url, development=app.settings.development, allowed=app.allowed_networks,
                               resolver=app.resolver)
    except TargetRefused as exc:
        raise Problem(422, "refused-target", str(exc)) from None
    except TimeoutError:
        raise Problem(422, "refused-target", "the URL's host does not resolve in time") from None


async def _write(request: Request, caller: Principal, key: str | None, body: Any,
                 work: Callable[[AsyncConnection], Awaitable[idempotency.StoredResponse]],
                 issued: list[str] | None = None) -> JSONResponse:
    """`issued`: the work answers with a signing secret; it stores `_secret_ref(...)` in its
    place and appends the secret to `issued`."""
    app = request.app.state
    idem = idempotency.make_key(caller.party, key, request.method, request.url.path, jsonable_encoder(body))
    response, replayed = await idempotency.run_once(app.engine, idem, app.clock.now, app.idempotency_ttl, work)
    app.dispatcher.wake()
    headers = dict(response.headers) | ({"Idempotent-Replayed": "true"} if replayed else {})
    if response.status_code == 204:
        return Response(status_code=204, headers=headers)  # type: ignore[return-value]
    content = response.body
    if issued is not None and isinstance(content, dict) and isinstance(content.get("secret"), dict):
        secret = await _kept_secret(request, caller, content["secret"]) if replayed else issued[0]
        content = {**content, "secret": secret}
    return JSONResponse(content, status_code=response.status_code, headers=headers)


def _secret_ref(row: Any) -> dict[str, Any]:
    """What the idempotency record keeps instead of a signing secret."""
    return {"endpoint": str(row.endpoint_id), "serial": row.secret_serial}


async def _kept_secret(request: Request, caller: Principal, ref: dict[str, Any]) -> str:
    app = request.app.state
    async with app.engine.connect() as conn:
        secret = await endpoints.kept_secret(conn, app.sealer, caller.party, uuid.UUID(ref["endpoint"]),
                                             int(ref["serial"]))
    if secret is None:
        raise Problem(409, "secret-replaced", "the signing secret this request returned has been replaced"
                      " since (rotated twice, or the endpoint deleted): it cannot be returned again")
    return secret


def _stored(status: int, body: Any, headers: dict[str, str] | None = None) -> idempotency.StoredResponse:
    return idempotency.StoredResponse(status, jsonable_encoder(body), headers or {})


@router.post("/endpoints", status_code=201, summary="Register an endpoint (the signing secret is returned once)",
             responses=WRITE_ERRORS | _example({**_ENDPOINT, "secret": _SECRET}, 201))
async def register(request: Request, body: EndpointIn, caller: Caller, key: IdempotencyKey = None) -> JSONResponse:
    _admin(caller)
    await _check_url(request, body.url)
    try:
        kind = (await request.app.state.directory.get()).get(caller.party, {}).get("kind")
    except DirectoryUnavailable as exc:
        raise Problem(503, "dependency-unavailable", f"the party directory cannot be read now: {exc}",
                      headers={"Retry-After": "5"}) from None
    if kind is None:
        raise Problem(403, "forbidden", f"{caller.party} is not in the party directory")
    now = request.app.state.clock.now()

    issued: list[str] = []

    async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
        row, secret = await endpoints.create(conn, request.app.state.sealer, caller.party, kind,
                                             body.model_dump(mode="json"), now)
        issued.append(secret)
        return _stored(201, {**endpoints.view(row, now), "secret": _secret_ref(row)},
                       {"Location": f"/endpoints/{row.endpoint_id}", **endpoints.etag(row)})

    return await _write(request, caller, key, body.model_dump(mode="json"), work, issued)


@router.get("/endpoints", summary="Your party's endpoints", responses=READ_ERRORS | _example(
    {"items": [_ENDPOINT], "next_cursor": None}))
async def list_endpoints(request: Request, caller: Caller, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                         cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
    now = request.app.state.clock.now()
    async with request.app.state.engine.connect() as conn:
        rows, next_cursor = await endpoints.list_for(conn, caller.party, limit, cursor)
    return jsonable_encoder({"items": [endpoints.view(r, now) for r in rows], "next_cursor": next_cursor})


@router.get("/endpoints/{endpoint_id}", summary="One of your endpoints", responses=READ_ERRORS | _example(_ENDPOINT))
async def read_endpoint(request: Request, endpoint_id: EndpointId, caller: Caller) -> JSONResponse:
    async with request.app.state.engine.connect() as conn:
        row = await endpoints.get(conn, caller.party, endpoint_id)
    return JSONResponse(jsonable_encoder(endpoints.view(row, request.app.state.clock.now())),
                        headers=endpoints.etag(row))


@router.patch("/endpoints/{endpoint_id}", summary="Change an endpoint (URL, subscriptions, filter, disabled)",
              responses=WRITE_ERRORS | _example(_ENDPOINT))
async def change_endpoint(request: Request, endpoint_id: EndpointId, body: EndpointPatch, caller: Caller,
                          if_match: IfMatch = None) -> JSONResponse:
    _admin(caller)
    wanted = if_match_versions(if_match, "endpoint")
    if body.url is not None:
        await _check_url(request, body.url)
    changes: dict[str, Any] = {k: v for k, v in body.model_dump(mode="json", exclude_none=True).items()
                               if k in ("url", "description", "event_types")}
    if body.filter is not None:
        changes["incident_filter"] = body.filter.model_dump(mode="json")
    if body.disabled is not None:
        changes["status"] = "disabled" if body.disabled else "active"
    now = request.app.state.clock.now()

    async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
        row = await endpoints.get(conn, caller.party, endpoint_id, lock=True)
        endpoints.check_version(row, wanted)
        if changes:
            row = await endpoints.update(conn, row, changes, now)
        return _stored(200, endpoints.view(row, now), endpoints.etag(row))

    return await _write(request, caller, None, None, work)


@router.delete("/endpoints/{endpoint_id}", status_code=204, summary="Delete an endpoint and its deliveries",
               responses=WRITE_ERRORS)
async def delete_endpoint(request: Request, endpoint_id: EndpointId, caller: Caller,
                          if_match: IfMatch = None) -> Response:
    _admin(caller)
    wanted = if_match_versions(if_match, "endpoint")

    async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
        row = await endpoints.get(conn, caller.party, endpoint_id, lock=True)
        endpoints.check_version(row, wanted)
        await endpoints.delete(conn, row)
        return _stored(204, None)

    return await _write(request, caller, None, None, work)


@router.post("/endpoints/{endpoint_id}/rotate-secret", summary="A new signing secret; the previous one keeps "
             "signing too for `overlap_seconds`", responses=WRITE_ERRORS | _example(
                 {"secret": _SECRET, "endpoint": {**_ENDPOINT, "version": 2,
                                                  "previous_secret_expires_at": "2026-11-25T09:00:00Z"}}))
async def rotate_secret(request: Request, endpoint_id: EndpointId, body: RotateIn, caller: Caller,
                        key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    _admin(caller)
    wanted = if_match_versions(if_match, "endpoint")
    now = request.app.state.clock.now()

    issued: list[str] = []

    async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
        row = await endpoints.get(conn, caller.party, endpoint_id, lock=True)
        endpoints.check_version(row, wanted)
        row, secret = await endpoints.rotate(conn, request.app.state.sealer, row,
                                             timedelta(seconds=body.overlap_seconds), now)
        issued.append(secret)
        return _stored(200, {"secret": _secret_ref(row), "endpoint": endpoints.view(row, now)},
                       endpoints.etag(row))

    return await _write(request, caller, key, body.model_dump(mode="json"), work, issued)


@router.post("/endpoints/{endpoint_id}/enable", summary="Active again after failing or disabled (parked "
             "deliveries stay parked: replay them)", responses=WRITE_ERRORS | _example(_ENDPOINT))
async def enable(request: Request, endpoint_id: EndpointId, caller: Caller, key: IdempotencyKey = None) -> JSONResponse:
    _admin(caller)
    now = request.app.state.clock.now()

    async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
        row = await endpoints.get(conn, caller.party, endpoint_id, lock=True)
        if row.status != "active":
            row = await endpoints.update(conn, row, {"status": "active"}, now)
        return _stored(200, endpoints.view(row, now), endpoints.etag(row))

    return await _write(request, caller, key, {}, work)


@router.post("/endpoints/{endpoint_id}/replay", status_code=202, summary="Deliver parked or past deliveries "
             "again, by event time range or event ids (same webhook-id: deduplicate on it); a failing endpoint "
             "is active again",
             responses=WRITE_ERRORS | _example({"requeued": 12}, 202))
async def replay(request: Request, endpoint_id: EndpointId, body: ReplayIn, caller: Caller,
                 key: IdempotencyKey = None) -> JSONResponse:
    _admin(caller)
    now = request.app.state.clock.now()

    async def work(conn: AsyncConnection) -> idempotency.StoredResponse:
        row = await endpoints.get(conn, caller.party, endpoint_id, lock=True)
        if row.status == "disabled":
            raise Problem(409, "endpoint-disabled", "the endpoint is disabled: enable it first")
        if row.status == "failing":
            # Active again in the same transaction as the re-queue, so no new event of an
            # incident overtakes its parked ones.
            row = await endpoints.update(conn, row, {"status": "active"}, now)
        return _stored(202, {"requeued": await endpoints.replay(conn, row, body.as_query(), now)})

    return await _write(request, caller, key, body.model_dump(mode="json", by_alias=True), work)


@router.get("/endpoints/{endpoint_id}/deliveries", summary="An endpoint's deliveries, newest first",
            responses=READ_ERRORS | _example({"items": [_DELIVERY], "next_cursor": None}))
async def list_deliveries(request: Request, endpoint_id: EndpointId, caller: Caller,
                          status: DeliveryStatus | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                          cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
    async with request.app.state.engine.connect() as conn:
        await endpoints.get(conn, caller.party, endpoint_id)
        rows, next_cursor = await endpoints.deliveries(conn, endpoint_id, status, limit, cursor)
    return jsonable_encoder({"items": [endpoints.delivery_view(r) for r in rows], "next_cursor": next_cursor})
