"""Who is calling: a bearer token names the party (or the service) and the caller's roles; the
party directory says what kind of party it is.

- Party tokens come from the identity provider (`VILLAGE_JWKS_URL`, jwks.py) or, in explicit
  development mode only, are HS256 development tokens (`make token`, tokens.py).
- Service tokens are signed with the services' own key (tokens.py); they alone make a caller a
  `service`, which sees everything.
- A party's kind is the directory's, never the token's: a party the directory does not know is
  refused, and so is a token whose `party_kind` claim disagrees with the directory.
- A token is verified once, not on every request: what it was verified as is kept, keyed by the
  whole token, until it expires and for at most `VERIFIED_TOKEN_SECONDS`; an identity provider's
  token only while its key is still published. The directory is asked on every request.

Routes take `caller: Caller`; the service's `Authenticator` is built in its lifespan (Runtime).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal, Protocol

from cachetools import TLRUCache
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import Problem
from .jwks import IdentityProviderTokens
from .settings import SERVICE_ISSUER, Settings
from .tokens import (
    TokenIdentity,
    mint_development_token,
    mint_service_token,
    unauthorized,
    unverified_issuer,
    verify_development_token,
    verify_service_token,
)

log = logging.getLogger(__name__)
PartyKind = Literal["provider", "partner", "customer", "service"]
PARTY_KINDS = ("provider", "partner", "customer", "service")
DIRECTORY_KINDS = frozenset({"provider", "partner", "customer"})  # what a party can be
VERIFIED_TOKEN_SECONDS = 60.0
VERIFIED_TOKENS = 4096  # callers' tokens kept at once (the least recently used go first)


@dataclass(frozen=True)
class Principal:
    party: str
    kind: PartyKind
    user: str
    roles: frozenset[str]

    def has_role(self, role: str) -> bool:
        return role in self.roles


class PartyKinds(Protocol):
    """The directory's answer to "what kind of party is this?" (None: no such party). May raise
    a 503 Problem when the directory cannot be read now."""

    async def kind_of(self, party: str) -> str | None: ...


class KnownParties:
    """A fixed directory (tests, tools): party id -> kind."""

    def __init__(self, kinds: Mapping[str, str]) -> None:
        self.kinds = dict(kinds)

    async def kind_of(self, party: str) -> str | None:
        return self.kinds.get(party)


class Authenticator:
    """Turns a bearer token into a Principal: verified signature, party kind from the directory."""

    def __init__(
        self,
        settings: Settings,
        kinds: PartyKinds,
        identity_provider: IdentityProviderTokens | None = None,
        *,
        now: Callable[[], float] = time.time,  # the tokens' clock (`exp`), as PyJWT reads it
    ) -> None:
        self.settings, self.kinds = settings, kinds
        self.identity_provider = identity_provider or (
            IdentityProviderTokens(settings) if settings.jwks_url else None
        )
        self._verified: TLRUCache[str, TokenIdentity] = TLRUCache(
            VERIFIED_TOKENS, _keep_until, timer=now
        )
        self.verifications = 0  # signatures checked (tests read it)

    async def principal(self, token: str) -> Principal:
        identity = await self._identity(token)
        if identity.service:
            return Principal(identity.party, "service", identity.user, identity.roles)
        kind = await self.kinds.kind_of(identity.party)
        if kind not in DIRECTORY_KINDS:
            raise Problem(
                403, "unknown-party", f"party {identity.party!r} is not in the party directory"
            )
        if identity.claimed_kind is not None and identity.claimed_kind != kind:
            log.warning(
                "refused a token of %s claiming party_kind %r (the directory says %r)",
                identity.party,
                identity.claimed_kind,
                kind,
            )
            raise Problem(
                403,
                "party-kind-mismatch",
                f"the token's party_kind {identity.claimed_kind!r} is not the directory's",
            )
        party_kind: PartyKind = kind  # type: ignore[assignment]  # one of DIRECTORY_KINDS
        return Principal(identity.party, party_kind, identity.user, identity.roles)

    async def _identity(self, token: str) -> TokenIdentity:
        """The token's verified identity: kept from an earlier request, or checked now."""
        known, provider = self._verified.get(token), self.identity_provider
        if known is not None:
            if known.key_id is None:  # Village's own keys: fixed while the process runs
                return known
            if provider is not None and await provider.still_published(known.key_id):
                return known
        self.verifications += 1
        if unverified_issuer(token) == SERVICE_ISSUER:
            identity = verify_service_token(self.settings, token)
        elif provider is not None:
            identity = await provider.verify(token)
        else:
            identity = verify_development_token(self.settings, token)
        self._verified[token] = identity
        return identity


def _keep_until(_token: str, identity: TokenIdentity, now: float) -> float:
    return min(identity.expires, now + VERIFIED_TOKEN_SECONDS)


def mint_token(
    settings: Settings,
    party: str,
    kind: PartyKind,
    *,
    user: str | None = None,
    roles: Iterable[str] = ("agent",),
    ttl: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    """A development token for `party` (accepted only in development mode); `kind="service"`
    gives a service token instead, signed with the services' key (roles are then `service`)."""
    ttl = ttl or timedelta(hours=12)
    if kind == "service":
        return mint_service_token(settings, party, ttl=ttl, now=now)
    return mint_development_token(settings, party, kind, user=user, roles=roles, ttl=ttl, now=now)


_bearer = HTTPBearer(
    auto_error=False,
    description="JWT from your identity provider (`make token PARTY=<party>` in development)",
)


async def authenticator(request: Request) -> Authenticator:
    """The service's Authenticator (built in its lifespan)."""
    return request.app.state.authenticator


async def current_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    auth: Annotated[Authenticator, Depends(authenticator)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("a bearer token is required")
    return await auth.principal(credentials.credentials)


Caller = Annotated[Principal, Depends(current_principal)]
