"""Incidents REST API: thin routes that turn requests into commands for the handlers."""


import re
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from village_platform import idempotency
from village_platform.auth import Caller, Principal
from village_platform.errors import Problem, problem_responses
from village_platform.headers import IdempotencyKey, if_match_versions

from . import readmodel
from . import schemas as s
from .domain import commands as c
from .domain.incident import Party
from .handlers import IncidentHandlers, RequestContext, Result, etag, new_incident_id
from .reads import VIEW_NOTES

router = APIRouter()

IfMatch = Annotated[str | None, Header(alias="If-Match", description='The incident\'s ETag (its version, e.g. "3"); 412 when stale')]
CorrelationId = Annotated[str | None, Header(alias="X-Correlation-Id", max_length=200)]

READ_ERRORS = problem_responses(400, 401, 404, 422)
ETAG_HEADER = {"ETag": {"description": 'the incident\'s version, e.g. "3": send it back as If-Match',
                        "schema": {"type": "string"}}}
NOTE_EXAMPLE = {"id": "9a0c6e1f-2b43-4d8e-8f51-6a7b8c9d0e1f", "author_party": "northwind",
                "author_user": "jane.doe", "visibility": "shared",
                "body": "Tunnel flaps every 30 s.", "created_at": "2026-11-23T09:20:41+00:00",
                "edited_at": None}
INCIDENT_EXAMPLE = {
    "id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90", "version": 3, "title": "Branch office VPN down",
    "description": "Site-to-site tunnel to Leeds dropped at 09:12.", "severity": "S1", "product": "routers",
    "impacted_service": "branch-vpn", "status": "acknowledged", "customer": "initech", "partner": "northwind",
    "provider": "acme", "requester": "northwind", "opened_at": "2026-11-23T09:14:02+00:00",
    "updated_at": "2026-11-23T09:20:41+00:00", "resolved_at": None, "closed_at": None,
    "external_refs": [{"owner": "northwind", "type": "servicenow", "id": "INC0012345"}],
    "acknowledged_by": {"northwind": "2026-11-23T09:16:10+00:00"}, "hold_reason": None, "resolution": None,
    "impacts": [], "rating": None,
    "notes": [NOTE_EXAMPLE], "notes_next": None,
    "assignment": {"party": "northwind", "tier": "L1", "assignee": "jane.doe"}, "escalations": [],
    "collaborators": [],
}
INCIDENT_VIEW = {"description": "the incident as you may see it: `notes` are the latest"
                                f" {VIEW_NOTES} you may see, oldest first; `notes_next` is where the older ones"
                                " are (null: there are none)",
                 "headers": ETAG_HEADER, "content": {"application/json": {"example": INCIDENT_EXAMPLE}}}
COMMAND_RESPONSES = {200: INCIDENT_VIEW, **problem_responses(400, 401, 403, 404, 409, 412, 422)}
OPEN_RESPONSES = {
    201: {**INCIDENT_VIEW, "headers": {**ETAG_HEADER, "Location": {"description": "/incidents/{id}",
                                                                    "schema": {"type": "string"}}}},
    **problem_responses(400, 401, 403, 409, 422),
}


def _handlers(request: Request) -> IncidentHandlers:
    return request.app.state.handlers


def _context(request: Request, principal: Principal, key: str | None, correlation: str | None, body: Any) -> RequestContext:
    # The body is fingerprinted only when there is a key to tie it to.
    payload = body.model_dump(mode="json") if key is not None else None
    return RequestContext(
        principal=principal,
        idempotency=idempotency.make_key(principal.party, key, request.method, request.url.path, payload),
        correlation_id=correlation or str(uuid.uuid4()),
    )


def _respond(result: Result) -> JSONResponse:
    headers = dict(result.headers)
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


@router.post("/incidents", status_code=201, summary="Open an incident", responses=OPEN_RESPONSES,
             tags=["incidents"])
async def open_incident(
    request: Request, body: s.OpenIncidentIn, caller: Caller, key: IdempotencyKey = None, correlation: CorrelationId = None
) -> JSONResponse:
    cmd = c.OpenIncident(
        incident_id=new_incident_id(), title=body.title, description=body.description, severity=body.severity,
        product=body.product, impacted_service=body.impacted_service, customer=body.customer,
        external_refs=[r.model_dump() for r in body.external_refs],
    )
    return _respond(await _handlers(request).open(_context(request, caller, key, correlation, body), cmd))


