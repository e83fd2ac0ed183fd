"""SLA monitor REST API: contracts, an incident's clocks, reports, at-risk clocks, chain check.
Every read shows a party only the contracts it is a party to (services see everything)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from fastapi.encoders import jsonable_encoder
from sqlalchemy import text

from village_platform import idempotency
from village_platform.auth import Caller, Principal
from village_platform.cursors import Cursor, identifier
from village_platform.envelope import Metadata
from village_platform.errors import Problem, problem_responses
from village_platform.headers import IdempotencyKey, if_match_versions
from village_platform.limits import Instant
from village_platform.telemetry import current_traceparent

from . import schemas as s
from .contractbook import ContractNotFound
from .domain.contracts import Terms, chain_shortfalls
from .reports import contract_report
from .views import contract_view, incident_view

router = APIRouter()
IfMatch = Annotated[str | None, Header(alias="If-Match", description='the contract\'s ETag (its version); 412 when stale')]
CONTRACT_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422)
READ_ERRORS = problem_responses(400, 401, 404, 422)
# A report reads the downtime of every month it touches: three years at most (422 beyond).
MAX_REPORT_PERIOD = timedelta(days=1096)
_PERIOD = ("1970 to 2200 (no zone: UTC); `to` - `from` at most 1096 days"
           " (default: this month so far)")


CONTRACTS = Cursor("contracts", identifier(100))  # the list's order: contract id


def _party(caller: Principal) -> str | None:
    return None if caller.kind == "service" else caller.party


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


async def _visible_contract(request: Request, conn: Any, caller: Principal, contract_id: str,
                            version: int | None = None) -> Terms:
    try:
        terms = await request.app.state.book.latest(conn, contract_id, version)
    except ContractNotFound:
        raise Problem(404, "not-found", "no such contract") from None
    if _party(caller) not in (None, terms.provider, terms.customer):
        raise Problem(404, "not-found", "no such contract")  # not 403: its existence is private too
    return terms


def _terms(contract_id: str, version: int, spec: dict[str, Any], effective_from: datetime) -> Terms:
    try:
        return Terms.from_spec(contract_id, version, spec, effective_from)
    except ValueError as exc:
        raise Problem(422, "invalid-contract", str(exc)) from None


def _origin(caller: Principal) -> Metadata:
    return Metadata(actor_party=caller.party, actor_kind=caller.kind, actor_user=caller.user,
                    traceparent=current_traceparent())


def _may_manage(caller: Principal, provider: str) -> None:
    """The owing party's admins manage a contract (they publish what they promise)."""
    if caller.kind == "service":
        return
    if caller.party != provider or not caller.has_role("admin"):
        raise Problem(403, "forbidden", "contracts are managed by the owing party's admins")


async def _record(request: Request, caller: Principal, key: str | None, body: Any, work: Any) -> JSONResponse:
    payload = body.model_dump(mode="json") if key is not None else None
    idem = idempotency.make_key(caller.party, key, request.method, request.url.path, payload)
    app = request.app.state
    response, replayed = await idempotency.run_once(app.engine, idem, app.clock.now, app.idempotency_ttl, work)
    headers = dict(response.headers)
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    if app.relay_doorbell is not None:
        app.relay_doorbell.ring()
    return _json(response.status_code, response.body, headers)


@router.post("/contracts", status_code=201, summary="Register a contract", tags=["contracts"],
             responses=CONTRACT_ERRORS)
async def register_contract(request: Request, body: s.ContractIn, caller: Caller,
                            key: IdempotencyKey = None) -> JSONResponse:
    _may_manage(caller, body.provider)
    now = request.app.state.clock.now()
    contract_id = body.id or str(uuid.uuid4())
    spec = body.model_dump(mode="json", exclude={"id", "effective_from"}, exclude_none=True)
    terms = _terms(contract_id, 1, spec, body.effective_from or now)
    book = request.app.state.book

    async def work(conn: Any) -> idempotency.StoredResponse:
        if await conn.scalar(text("SELECT 1 FROM contracts WHERE contract_id = :c"), {"c": contract_id}):
            raise Problem(409, "contract-exists", f"contract {contract_id} exists; revise it with PUT")
        other = await book.existing_for(conn, terms.kind, terms.provider, terms.customer)
        if other:
            raise Problem(409, "contract-exists",
                          f"{terms.customer} <- {terms.provider} already has {terms.kind} contract {other}")
        await book.record(conn, terms, _origin(caller), now)
        view = jsonable_encoder(contract_view(terms))
        return idempotency.StoredResponse(201, view, {"ETag": f'"{terms.version}"',
                                                      "Location": f"/contracts/{contract_id}"})

    return await _record(request, caller, key, body, work)


