"""The war room's actions (thin): each form becomes one call of a service's own API with the
signed-in party's token, the form's Idempotency-Key and the If-Match of the page it was on. A
refusal re-renders the war room with the problem's title and detail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from . import warroom
from .deps import Console
from .rendering import render
from .services import ApiProblem
from .session import Me, check_csrf

router = APIRouter(include_in_schema=False)
VISIBILITIES = ("internal", "restricted", "shared")


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _required(form: Any, name: str, what: str) -> str:
    value = _text(form, name)
    if value is None:
        raise ApiProblem(422, f"{what} is required", f"fill in {what.lower()} and submit again")
    return value


def _note(form: Any, incident_id: str) -> tuple[str, str, dict]:
    visibility = _text(form, "visibility")
    if visibility not in VISIBILITIES:
        # The composer has no default on purpose: who reads a note is always a choice.
        raise ApiProblem(422, "Choose who may read the note", "pick internal, restricted or shared")
    body = {"body": _required(form, "body", "The note"), "visibility": visibility}
    return "incidents", f"/incidents/{incident_id}/notes", body


def _status(form: Any, incident_id: str) -> tuple[str, str, dict]:
    body = {"status": _required(form, "status", "The status")}
    for name in ("reason", "resolution_code", "resolution_notes"):
        if value := _text(form, name):
            body[name] = value
    return "incidents", f"/incidents/{incident_id}/status", body


def _confirm(form: Any, incident_id: str) -> tuple[str, str, dict]:
    if form.get("decision") == "reject":
        body = {"status": "reopened", "reason": _required(form, "reason", "A reason")}
    else:
        body = {"status": "closed"}
    return "incidents", f"/incidents/{incident_id}/status", body


def _invite(form: Any, incident_id: str) -> tuple[str, str, dict]:
    body: dict[str, Any] = {"partner": _required(form, "partner", "The partner")}
    for name in ("scope", "reason"):
        if value := _text(form, name):
            body[name] = value
    return "incidents", f"/incidents/{incident_id}/collaborators", body


def _revoke(form: Any, incident_id: str) -> tuple[str, str, dict]:
    partner = _required(form, "partner", "The partner")
    body = {"reason": r} if (r := _text(form, "reason")) else {}
    return "incidents", f"/incidents/{incident_id}/collaborators/{partner}/revoke", body


def _link(form: Any, incident_id: str) -> tuple[str, str, dict]:
    outage = _required(form, "outage_id", "The outage")
    return "incidents", f"/provider-incidents/{outage}/links", {"incident_id": incident_id}


ACTIONS: dict[str, Callable[[Any, str], tuple[str, str, dict]]] = {
    "acknowledge": lambda form, i: ("incidents", f"/incidents/{i}/acknowledge", {}),
    "note": _note,
    "status": _status,
    "confirm": _confirm,
    "next-tier": lambda form, i: (
        "escalation",
        f"/incidents/{i}/escalations",
        {"reason": _required(form, "reason", "A reason")},
    ),
    "invite": _invite,
    "revoke": _revoke,
    "link-outage": _link,
}
# Actions that change the incident's own stream: conditional on the version the page showed.
CONDITIONAL = frozenset({"status", "confirm", "invite", "revoke"})


@router.post("/incidents/{incident_id}/war-room/{action}")
async def act(
    request: Request, incident_id: str, action: str, me: Me, console: Console
) -> Response:
    form = await request.form()
    check_csrf(request, form)
    build = ACTIONS.get(action)
    if build is None:
        raise ApiProblem(404, "Not found", f"no action {action!r}")
    try:
        service, path, body = build(form, incident_id)
        await console.services.request(
            me,
            service,
            "POST",
            path,
            json=body,
            idempotency_key=_text(form, "idempotency_key"),
            if_match=_text(form, "if_match") if action in CONDITIONAL else None,
        )
    except ApiProblem as problem:
        if problem.status == 401:
            raise
        view = await warroom.gather(console.services, me, incident_id, console.timeline)
        return render(request, "war_room.html", problem.status, problem, page="war-room", **view)
    # Post/redirect/get: a reload does not submit again.
    return RedirectResponse(f"/incidents/{incident_id}/war-room#{action}", status_code=303)
