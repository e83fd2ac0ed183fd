"""Sign-in and sign-out. Development: choose a demo party and role, signed in with the same
development token `make token` mints. Production: the identity provider (OIDC), see oidc.py."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from village_platform.tokens import mint_development_token, mint_service_token

from .deps import Console
from .rendering import render
from .services import ApiProblem
from .session import check_csrf, sign_in, sign_out

router = APIRouter(include_in_schema=False)
ROLES = ("agent", "admin")


async def directory(console: Console) -> list[dict]:
    """Every party, as the incidents service's directory lists them to a service."""
    token = mint_service_token(console.settings, "console")
    found = await console.services.get(token, "incidents", "/parties")
    return sorted(found["items"], key=lambda p: (p["kind"], p["id"]))


@router.get("/signin")
async def signin_page(request: Request, console: Console) -> Response:
    development = console.settings.is_development
    parties = await directory(console) if development else []
    return render(
        request,
        "signin.html",
        development=development,
        oidc=console.oidc is not None,
        parties=parties,
        roles=ROLES,
    )


@router.post("/signin")
async def signin_development(request: Request, console: Console) -> Response:
    form = await request.form()
    check_csrf(request, form)
    if not console.settings.is_development:
        raise ApiProblem(404, "Not found", "development sign-in is off")
    parties = {p["id"]: p for p in await directory(console)}
    party, role = form.get("party"), form.get("role")
    if party not in parties or role not in ROLES:
        raise ApiProblem(422, "Choose a party and a role", "pick one of each from the lists")
    found = parties[party]
    user = f"{party}-{role}"
    token = mint_development_token(console.settings, party, found["kind"], user=user, roles=[role])
    sign_in(
        request,
        token=token,
        party=party,
        kind=found["kind"],
        name=found["name"],
        role=role,
        user=user,
    )
    return RedirectResponse("/work", status_code=303)


@router.post("/signout")
async def signout(request: Request) -> Response:
    check_csrf(request, await request.form())
    sign_out(request)
    return RedirectResponse("/signin", status_code=303)