@router.put("/contracts/{contract_id}", summary="Revise a contract (a new version)", tags=["contracts"],
            responses=CONTRACT_ERRORS)
async def revise_contract(request: Request, contract_id: str, body: s.ContractRevisionIn, caller: Caller,
                          key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    wanted = if_match_versions(if_match, "contract")
    book, now = request.app.state.book, request.app.state.clock.now()

    async def work(conn: Any) -> idempotency.StoredResponse:
        current = await _visible_contract(request, conn, caller, contract_id)
        _may_manage(caller, current.provider)
        if wanted is not None and current.version not in wanted:
            raise Problem(412, "stale-version", f"the contract is at version {current.version}")
        spec = {**current.to_spec(), **body.model_dump(mode="json", exclude={"effective_from"}, exclude_none=True)}
        effective = body.effective_from or now
        if effective < current.effective_from:
            raise Problem(422, "invalid-contract", "a revision cannot take effect before the version it replaces")
        terms = _terms(contract_id, current.version + 1, spec, effective)
        await book.record(conn, terms, _origin(caller), now)
        return idempotency.StoredResponse(200, jsonable_encoder(contract_view(terms)), {"ETag": f'"{terms.version}"'})

    return await _record(request, caller, key, body, work)


@router.get("/contracts", summary="Contracts you are a party to, by id, a page at a time",
            tags=["contracts"], responses=READ_ERRORS)
async def list_contracts(request: Request, caller: Caller,
                         limit: Annotated[int, Query(ge=1, le=500)] = 100,
                         cursor: Annotated[str | None, Query(max_length=200)] = None
                         ) -> dict[str, Any]:
    after = CONTRACTS.decode_optional(cursor)
    async with request.app.state.engine.connect() as conn:
        found = await request.app.state.book.visible_page(conn, _party(caller), after, limit + 1)
    more = len(found) > limit
    found = found[:limit]
    next_cursor = CONTRACTS.encode(found[-1].contract_id) if more else None
    items = [contract_view(t) for t in found]
    return jsonable_encoder({"items": items, "next_cursor": next_cursor})


@router.get("/contracts/{contract_id}", summary="A contract (latest version, or ?version=)", tags=["contracts"],
            responses=READ_ERRORS)
async def get_contract(request: Request, contract_id: str, caller: Caller,
                       version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None) -> JSONResponse:
    async with request.app.state.engine.connect() as conn:
        terms = await _visible_contract(request, conn, caller, contract_id, version)
    return _json(200, contract_view(terms), {"ETag": f'"{terms.version}"'})


@router.get("/contracts/{contract_id}/versions", summary="Every version of a contract", tags=["contracts"],
            responses=READ_ERRORS)
async def contract_versions(request: Request, contract_id: str, caller: Caller) -> dict[str, Any]:
    async with request.app.state.engine.connect() as conn:
        await _visible_contract(request, conn, caller, contract_id)
        versions = await request.app.state.book.versions(conn, contract_id)
    return jsonable_encoder({"items": [contract_view(t) for t in versions]})


@router.get("/contracts/{contract_id}/report", summary="Attainment, breaches, MTTA/MTTR, downtime, credits",
            tags=["reports"], responses={**s.REPORT_EXAMPLE, **READ_ERRORS})
async def report(request: Request, contract_id: str, caller: Caller,
                 start: Annotated[Instant | None, Query(alias="from", description=_PERIOD)] = None,
                 end: Annotated[Instant | None, Query(alias="to", description=_PERIOD)] = None
                 ) -> dict[str, Any]:
    now = request.app.state.clock.now()
    end = end or now
    start = start or end.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start >= end:
        raise Problem(422, "invalid-period", "`from` must be before `to`")
    if end - start > MAX_REPORT_PERIOD:
        days = MAX_REPORT_PERIOD.days
        raise Problem(422, "period-too-long", f"a report covers at most {days} days", max_days=days)
    async with request.app.state.engine.connect() as conn:
        terms = await _visible_contract(request, conn, caller, contract_id)
        return jsonable_encoder(await contract_report(conn, terms, start, end))


@router.get("/chains", summary="Chain check: underpinning targets that cannot carry the promise",
            tags=["reports"], responses={**s.CHAINS_EXAMPLE, **READ_ERRORS})
async def chains(request: Request, caller: Caller) -> dict[str, Any]:
    """Only the middle party sees a chain: the customer never sees the underpinning terms and
    the provider never sees its partner's customer terms."""
    party = _party(caller)
    async with request.app.state.engine.connect() as conn:
        contracts = await request.app.state.book.visible(conn, party)
    items = []
    for front in (t for t in contracts if t.kind == "customer_facing" and party in (None, t.provider)):
        for back in (t for t in contracts if t.kind == "underpinning" and t.customer == front.provider):
            shortfalls = chain_shortfalls(front, back)
            items.append({
                "customer_facing": front.contract_id, "underpinning": back.contract_id,
                "chain": [front.customer, front.provider, back.provider], "supported": not shortfalls,
                "shortfalls": [{"severity": f.severity, "clock": f.clock,
                                "customer_facing_minutes": f.customer_facing_minutes,
                                "underpinning_minutes": f.underpinning_minutes, "shortfall_minutes": f.minutes}
                               for f in shortfalls],
            })
    return {"items": items}


@router.get("/incidents/{incident_id}/sla", summary="Every clock of every contract covering an incident",
            tags=["incidents"], responses={**s.INCIDENT_SLA_EXAMPLE, **READ_ERRORS})
async def incident_sla(request: Request, incident_id: str, caller: Caller) -> dict[str, Any]:
    app = request.app.state
    async with app.engine.connect() as conn:
        state = await app.projection.load(conn, incident_id)
    party = _party(caller)
    if state is None or party not in (None, state.customer, state.partner, state.provider):
        raise Problem(404, "not-found", "no SLA is tracked for this incident")
    return jsonable_encoder(incident_view(state, app.projection.projector, app.clock.now(), party))


@router.get("/at-risk", summary="Your open clocks closest to breach", tags=["incidents"],
            responses={**s.AT_RISK_EXAMPLE, **READ_ERRORS})
async def at_risk(request: Request, caller: Caller, limit: Annotated[int, Query(ge=1, le=200)] = 20,
                  include_breached: bool = False) -> dict[str, Any]:
    app, party = request.app.state, _party(caller)
    now = app.clock.now()
    async with app.engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT incident_id, contract_id, clock FROM sla_clocks WHERE running"
            " AND (CAST(:p AS text) IS NULL OR owing = :p OR owed = :p)"
            " AND (:breached OR breached_at IS NULL) ORDER BY due_at, incident_id LIMIT :n"),
            {"p": party, "breached": include_breached, "n": limit})).all()
        wanted = {(r.incident_id, r.contract_id, r.clock) for r in rows}
        items = []
        for incident_id in dict.fromkeys(r.incident_id for r in rows):
            state = await app.projection.load(conn, incident_id)
            if state is None:
                continue
            view = incident_view(state, app.projection.projector, now, party)
            items += [{"incident_id": incident_id, "severity": view["severity"], "contract_id": cov["contract_id"],
                       "contract_kind": cov["kind"], "owing_party": cov["owing_party"],
                       "owed_party": cov["owed_party"], **clock}
                      for cov in view["contracts"] for clock in cov["clocks"]
                      if (incident_id, cov["contract_id"], clock["clock"]) in wanted]
    items.sort(key=lambda i: (i["remaining_seconds"], -i["percent"]))
    return jsonable_encoder({"as_of": now, "items": items})
