"""SLA monitor REST API: contracts, an incident's clocks, reports, at-risk clocks, chain check.
Every read shows a party only the contracts it is a party to (services see everything). Routes
translate: commands go to handlers.contracts, reads to the contract book, reports and views."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from village_platform.auth import Caller
from village_platform.cursors import Cursor, identifier
from village_platform.deps import AppClock, Engine
from village_platform.errors import DomainError, problem_responses
from village_platform.headers import if_match_versions
from village_platform.limits import Instant
from village_platform.writes import Write

from . import schemas as s
from .deps import Book, Contracts, Sla
from .domain.commands import RegisterContract, ReviseContract
from .handlers.contracts import party_of, visible_contract
from .reports import at_risk as clocks_at_risk
from .reports import contract_report
from .views import chains_view, contract_view, incident_view

router = APIRouter()
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="the contract's ETag (its version); 412 when stale"),
]
CONTRACT_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422)
READ_ERRORS = problem_responses(400, 401, 404, 422)
# A report reads the downtime of every month it touches: three years at most (422 beyond).
MAX_REPORT_PERIOD = timedelta(days=1096)
_PERIOD = (
    "1970 to 2200 (no zone: UTC); `to` - `from` at most 1096 days (default: this month so far)"
)


CONTRACTS = Cursor("contracts", identifier(100))  # the list's order: contract id


@router.post(
    "/contracts",
    status_code=201,
    summary="Register a contract",
    tags=["contracts"],
    responses=CONTRACT_ERRORS,
)
async def register_contract(body: s.ContractIn, ctx: Write, contracts: Contracts) -> Response:
    spec = body.model_dump(mode="json", exclude={"id", "effective_from"}, exclude_none=True)
    command = RegisterContract(body.id or str(uuid.uuid4()), spec, body.effective_from)
    return (await contracts.register(ctx, command)).response()


@router.put(
    "/contracts/{contract_id}",
    summary="Revise a contract (a new version)",
    tags=["contracts"],
    responses=CONTRACT_ERRORS,
)
async def revise_contract(
    contract_id: str,
    body: s.ContractRevisionIn,
    ctx: Write,
    contracts: Contracts,
    if_match: IfMatch = None,
) -> Response:
    wanted = if_match_versions(if_match, "contract")
    changes = body.model_dump(mode="json", exclude={"effective_from"}, exclude_none=True)
    command = ReviseContract(contract_id, changes, body.effective_from, wanted)
    return (await contracts.revise(ctx, command)).response()


@router.get(
    "/contracts",
    summary="Contracts you are a party to, by id, a page at a time",
    tags=["contracts"],
    responses=READ_ERRORS,
)
async def list_contracts(
    caller: Caller,
    engine: Engine,
    book: Book,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    after = CONTRACTS.decode_optional(cursor)
    async with engine.connect() as conn:
        found = await book.visible_page(conn, party_of(caller), after, limit + 1)
    more = len(found) > limit
    found = found[:limit]
    next_cursor = CONTRACTS.encode(found[-1].contract_id) if more else None
    items = [contract_view(t) for t in found]
    return jsonable_encoder({"items": items, "next_cursor": next_cursor})


@router.get(
    "/contracts/{contract_id}",
    summary="A contract (latest version, or ?version=)",
    tags=["contracts"],
    responses=READ_ERRORS,
)
async def get_contract(
    contract_id: str,
    caller: Caller,
    engine: Engine,
    book: Book,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> JSONResponse:
    async with engine.connect() as conn:
        terms = await visible_contract(conn, book, caller, contract_id, version)
    etag = {"ETag": f'"{terms.version}"'}
    return JSONResponse(jsonable_encoder(contract_view(terms)), headers=etag)


@router.get(
    "/contracts/{contract_id}/versions",
    summary="Every version of a contract",
    tags=["contracts"],
    responses=READ_ERRORS,
)
async def contract_versions(
    contract_id: str, caller: Caller, engine: Engine, book: Book
) -> dict[str, Any]:
    async with engine.connect() as conn:
        await visible_contract(conn, book, caller, contract_id)
        versions = await book.versions(conn, contract_id)
    return jsonable_encoder({"items": [contract_view(t) for t in versions]})


@router.get(
    "/contracts/{contract_id}/report",
    summary="Attainment, breaches, MTTA/MTTR, downtime, credits",
    tags=["reports"],
    responses={**s.REPORT_EXAMPLE, **READ_ERRORS},
)
async def report(
    contract_id: str,
    caller: Caller,
    engine: Engine,
    book: Book,
    clock: AppClock,
    start: Annotated[Instant | None, Query(alias="from", description=_PERIOD)] = None,
    end: Annotated[Instant | None, Query(alias="to", description=_PERIOD)] = None,
) -> dict[str, Any]:
    end = end or clock.now()
    start = start or end.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start >= end:
        raise DomainError.invalid("`from` must be before `to`", "invalid-period")
    if end - start > MAX_REPORT_PERIOD:
        days = MAX_REPORT_PERIOD.days
        raise DomainError(
            422, "period-too-long", f"a report covers at most {days} days", max_days=days
        )
    async with engine.connect() as conn:
        terms = await visible_contract(conn, book, caller, contract_id)
        return jsonable_encoder(await contract_report(conn, terms, start, end))


@router.get(
    "/chains",
    summary="Chain check: underpinning targets that cannot carry the promise, per link pair",
    tags=["reports"],
    responses={**s.CHAINS_EXAMPLE, **READ_ERRORS},
)
async def chains(caller: Caller, engine: Engine, book: Book) -> dict[str, Any]:
    """Only the middle party of two adjacent links sees them: its customer never sees the
    underpinning terms and its supplier never sees its customer terms."""
    party = party_of(caller)
    async with engine.connect() as conn:
        contracts = await book.visible(conn, party)
    return {"items": chains_view(contracts, party)}


@router.get(
    "/incidents/{incident_id}/sla",
    summary="Every clock of every contract covering an incident",
    tags=["incidents"],
    responses={**s.INCIDENT_SLA_EXAMPLE, **READ_ERRORS},
)
async def incident_sla(
    incident_id: str, caller: Caller, engine: Engine, clock: AppClock, sla: Sla
) -> dict[str, Any]:
    async with engine.connect() as conn:
        state = await sla.load(conn, incident_id)
    party = party_of(caller)
    if state is None or (party is not None and party not in state.parties):  # on its chain
        raise DomainError.not_found("no SLA is tracked for this incident")
    return jsonable_encoder(incident_view(state, sla.projector, clock.now(), party))


@router.get(
    "/at-risk",
    summary="Your open clocks closest to breach",
    tags=["incidents"],
    responses={**s.AT_RISK_EXAMPLE, **READ_ERRORS},
)
async def at_risk(
    caller: Caller,
    engine: Engine,
    clock: AppClock,
    sla: Sla,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    include_breached: bool = False,
) -> dict[str, Any]:
    now = clock.now()
    async with engine.connect() as conn:
        items = await clocks_at_risk(conn, sla, party_of(caller), now, limit, include_breached)
    return jsonable_encoder({"as_of": now, "items": items})
