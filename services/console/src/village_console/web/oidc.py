"""Production sign-in: OpenID Connect authorization code with PKCE (S256) against the identity
provider's discovery document, by authlib. The access token the provider issues is the party
token the services verify (their VILLAGE_JWKS_URL); the party and roles come from the ID token's
claims (VILLAGE_PARTY_CLAIM, VILLAGE_ROLES_CLAIM) and the party's kind from the directory."""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from village_platform.settings import Settings

from .config import WebSettings
from .deps import Console
from .services import ApiProblem
from .session import sign_in
from .signin import directory

router = APIRouter(include_in_schema=False)


def oidc_client(web: WebSettings) -> Any | None:
    if not (web.oidc_discovery_url and web.oidc_client_id):
        return None
    oauth = OAuth()
    kwargs: dict[str, Any] = {"scope": web.oidc_scope, "code_challenge_method": "S256"}
    if not web.oidc_client_secret:  # a public client: PKCE is its proof
        kwargs["token_endpoint_auth_method"] = "none"
    return oauth.register(
        "village",
        server_metadata_url=web.oidc_discovery_url,
        client_id=web.oidc_client_id,
        client_secret=web.oidc_client_secret,
        client_kwargs=kwargs,
    )


@router.get("/signin/oidc")
async def oidc_start(request: Request, console: Console) -> Response:
    if console.oidc is None:
        raise ApiProblem(404, "Not found", "OIDC sign-in is not configured")
    return await console.oidc.authorize_redirect(request, str(request.url_for("oidc_callback")))


@router.get("/signin/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, console: Console) -> Response:
    if console.oidc is None:
        raise ApiProblem(404, "Not found", "OIDC sign-in is not configured")
    try:
        token = await console.oidc.authorize_access_token(request)
    except OAuthError as exc:
        raise ApiProblem(400, "Sign-in failed", exc.description or exc.error) from exc
    identity = _identity(console.settings, token.get("userinfo") or {})
    party, roles = identity
    kinds = {p["id"]: p for p in await directory(console)}
    if party not in kinds:
        raise ApiProblem(403, "Unknown party", f"party {party!r} is not in the directory")
    sign_in(
        request,
        token=token["access_token"],
        party=party,
        kind=kinds[party]["kind"],
        name=kinds[party]["name"],
        role=" ".join(roles) or "member",
        user=str(token["userinfo"].get("sub", "")),
    )
    return RedirectResponse("/work", status_code=303)


def _identity(settings: Settings, claims: dict[str, Any]) -> tuple[str, list[str]]:
    party = claims.get(settings.party_claim)
    if not isinstance(party, str) or not party:
        raise ApiProblem(403, "No party", f"the ID token names no party ({settings.party_claim})")
    roles = claims.get(settings.roles_claim) or []
    roles = roles.split() if isinstance(roles, str) else [str(r) for r in roles]
    return party, roles
