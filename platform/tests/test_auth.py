"""Authentication without an identity provider: development party tokens, service tokens with
their own key, and the party's kind taken from the directory, never from the token."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from village_platform.auth import Authenticator, KnownParties, Principal, mint_token
from village_platform.errors import Problem
from village_platform.settings import DEV_JWT_SECRET, DEV_SERVICE_SECRET, SERVICE_ISSUER, Settings
from village_platform.tokens import ServiceAuth, mint_development_token, mint_service_token

DIRECTORY = KnownParties({"acme": "provider", "northwind": "partner", "initech": "customer"})
SETTINGS = Settings(VILLAGE_ENV="development")


def authenticator(settings: Settings = SETTINGS) -> Authenticator:
    return Authenticator(settings, DIRECTORY)


async def refused(token: str, status: int, kind: str, settings: Settings = SETTINGS) -> Problem:
    with pytest.raises(Problem) as caught:
        await authenticator(settings).principal(token)
    assert (caught.value.status, caught.value.kind) == (status, kind), caught.value.detail
    return caught.value


async def test_a_development_token_names_the_party_and_the_directory_its_kind() -> None:
    token = mint_token(SETTINGS, "northwind", "partner", user="jane", roles=["agent", "admin"])
    assert await authenticator().principal(token) == Principal(
        "northwind", "partner", "jane", frozenset({"agent", "admin"})
    )
    # A token without the informative party_kind claim gets its kind from the directory alone.
    bare = jwt.encode(
        {**jwt.decode(token, options={"verify_signature": False}), "party_kind": None},
        DEV_JWT_SECRET,
        algorithm="HS256",
    )
    assert (await authenticator().principal(bare)).kind == "partner"


@pytest.mark.parametrize("claimed", ["provider", "customer", "service"])
async def test_a_token_claiming_another_kind_than_the_directorys_is_refused(claimed: str) -> None:
    await refused(
        mint_development_token(SETTINGS, "northwind", claimed), 403, "party-kind-mismatch"
    )


async def test_a_party_the_directory_does_not_know_is_refused() -> None:
    await refused(mint_development_token(SETTINGS, "globex", "provider"), 403, "unknown-party")
    # Services are not parties: a party token naming a service gains nothing.
    await refused(mint_development_token(SETTINGS, "escalation", "service"), 403, "unknown-party")


async def test_service_tokens_make_a_service_and_only_with_the_service_key() -> None:
    principal = await authenticator().principal(mint_service_token(SETTINGS, "escalation"))
    assert principal == Principal("escalation", "service", "escalation", frozenset({"service"}))
    assert await authenticator().principal(
        mint_token(SETTINGS, "sla-monitor", "service")
    ) == Principal("sla-monitor", "service", "sla-monitor", frozenset({"service"}))
    # The party key mints no service token, whatever the token claims.
    now = datetime.now(UTC)
    forged = {
        "iss": SERVICE_ISSUER,
        "aud": SERVICE_ISSUER,
        "sub": "escalation",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    problem = await refused(
        jwt.encode(forged, DEV_JWT_SECRET, algorithm="HS256"), 401, "unauthorized"
    )
    assert "service token" in problem.detail
    # And the service key mints no party token.
    party = jwt.decode(
        mint_development_token(SETTINGS, "acme", "provider"), options={"verify_signature": False}
    )
    await refused(jwt.encode(party, DEV_SERVICE_SECRET, algorithm="HS256"), 401, "unauthorized")


async def test_service_tokens_are_short_lived_and_expire() -> None:
    token = mint_service_token(SETTINGS, "escalation")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300
    old = mint_service_token(SETTINGS, "escalation", now=datetime.now(UTC) - timedelta(minutes=6))
    assert "expired" in (await refused(old, 401, "unauthorized")).detail


async def test_bad_development_tokens_are_refused() -> None:
    other_secret = Settings(
        VILLAGE_ENV="development", VILLAGE_JWT_SECRET="another-development-secret-" + "z" * 16
    )
    await refused(mint_development_token(other_secret, "acme", "provider"), 401, "unauthorized")
    await refused(
        mint_development_token(SETTINGS, "acme", "provider", ttl=timedelta(seconds=-60)),
        401,
        "unauthorized",
    )
    await refused("not.a.token", 401, "unauthorized")
    other_audience = Settings(VILLAGE_ENV="development", VILLAGE_JWT_AUDIENCE="elsewhere")
    await refused(mint_development_token(other_audience, "acme", "provider"), 401, "unauthorized")


async def test_service_auth_sends_one_service_token_for_a_minute_then_a_new_one() -> None:
    seen: list[str] = []
    clock = Ticker(time.time() - 60)  # a minute ago, so the last token is not from the future

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"].removeprefix("Bearer "))
        return httpx.Response(200)

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(answer),
        auth=ServiceAuth(SETTINGS, "webhooks", now=clock),
        base_url="http://incidents",
    ) as http:
        await http.get("/parties")
        clock.now += 59
        await http.get("/parties")
        clock.now += 1
        await http.get("/parties")
    assert seen[0] == seen[1] != seen[2]
    claims = [jwt.decode(token, options={"verify_signature": False}) for token in seen]
    assert claims[2]["iat"] - claims[0]["iat"] == 60  # minted when it was sent
    principals = [await authenticator().principal(token) for token in seen]
    assert {(p.kind, p.party) for p in principals} == {("service", "webhooks")}


class Ticker:
    """The tokens' clock as the authenticator's cache reads it, moved by the test (PyJWT still
    checks `exp` against the real time)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_a_token_is_verified_once_and_kept_until_it_expires_for_a_minute_at_most() -> None:
    clock = Ticker(time.time())
    directory = KnownParties({"northwind": "partner"})
    auth = Authenticator(SETTINGS, directory, now=clock)
    short = mint_token(SETTINGS, "northwind", "partner", ttl=timedelta(seconds=30))
    long = mint_token(SETTINGS, "northwind", "partner", user="jane", ttl=timedelta(hours=12))
    for token in (short, long, short, long):
        assert (await auth.principal(token)).party == "northwind"
    assert auth.verifications == 2  # each once

    clock.now += 31  # past the short token's exp (to the cache; PyJWT's clock has not moved)
    await auth.principal(short)
    await auth.principal(long)
    assert auth.verifications == 3  # the short one checked again, the long one kept
    clock.now += 30  # the long one has been kept a minute
    await auth.principal(long)
    assert auth.verifications == 4

    # Only the very token is kept: another signature under the same claims is checked, refused.
    head, claims, signature = long.split(".")
    forged = f"{head}.{claims}.{signature[:-4]}AAAA"
    with pytest.raises(Problem) as caught:
        await auth.principal(forged)
    assert (caught.value.status, auth.verifications) == (401, 5)
    # The directory is asked on every request, a kept token or not.
    directory.kinds["northwind"] = "customer"
    with pytest.raises(Problem) as caught:
        await auth.principal(long)
    assert caught.value.kind == "party-kind-mismatch"
    del directory.kinds["northwind"]
    with pytest.raises(Problem) as caught:
        await auth.principal(long)
    assert (caught.value.kind, auth.verifications) == ("unknown-party", 5)
    # A service token is kept the same way, and stays a service.
    service = mint_service_token(SETTINGS, "escalation")
    for _ in range(3):
        assert (await auth.principal(service)).kind == "service"
    assert auth.verifications == 6


