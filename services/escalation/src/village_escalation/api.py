"""Escalation REST API: each party's tiers, profile and rules (versioned), its queues, an
incident's escalation path, and manual escalation. Partners never see each other's.

No `from __future__ import annotations` here: the configuration routes are made by a factory
whose body type is a variable, which FastAPI must see as a class, not a string."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from village_platform import idempotency
from village_platform.auth import Caller, Principal
from village_platform.errors import Problem, problem_responses
from village_platform.headers import IdempotencyKey, if_match_versions

from . import views
from .domain.config import ProfileDoc, RulesDoc, TiersDoc
from .domain.escalation import DomainError
from .schemas import EscalationRequestIn

router = APIRouter()
IfMatch = Annotated[str | None, Header(alias="If-Match", description="the document's ETag (its version); 412 when stale")]
PartyId = Annotated[str, Path(min_length=1, max_length=50)]
CONFIG_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422, 503)
READ_ERRORS = problem_responses(400, 401, 404, 422)
_ID = "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90"
_ROUTE = {
    "decision_id": "75cd3eef-4f3e-5988-b143-d9e7fb34c460", "kind": "route", "trigger": "opened", "from": None,
    "to": {"party": "acme", "tier": "TAC L2"},
    "basis": {"type": "rule", "party": "acme", "id": "s1-uncertified", "version": 1},
    "reason": "S1 for firewalls: northwind is not certified for firewalls (rule s1-uncertified of acme, v1)",
    "decided_at": "2026-11-23T09:14:02+00:00", "status": "applied", "outcome_at": "2026-11-23T09:14:02.120000+00:00",
    "problem": None}
PATH_EXAMPLE = {
    "incident_id": _ID, "severity": "S1", "product": "firewalls", "status": "new",
    "current": {"party": "acme", "tier": "TAC L2", "since": "2026-11-23T09:14:02.150000+00:00", "age_seconds": 312.5},
    "pinned_versions": {"tiers/acme": 1, "rules/acme": 1, "tiers/northwind": 1, "rules/northwind": 1,
                        "profile/northwind": 1},
    "path": [{"party": "acme", "tier": "TAC L2", "at": "2026-11-23T09:14:02.150000Z",
              "decision_id": "75cd3eef-4f3e-5988-b143-d9e7fb34c460"}],
    "decisions": [_ROUTE]}
QUEUE_EXAMPLE = {"party": "acme", "tier": "TAC L2", "items": [{
    "incident_id": _ID, "title": "Perimeter firewall drops VPN traffic", "severity": "S1", "product": "firewalls",
    "customer": "initech", "partner": "northwind", "status": "new", "opened_at": "2026-11-23T09:14:02+00:00",
    "at_tier_since": "2026-11-23T09:14:02.150000+00:00", "age_seconds": 312.5,
    "sla": {"contract_id": "northwind-acme", "clock": "respond", "due_at": "2026-11-23T09:44:02.150000+00:00",
            "remaining_seconds": 1487.5}}]}
QUEUES_EXAMPLE = {"items": [{"party": "acme", "tier": "TAC L2", "incidents": 3,
                             "oldest_entered_at": "2026-11-23T09:14:02.150000+00:00"}]}


def _example(example: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    return {status: {"content": {"application/json": {"example": example}}}}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


async def _may_read(request: Request, caller: Principal, party: str, kind: str) -> None:
    """A party reads its own documents, a provider its partners' too, and a partner its
    provider's tiers (its rules route to them). Anything else is a 404, existence included."""
    if caller.kind == "service" or caller.party == party:
        return
    if caller.kind == "provider" or (kind == "tiers" and caller.kind == "partner"):
        directory = await _directory(request)
        if caller.kind == "provider" and (directory.get(party) or {}).get("provider") == caller.party:
            return
        if caller.kind == "partner" and (directory.get(caller.party) or {}).get("provider") == party:
            return
    raise Problem(404, "not-found", f"no {kind} for {party}")


