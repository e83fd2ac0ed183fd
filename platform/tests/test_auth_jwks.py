"""Production identity against a real JWKS endpoint (an HTTP server in this process): asymmetric
keys, rotation, caching, `iss`/`aud`/`alg` checks, development tokens refused, machine clients,
and the party's kind from the directory. Time in the key cache is moved, not slept."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from village_devstack import demo
from village_devstack.identity_provider import IdentityProvider, new_key
from village_platform.auth import Authenticator, KnownParties, Principal
from village_platform.errors import Problem
from village_platform.jwks import IdentityProviderTokens, SigningKeys
from village_platform.settings import Settings
from village_platform.tokens import mint_service_token

DIRECTORY = KnownParties({p.id: p.kind for p in demo.PARTIES})
SERVICE_SECRET = "the-services-own-secret-" + "s" * 24
CACHE_SECONDS, REFRESH_SECONDS = 300.0, 10.0


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def production_settings(idp: IdentityProvider, **overrides: str) -> Settings:
    env = {
        "VILLAGE_ENV": "production",
        "VILLAGE_SERVICE_SECRET": SERVICE_SECRET,
        **idp.service_env(),
        **overrides,
    }
    return Settings(**env)


class Verifier:
    """A production Authenticator on the test's identity provider, with a clock to move."""

    def __init__(self, idp: IdentityProvider, **overrides: str) -> None:
        self.settings = production_settings(idp, **overrides)
        self.clock = Ticker()
        self.keys = SigningKeys(
            idp.jwks_url,
            max_age_seconds=CACHE_SECONDS,
            refresh_seconds=REFRESH_SECONDS,
            monotonic=self.clock,
        )
        self.auth = Authenticator(
            self.settings, DIRECTORY, IdentityProviderTokens(self.settings, self.keys)
        )

    async def principal(self, token: str) -> Principal:
        return await self.auth.principal(token)

    async def refused(self, token: str, status: int = 401, kind: str = "unauthorized") -> str:
        with pytest.raises(Problem) as caught:
            await self.auth.principal(token)
        assert (caught.value.status, caught.value.kind) == (status, kind), caught.value.detail
        return caught.value.detail


@pytest.fixture
def verifier(identity_provider: IdentityProvider) -> Verifier:
    return Verifier(identity_provider)


async def test_a_user_token_from_the_identity_provider_names_party_user_and_roles(
    identity_provider, verifier
):
    token = identity_provider.token(
        "northwind", subject="jane@northwind.example", roles=["agent", "admin"]
    )
    assert await verifier.principal(token) == Principal(
        "northwind", "partner", "jane@northwind.example", frozenset({"agent", "admin"})
    )


async def test_rsa_and_ec_keys_verify(identity_provider, verifier):
    ec = identity_provider.rotate("ES256")
    assert (
        await verifier.principal(identity_provider.token("acme", kid=ec.kid))
    ).kind == "provider"
    assert jwt.get_unverified_header(identity_provider.token("acme", kid=ec.kid))["alg"] == "ES256"


async def test_rotation_new_keys_are_picked_up_and_old_ones_verify_until_removed(
    identity_provider, verifier
):
    old = identity_provider.current
    assert (await verifier.principal(identity_provider.token("initech"))).party == "initech"
    assert identity_provider.jwks_requests == 1

    verifier.clock.now += REFRESH_SECONDS  # (a key set read this moment is not read again at once)
    new = identity_provider.rotate()  # the provider publishes a new key and signs with it
    assert (await verifier.principal(identity_provider.token("initech"))).party == "initech"
    assert identity_provider.jwks_requests == 2  # an unknown kid: the key set was read again
    assert (
        await verifier.principal(identity_provider.token("initech", kid=old.kid))
    ).party == "initech"

    kept = identity_provider.token("initech", subject="kept", kid=old.kid)
    assert (await verifier.principal(kept)).party == "initech"  # verified, and kept (auth.py)
    identity_provider.retire(old.kid)  # the provider stops publishing the old key
    # Until the cached set expires the old key still verifies (no request per token)...
    assert (
        await verifier.principal(identity_provider.token("initech", kid=old.kid))
    ).party == "initech"
    assert identity_provider.jwks_requests == 2
    verifier.clock.now += CACHE_SECONDS
    # ...then the set is read again and tokens of the removed key are refused, the one the
    # authenticator had kept too.
    detail = await verifier.refused(identity_provider.token("initech", kid=old.kid))
    assert old.kid in detail
    assert old.kid in await verifier.refused(kept)
    assert (
        await verifier.principal(identity_provider.token("initech", kid=new.kid))
    ).party == "initech"
    assert identity_provider.jwks_requests == 3


async def test_the_key_set_is_cached_and_made_up_key_ids_do_not_hammer_the_provider(
    identity_provider, verifier
):
    token = identity_provider.token("northwind")
    await asyncio.gather(*(verifier.principal(token) for _ in range(20)))
    assert identity_provider.jwks_requests == 1  # concurrent first requests share one fetch
    unknown = identity_provider.token("northwind", key=new_key())  # a kid never published
    # A kid nobody publishes: one refetch after the cool-down, never one per token.
    for _ in range(5):
        await verifier.refused(unknown)
    assert identity_provider.jwks_requests == 1
    verifier.clock.now += REFRESH_SECONDS
    for _ in range(5):
        await verifier.refused(unknown)
    assert identity_provider.jwks_requests == 2


