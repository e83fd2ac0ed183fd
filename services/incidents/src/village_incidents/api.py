"""Incidents REST API: thin routes that turn requests into commands for the handlers (or into a
read). Opening and reading incidents here; the actions on one incident: actions.py; the party
directory: parties.py; provider incidents (outages): outage_api.py; what the OpenAPI document
shows of them: openapi.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from village_platform.auth import Caller
from village_platform.deps import Engine
from village_platform.errors import DomainError
from village_platform.writes import Write

from . import actions, outage_api, parties, readmodel
from . import schemas as s
from .deps import Handlers, Reads
from .domain import commands as c
from .handlers import etag, new_incident_id
from .openapi import (
    INCIDENT_VIEW,
    NOTES_PAGE,
    OPEN_PART_RESPONSES,
    OPEN_RESPONSES,
    PARTS_PAGE,
    PROVENANCE_VIEW,
    READ_ERRORS,
    TIMELINE_PAGE,
)

router = APIRouter()


@router.post(
    "/incidents",
    status_code=201,
    summary="Open an incident",
    responses=OPEN_RESPONSES,
    tags=["incidents"],
)
async def open_incident(body: s.OpenIncidentIn, ctx: Write, handlers: Handlers) -> JSONResponse:
    cmd = c.OpenIncident(
        incident_id=new_incident_id(),
        title=body.title,
        description=body.description,
        severity=body.severity,
        product=body.product,
        impacted_service=body.impacted_service,
        customer=body.customer,
        external_refs=[r.model_dump() for r in body.external_refs],
        supplier=body.supplier,
    )
    return (await handlers.open(ctx, cmd)).response()


@router.get(
    "/incidents", summary="List incidents you may see", responses=READ_ERRORS, tags=["incidents"]
)
async def list_incidents(
    caller: Caller,
    engine: Engine,
    status: s.Status | None = None,
    severity: s.Severity | None = None,
    customer: Annotated[str | None, Query(max_length=100)] = None,
    partner: Annotated[str | None, Query(max_length=100)] = None,
    product: Annotated[str | None, Query(max_length=100)] = None,
    external_id: Annotated[
        str | None, Query(max_length=200, description="a ticket id in any party's system")
    ] = None,
    external_owner: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    f = readmodel.IncidentFilter(
        status, severity, customer, partner, product, external_id, external_owner
    )
    async with engine.connect() as conn:
        items, next_cursor = await readmodel.list_incidents(conn, caller, f, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/incidents/by-external-ref",
    summary="Find an incident by a party's own ticket id",
    responses={200: INCIDENT_VIEW, **READ_ERRORS},
    tags=["incidents"],
)
async def by_external_ref(
    caller: Caller,
    engine: Engine,
    reads: Reads,
    owner: Annotated[str, Query(max_length=100)],
    type: Annotated[str, Query(max_length=50)],
    id: Annotated[str, Query(max_length=200)],
) -> JSONResponse:
    async with engine.connect() as conn:
        found = await readmodel.external_ref_owner(conn, [{"owner": owner, "type": type, "id": id}])
        if found is None:
            raise DomainError.not_found("no such incident")
        view, version = await reads.view(conn, found, caller)
    return JSONResponse(view, headers={"ETag": etag(version)})


@router.get(
    "/incidents/{incident_id}",
    summary="One incident, as you may see it",
    responses={200: INCIDENT_VIEW, **READ_ERRORS},
    tags=["incidents"],
)
async def get_incident(
    incident_id: str, caller: Caller, engine: Engine, reads: Reads
) -> JSONResponse:
    async with engine.connect() as conn:
        view, version = await reads.view(conn, incident_id, caller)
    return JSONResponse(view, headers={"ETag": etag(version)})


@router.post(
    "/incidents/{incident_id}/parts",
    status_code=201,
    summary="Hand a part of the incident to another product's vendor (the owning partner)",
    description="Opens a part: an incident of its own for `product`, for the same customer,"
    " owned by the same partner and raised along that partner's supply path of the product."
    " Each vendor sees only its part; the parent lists to each party the parts it is on.",
    responses=OPEN_PART_RESPONSES,
    tags=["incidents"],
)
async def open_part(
    incident_id: str, body: s.OpenPartIn, ctx: Write, handlers: Handlers
) -> JSONResponse:
    cmd = c.OpenPart(
        incident_id=new_incident_id(),
        parent_id=incident_id,
        product=body.product,
        title=body.title,
        description=body.description,
        severity=body.severity,
        impacted_service=body.impacted_service,
    )
    return (await handlers.open_part(ctx, cmd)).response()


@router.get(
    "/incidents/{incident_id}/parts",
    summary="The parts of an incident you are on, a page at a time",
    responses={200: PARTS_PAGE, **READ_ERRORS},
    tags=["incidents"],
)
async def list_parts(
    incident_id: str,
    caller: Caller,
    engine: Engine,
    reads: Reads,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await reads.parts_page(conn, incident_id, caller, cursor, limit)


@router.get(
    "/incidents/{incident_id}/notes",
    summary="The notes you may see, a page at a time",
    responses={200: NOTES_PAGE, **READ_ERRORS},
    tags=["incidents"],
)
async def list_notes(
    incident_id: str,
    caller: Caller,
    engine: Engine,
    reads: Reads,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    order: Annotated[
        Literal["asc", "desc"], Query(description="asc: oldest first; desc: newest first")
    ] = "asc",
) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await reads.notes_page(
            conn, incident_id, caller, cursor, limit, newest_first=order == "desc"
        )


@router.get(
    "/incidents/{incident_id}/timeline",
    summary="What happened, as you may see it, a page at a time",
    responses={200: TIMELINE_PAGE, **READ_ERRORS},
    tags=["incidents"],
)
async def timeline(
    incident_id: str,
    caller: Caller,
    engine: Engine,
    reads: Reads,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await reads.timeline(conn, incident_id, caller, cursor, limit)


@router.get(
    "/incidents/{incident_id}/provenance",
    summary="Who invited which collaborator, when, why and with which scope, as you may see it",
    description="The hops of the incident's provenance as trees: each invitation with those made"
    " below it. The parties working the incident along its chain see every hop; a collaborator"
    " its own and those below it; a customer none.",
    responses={200: PROVENANCE_VIEW, **READ_ERRORS},
    tags=["incidents"],
)
async def provenance(
    incident_id: str, caller: Caller, engine: Engine, reads: Reads
) -> JSONResponse:
    async with engine.connect() as conn:
        view, version = await reads.provenance(conn, incident_id, caller)
    return JSONResponse(view, headers={"ETag": etag(version)})


router.include_router(actions.router)
router.include_router(parties.router)
router.include_router(outage_api.router)
