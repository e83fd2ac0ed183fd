"""Applying decisions: the only way the escalation service changes an incident is a command to
the incidents API, with the decision id as `Idempotency-Key`.

Decisions wait in `decisions` (status `pending`), written in the same transaction that decided
them; the `apply|<incident>` timer sends them, oldest first. An unreachable or failing incidents
service (connection error, timeout, 408, 429, 5xx) raises, so the timer is retried with backoff
and the decision is kept: it is applied when the service is back, once, because a retried key
replays the stored response. Any other refusal (the incident moved on, is closed, ...) is final:
the decision is `failed`, with the problem the incidents service returned.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.auth import mint_token
from village_platform.eventstore import EventStore, NewEvent
from village_platform.settings import Settings
from village_platform.telemetry import context_from_traceparent

log = logging.getLogger(__name__)
tracer = trace.get_tracer("village.escalation")
OUTCOME_NAMESPACE = uuid.UUID("2c4e6b1a-8d3f-4a57-b0e9-5e5ca1a7e001")
# An incident's decisions are one stream named by the incident id: the relay keys records by
# stream, so they share the incident's partition order on the topic, as SLA events do.
ESCALATION_STREAM = "{}"
RETRYABLE = frozenset({408, 425, 429})


class IncidentsUnavailable(Exception):
    """The incidents service could not take the command now; the timer retries it."""


class IncidentsApi:
    """The incidents service's command API, called as the escalation service."""

    def __init__(self, settings: Settings, *, name: str = "escalation", timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings, self.name = settings, name
        self._http = httpx.AsyncClient(base_url=settings.incidents_url.rstrip("/"), timeout=timeout,
                                       transport=transport)
        self._directory: tuple[float, dict[str, dict[str, Any]]] | None = None

    def _token(self) -> str:
        # Short-lived and minted per call: a service runs for longer than any token should.
        return mint_token(self.settings, party=self.name, kind="service", roles=["service"],
                          ttl=timedelta(minutes=5))

    async def send(self, decision: Any, partner: str) -> httpx.Response:
        """Moves within the owning partner are assignments; anything to the provider, and every
        escalation, goes through escalate (so the incident's timeline says why)."""
        target = {"party": decision.to_party, "tier": decision.to_tier or None}  # "": a party without tiers
        if decision.kind in ("route", "hand_back") and decision.to_party == partner:
            path, body = "assign", target
        else:
            path, body = "escalate", {"to_party": decision.to_party, "to_tier": decision.to_tier,
                                      "reason": decision.reason[:2000], "decision_id": str(decision.decision_id)}
        headers = {"Authorization": f"Bearer {self._token()}", "Idempotency-Key": str(decision.decision_id)}
        try:
            return await self._http.post(f"/incidents/{decision.incident_id}/{path}", json=body, headers=headers)
        except httpx.TransportError as exc:
            raise IncidentsUnavailable(f"incidents service unreachable: {exc!r}") from exc

    async def directory(self, max_age: float = 30.0) -> dict[str, dict[str, Any]]:
        """The incidents service's party directory (who is a partner of which provider), kept
        for `max_age` seconds: it changes rarely and is read on configuration requests."""
        if self._directory is not None and time.monotonic() - self._directory[0] < max_age:
            return self._directory[1]
        try:
            response = await self._http.get("/parties", headers={"Authorization": f"Bearer {self._token()}"})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise IncidentsUnavailable(f"incidents service unavailable: {exc!r}") from exc
        found = {p["id"]: p for p in response.json()["items"]}
        self._directory = (time.monotonic(), found)
        return found

    async def aclose(self) -> None:
        await self._http.aclose()


class DecisionApplier:
    def __init__(self, store: EventStore, api: IncidentsApi) -> None:
        self.store, self.api = store, api

    async def apply_pending(self, conn: AsyncConnection, incident_id: str, now: datetime) -> list[tuple[str, str]]:
        """Send the incident's pending decisions in order; returns (decision id, "applied" or
        "failed") for each. Raises IncidentsUnavailable (nothing recorded) to be retried later."""
        # The incident's row lock orders this against the consumer deciding on the same
        # incident (both append to its escalation stream).
        parties = (await conn.execute(text(
            "SELECT partner, provider FROM incident_escalation WHERE incident_id = :i FOR UPDATE"),
            {"i": incident_id})).one_or_none()
        if parties is None:
            return []
        rows = (await conn.execute(text(
            "SELECT *, :partner AS partner, :provider AS provider FROM decisions"
            " WHERE incident_id = :i AND status = 'pending' ORDER BY seq"),
            {"i": incident_id, "partner": parties.partner, "provider": parties.provider})).all()
        outcomes = []
        for row in rows:
            with tracer.start_as_current_span("escalation.apply", context=context_from_traceparent(row.traceparent),
                                              attributes={"village.incident_id": incident_id,
                                                          "village.decision_id": str(row.decision_id)}):
                response = await self.api.send(row, row.partner)
            if response.status_code >= 500 or response.status_code in RETRYABLE:
                raise IncidentsUnavailable(f"incidents service answered {response.status_code}: {response.text[:500]}")
            if response.is_success:
                outcomes.append((str(row.decision_id), await self._record(conn, row, "applied", now, None)))
            else:
                problem = _problem(response)
                log.warning("decision %s for %s refused: %s", row.decision_id, incident_id, problem.get("detail"))
                outcomes.append((str(row.decision_id), await self._record(conn, row, "failed", now, problem)))
        return outcomes

    async def _record(self, conn: AsyncConnection, row: Any, outcome: str, now: datetime,
                      problem: dict[str, Any] | None) -> str:
        await conn.execute(text(
            "UPDATE decisions SET status = :s, attempts = attempts + 1, outcome_at = :now,"
            " problem = CAST(:p AS jsonb) WHERE decision_id = :d"),
            {"s": outcome, "now": now, "p": json.dumps(problem) if problem else None, "d": row.decision_id})
        data: dict[str, Any] = {
            "decision_id": str(row.decision_id), "incident_id": row.incident_id, "kind": row.kind,
            "to": {"party": row.to_party, "tier": row.to_tier}, "at": now.isoformat(),
        }
        if problem is not None:
            data["problem"] = problem
        event = NewEvent(f"village.escalation.{outcome}.v1", data,
                         event_id=uuid.uuid5(OUTCOME_NAMESPACE, f"{row.decision_id}|{outcome}"))
        metadata = {"parties": sorted({row.partner, row.provider}), "visibility": "shared",
                    "actor_party": "escalation", "traceparent": row.traceparent}
        await self.store.append_streams(conn, {ESCALATION_STREAM.format(row.incident_id): [event]}, metadata)
        return outcome


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return {"status": response.status_code, "type": str(body.get("type", "about:blank")),
            "title": str(body.get("title", response.reason_phrase)), "detail": str(body.get("detail", ""))[:2000]}
