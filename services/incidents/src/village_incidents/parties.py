"""The party directory's routes: who may know of whom, and the registration (provider admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from village_platform.auth import Caller
from village_platform.deps import Engine
from village_platform.errors import problem_responses
from village_platform.writes import Write

from . import readmodel
from . import schemas as s
from .deps import Parties
from .domain.incident import Party
from .views import parties_seen_by

router = APIRouter(tags=["parties"])


@router.get("/parties", summary="The party directory", responses=problem_responses(401))
async def list_parties(caller: Caller, engine: Engine) -> dict[str, Any]:
    async with engine.connect() as conn:
        directory = await readmodel.load_directory(conn)
    return {"items": parties_seen_by(directory, caller)}


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
