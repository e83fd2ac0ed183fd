"""The actions on one incident, one route each: a route turns its path and body into a command and
hands it to `act`, the handlers with the request's write context, If-Match and Prefer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from village_platform import idempotency
from village_platform.auth import Caller
from village_platform.errors import DomainError, Problem
from village_platform.headers import Prefer, if_match_versions, prefers_minimal
from village_platform.writes import Write, WriteContext, Written

from . import batch
from . import schemas as s
from .deps import Handlers
from .domain import commands as c
from .handlers import IncidentHandlers
from .openapi import BATCH_RESPONSES, COMMAND_RESPONSES, IfMatch

router = APIRouter(tags=["incident actions"])


@dataclass(frozen=True)
class Action:
    """What every action on one incident shares: the request's write context, the handlers, and
    its If-Match and Prefer headers, parsed when the action runs (after the body is valid)."""

    ctx: WriteContext
    handlers: IncidentHandlers
    if_match: str | None
    prefer: str | None

    async def __call__(self, incident_id: str, cmd: object) -> Response:
        versions = if_match_versions(self.if_match, "incident")
        minimal = prefers_minimal(self.prefer)
        written = await self.handlers.execute(self.ctx, incident_id, cmd, versions, minimal=minimal)
        return written.response()


async def _action(
    ctx: Write, handlers: Handlers, if_match: IfMatch = None, prefer: Prefer = None
) -> Action:
    return Action(ctx, handlers, if_match, prefer)


Act = Annotated[Action, Depends(_action)]


@router.post(
    "/incidents/{incident_id}/acknowledge",
    summary="Acknowledge (first response)",
    responses=COMMAND_RESPONSES,
)
async def incident_acknowledge(incident_id: str, body: s.EmptyIn, act: Act) -> Response:
    return await act(incident_id, c.Acknowledge())


@router.post(
    "/incidents/{incident_id}/assign",
    summary="Assign to a party, tier and person",
    responses=COMMAND_RESPONSES,
)
async def incident_assign(incident_id: str, body: s.AssignIn, act: Act) -> Response:
    cmd = c.Assign(body.party, body.tier, body.assignee)
    return await act(incident_id, cmd)


@router.post(
    "/incidents/{incident_id}/escalate", summary="Escalate to a tier", responses=COMMAND_RESPONSES
)
async def incident_escalate(incident_id: str, body: s.EscalateIn, act: Act) -> Response:
    cmd = c.Escalate(body.to_party, body.to_tier, body.reason, body.decision_id)
    return await act(incident_id, cmd)


@router.post("/incidents/{incident_id}/notes", summary="Add a note", responses=COMMAND_RESPONSES)
async def incident_notes(incident_id: str, body: s.NoteIn, act: Act) -> Response:
    return await act(incident_id, c.AddNote.new(body.body, body.visibility))


@router.patch(
    "/incidents/{incident_id}/notes/{note_id}",
    summary="Edit your party's note",
    responses=COMMAND_RESPONSES,
)
async def incident_notes_note_id(
    incident_id: str, note_id: str, body: s.NoteEditIn, act: Act
) -> Response:
    return await act(incident_id, c.EditNote(note_id, body.body))


@router.post(
    "/incidents/{incident_id}/notes/{note_id}/delete",
    summary="Delete your party's note",
    responses=COMMAND_RESPONSES,
)
async def incident_notes_note_id_delete(
    incident_id: str, note_id: str, body: s.EmptyIn, act: Act
) -> Response:
    return await act(incident_id, c.DeleteNote(note_id))


@router.post(
    "/incidents/{incident_id}/status", summary="Change status", responses=COMMAND_RESPONSES
)
async def incident_status(incident_id: str, body: s.StatusIn, act: Act) -> Response:
    cmd = c.ChangeStatus(body.status, body.reason, body.resolution_code, body.resolution_notes)
    return await act(incident_id, cmd)


@router.post(
    "/incidents/{incident_id}/severity", summary="Change severity", responses=COMMAND_RESPONSES
)
async def incident_severity(incident_id: str, body: s.SeverityIn, act: Act) -> Response:
    cmd = c.ChangeSeverity(body.severity, body.reason)
    return await act(incident_id, cmd)


@router.post(
    "/incidents/{incident_id}/impact/start", summary="Downtime started", responses=COMMAND_RESPONSES
)
async def incident_impact_start(incident_id: str, body: s.ImpactStartIn, act: Act) -> Response:
    cmd = c.StartImpact(body.started_at, body.description)
    return await act(incident_id, cmd)


@router.post(
    "/incidents/{incident_id}/impact/end", summary="Downtime ended", responses=COMMAND_RESPONSES
)
async def incident_impact_end(incident_id: str, body: s.ImpactEndIn, act: Act) -> Response:
    return await act(incident_id, c.EndImpact(body.ended_at))


@router.post(
    "/incidents/{incident_id}/collaborators",
    summary="Invite a collaborating partner",
    description="By the owning partner or the provider, or by a collaborator whose own"
    " invitation allowed it (`may_invite`): a hop of the incident's provenance"
    " (`GET /incidents/{id}/provenance`).",
    responses=COMMAND_RESPONSES,
)
async def incident_collaborators(incident_id: str, body: s.InviteIn, act: Act) -> Response:
    cmd = c.InviteCollaborator(body.partner, body.scope, body.may_invite, body.reason)
    return await act(incident_id, cmd)


@router.post(
    "/incidents/{incident_id}/collaborators/{partner}/revoke",
    summary="Revoke a collaborating partner",
    description="By the owning partner or the provider, or by a collaborator above the"
    " partner's hop. Every collaborator the partner invited, and so on below, is revoked with"
    " it, in the same transaction.",
    responses=COMMAND_RESPONSES,
)
async def incident_collaborators_partner_revoke(
    incident_id: str, partner: str, body: s.RevokeIn, act: Act
) -> Response:
    cmd = c.RevokeCollaborator(partner, body.reason)
    return await act(incident_id, cmd)


@router.post(
    "/incidents/{incident_id}/rating",
    summary="Rate the resolution (1-5)",
    responses=COMMAND_RESPONSES,
)
async def incident_rating(incident_id: str, body: s.RatingIn, act: Act) -> Response:
    return await act(incident_id, c.Rate(body.rating, body.reason))


@router.post(
    "/incident-commands",
    summary="Many commands at once, each to one incident (the village's services only)",
    description=(
        "Assignments and escalations, each as its own route would take it with "
        "`Prefer: return=minimal` and its `idempotency_key` as Idempotency-Key, in one "
        "transaction. Each is answered on its own, in order: 204 with the incident's new "
        "`etag`, or the problem its route would answer; a retry with the same key, here or "
        "on the route, gets the stored answer. Parties' tokens are refused (403)."
    ),
    responses=BATCH_RESPONSES,
)
async def incident_commands(
    body: s.CommandsIn, request: Request, caller: Caller, handlers: Handlers
) -> dict[str, Any]:
    if caller.kind != "service":
        raise DomainError.forbidden("only the village's services send commands in batches")
    raw = (await request.json())["commands"]  # each key fingerprints its body as sent
    commands = [
        batch.Command(
            WriteContext(
                caller,
                idempotency.make_key(
                    caller.party,
                    item.idempotency_key,
                    "POST",
                    f"/incidents/{item.incident_id}/{item.action}",
                    sent["body"],
                ),
                traceparent=item.traceparent,
            ),
            item.incident_id,
            _command(item),
        )
        for item, sent in zip(body.commands, raw, strict=True)
    ]
    answers = await batch.execute_many(handlers, caller, commands)
    return {"results": [_result(a) for a in answers]}


def _command(item: s.BatchAssign | s.BatchEscalate) -> object:
    if isinstance(item, s.BatchAssign):
        return c.Assign(item.body.party, item.body.tier, item.body.assignee)
    b = item.body
    return c.Escalate(b.to_party, b.to_tier, b.reason, b.decision_id)


def _result(answer: Written | Problem) -> dict[str, Any]:
    if isinstance(answer, Problem):
        return {"status": answer.status, "problem": answer.body(None)}
    return {
        "status": answer.status_code,
        "etag": answer.headers["ETag"],
        "replayed": answer.replayed,
    }
