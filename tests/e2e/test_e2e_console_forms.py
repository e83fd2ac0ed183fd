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
