"""The console's forms against the real village, without a browser: the session cookie's flags,
CSRF on every POST, a double-submitted form is one action (its Idempotency-Key was rendered
with it), and a refusal shows the problem's title and detail."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from village_devstack.waiting import eventually

FIELD = re.compile(r'name="(csrf_token|idempotency_key|if_match)" value="([^"]*)"')


@asynccontextmanager
async def signed_in(console: str, party: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in through the development sign-in form; `.cookie`: the Set-Cookie."""
    async with httpx.AsyncClient(base_url=console, timeout=30) as client:
        page = await client.get("/signin")
        csrf = FIELD.search(page.text)
        assert csrf and csrf.group(1) == "csrf_token"
        answer = await client.post(
            "/signin", data={"csrf_token": csrf.group(2), "party": party, "role": "agent"}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/work"
        client.cookie = answer.headers["set-cookie"]  # type: ignore[attr-defined]
        yield client


def form_fields(page: str, action: str) -> dict[str, str]:
    form = page[page.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    return {name: html.unescape(value) for name, value in FIELD.findall(form)}


@pytest.fixture
async def incident(full_village: Any, tokens: Any) -> str:
    async with httpx.AsyncClient(base_url=full_village.incidents.url, timeout=30) as api:
        opened = await api.post(
            "/incidents",
            json={
                "title": "Console forms",
                "severity": "S3",
                "product": "routers",
                "customer": "initech",
            },
            headers={"Authorization": f"Bearer {tokens('northwind')}"},
        )
    assert opened.status_code == 201, opened.text
    return opened.json()["id"]


async def notes_of(full_village: Any, tokens: Any, incident: str) -> list[str]:
    async with httpx.AsyncClient(base_url=full_village.incidents.url, timeout=30) as api:
        found = await api.get(
            f"/incidents/{incident}/notes",
            headers={"Authorization": f"Bearer {tokens('northwind')}"},
        )
    return [n["body"] for n in found.json()["items"]]


async def test_the_session_cookie_is_http_only_and_same_site(full_village: Any) -> None:
    async with signed_in(full_village.console.url, "northwind") as client:
        cookie = client.cookie.lower()  # type: ignore[attr-defined]
        assert "httponly" in cookie and "samesite=lax" in cookie
        # development serves plain http; outside development the cookie is Secure
        assert "secure" not in cookie


async def test_a_double_submitted_note_is_one_note(
    full_village: Any, tokens: Any, incident: str
) -> None:
    async with signed_in(full_village.console.url, "northwind") as client:
        page = (await client.get(f"/incidents/{incident}/war-room")).text
        action = f"/incidents/{incident}/war-room/note"
        body = f"twice {uuid.uuid4().hex[:6]}"
        data = {**form_fields(page, action), "body": body, "visibility": "shared"}
        first, second = [await client.post(action, data=data) for _ in range(2)]
        assert (first.status_code, second.status_code) == (303, 303)
    assert (await notes_of(full_village, tokens, incident)).count(body) == 1


async def test_a_form_without_the_csrf_token_does_nothing(
    full_village: Any, tokens: Any, incident: str
) -> None:
    async with signed_in(full_village.console.url, "northwind") as client:
        page = (await client.get(f"/incidents/{incident}/war-room")).text
        action = f"/incidents/{incident}/war-room/note"
        data = {**form_fields(page, action), "body": "forged", "visibility": "shared"}
        data["csrf_token"] = "not-the-session-token"
        refused = await client.post(action, data=data)
        assert refused.status_code == 403 and "Form expired" in refused.text
    assert "forged" not in await notes_of(full_village, tokens, incident)


async def test_a_refusal_shows_the_problems_title_and_detail(
    full_village: Any, incident: str
) -> None:
    async with signed_in(full_village.console.url, "northwind") as client:
        page = (await client.get(f"/incidents/{incident}/war-room")).text
        action = f"/incidents/{incident}/war-room/status"
        # the page's version, as if someone else had moved the incident on since: 412
        data = {**form_fields(page, action), "status": "in_progress", "if_match": '"999"'}
        refused = await client.post(action, data=data)
        assert refused.status_code == 412, refused.text[:300]
        alert = refused.text[refused.text.index('role="alert"') :]
        assert "Precondition failed" in alert[:300] and "(412)" in alert[:300]


# Each war-room action with a form its page would send, as a party that may not see the incident
# sends it (it knows the incident's id and version, say from a leaked link): the fields each needs.
FORGED = {
    "acknowledge": {},
    "note": {"body": "forged note", "visibility": "shared"},
    "status": {"status": "in_progress"},
    "confirm": {"decision": "confirm"},
    "next-tier": {"reason": "forged escalation"},
    "invite": {"partner": "contoso", "scope": "forged"},
    "revoke": {"partner": "contoso"},
    "link-outage": {},  # the outage: one the forger sees, below
}


async def test_the_war_rooms_actions_cannot_act_on_an_incident_the_party_may_not_see(
    full_village: Any, tokens: Any, incident: str
) -> None:
    """contoso (a competing partner), umbrella (another partner's customer) and globex (another
    vendor) post every war-room action on northwind's incident for initech, with a valid
    session and CSRF token, the incident's current version and a fresh Idempotency-Key: each
    is refused as not found (the page names nothing of the incident) and nothing changed, on
    the incident, its escalation path or the outage."""

    def as_(party: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens(party)}"}

    async with (
        httpx.AsyncClient(base_url=full_village.incidents.url, timeout=30) as api,
        httpx.AsyncClient(base_url=full_village.escalation.url, timeout=30) as esc,
    ):
        declared = await api.post(
            "/provider-incidents",
            json={
                "title": "Forms outage",
                "description": "Ports flap",
                "products": ["routers"],
                "severity": "S2",
            },
            headers=as_("acme"),
        )
        assert declared.status_code == 201, declared.text
        outage = declared.json()["id"]

        async def state() -> tuple[Any, ...]:
            view = (await api.get(f"/incidents/{incident}", headers=as_("northwind"))).json()
            path = await esc.get(f"/incidents/{incident}/escalations", headers=as_("northwind"))
            links = await api.get(f"/provider-incidents/{outage}/links", headers=as_("acme"))
            return view, path.json().get("decisions"), links.json()["items"]

        # Routed first (the escalation service assigns it, then records the answer: the
        # incident shows the assignment a moment before the decision shows `applied`): from
        # then on it stays as it is.
        before = await eventually(
            state,
            lambda s: (
                s[0].get("assignment") and s[1] and all(d["status"] == "applied" for d in s[1])
            ),
            what="the incident to be routed",
        )
        title, version = before[0]["title"], before[0]["version"]
        for party in ("contoso", "umbrella", "globex"):
            async with signed_in(full_village.console.url, party) as client:
                work = (await client.get("/work")).text
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', work)
                assert csrf, work[:300]
                for action, fields in FORGED.items():
                    data = {
                        **fields,
                        "csrf_token": csrf.group(1),
                        "idempotency_key": str(uuid.uuid4()),
                        "if_match": f'"{version}"',
                    }
                    if action == "link-outage":
                        data["outage_id"] = outage
                    refused = await client.post(
                        f"/incidents/{incident}/war-room/{action}", data=data
                    )
                    where = f"{party} / {action}"
                    assert refused.status_code in (403, 404), f"{where}: {refused.status_code}"
                    assert title not in refused.text, where
        assert await state() == before
