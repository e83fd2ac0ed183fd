"""Production identity: party tokens from an identity provider, verified with the public keys it
publishes at its JWKS URL (asymmetric algorithms only; `iss`, `aud` and `exp` checked).

Keys rotate: a token naming a key id not yet seen makes the key set be fetched again (at most
once per `refresh_seconds`, so made-up key ids cannot hammer the provider); the set is fetched
again anyway after `max_age_seconds`, which is how a key the provider removed stops verifying.
PyJWKClient fetches and parses the set; its fetch blocks, so it runs in a worker thread, and the
cache here answers every other request on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import jwt
from jwt import PyJWK, PyJWKClient

from .errors import Problem
from .settings import Settings
from .tokens import TokenIdentity, identity_from_claims, unauthorized

log = logging.getLogger(__name__)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]


class IdentityProviderUnavailable(Exception):
    """The key set could not be fetched and no keys are known yet."""


class SigningKeys:
    """The identity provider's signing keys by key id, cached."""

    def __init__(
        self,
        jwks_url: str,
        *,
        max_age_seconds: float = 300.0,
        refresh_seconds: float = 10.0,
        timeout: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url, self.max_age, self.refresh_after = jwks_url, max_age_seconds, refresh_seconds
        self._client = PyJWKClient(jwks_url, cache_jwk_set=False, timeout=timeout)
        self._monotonic = monotonic
        self._keys: dict[str, PyJWK] = {}
        self._fresh_until = self._no_refetch_until = self._retry_at = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0  # how often the provider was asked (operators and tests read it)

    def _answer_from_cache(self, kid: str) -> bool:
        now = self._monotonic()
        return now < self._fresh_until and (kid in self._keys or now < self._no_refetch_until)

    async def key_for(self, kid: str) -> PyJWK | None:
        """The key `kid`, or None when the provider does not publish it."""
        if not self._answer_from_cache(kid):
            async with self._lock:
                if not self._answer_from_cache(kid):  # nobody fetched while this one waited
                    await self._fetch()
        return self._keys.get(kid)

    def _failed(self, error: Exception) -> None:
        now = self._monotonic()
        self._retry_at = now + self.refresh_after
        if not self._keys:
            raise IdentityProviderUnavailable(f"cannot read {self.url}: {error}") from error
        # Keep verifying with the keys known so far; ask again after `refresh_after`.
        log.warning(
            "identity provider key set unavailable, keeping %d known keys: %s",
            len(self._keys),
            error,
        )
        self._fresh_until = self._no_refetch_until = self._retry_at

    async def _fetch(self) -> None:
        if (
            self._monotonic() < self._retry_at and not self._keys
        ):  # failed a moment ago: no stampede
            raise IdentityProviderUnavailable(f"cannot read {self.url} (retrying shortly)")
        self.fetches += 1
        try:
            keys = await asyncio.to_thread(self._client.get_signing_keys, True)
        except jwt.PyJWTError as exc:
            self._failed(exc)
            return
        now = self._monotonic()
        self._keys = {key.key_id: key for key in keys if key.key_id}
        self._fresh_until, self._no_refetch_until = now + self.max_age, now + self.refresh_after


class IdentityProviderTokens:
    """Verifies party tokens (users' and machine-to-machine clients') from the identity provider."""

    def __init__(self, settings: Settings, keys: SigningKeys | None = None) -> None:
        if not settings.jwks_url:
            raise ValueError("IdentityProviderTokens needs VILLAGE_JWKS_URL")
        self.settings = settings
        self.algorithms = settings.allowed_jwt_algorithms
        self.keys = keys or SigningKeys(
            settings.jwks_url,
            max_age_seconds=settings.jwks_cache_seconds,
            refresh_seconds=settings.jwks_refresh_seconds,
        )

    async def still_published(self, key_id: str) -> bool:
        """Whether the key `key_id` that verified a token is still in the provider's set (read
        again when the cached set is too old): a removed key stops its tokens however kept."""
        try:
            return await self.keys.key_for(key_id) is not None
        except IdentityProviderUnavailable:  # verify() answers this one
            return False

    async def verify(self, token: str) -> TokenIdentity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid bearer token: {exc}") from exc
        if header.get("alg") not in self.algorithms:  # before any key is looked up
            raise unauthorized(f"token algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise unauthorized("the token names no signing key (kid)")
        try:
            key = await self.keys.key_for(kid)
        except IdentityProviderUnavailable as exc:
            raise Problem(
                503,
                "dependency-unavailable",
                f"the identity provider cannot be reached: {exc}",
                headers={"Retry-After": "5"},
            ) from None
        if key is None:
            raise unauthorized(f"the identity provider publishes no key {kid!r}")
        s = self.settings
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=s.jwt_audience,
                issuer=s.jwt_issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid bearer token: {exc}") from exc
        return identity_from_claims(claims, s.party_claim, s.roles_claim, key_id=kid)
