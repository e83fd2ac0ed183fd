"""The console's client of the Village services: every call carries the signed-in party's token,
so a page shows and an action does exactly what the service's API lets that party see and do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from village_platform.http import service_client
from village_platform.settings import Settings

from .session import SignedIn

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class ApiProblem(Exception):
    """An RFC 9457 problem a service answered (or one standing in for a service that did not)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status, self.title, self.detail = status, title, detail

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiProblem:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        title = str(body.get("title") or response.reason_phrase or "Error")
        return cls(response.status_code, title, str(body.get("detail") or ""))


@dataclass(frozen=True)
class Answer:
    body: Any
    etag: str | None


class Services:
    """One pooled httpx client per service, shared by every request (built in the lifespan)."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        self.urls = {
            "incidents": settings.incidents_url,
            "sla": settings.sla_monitor_url,
            "escalation": settings.escalation_url,
            "knowledge": settings.knowledge_url,
        }
        self.client = service_client(timeout=TIMEOUT, transport=transport)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def request(
        self,
        me: SignedIn | str,
        service: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        if_match: str | None = None,
    ) -> Answer:
        token = me if isinstance(me, str) else me.token
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if method != "GET":
            # A form carries its own key (rendered with it), so a double submit is one action.
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        if if_match:
            headers["If-Match"] = if_match
        url = self.urls[service] + path
        try:
            response = await self.client.request(
                method, url, params=_clean(params), json=json, headers=headers
            )
        except httpx.HTTPError as exc:
            raise ApiProblem(
                503, "Service unavailable", f"the {service} service did not answer ({exc!r})"
            ) from exc
        if response.status_code >= 400:
            raise ApiProblem.from_response(response)
        body = response.json() if response.content else None
        return Answer(body, response.headers.get("ETag"))

    async def get(self, me: SignedIn | str, service: str, path: str, **params: Any) -> Any:
        return (await self.request(me, service, "GET", path, params=params)).body

    async def optional(self, me: SignedIn, service: str, path: str, **params: Any) -> Any:
        """A part of a page that may be missing (404: not for this party, or not known yet;
        503: that service is away): None, and the rest of the page still renders."""
        try:
            return await self.get(me, service, path, **params)
        except ApiProblem as problem:
            if problem.status in (404, 503):
                return None
            raise


def _clean(params: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if params is None else {k: v for k, v in params.items() if v not in (None, "")}
