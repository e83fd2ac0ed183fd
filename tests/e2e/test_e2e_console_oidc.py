"""The console's production sign-in: OpenID Connect authorization code with PKCE against a real
(small) identity provider over HTTP, with services that trust only that provider's keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from village_devstack import demo
from village_devstack.identity_provider import IdentityProvider
from village_devstack.testing import CONSOLE, INCIDENTS
from village_platform.settings import Settings

SERVICE_SECRET = "the-services-own-oidc-secret-" + uuid.uuid4().hex
CLIENT_ID = "village-console"


@pytest.fixture(scope="module")
def production(stack: Any) -> Iterator[tuple[IdentityProvider, Any, Any]]:
    with IdentityProvider() as idp:
        env = idp.service_env(
            VILLAGE_ENV="production",
            VILLAGE_SERVICE_SECRET=SERVICE_SECRET,
            KAFKA_TOPIC_PREFIX=f"oidc{uuid.uuid4().hex[:6]}.",
        )
        incidents = stack.start_service(INCIDENTS, seed=False, instance="oidc", **env)
        settings = Settings(**{k: v for k, v in env.items() if k.startswith("VILLAGE_")})
        demo.seed_parties(incidents.url, settings=settings)
        console = stack.start_service(
            CONSOLE,
            instance="oidc",
            INCIDENTS_URL=incidents.url,
            CONSOLE_SESSION_SECRET="the-console-session-secret-" + uuid.uuid4().hex,
            CONSOLE_OIDC_DISCOVERY_URL=idp.discovery_url,
            CONSOLE_OIDC_CLIENT_ID=CLIENT_ID,
            CONSOLE_SECURE_COOKIE="false",  # plain http on loopback, for this test only
            **env,
        )
        idp.register_client(CLIENT_ID, f"{console.url}/signin/oidc/callback")
        yield idp, incidents, console
        console.close()
        incidents.close()


async def test_a_user_signs_in_with_the_identity_provider_and_sees_their_work(
    production: Any,
) -> None:
    idp, incidents, console = production
    idp.sign_in_as("northwind", roles=["agent"])
    async with httpx.AsyncClient(base_url=console.url, timeout=30) as browser:
        page = await browser.get("/signin")
        assert "/signin/oidc" in page.text and 'name="party"' not in page.text  # no dev form
        start = await browser.get("/signin/oidc")
        assert start.status_code == 302
        authorize = httpx.URL(start.headers["location"])
        assert authorize.params["code_challenge_method"] == "S256"
        assert authorize.params["code_challenge"] and authorize.params["state"]
        work = await browser.get(start.headers["location"], follow_redirects=True)
        assert work.status_code == 200 and str(work.url) == f"{console.url}/work"
        assert "Signed in as <strong>Northwind Traders</strong>" in work.text


async def test_a_replayed_callback_is_refused(production: Any) -> None:
    idp, _, console = production
    idp.sign_in_as("northwind")
    async with httpx.AsyncClient(base_url=console.url, timeout=30) as browser:
        start = await browser.get("/signin/oidc")
        back = await browser.get(start.headers["location"])  # the IdP's redirect to the console
        callback = back.headers["location"]
        assert (await browser.get(callback)).status_code == 303  # signed in
        # the same callback again: its state was spent with the sign-in; the page says why
        replay = await browser.get(callback)
        assert replay.status_code == 400 and "Sign-in failed" in replay.text


async def test_production_has_no_development_sign_in(production: Any) -> None:
    _, _, console = production
    async with httpx.AsyncClient(base_url=console.url, timeout=30) as browser:
        page = await browser.get("/signin")
        csrf = page.text.split('name="csrf_token" value="', 1)
        form = {"party": "acme", "role": "admin"}
        if len(csrf) == 2:
            form["csrf_token"] = csrf[1].split('"', 1)[0]
        refused = await browser.post("/signin", data=form)
        assert refused.status_code in (403, 404)
        assert (await browser.get("/work")).status_code in (303, 307)