@router.get("/incidents", summary="List incidents you may see", responses=READ_ERRORS, tags=["incidents"])
async def list_incidents(
    request: Request,
    caller: Caller,
    status: s.Status | None = None,
    severity: s.Severity | None = None,
    customer: Annotated[str | None, Query(max_length=100)] = None,
    partner: Annotated[str | None, Query(max_length=100)] = None,
    product: Annotated[str | None, Query(max_length=100)] = None,
    external_id: Annotated[str | None, Query(max_length=200, description="a ticket id in any party's system")] = None,
    external_owner: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    f = readmodel.IncidentFilter(status, severity, customer, partner, product, external_id, external_owner)
    async with request.app.state.engine.connect() as conn:
        items, next_cursor = await readmodel.list_incidents(conn, caller, f, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/incidents/by-external-ref", summary="Find an incident by a party's own ticket id",
            responses={200: INCIDENT_VIEW, **READ_ERRORS}, tags=["incidents"])
async def by_external_ref(
    request: Request, caller: Caller,
    owner: Annotated[str, Query(max_length=100)], type: Annotated[str, Query(max_length=50)],
    id: Annotated[str, Query(max_length=200)],
) -> JSONResponse:
    async with request.app.state.engine.connect() as conn:
        found = await readmodel.external_ref_owner(conn, [{"owner": owner, "type": type, "id": id}])
        if found is None:
            raise Problem(404, "not-found", "no such incident")
        view, version = await _handlers(request).reads.view(conn, found, caller)
    return JSONResponse(view, headers={"ETag": etag(version)})


@router.get("/incidents/{incident_id}", summary="One incident, as you may see it",
            responses={200: INCIDENT_VIEW, **READ_ERRORS}, tags=["incidents"])
async def get_incident(request: Request, incident_id: str, caller: Caller) -> JSONResponse:
    async with request.app.state.engine.connect() as conn:
        view, version = await _handlers(request).reads.view(conn, incident_id, caller)
    return JSONResponse(view, headers={"ETag": etag(version)})


NOTES_PAGE = {
    "description": "a page of the notes you may see; `next_cursor` continues it (null: the end)",
    "content": {"application/json": {"example": {"items": [NOTE_EXAMPLE], "next_cursor": None}}},
}


@router.get("/incidents/{incident_id}/notes", summary="The notes you may see, a page at a time",
            responses={200: NOTES_PAGE, **READ_ERRORS}, tags=["incidents"])
async def list_notes(
    request: Request, incident_id: str, caller: Caller,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    order: Annotated[Literal["asc", "desc"],
                     Query(description="asc: oldest first; desc: newest first")] = "asc",
) -> dict[str, Any]:
    async with request.app.state.engine.connect() as conn:
        return await _handlers(request).reads.notes_page(conn, incident_id, caller, cursor, limit,
                                                         newest_first=order == "desc")


TIMELINE_PAGE = {
    "description": "a page of what happened, as you may see it; `next_cursor` continues it"
                   " (null: the end)",
    "content": {"application/json": {"example": {
        "incident_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90", "next_cursor": None,
        "items": [{"version": 2, "type": "village.incident.acknowledged.v1",
                   "at": "2026-11-23T09:16:10+00:00", "party": "northwind", "user": "jane.doe",
                   "visibility": "shared", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                   "data": {"party": "northwind", "user": "jane.doe"}}],
    }}},
}


@router.get("/incidents/{incident_id}/timeline",
            summary="What happened, as you may see it, a page at a time",
            responses={200: TIMELINE_PAGE, **READ_ERRORS}, tags=["incidents"])
async def timeline(
    request: Request, incident_id: str, caller: Caller,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    async with request.app.state.engine.connect() as conn:
        return await _handlers(request).reads.timeline(conn, incident_id, caller, cursor, limit)


def _command_route(path: str, summary: str, model: type[s.Body], to_command: Any, method: str = "post") -> None:
    async def endpoint(
        request: Request, incident_id: str, body: model, caller: Caller,  # type: ignore[valid-type]
        key: IdempotencyKey = None, if_match: IfMatch = None, correlation: CorrelationId = None,
    ) -> JSONResponse:
        cmd = to_command(body, request.path_params)
        ctx = _context(request, caller, key, correlation, body)
        return _respond(await _handlers(request).execute(ctx, incident_id, cmd, if_match_versions(if_match, "incident")))

    endpoint.__name__ = "incident_" + re.sub(r"\W+", "_", path.strip("/")).strip("_")
    getattr(router, method)(f"/incidents/{{incident_id}}{path}", summary=summary, responses=COMMAND_RESPONSES,
                            tags=["incident actions"])(endpoint)


_command_route("/acknowledge", "Acknowledge (first response)", s.EmptyIn, lambda b, p: c.Acknowledge())
_command_route("/assign", "Assign to a party, tier and person", s.AssignIn,
               lambda b, p: c.Assign(b.party, b.tier, b.assignee))
_command_route("/escalate", "Escalate to a tier", s.EscalateIn,
               lambda b, p: c.Escalate(b.to_party, b.to_tier, b.reason, b.decision_id))
_command_route("/notes", "Add a note", s.NoteIn, lambda b, p: c.AddNote(str(uuid.uuid4()), b.body, b.visibility))
_command_route("/notes/{note_id}", "Edit your party's note", s.NoteEditIn,
               lambda b, p: c.EditNote(p["note_id"], b.body), method="patch")
_command_route("/notes/{note_id}/delete", "Delete your party's note", s.EmptyIn,
               lambda b, p: c.DeleteNote(p["note_id"]))
_command_route("/status", "Change status", s.StatusIn,
               lambda b, p: c.ChangeStatus(b.status, b.reason, b.resolution_code, b.resolution_notes))
_command_route("/severity", "Change severity", s.SeverityIn, lambda b, p: c.ChangeSeverity(b.severity, b.reason))
_command_route("/impact/start", "Downtime started", s.ImpactStartIn,
               lambda b, p: c.StartImpact(b.started_at, b.description))
_command_route("/impact/end", "Downtime ended", s.ImpactEndIn, lambda b, p: c.EndImpact(b.ended_at))
_command_route("/collaborators", "Invite a collaborating partner", s.InviteIn,
               lambda b, p: c.InviteCollaborator(b.partner, b.scope))
_command_route("/collaborators/{partner}/revoke", "Revoke a collaborating partner", s.RevokeIn,
               lambda b, p: c.RevokeCollaborator(p["partner"], b.reason))
_command_route("/rating", "Rate the resolution (1-5)", s.RatingIn, lambda b, p: c.Rate(b.rating, b.reason))


@router.get("/parties", summary="The party directory", responses=problem_responses(401), tags=["parties"])
async def list_parties(request: Request, caller: Caller) -> dict[str, Any]:
    async with request.app.state.engine.connect() as conn:
        directory = await readmodel.load_directory(conn)
    if caller.kind not in ("provider", "service"):
        # Partners and customers learn only of themselves and the parties they work with.
        me = directory.get(caller.party)
        related = {caller.party, *(me.customers if me else ()), me.provider if me else None, me.partner if me else None}
        directory = {k: v for k, v in directory.items() if k in related}
    return {"items": [_party_view(p) for p in directory.values()]}


@router.post("/parties", summary="Register or update a party (provider admins)",
             responses=problem_responses(401, 403, 409, 422), tags=["parties"])
async def register_party(request: Request, body: s.PartyIn, caller: Caller, key: IdempotencyKey = None) -> JSONResponse:
    if not (caller.kind == "service" or (caller.kind == "provider" and caller.has_role("admin"))):
        raise Problem(403, "forbidden", "only provider admins register parties")
    if body.kind == "partner" and not body.provider:
        raise Problem(422, "invalid-party", "a partner names its provider")
    if body.kind == "customer" and not body.partner:
        raise Problem(422, "invalid-party", "a customer names its partner")
    party = Party(id=body.id, kind=body.kind, name=body.name, provider=body.provider, partner=body.partner,
                  customers=tuple(body.customers))

    async def register(conn: Any) -> idempotency.StoredResponse:
        existing = (await readmodel.load_directory(conn, [body.id])).get(body.id)
        if existing and existing.kind != body.kind:
            raise Problem(409, "party-kind-conflict", f"{body.id} is already registered as a {existing.kind}")
        changed = await readmodel.upsert_party(conn, party)
        return idempotency.StoredResponse(201 if existing is None else 200, {**_party_view(party), "changed": changed}, {})

    handlers = _handlers(request)
    response, replayed = await idempotency.run_once(
        request.app.state.engine, _context(request, caller, key, None, body).idempotency,
        handlers.clock.now, handlers.ttl, register,
    )
    return _respond(Result(response.status_code, response.body, response.headers, replayed))


def _party_view(p: Party) -> dict[str, Any]:
    return {"id": p.id, "kind": p.kind, "name": p.name, "provider": p.provider, "partner": p.partner,
            "customers": list(p.customers)}