async def _may_write(request: Request, caller: Principal, party: str, kind: str) -> str:
    """Who may write, and the provider `party` works for (a partner's rules may route to it)."""
    if caller.kind == "service":
        directory = await _directory(request)
        return (directory.get(party) or {}).get("provider") or party
    if not caller.has_role("admin"):
        raise Problem(403, "forbidden", "escalation configuration is managed by admins")
    if kind == "profile":
        directory = await _directory(request)
        partner = directory.get(party) or {}
        if caller.kind != "provider" or partner.get("kind") != "partner" or partner.get("provider") != caller.party:
            raise Problem(403, "forbidden", "a partner's profile is managed by its provider's admins")
        return caller.party
    if caller.party != party or caller.kind not in ("provider", "partner"):
        raise Problem(403, "forbidden", f"{kind} are managed by the party's own admins")
    if caller.kind == "provider":
        return party
    return (await _directory(request)).get(party, {}).get("provider") or party


async def _directory(request: Request) -> dict[str, dict[str, Any]]:
    return await request.app.state.incidents.parties.for_request()


def _config_routes(kind: str, model: type[BaseModel], summary: str) -> None:
    @router.get(f"/parties/{{party}}/{kind}", summary=f"A party's {summary} (latest, or ?version=)",
                tags=["configuration"], responses=READ_ERRORS)
    async def read(request: Request, party: PartyId, caller: Caller,
                   version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None) -> JSONResponse:
        await _may_read(request, caller, party, kind)
        book = request.app.state.book
        async with request.app.state.engine.connect() as conn:
            found = await (book.get(conn, party, kind, version) if version else book.current(conn, party, kind))
        if found is None:
            raise Problem(404, "not-found", f"no {kind} for {party}" + (f" at version {version}" if version else ""))
        return _json(200, found.view(), {"ETag": f'"{found.version}"'})

    @router.get(f"/parties/{{party}}/{kind}/versions", summary=f"Every version of a party's {summary}",
                tags=["configuration"], responses=READ_ERRORS)
    async def history(request: Request, party: PartyId, caller: Caller) -> dict[str, Any]:
        await _may_read(request, caller, party, kind)
        async with request.app.state.engine.connect() as conn:
            found = await request.app.state.book.versions(conn, party, kind)
        if not found:
            raise Problem(404, "not-found", f"no {kind} for {party}")
        return jsonable_encoder({"items": [v.view() for v in found]})

    @router.put(f"/parties/{{party}}/{kind}", summary=f"Set a party's {summary} (a new version; new incidents use it)",
                tags=["configuration"], responses=CONFIG_ERRORS)
    async def write(request: Request, party: PartyId, body: model, caller: Caller,  # type: ignore[valid-type]
                    key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
        wanted = if_match_versions(if_match, kind)
        provider = await _may_write(request, caller, party, kind)
        document: BaseModel = body
        if kind == "rules":
            try:
                document = RulesDoc.for_owner(body.model_dump(mode="json"), party, provider)
            except ValidationError as exc:
                raise Problem(422, "invalid-rules", "; ".join(e["msg"] for e in exc.errors())) from None
        app = request.app.state

        async def work(conn: Any) -> idempotency.StoredResponse:
            current = await app.book.current(conn, party, kind)
            version = current.version if current else 0
            if wanted is not None and version not in wanted:
                raise Problem(412, "stale-version", f"the {kind} of {party} are at version {version}")
            stored = await app.book.record(conn, party, kind, document, version + 1, (caller.party, caller.user),
                                           provider, app.clock.now())
            return idempotency.StoredResponse(201 if version == 0 else 200, jsonable_encoder(stored.view()),
                                              {"ETag": f'"{stored.version}"'})

        payload = body.model_dump(mode="json") if key is not None else None
        idem = idempotency.make_key(caller.party, key, request.method, request.url.path, payload)
        response, replayed = await idempotency.run_once(app.engine, idem, app.clock.now, app.idempotency_ttl, work)
        app.relay_doorbell.ring()
        headers = dict(response.headers) | ({"Idempotent-Replayed": "true"} if replayed else {})
        return _json(response.status_code, response.body, headers)


_config_routes("tiers", TiersDoc, "tiers and their escalation policies")
_config_routes("profile", ProfileDoc, "partner profile (level, specialisations)")
_config_routes("rules", RulesDoc, "routing rules")


@router.get("/queues", summary="The queues you may see, with how many incidents each holds now",
            tags=["queues"], responses=READ_ERRORS | _example(QUEUES_EXAMPLE))
async def list_queues(request: Request, caller: Caller) -> dict[str, Any]:
    async with request.app.state.engine.connect() as conn:
        return jsonable_encoder({"items": await views.queues(conn, _viewer(caller))})


@router.get("/queues/{party}/{tier}", summary="The incidents at a tier now, with their age and SLA remaining",
            tags=["queues"], responses=READ_ERRORS | _example(QUEUE_EXAMPLE))
async def read_queue(request: Request, party: PartyId, tier: Annotated[str, Path(min_length=1, max_length=50)],
                     caller: Caller) -> dict[str, Any]:
    # A provider may look into its partners' queues, seeing only its own incidents there.
    if caller.kind not in ("service", "provider") and caller.party != party:
        raise Problem(404, "not-found", f"no queue {party} {tier}")
    async with request.app.state.engine.connect() as conn:
        items = await views.queue(conn, party, tier, _viewer(caller), request.app.state.clock.now())
    return jsonable_encoder({"party": party, "tier": tier, "items": items})


@router.get("/incidents/{incident_id}/escalations", summary="The path an incident took, with the reasons",
            tags=["incidents"], responses=READ_ERRORS | _example(PATH_EXAMPLE))
async def incident_escalations(request: Request, incident_id: Annotated[str, Path(max_length=100)],
                               caller: Caller) -> dict[str, Any]:
    async with request.app.state.engine.connect() as conn:
        found = await views.incident(conn, incident_id, _viewer(caller), request.app.state.clock.now())
    if found is None:
        raise Problem(404, "not-found", "no such incident")
    return jsonable_encoder(found)


@router.post("/incidents/{incident_id}/escalations", status_code=202, tags=["incidents"],
             summary="Ask for escalation to the next tier (the owning partner or the provider), with a reason",
             responses=problem_responses(400, 401, 403, 404, 409, 422) | _example({
                 **{k: v for k, v in _ROUTE.items() if k in ("decision_id", "reason")}, "incident_id": _ID,
                 "kind": "escalate", "trigger": "manual", "from": {"party": "acme", "tier": "TAC L2"},
                 "to": {"party": "acme", "tier": "Engineering L3"},
                 "basis": {"type": "manual", "requested_by": "northwind", "user": "nina"},
                 "at": "2026-11-23T09:20:00+00:00"}, 202))
async def request_escalation(request: Request, incident_id: Annotated[str, Path(max_length=100)],
                             body: EscalationRequestIn, caller: Caller, key: IdempotencyKey = None) -> JSONResponse:
    if caller.kind not in ("partner", "provider"):
        raise Problem(403, "forbidden", "escalation is requested by the owning partner or the provider")
    app = request.app.state
    request_id = key or str(uuid.uuid4())

    async def work(conn: Any) -> idempotency.StoredResponse:
        try:
            decision = await app.process.request(conn, incident_id, body.reason, caller.party, caller.user, request_id)
        except DomainError as exc:
            raise Problem(exc.status, exc.kind, exc.detail) from None
        if decision is None:
            raise Problem(404, "not-found", "no such incident")
        return idempotency.StoredResponse(202, decision.to_event_data(), {
            "Location": f"/incidents/{incident_id}/escalations"})

    idem = idempotency.make_key(caller.party, key, request.method, request.url.path, body.model_dump(mode="json"))
    response, replayed = await idempotency.run_once(app.engine, idem, app.clock.now, app.idempotency_ttl, work)
    app.relay_doorbell.ring()
    app.sender.wake()
    headers = dict(response.headers) | ({"Idempotent-Replayed": "true"} if replayed else {})
    return _json(response.status_code, response.body, headers)


def _viewer(caller: Principal) -> str | None:
    """Whose incidents the caller sees: the ones its party owns or provides (None: all)."""
    return None if caller.kind == "service" else caller.party
