"""Provider incidents (outages) REST API: thin routes that turn requests into commands for the
outage handlers (outages.py) or into a read (outage_reads.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from village_platform.auth import Caller
from village_platform.deps import Engine
from village_platform.headers import if_match_versions
from village_platform.writes import Write

from . import outage_schemas as s
from .deps import OutageReader, Outages
from .domain import commands as c
from .handlers import etag
from .outage_openapi import (
    CANDIDATES,
    COMMAND_RESPONSES,
    CONFIRMATIONS,
    DECLARE_RESPONSES,
    LINKS_PAGE,
    LIST_PAGE,
    OUTAGE_VIEW,
    READ_ERRORS,
    SWARM_ERRORS,
    SWARM_PROVENANCE,
    UPDATE_POSTED,
    UPDATES,
    OutageIfMatch,
)
from .outages import new_outage_id, new_update_id

router = APIRouter(tags=["provider incidents"])
Cursor = Annotated[str | None, Query(max_length=200)]


def _versions(if_match: str | None) -> frozenset[int] | None:
    return if_match_versions(if_match, "provider incident")


@router.post(
    "/provider-incidents",
    status_code=201,
    summary="Declare a provider incident (an outage; the provider's agents)",
    description="Every partner of the provider (each party it supplies directly) learns of it at"
    " once: `village.outage.declared.v1` on its feed and webhooks. Each product must be the"
    " provider's: a supply from it names it, or it supplies every product.",
    responses=DECLARE_RESPONSES,
)
async def declare_outage(body: s.DeclareOutageIn, ctx: Write, outages: Outages) -> JSONResponse:
    cmd = c.DeclareOutage(
        outage_id=new_outage_id(),
        title=body.title,
        description=body.description,
        products=list(body.products),
        severity=body.severity,
        impacted_services=list(body.impacted_services),
        regions=list(body.regions),
        started_at=body.started_at,
    )
    return (await outages.declare(ctx, cmd)).response()


@router.get(
    "/provider-incidents",
    summary="List the provider incidents you may see (yours, or your providers')",
    responses={200: LIST_PAGE, **READ_ERRORS},
)
async def list_outages(
    caller: Caller,
    engine: Engine,
    reads: OutageReader,
    status: s.OutageStatus | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await reads.list(conn, caller, status, cursor, limit)


@router.get(
    "/provider-incidents/{outage_id}",
    summary="One provider incident, as you may see it",
    responses={200: OUTAGE_VIEW, **READ_ERRORS},
)
async def get_outage(
    outage_id: str, caller: Caller, engine: Engine, reads: OutageReader
) -> JSONResponse:
    async with engine.connect() as conn:
        view, version = await reads.view(conn, outage_id, caller)
    return JSONResponse(view, headers={"ETag": etag(version)})


@router.post(
    "/provider-incidents/{outage_id}/status",
    summary="Move the provider incident on, with a public message (its provider's agents)",
    responses=COMMAND_RESPONSES,
)
async def outage_status(
    outage_id: str,
    body: s.OutageStatusIn,
    ctx: Write,
    outages: Outages,
    if_match: OutageIfMatch = None,
) -> JSONResponse:
    cmd = c.ChangeOutageStatus(body.status, body.message)
    return (await outages.change_status(ctx, outage_id, cmd, _versions(if_match))).response()


@router.post(
    "/provider-incidents/{outage_id}/cancel",
    summary="Cancel the provider incident, with a reason (its provider's agents)",
    responses=COMMAND_RESPONSES,
)
async def outage_cancel(
    outage_id: str,
    body: s.OutageCancelIn,
    ctx: Write,
    outages: Outages,
    if_match: OutageIfMatch = None,
) -> JSONResponse:
    cmd = c.CancelOutage(body.reason)
    return (await outages.cancel(ctx, outage_id, cmd, _versions(if_match))).response()


@router.post(
    "/provider-incidents/{outage_id}/links",
    summary="Link an incident to the provider incident (its owning partner, or its provider)",
    description="The incident must be open, of the same provider and linked to no other"
    " provider incident (409). Its own stream gets `outage_linked` in the same transaction:"
    " everyone on it, its customer too, sees that it is part of this outage.",
    responses=COMMAND_RESPONSES,
)
async def outage_link(
    outage_id: str, body: s.LinkIn, ctx: Write, outages: Outages, if_match: OutageIfMatch = None
) -> JSONResponse:
    cmd = c.LinkIncident(body.incident_id)
    return (await outages.link(ctx, outage_id, cmd, _versions(if_match))).response()


@router.delete(
    "/provider-incidents/{outage_id}/links/{incident_id}",
    summary="Unlink an incident, with a reason in the JSON body (its owner, or the provider)",
    responses=COMMAND_RESPONSES,
)
async def outage_unlink(
    outage_id: str,
    incident_id: str,
    body: s.UnlinkIn,
    ctx: Write,
    outages: Outages,
    if_match: OutageIfMatch = None,
) -> JSONResponse:
    cmd = c.UnlinkIncident(incident_id, body.reason)
    return (await outages.unlink(ctx, outage_id, cmd, _versions(if_match))).response()


@router.get(
    "/provider-incidents/{outage_id}/links",
    summary="The linked incidents you work (the provider: all), a page at a time",
    responses={200: LINKS_PAGE, **READ_ERRORS},
)
async def outage_links(
    outage_id: str,
    caller: Caller,
    engine: Engine,
    reads: OutageReader,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await reads.links_page(conn, outage_id, caller, cursor, limit)


@router.get(
    "/provider-incidents/{outage_id}/candidates",
    summary="Open incidents that look like the outage, best first, that you could link",
    responses={200: CANDIDATES, **READ_ERRORS},
)
async def outage_candidates(
    outage_id: str,
    caller: Caller,
    engine: Engine,
    reads: OutageReader,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await reads.candidates(conn, outage_id, caller, limit)


@router.post(
    "/provider-incidents/{outage_id}/swarm",
    status_code=201,
    summary="Invite a partner's engineers to swarm on the outage (its provider's agents, or a"
    " swarming partner whose hop allows it)",
    description="A hop of the outage's provenance: who invited whom, when, why, with which scope"
    " and certification. The invitee is a partner the provider supplies directly, certified (in"
    " the inviter's word, recorded) for one of the outage's products. While its hop is live it"
    " sees the outage as a partner does. Answers the provenance as the inviter may see it.",
    responses={201: SWARM_PROVENANCE, **SWARM_ERRORS},
)
async def outage_swarm(
    outage_id: str, body: s.SwarmIn, ctx: Write, outages: Outages, if_match: OutageIfMatch = None
) -> JSONResponse:
    cmd = c.InviteToSwarm(
        body.partner, body.certification, body.reason, body.scope, body.may_invite
    )
    return (await outages.invite_to_swarm(ctx, outage_id, cmd, _versions(if_match))).response()


@router.post(
    "/provider-incidents/{outage_id}/swarm/{hop_id}/revoke",
    summary="Revoke a swarm hop and every hop below it (the provider: any; a swarming partner:"
    " those below its own)",
    responses={200: SWARM_PROVENANCE, **SWARM_ERRORS},
)
async def outage_swarm_revoke(
    outage_id: str,
    hop_id: str,
    body: s.SwarmRevokeIn,
    ctx: Write,
    outages: Outages,
    if_match: OutageIfMatch = None,
) -> JSONResponse:
    cmd = c.RevokeSwarmHop(hop_id, body.reason)
    return (await outages.revoke_swarm_hop(ctx, outage_id, cmd, _versions(if_match))).response()


@router.get(
    "/provider-incidents/{outage_id}/provenance",
    summary="Who invited which partner to swarm, when, why, with which scope, as you may see it",
    responses={200: SWARM_PROVENANCE, **READ_ERRORS},
)
async def outage_provenance(
    outage_id: str, caller: Caller, engine: Engine, reads: OutageReader
) -> JSONResponse:
    async with engine.connect() as conn:
        view, version = await reads.provenance(conn, outage_id, caller)
    return JSONResponse(view, headers={"ETag": etag(version)})


@router.post(
    "/provider-incidents/{outage_id}/updates",
    status_code=201,
    summary="Post an update to every linked incident (the provider's agents)",
    description="`village.outage.update_posted.v1`, and each incident linked now gets it as a"
    " note from the provider, once (restricted for `partners`, shared for `customers`), in"
    " bounded batches after the answer. A retried request (Idempotency-Key) posts nothing new.",
    responses=UPDATE_POSTED,
)
async def outage_update(
    outage_id: str, body: s.OutageUpdateIn, ctx: Write, outages: Outages
) -> JSONResponse:
    cmd = c.PostOutageUpdate(new_update_id(), body.body, body.audience)
    return (await outages.post_update(ctx, outage_id, cmd)).response()


@router.get(
    "/provider-incidents/{outage_id}/updates",
    summary="The provider incident's updates, each with how many linked incidents have it",
    responses={200: UPDATES, **READ_ERRORS},
)
async def outage_updates(
    outage_id: str, caller: Caller, engine: Engine, reads: OutageReader
) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await reads.updates(conn, outage_id, caller)


@router.post(
    "/provider-incidents/{outage_id}/resolve",
    summary="Resolve the provider incident and every linked incident still open",
    description="`village.outage.resolved.v1`; then each linked incident still open is resolved"
    " by the provider with this code and notes (the escalation service hands it back to the"
    " partner tier it came from) and its requester is asked, in a shared note, to confirm"
    " (close) or reject (reopen with a reason: it is unlinked and goes back to the ladder).",
    responses=COMMAND_RESPONSES,
)
async def outage_resolve(
    outage_id: str,
    body: s.OutageResolveIn,
    ctx: Write,
    outages: Outages,
    if_match: OutageIfMatch = None,
) -> JSONResponse:
    cmd = c.ResolveOutage(body.resolution_code, body.resolution_notes, body.message)
    return (await outages.resolve(ctx, outage_id, cmd, _versions(if_match))).response()


@router.get(
    "/provider-incidents/{outage_id}/confirmations",
    summary="How the requesters answered the resolution (the provider: per partner; a partner:"
    " its own)",
    responses={200: CONFIRMATIONS, **READ_ERRORS},
)
async def outage_confirmations(
    outage_id: str, caller: Caller, engine: Engine, reads: OutageReader
) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await reads.confirmations(conn, outage_id, caller)