@pytest.mark.parametrize(
    "claims,reason",
    [
        ({"iss": "https://evil.example/"}, "issuer"),
        ({"aud": "another-api"}, "audience"),
        ({"exp": 1_000_000_000}, "expired"),
    ],
)
async def test_wrong_issuer_audience_or_expiry_is_refused(
    identity_provider, verifier, claims, reason
):
    assert reason in (await verifier.refused(identity_provider.token("acme", **claims))).lower()


async def test_missing_claims_are_refused(identity_provider, verifier):
    await verifier.refused(identity_provider.token(None))  # no party claim
    signed = jwt.encode(
        {
            "iss": identity_provider.issuer,
            "aud": identity_provider.audience,
            "party": "acme",
            "sub": "x",
        },
        identity_provider.current.private_key,
        algorithm="RS256",
        headers={"kid": identity_provider.current.kid},
    )
    assert "exp" in await verifier.refused(signed)  # no expiry


def _claims(idp: IdentityProvider, party: str) -> dict:
    return jwt.decode(idp.token(party), options={"verify_signature": False})


async def test_only_the_configured_asymmetric_algorithms_are_accepted(identity_provider, verifier):
    claims = _claims(identity_provider, "acme")
    kid = identity_provider.current.kid
    # HS256 with the development secret: development tokens do not count in production.
    await verifier.refused(demo.token("acme"))
    await verifier.refused(
        jwt.encode(
            claims,
            "village-dev-secret-change-me-in-production-0123456789",
            algorithm="HS256",
            headers={"kid": kid},
        )
    )
    # HS256 keyed with the provider's public key (the algorithm-confusion attack).
    public_pem = identity_provider.current.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": kid})
    payload = _b64(claims)
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    confused = f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert "not accepted" in await verifier.refused(confused)
    # alg "none", unsigned.
    await verifier.refused(f"{_b64({'alg': 'none', 'kid': kid})}.{payload}.")
    assert identity_provider.jwks_requests == 0  # all refused before any key was looked up
    # An allowed asymmetric algorithm the key was not published for (RS384 with the RS256 key).
    only_rs384 = Verifier(identity_provider, VILLAGE_JWT_ALGORITHMS="RS256,RS384")
    await only_rs384.refused(
        jwt.encode(
            claims, identity_provider.current.private_key, algorithm="RS384", headers={"kid": kid}
        )
    )
    # An algorithm the service does not accept, even with a published key.
    es_only = Verifier(identity_provider, VILLAGE_JWT_ALGORITHMS="ES256")
    assert "not accepted" in await es_only.refused(identity_provider.token("acme"))


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


async def test_party_kind_comes_from_the_directory_not_the_token(identity_provider, verifier):
    assert (
        await verifier.principal(identity_provider.token("northwind", party_kind="partner"))
    ).kind == "partner"
    await verifier.refused(
        identity_provider.token("northwind", party_kind="provider"), 403, "party-kind-mismatch"
    )
    await verifier.refused(
        identity_provider.token("northwind", party_kind="service"), 403, "party-kind-mismatch"
    )
    await verifier.refused(identity_provider.token("initrode"), 403, "unknown-party")
    await verifier.refused(
        identity_provider.token("escalation"), 403, "unknown-party"
    )  # not a party


async def test_machine_clients_name_their_party_with_a_configured_claim(identity_provider):
    """One client-credentials client per party; the provider adds the party claim to its tokens."""
    verifier = Verifier(
        identity_provider,
        VILLAGE_PARTY_CLAIM="https://village.example/party",
        VILLAGE_ROLES_CLAIM="scope",
    )
    token = identity_provider.token(
        "northwind",
        subject="client-7f3a",
        party_claim="https://village.example/party",
        roles_claim="scope",
        roles="agent admin",
    )
    assert await verifier.principal(token) == Principal(
        "northwind", "partner", "client-7f3a", frozenset({"agent", "admin"})
    )
    await verifier.refused(
        identity_provider.token("northwind")
    )  # the plain `party` claim is not read


async def test_services_use_their_own_key_in_production(identity_provider, verifier):
    token = mint_service_token(verifier.settings, "escalation")
    assert (await verifier.principal(token)).kind == "service"
    public = Settings(VILLAGE_ENV="development")  # signed with the public development service key
    await verifier.refused(mint_service_token(public, "escalation"))


async def test_an_unreachable_provider_gives_503_then_known_keys_keep_working(
    identity_provider, verifier
):
    identity_provider.available = False
    with pytest.raises(Problem) as caught:
        await verifier.principal(identity_provider.token("acme"))
    assert (caught.value.status, caught.value.headers.get("Retry-After")) == (503, "5")
    identity_provider.available = True
    with pytest.raises(Problem):  # requests right after a failure do not all ask again
        await verifier.principal(identity_provider.token("acme"))
    assert identity_provider.jwks_requests == 1
    verifier.clock.now += REFRESH_SECONDS
    assert (await verifier.principal(identity_provider.token("acme"))).party == "acme"
    identity_provider.available = False
    verifier.clock.now += CACHE_SECONDS  # expired, and the provider is down: keep the known keys
    assert (await verifier.principal(identity_provider.token("acme"))).party == "acme"