async def test_the_service_key_rotates_in_three_steps_without_refusing_a_call() -> None:
    old, new = "the-old-service-key-" + "o" * 20, "the-new-service-key-" + "n" * 20
    before = Settings(VILLAGE_ENV="development", VILLAGE_SERVICE_SECRET=old)
    # 1. every service accepts the new key too; 2. every service signs with it, still accepting
    # the old one; 3. the old key is dropped.
    accepting = Settings(
        VILLAGE_ENV="development", VILLAGE_SERVICE_SECRET=old, VILLAGE_SERVICE_ACCEPTED_SECRETS=new
    )
    signing = Settings(
        VILLAGE_ENV="development", VILLAGE_SERVICE_SECRET=new, VILLAGE_SERVICE_ACCEPTED_SECRETS=old
    )
    after = Settings(VILLAGE_ENV="development", VILLAGE_SERVICE_SECRET=new)
    for signer, verifier in [
        (before, accepting),
        (accepting, signing),
        (signing, accepting),
        (signing, after),
        (after, signing),
    ]:
        assert (
            await authenticator(verifier).principal(mint_service_token(signer, "escalation"))
        ).kind == "service"
    await refused(mint_service_token(before, "escalation"), 401, "unauthorized", after)
    with pytest.raises(
        ValueError, match="VILLAGE_SERVICE_ACCEPTED_SECRETS must be at least 32 bytes"
    ):
        Settings(VILLAGE_ENV="development", VILLAGE_SERVICE_ACCEPTED_SECRETS="short")
