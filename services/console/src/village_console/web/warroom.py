"""What the war room of one incident shows, gathered from each service's API with the signed-in
party's token (each service filters what it answers: the pages add no rule of their own)."""

from __future__ import annotations

import asyncio
from typing import Any

from .services import Services
from .session import SignedIn

TIMELINE_LIMIT = 500
OPEN = ("new", "acknowledged", "in_progress", "pending_customer", "on_hold", "reopened")


async def gather(
    services: Services, me: SignedIn, incident_id: str, own_timeline: Any = None
) -> dict[str, Any]:
    """Raises ApiProblem (404) when the party may not see the incident: nothing else is asked.
    `own_timeline`: the console's joined timeline (every service's entries), when it has one."""
    answer = await services.request(me, "incidents", "GET", f"/incidents/{incident_id}")
    incident = answer.body
    path = f"/incidents/{incident_id}"
    sla, escalations, suggestions, links, timeline, outages = await asyncio.gather(
        services.optional(me, "sla", f"{path}/sla"),
        services.optional(me, "escalation", f"{path}/escalations"),
        services.optional(me, "knowledge", f"{path}/suggestions"),
        services.optional(me, "knowledge", f"{path}/links"),
        _timeline(services, me, incident_id, own_timeline),
        _outages(services, me),
    )
    return {
        "incident": incident,
        "etag": answer.etag,
        "sla": sla,
        "clocks": clocks(sla),
        "lanes": swimlanes(incident, sla, escalations),
        "escalations": escalations,
        "suggestions": (suggestions or {}).get("items", []),
        "links": (links or {}).get("items", []),
        "timeline": timeline,
        "outages": outages,
        "may": permissions(me, incident),
        "collaborators": collaborators(incident),
    }


async def _timeline(
    services: Services, me: SignedIn, incident_id: str, own_timeline: Any
) -> list[dict[str, Any]]:
    """Newest first: the console's own (joined) timeline, else the incidents service's."""
    if own_timeline is not None:
        found = await own_timeline(me.token, incident_id)
        if found is not None:
            return found
    page = await services.optional(
        me, "incidents", f"/incidents/{incident_id}/timeline", limit=TIMELINE_LIMIT
    )
    return list(reversed((page or {}).get("items", [])))


async def _outages(services: Services, me: SignedIn) -> list[dict[str, Any]]:
    if me.kind == "customer":
        return []
    found = await services.optional(me, "incidents", "/provider-incidents", limit=50)
    return [o for o in (found or {}).get("items", []) if o.get("status") != "resolved"]


def clocks(sla: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every clock of every contract the party may see, flattened for the page."""
    found = []
    for contract in (sla or {}).get("contracts", []):
        for clock in contract.get("clocks", []):
            found.append({**clock, "contract": contract})
    return found


def swimlanes(
    incident: dict[str, Any], sla: dict[str, Any] | None, escalations: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One lane per party the viewer knows on the incident: who holds it now, since when, and
    the business time each party held it (the SLA monitor's attribution)."""
    # A customer is not shown the chain: its lanes are the parties its own view names.
    named = [incident.get(k) for k in ("customer", "partner", "provider")]
    parties = list(incident.get("chain") or [p for p in named if p])
    parties += collaborators(incident)
    current = (escalations or {}).get("current") or (sla or {}).get("held_by_now") or {}
    holder = current.get("party") or (incident.get("assignment") or {}).get("party")
    held: dict[str, float] = {}
    for contract in (sla or {}).get("contracts", []):
        for share in contract.get("held", []):
            # Each contract attributes the same time again: the largest share is the party's.
            held[share["party"]] = max(held.get(share["party"], 0.0), share["business_seconds"])
    lanes = []
    for party in dict.fromkeys(parties):
        holds = party == holder
        lanes.append(
            {
                "party": party,
                "holds": holds,
                "tier": current.get("tier") if holds else None,
                "since": current.get("since") if holds else None,
                "age_seconds": current.get("age_seconds") if holds else None,
                "held_seconds": held.get(party),
            }
        )
    total = sum(v for v in held.values()) or 1.0
    for lane in lanes:
        lane["share"] = round(100 * (lane["held_seconds"] or 0) / total)
    return lanes


def collaborators(incident: dict[str, Any]) -> list[str]:
    """The collaborators the viewer may know of (the incident view lists their party ids)."""
    found = incident.get("collaborators") or []
    return [c if isinstance(c, str) else c.get("partner", "") for c in found if c]


def permissions(me: SignedIn, incident: dict[str, Any]) -> dict[str, bool]:
    """Which action forms to show: the same rules the APIs apply, roughly; the API still decides
    (a form it refuses shows its problem)."""
    status = incident.get("status")
    is_open = status in OPEN
    owner = me.party == incident.get("partner")
    provider = me.party == incident.get("provider")
    requester = me.party in (incident.get("requester"), incident.get("customer"))
    return {
        "acknowledge": is_open
        and me.kind != "customer"
        and me.party not in (incident.get("acknowledged_by") or {}),
        "note": status != "closed",
        "status": is_open and me.kind != "customer",
        "next_tier": is_open and (owner or provider),
        "collaborators": is_open and (owner or provider),
        "link_outage": is_open and (owner or provider) and not incident.get("outage_id"),
        "confirm": status == "resolved" and requester,
    }
