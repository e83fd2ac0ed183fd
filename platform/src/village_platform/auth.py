"""Who is calling: signed JWT bearer tokens naming the party, its kind and the caller's roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Iterable, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import Problem
from .settings import Settings

PartyKind = Literal["provider", "partner", "customer", "service"]
PARTY_KINDS = ("provider", "partner", "customer", "service")


@dataclass(frozen=True)
class Principal:
    party: str
    kind: PartyKind
    user: str
    roles: frozenset[str]

    def has_role(self, role: str) -> bool:
        return role in self.roles


def mint_token(
    settings: Settings,
    party: str,
    kind: PartyKind,
    *,
    user: str | None = None,
    roles: Iterable[str] = ("agent",),
    ttl: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    now = now or datetime.now(timezone.utc)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": user or f"{party}-user",
        "party": party,
        "party_kind": kind,
        "roles": sorted(roles),
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def decode_token(settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise _unauthorized(f"invalid bearer token: {exc}") from exc
    kind = claims.get("party_kind")
    party = claims.get("party")
    if kind not in PARTY_KINDS or not isinstance(party, str) or not party:
        raise _unauthorized("token names no party or an unknown party kind")
    roles = claims.get("roles") or []
    return Principal(party=party, kind=kind, user=str(claims["sub"]), roles=frozenset(map(str, roles)))


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="village"'})


_bearer = HTTPBearer(auto_error=False, description="JWT from `make token PARTY=<party>`")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("a bearer token is required")
    settings: Settings = request.app.state.settings
    return decode_token(settings, credentials.credentials)


Caller = Annotated[Principal, Depends(current_principal)]
