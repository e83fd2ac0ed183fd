"""The actions on one incident, one route each: a route turns its path and body into a command and
hands it to the handlers with the request's write context and its If-Match."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from village_platform.headers import if_match_versions
from village_platform.writes import Write, WriteContext

from . import schemas as s
from .deps import Handlers
from .domain import commands as c
from .handlers import IncidentHandlers
from .openapi import COMMAND_RESPONSES, IfMatch, Prefer, prefers_minimal

router = APIRouter(tags=["incident actions"])


async def _act(
    handlers: IncidentHandlers,
    ctx: WriteContext,
    incident_id: str,
    cmd: object,
    if_match: str | None,
    prefer: str | None = None,
) -> Response:
    versions = if_match_versions(if_match, "incident")
    written = await handlers.execute(
        ctx, incident_id, cmd, versions, minimal=prefers_minimal(prefer)
    )
    return written.response()


@router.post(
    "/incidents/{incident_id}/acknowledge",
    summary="Acknowledge (first response)",
    responses=COMMAND_RESPONSES,
)
async def incident_acknowledge(
    incident_id: str,
    body: s.EmptyIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    return await _act(handlers, ctx, incident_id, c.Acknowledge(), if_match, prefer)


@router.post(
    "/incidents/{incident_id}/assign",
    summary="Assign to a party, tier and person",
    responses=COMMAND_RESPONSES,
)
async def incident_assign(
    incident_id: str,
    body: s.AssignIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    cmd = c.Assign(body.party, body.tier, body.assignee)
    return await _act(handlers, ctx, incident_id, cmd, if_match, prefer)


@router.post(
    "/incidents/{incident_id}/escalate", summary="Escalate to a tier", responses=COMMAND_RESPONSES
)
async def incident_escalate(
    incident_id: str,
    body: s.EscalateIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    cmd = c.Escalate(body.to_party, body.to_tier, body.reason, body.decision_id)
    return await _act(handlers, ctx, incident_id, cmd, if_match, prefer)


@router.post("/incidents/{incident_id}/notes", summary="Add a note", responses=COMMAND_RESPONSES)
async def incident_notes(
    incident_id: str,
    body: s.NoteIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    cmd = c.AddNote(str(uuid.uuid4()), body.body, body.visibility)
    return await _act(handlers, ctx, incident_id, cmd, if_match, prefer)


@router.patch(
    "/incidents/{incident_id}/notes/{note_id}",
    summary="Edit your party's note",
    responses=COMMAND_RESPONSES,
)
async def incident_notes_note_id(
    incident_id: str,
    note_id: str,
    body: s.NoteEditIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    return await _act(handlers, ctx, incident_id, c.EditNote(note_id, body.body), if_match, prefer)


@router.post(
    "/incidents/{incident_id}/notes/{note_id}/delete",
    summary="Delete your party's note",
    responses=COMMAND_RESPONSES,
)
async def incident_notes_note_id_delete(
    incident_id: str,
    note_id: str,
    body: s.EmptyIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    return await _act(handlers, ctx, incident_id, c.DeleteNote(note_id), if_match, prefer)


@router.post(
    "/incidents/{incident_id}/status", summary="Change status", responses=COMMAND_RESPONSES
)
async def incident_status(
    incident_id: str,
    body: s.StatusIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    cmd = c.ChangeStatus(body.status, body.reason, body.resolution_code, body.resolution_notes)
    return await _act(handlers, ctx, incident_id, cmd, if_match, prefer)


@router.post(
    "/incidents/{incident_id}/severity", summary="Change severity", responses=COMMAND_RESPONSES
)
async def incident_severity(
    incident_id: str,
    body: s.SeverityIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    cmd = c.ChangeSeverity(body.severity, body.reason)
    return await _act(handlers, ctx, incident_id, cmd, if_match, prefer)


@router.post(
    "/incidents/{incident_id}/impact/start", summary="Downtime started", responses=COMMAND_RESPONSES
)
async def incident_impact_start(
    incident_id: str,
    body: s.ImpactStartIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    cmd = c.StartImpact(body.started_at, body.description)
    return await _act(handlers, ctx, incident_id, cmd, if_match, prefer)


@router.post(
    "/incidents/{incident_id}/impact/end", summary="Downtime ended", responses=COMMAND_RESPONSES
)
async def incident_impact_end(
    incident_id: str,
    body: s.ImpactEndIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    return await _act(handlers, ctx, incident_id, c.EndImpact(body.ended_at), if_match, prefer)


@router.post(
    "/incidents/{incident_id}/collaborators",
    summary="Invite a collaborating partner",
    description="By the owning partner or the provider, or by a collaborator whose own"
    " invitation allowed it (`may_invite`): a hop of the incident's provenance"
    " (`GET /incidents/{id}/provenance`).",
    responses=COMMAND_RESPONSES,
)
async def incident_collaborators(
    incident_id: str,
    body: s.InviteIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    cmd = c.InviteCollaborator(body.partner, body.scope, body.may_invite, body.reason)
    return await _act(handlers, ctx, incident_id, cmd, if_match, prefer)


@router.post(
    "/incidents/{incident_id}/collaborators/{partner}/revoke",
    summary="Revoke a collaborating partner",
    description="By the owning partner or the provider, or by a collaborator above the"
    " partner's hop. Every collaborator the partner invited, and so on below, is revoked with"
    " it, in the same transaction.",
    responses=COMMAND_RESPONSES,
)
async def incident_collaborators_partner_revoke(
    incident_id: str,
    partner: str,
    body: s.RevokeIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    cmd = c.RevokeCollaborator(partner, body.reason)
    return await _act(handlers, ctx, incident_id, cmd, if_match, prefer)


@router.post(
    "/incidents/{incident_id}/rating",
    summary="Rate the resolution (1-5)",
    responses=COMMAND_RESPONSES,
)
async def incident_rating(
    incident_id: str,
    body: s.RatingIn,
    ctx: Write,
    handlers: Handlers,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    return await _act(
        handlers, ctx, incident_id, c.Rate(body.rating, body.reason), if_match, prefer
    )
