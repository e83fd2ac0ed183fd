"""The console's pages (thin): each asks the services with the signed-in party's token and
renders what they answer."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from village_platform.deps import Engine

from . import warroom
from .deps import Console
from .live import since_now
from .rendering import render
from .session import Me, SignedIn

router = APIRouter(include_in_schema=False)
SEVERITIES = ("S1", "S2", "S3", "S4")
STATUSES = warroom.OPEN + ("resolved", "closed", "cancelled")


@router.get("/")
async def home(request: Request) -> Response:
    return RedirectResponse("/work" if request.session.get("token") else "/signin", 303)


@router.get("/work")
async def my_work(
    request: Request,
    me: Me,
    console: Console,
    engine: Engine,
    status: str = "",
    severity: str = "",
    tier: str = "",
) -> Response:
    since = await since_now(engine)  # before the reads: the page's stream starts here
    status = status if status in STATUSES else ""
    severity = severity if severity in SEVERITIES else ""
    services = console.services
    listed, at_risk, queues, outages = await asyncio.gather(
        services.get(me, "incidents", "/incidents", status=status, severity=severity, limit=200),
        services.optional(me, "sla", "/at-risk", limit=200),
        services.optional(me, "escalation", "/queues"),
        services.optional(me, "incidents", "/provider-incidents", limit=50),
    )
    tiers = await _my_tiers(services, me, queues)
    soonest: dict[str, dict[str, Any]] = {}
    for clock in (at_risk or {}).get("items", []):  # closest to breach first
        soonest.setdefault(clock["incident_id"], clock)
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in listed["items"]:
        item["tier"] = tiers.get(item["id"], "not in my queues")
        item["soonest"] = soonest.get(item["id"])
        if tier and item["tier"] != tier:
            continue
        groups.setdefault(item["tier"], []).append(item)
    for items in groups.values():
        items.sort(key=lambda i: (i["soonest"] or {}).get("remaining_seconds", float("inf")))
    return render(
        request,
        "work.html",
        page="work",
        since=since,
        groups=sorted(groups.items(), key=lambda g: (g[0] == "not in my queues", g[0])),
        tiers=sorted(set(tiers.values())),
        outages=(outages or {}).get("items", []),
        filters={"status": status, "severity": severity, "tier": tier},
        statuses=STATUSES,
        severities=SEVERITIES,
    )


async def _my_tiers(services: Any, me: SignedIn, queues: dict | None) -> dict[str, str]:
    """incident id -> my party's tier holding it now (the escalation service's queues)."""
    mine = [q for q in (queues or {}).get("items", []) if q["party"] == me.party]
    answers = await asyncio.gather(
        *(services.optional(me, "escalation", f"/queues/{q['party']}/{q['tier']}") for q in mine)
    )
    return {
        item["incident_id"]: answer["tier"]
        for answer in answers
        if answer
        for item in answer.get("items", [])
    }


@router.get("/incidents/{incident_id}/war-room")
async def war_room(
    request: Request, incident_id: str, me: Me, console: Console, engine: Engine
) -> Response:
    since = await since_now(engine)  # before the read: the page's stream starts here
    view = await warroom.gather(console.services, me, incident_id, console.timeline)
    return render(request, "war_room.html", page="war-room", since=since, **view)


@router.get("/incidents/{incident_id}/war-room/live-part")
async def war_room_part(request: Request, incident_id: str, me: Me, console: Console) -> Response:
    """The war room's live sections alone: what the page swaps in when an update arrives."""
    view = await warroom.gather(console.services, me, incident_id, console.timeline)
    return render(request, "war_room_live.html", **view)


@router.get("/outages/{outage_id}")
async def outage(request: Request, outage_id: str, me: Me, console: Console) -> Response:
    services, path = console.services, f"/provider-incidents/{outage_id}"
    found = await services.get(me, "incidents", path)
    updates, confirmations = await asyncio.gather(
        services.optional(me, "incidents", f"{path}/updates"),
        services.optional(me, "incidents", f"{path}/confirmations"),
    )
    return render(
        request,
        "outage.html",
        page="outage",
        outage=found,
        updates=(updates or {}).get("items", []),
        confirmations=confirmations,
    )


@router.get("/contracts")
async def contracts(request: Request, me: Me, console: Console) -> Response:
    services = console.services
    found, chains = await asyncio.gather(
        services.get(me, "sla", "/contracts"), services.optional(me, "sla", "/chains")
    )
    items = found.get("items", [])
    reports = await asyncio.gather(
        *(services.optional(me, "sla", f"/contracts/{_contract_id(c)}/report") for c in items)
    )
    return render(
        request,
        "contracts.html",
        page="contracts",
        contracts=list(zip(items, reports, strict=True)),
        chains=(chains or {}).get("items", []),
    )


def _contract_id(contract: dict[str, Any]) -> str:
    return contract.get("id") or contract.get("contract_id") or ""
