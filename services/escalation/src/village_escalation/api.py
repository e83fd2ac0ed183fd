"""Escalation REST API: each party's tiers and rules and each provider's profile of a partner
(versioned), queues, an incident's escalation path, and manual escalation. Partners never see
each other's, nor providers each other's. Each route translates its input and calls the service
(configuration.py, handlers.py, views.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from village_platform.auth import Caller, Principal
from village_platform.errors import Problem, problem_responses
from village_platform.writes import Write

from .configbook import Version
from .dependencies import Configurations, Process, Views
from .domain.config import ProfileDoc, RulesDoc, TiersDoc
from .examples import (
    PATH_EXAMPLE,
    PROFILE_EXAMPLE,
    QUEUE_EXAMPLE,
    QUEUES_EXAMPLE,
    REQUEST_EXAMPLE,
    example,
)
from .schemas import EscalationRequestIn

router = APIRouter()
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="the document's ETag (its version); 412 when stale"),
]
PartyId = Annotated[str, Path(min_length=1, max_length=50)]
IncidentId = Annotated[str, Path(max_length=100)]
AtVersion = Annotated[int | None, Query(ge=1, le=1_000_000)]
ProviderId = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=50,
        description="whose profile of the partner: a provider that supplies it (a provider"
        " reads and writes only its own)",
    ),
]
CONFIG_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422, 503)
READ_ERRORS = problem_responses(400, 401, 404, 422)
CONFIG = ["configuration"]


def _document(found: Version) -> JSONResponse:
    return JSONResponse(jsonable_encoder(found.view()), headers={"ETag": f'"{found.version}"'})


def _history(found: list[Version]) -> dict[str, Any]:
    return jsonable_encoder({"items": [v.view() for v in found]})


def _viewer(caller: Principal) -> str | None:
    """Whose incidents the caller sees: the ones its party owns or provides (None: all)."""
    return None if caller.kind == "service" else caller.party


# --------------------------------------------------------------------------- tiers


@router.get(
    "/parties/{party}/tiers",
    summary="A party's tiers and their escalation policies (latest, or ?version=)",
    tags=CONFIG,
    responses=READ_ERRORS,
)
async def read_tiers(
    party: PartyId, caller: Caller, configs: Configurations, version: AtVersion = None
) -> JSONResponse:
    return _document(await configs.read(caller, party, "tiers", version))


@router.get(
    "/parties/{party}/tiers/versions",
    summary="Every version of a party's tiers and their escalation policies",
    tags=CONFIG,
    responses=READ_ERRORS,
)
async def tiers_history(party: PartyId, caller: Caller, configs: Configurations) -> dict[str, Any]:
    return _history(await configs.versions(caller, party, "tiers"))


@router.put(
    "/parties/{party}/tiers",
    summary="Set a party's tiers and their escalation policies"
    " (a new version; new incidents use it)",
    tags=CONFIG,
    responses=CONFIG_ERRORS,
)
async def write_tiers(
    party: PartyId, body: TiersDoc, ctx: Write, configs: Configurations, if_match: IfMatch = None
) -> Response:
    return (await configs.revise(ctx, party, "tiers", body, if_match)).response()


# --------------------------------------------------------------------------- profile
# One profile of a partner per provider that supplies it: a provider reads and writes its own; the
# partner reads each (`?provider=`, by default its registered provider's, else its only one's).


@router.get(
    "/parties/{party}/profile",
    summary="A provider's profile of a partner (level, specialisations) (latest, or ?version=)",
    tags=CONFIG,
    responses=READ_ERRORS | example(PROFILE_EXAMPLE),
)
async def read_profile(
    party: PartyId,
    caller: Caller,
    configs: Configurations,
    version: AtVersion = None,
    provider: ProviderId = None,
) -> JSONResponse:
    return _document(await configs.read(caller, party, "profile", version, provider))


@router.get(
    "/parties/{party}/profile/versions",
    summary="Every version of a provider's profile of a partner (level, specialisations)",
    tags=CONFIG,
    responses=READ_ERRORS,
)
async def profile_history(
    party: PartyId, caller: Caller, configs: Configurations, provider: ProviderId = None
) -> dict[str, Any]:
    return _history(await configs.versions(caller, party, "profile", provider))


@router.get(
    "/parties/{party}/profiles",
    summary="The latest profile of a partner by each provider you may read it of (the partner:"
    " every one; a provider: its own)",
    tags=CONFIG,
    responses=READ_ERRORS | example({"items": [PROFILE_EXAMPLE]}),
)
async def read_profiles(party: PartyId, caller: Caller, configs: Configurations) -> dict[str, Any]:
    return _history(await configs.profiles(caller, party))


@router.put(
    "/parties/{party}/profile",
    summary="Set your profile of a partner you supply (level, specialisations): a new version"
    " of your own profile of it; new incidents of your products use it",
    tags=CONFIG,
    responses=CONFIG_ERRORS | example(PROFILE_EXAMPLE),
)
async def write_profile(
    party: PartyId,
    body: ProfileDoc,
    ctx: Write,
    configs: Configurations,
    if_match: IfMatch = None,
    provider: ProviderId = None,
) -> Response:
    return (await configs.revise(ctx, party, "profile", body, if_match, provider)).response()


# --------------------------------------------------------------------------- rules


@router.get(
    "/parties/{party}/rules",
    summary="A party's routing rules (latest, or ?version=)",
    tags=CONFIG,
    responses=READ_ERRORS,
)
async def read_rules(
    party: PartyId, caller: Caller, configs: Configurations, version: AtVersion = None
) -> JSONResponse:
    return _document(await configs.read(caller, party, "rules", version))


@router.get(
    "/parties/{party}/rules/versions",
    summary="Every version of a party's routing rules",
    tags=CONFIG,
    responses=READ_ERRORS,
)
async def rules_history(party: PartyId, caller: Caller, configs: Configurations) -> dict[str, Any]:
    return _history(await configs.versions(caller, party, "rules"))


@router.put(
    "/parties/{party}/rules",
    summary="Set a party's routing rules (a new version; new incidents use it)",
    tags=CONFIG,
    responses=CONFIG_ERRORS,
)
async def write_rules(
    party: PartyId, body: RulesDoc, ctx: Write, configs: Configurations, if_match: IfMatch = None
) -> Response:
    return (await configs.revise(ctx, party, "rules", body, if_match)).response()


# --------------------------------------------------------------------------- queues


@router.get(
    "/queues",
    summary="The queues you may see, with how many incidents each holds now",
    tags=["queues"],
    responses=READ_ERRORS | example(QUEUES_EXAMPLE),
)
async def list_queues(caller: Caller, views: Views) -> dict[str, Any]:
    return jsonable_encoder({"items": await views.queues(_viewer(caller))})


@router.get(
    "/queues/{party}/{tier}",
    summary="The incidents at a tier now, with their age and SLA remaining",
    tags=["queues"],
    responses=READ_ERRORS | example(QUEUE_EXAMPLE),
)
async def read_queue(
    party: PartyId,
    tier: Annotated[str, Path(min_length=1, max_length=50)],
    caller: Caller,
    views: Views,
) -> dict[str, Any]:
    # A partner reads its own queues. A provider may look into those of the parties working its
    # incidents (its partners), seeing only its own incidents there; another provider's queue,
    # or a stranger's, is not found (not an empty queue echoing the tier it was asked for).
    if caller.kind not in ("service", "provider") and caller.party != party:
        raise Problem(404, "not-found", f"no queue {party} {tier}")
    items = await views.queue(party, tier, _viewer(caller))
    if items is None:
        raise Problem(404, "not-found", f"no queue {party} {tier}")
    return jsonable_encoder({"party": party, "tier": tier, "items": items})


# --------------------------------------------------------------------------- incidents


@router.get(
    "/incidents/{incident_id}/escalations",
    summary="The path an incident took, with the reasons",
    tags=["incidents"],
    responses=READ_ERRORS | example(PATH_EXAMPLE),
)
async def incident_escalations(
    incident_id: IncidentId, caller: Caller, views: Views
) -> dict[str, Any]:
    found = await views.incident(incident_id, _viewer(caller))
    if found is None:
        raise Problem(404, "not-found", "no such incident")
    return jsonable_encoder(found)


@router.post(
    "/incidents/{incident_id}/escalations",
    status_code=202,
    tags=["incidents"],
    summary="Ask for escalation to the next tier (the owning partner or the provider),"
    " with a reason",
    responses=problem_responses(400, 401, 403, 404, 409, 422) | example(REQUEST_EXAMPLE, 202),
)
async def request_escalation(
    incident_id: IncidentId, body: EscalationRequestIn, ctx: Write, process: Process
) -> Response:
    return (await process.request(ctx, incident_id, body.reason)).response()
