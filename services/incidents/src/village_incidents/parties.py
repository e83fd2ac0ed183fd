"""The party directory's routes: who may know of whom, the registration (provider admins), and
the supplies between parties (the supplier's admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from village_platform.auth import Caller
from village_platform.deps import Engine, Store
from village_platform.errors import problem_responses
from village_platform.writes import Write

from . import readmodel
from . import schemas as s
from .deps import Parties, Supplies
from .domain.incident import Party
from .domain.supply import DIRECTORY_STREAM, Supply
from .views import parties_seen_by, supplies_seen_by

router = APIRouter(tags=["parties"])


@router.get("/parties", summary="The party directory", responses=problem_responses(401))
async def list_parties(caller: Caller, engine: Engine) -> dict[str, Any]:
    async with engine.connect() as conn:
        directory = await readmodel.load_directory(conn)
        supplies = await readmodel.load_supplies(conn, directory=directory)
    return {"items": parties_seen_by(directory, caller, supplies)}


@router.post(
    "/parties",
    summary="Register or update a party (provider admins)",
    responses=problem_responses(401, 403, 409, 422),
)
async def register_party(body: s.PartyIn, ctx: Write, parties: Parties) -> JSONResponse:
    party = Party(
        id=body.id,
        kind=body.kind,
        name=body.name,
        provider=body.provider,
        partner=body.partner,
        customers=tuple(body.customers),
    )
    return (await parties.register(ctx, party)).response()


@router.get(
    "/supplies",
    summary="The supplies you are party to (as supplier or buyer)",
    responses=problem_responses(401),
)
async def list_supplies(caller: Caller, engine: Engine, store: Store) -> dict[str, Any]:
    async with engine.connect() as conn:
        supplies = await readmodel.load_supplies(conn)
        version = await store.head(conn, DIRECTORY_STREAM)
    return {"items": supplies_seen_by(supplies, caller), "version": version}


@router.post(
    "/supplies",
    summary="Register a supply, or change its products (the supplier's admins)",
    responses=problem_responses(401, 403, 409, 422),
)
async def register_supply(body: s.SupplyIn, ctx: Write, supplies: Supplies) -> JSONResponse:
    products = frozenset(body.products) if body.products is not None else None
    return (await supplies.register(ctx, Supply(body.supplier, body.buyer, products))).response()


@router.post(
    "/supplies/end",
    summary="End a registered supply (the supplier's admins); open incidents keep their chain",
    responses=problem_responses(401, 403, 404, 422),
)
async def end_supply(body: s.SupplyEndIn, ctx: Write, supplies: Supplies) -> JSONResponse:
    return (await supplies.end(ctx, body.supplier, body.buyer)).response()
