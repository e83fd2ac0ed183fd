"""The tokens Village signs itself (HS256): development party tokens, and service tokens.

Two keys, two issuers. Party tokens are signed with `VILLAGE_JWT_SECRET` and accepted only in
explicit development mode (production party tokens come from the identity provider, see
jwks.py). Service tokens are signed with `VILLAGE_SERVICE_SECRET` under the issuer and audience
`village-services`; only they make a caller a service, so a party key (leaked or not) mints no
service token and a party token can never claim to be one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from .problems import Problem
from .settings import SERVICE_ISSUER, Settings

SERVICE_TOKEN_TTL = timedelta(minutes=5)  # services outlive any token: they mint new ones
SERVICE_TOKEN_REUSE = timedelta(minutes=1)  # how long a caller sends one token (ServiceAuth)
SERVICE_ROLE = "service"
_STRICT = {"enforce_minimum_key_length": True}


@dataclass(frozen=True)
class TokenIdentity:
    """What a verified token says: the party (or service) and the caller; never the party's kind,
    which the directory decides (`claimed_kind` is kept only to refuse a token that disagrees)."""

    party: str
    user: str
    roles: frozenset[str]
    claimed_kind: str | None = None
    service: bool = False  # a service token (Village's service key), never a party's
    expires: float = 0.0  # the token's `exp` (seconds since the epoch)
    key_id: str | None = None  # the identity provider's key that verified it


def unauthorized(detail: str) -> Problem:
    return Problem(
        401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="village"'}
    )


def unverified_issuer(token: str) -> str | None:
    """The `iss` a token claims, to choose the key that verifies it (nothing is trusted yet)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise unauthorized(f"invalid bearer token: {exc}") from exc
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None


def identity_from_claims(
    claims: dict[str, Any], party_claim: str, roles_claim: str, key_id: str | None = None
) -> TokenIdentity:
    party = claims.get(party_claim)
    if not isinstance(party, str) or not party:
        raise unauthorized(f"the token names no party (claim {party_claim!r})")
    roles = claims.get(roles_claim) or []
    if isinstance(roles, str):  # an OAuth-style space-separated list
        roles = roles.split()
    elif not isinstance(roles, list):
        raise unauthorized(f"the token's roles (claim {roles_claim!r}) are not a list")
    kind = claims.get("party_kind")
    return TokenIdentity(
        party=party,
        user=str(claims["sub"]),
        roles=frozenset(map(str, roles)),
        claimed_kind=kind if isinstance(kind, str) else None,
        expires=float(claims["exp"]),
        key_id=key_id,
    )


# -- development party tokens ----------------------------------------------------------------


def mint_development_token(
    settings: Settings,
    party: str,
    kind: str,
    *,
    user: str | None = None,
    roles: Iterable[str] = ("agent",),
    ttl: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    """A party token signed with the development secret (`make token`, tests). `kind` goes in
    as `party_kind` for the reader's benefit; services take the kind from the directory."""
    now = now or datetime.now(UTC)
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


def verify_development_token(settings: Settings, token: str) -> TokenIdentity:
    if not settings.is_development:  # the settings refuse this already; never rely on one check
        raise unauthorized("development tokens are accepted only with VILLAGE_ENV=development")
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "iss", "aud"], **_STRICT},
        )
    except jwt.PyJWTError as exc:
        raise unauthorized(f"invalid bearer token: {exc}") from exc
    return identity_from_claims(claims, "party", "roles")


# -- service tokens --------------------------------------------------------------------------


def mint_service_token(
    settings: Settings,
    service: str,
    *,
    ttl: timedelta = SERVICE_TOKEN_TTL,
    now: datetime | None = None,
) -> str:
    """A token naming `service` (e.g. `escalation`) as the caller: it sees what services see."""
    now = now or datetime.now(UTC)
    claims = {
        "iss": SERVICE_ISSUER,
        "aud": SERVICE_ISSUER,
        "sub": service,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, settings.service_secret, algorithm="HS256")


def verify_service_token(settings: Settings, token: str) -> TokenIdentity:
    """Checked with the service key, then with the keys still accepted during a rotation."""
    mismatch: jwt.PyJWTError | None = None
    for key in settings.service_verification_keys:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["HS256"],
                audience=SERVICE_ISSUER,
                issuer=SERVICE_ISSUER,
                options={"require": ["exp", "iat", "sub"], **_STRICT},
            )
        except jwt.InvalidSignatureError as exc:
            mismatch = exc  # another key may have signed it
            continue
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid service token: {exc}") from exc
        return TokenIdentity(
            party=str(claims["sub"]),
            user=str(claims["sub"]),
            roles=frozenset({SERVICE_ROLE}),
            service=True,
            expires=float(claims["exp"]),
        )
    raise unauthorized(f"invalid service token: {mismatch}")


class ServiceAuth(httpx.Auth):
    """httpx authentication as a service: a short-lived service token, minted again once it has
    been sent for `SERVICE_TOKEN_REUSE` (a fifth of its life). Sending the same token for a while
    lets the callee answer from its verified tokens (auth.py) instead of checking a new one on
    every request."""

    def __init__(
        self, settings: Settings, service: str, *, now: Callable[[], float] = time.time
    ) -> None:
        self.settings, self.service, self._now = settings, service, now
        self._token, self._renew_at = "", float("-inf")

    def token(self) -> str:
        now = self._now()
        if now >= self._renew_at:
            minted_at = datetime.fromtimestamp(now, UTC)
            self._token = mint_service_token(self.settings, self.service, now=minted_at)
            self._renew_at = now + SERVICE_TOKEN_REUSE.total_seconds()
        return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request
