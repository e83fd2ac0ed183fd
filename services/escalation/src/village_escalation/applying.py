"""Applying decisions: the only way the escalation service changes an incident is a command to
the incidents API, with the decision id as `Idempotency-Key`.

Decisions wait in `decisions` (status `pending`), written in the same transaction that decided
them; the `DecisionSender` sends them (see there). Any refusal other than the incidents service
being unavailable (the incident moved on, is closed, ...) is final: the decision is `failed`,
with the problem the incidents service returned.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform.clock import Clock
from village_platform.directory import PartyDirectory, SupplyDirectory
from village_platform.egress import describe
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore
from village_platform.settings import Settings
from village_platform.telemetry import context_from_traceparent
from village_platform.tokens import ServiceAuth
from village_platform.wakeups import wait_any

from .domain.config import TierRef
from .domain.events import DecisionApplied, DecisionFailed

log = logging.getLogger(__name__)
tracer = trace.get_tracer("village.escalation")
OUTCOME_NAMESPACE = uuid.UUID("2c4e6b1a-8d3f-4a57-b0e9-5e5ca1a7e001")
# An incident's decisions are one stream named by the incident id: the relay keys records by
# stream, so they share the incident's partition order on the topic, as SLA events do.
ESCALATION_STREAM = "{}"
RETRYABLE = frozenset({408, 425, 429})
SERVICE = "escalation"
_OUTCOME = text(
    "UPDATE decisions SET status = :s, attempts = attempts + 1, outcome_at = :now,"
    " last_error = NULL, problem = CAST(:p AS jsonb) WHERE decision_id = :d"
)


class IncidentsUnavailable(Exception):
    """The incidents service could not take the command now; the timer retries it."""


class IncidentsApi:
    """The incidents service's command API, called as the escalation service."""

    def __init__(
        self,
        settings: Settings,
        *,
        name: str = "escalation",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings, self.name = settings, name
        # As the escalation service, with its own service credentials (never a party's token).
        self._http = httpx.AsyncClient(
            base_url=settings.incidents_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            auth=ServiceAuth(settings, name),
        )
        self.parties = PartyDirectory(settings, name=name, http=self._http)  # who is whose partner
        self.supplies = SupplyDirectory(settings, name=name, http=self._http)  # who buys from whom

    async def send(self, decision: Any, partner: str) -> httpx.Response:
        """Moves within the owning partner are assignments; anything to another supplier of the
        chain (the provider, a middle supplier: a hand-off), and every escalation, goes through
        escalate (so the incident's timeline says why)."""
        target = {
            "party": decision.to_party,
            "tier": decision.to_tier or None,
        }  # "": a party without tiers
        if decision.kind in ("route", "hand_back") and decision.to_party == partner:
            path, body = "assign", target
        else:
            path, body = (
                "escalate",
                {
                    "to_party": decision.to_party,
                    "to_tier": decision.to_tier,
                    "reason": decision.reason[:2000],
                    "decision_id": str(decision.decision_id),
                },
            )
        headers = {"Idempotency-Key": str(decision.decision_id)}
        try:
            return await self._http.post(
                f"/incidents/{decision.incident_id}/{path}", json=body, headers=headers
            )
        except httpx.TransportError as exc:
            raise IncidentsUnavailable(f"incidents service unreachable: {exc!r}") from exc

    async def aclose(self) -> None:
        await self._http.aclose()


class OutcomeLog:
    """Records what became of a decision: its row, and an `applied` or `failed` event."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def record(
        self,
        conn: AsyncConnection,
        row: Any,
        outcome: str,
        now: datetime,
        problem: dict[str, Any] | None,
    ) -> str:
        await conn.execute(
            _OUTCOME,
            {
                "s": outcome,
                "now": now,
                "d": row.decision_id,
                "p": json.dumps(problem) if problem else None,
            },
        )
        event = _outcome_event(row, now, problem)
        event_id = uuid.uuid5(OUTCOME_NAMESPACE, f"{row.decision_id}|{outcome}")
        # The incident's suppliers (a row from before chains has none: its partner and provider).
        suppliers = getattr(row, "suppliers", None) or ()
        audience = describe(parties={row.partner, row.provider, *suppliers}, provider=row.provider)
        metadata = Metadata.of_service(SERVICE, row.traceparent).about(audience)
        stream = ESCALATION_STREAM.format(row.incident_id)
        await self.store.append_streams(
            conn, {stream: [event.new(event_id=event_id)]}, metadata.as_dict()
        )
        return outcome


def _outcome_event(
    row: Any, now: datetime, problem: dict[str, Any] | None
) -> DecisionApplied | DecisionFailed:
    fields = {
        "decision_id": str(row.decision_id),
        "incident_id": row.incident_id,
        "kind": row.kind,
        "to": TierRef(row.to_party, row.to_tier),
        "at": now,
    }
    if problem is None:
        return DecisionApplied(**fields)
    return DecisionFailed(**fields, problem=problem)


Refused = Callable[[AsyncConnection, str, str], Awaitable[None]]  # (conn, incident id, decision id)

# Per incident only its oldest pending decision may go (decisions apply in order), and only
# once it is due: new, or its retry time has come.
_DUE = text(
    "SELECT d.*, i.partner, i.provider, i.suppliers"
    " FROM decisions d JOIN incident_escalation i USING (incident_id)"
    " WHERE d.decision_id IN ("
    "  SELECT decision_id FROM (SELECT DISTINCT ON (incident_id) decision_id, next_attempt_at, seq"
    "   FROM decisions WHERE status = 'pending' ORDER BY incident_id, seq) oldest"
    "  WHERE next_attempt_at <= :now ORDER BY seq LIMIT :limit)"
    " ORDER BY d.seq FOR UPDATE OF d SKIP LOCKED"
)
_CLAIM = text("UPDATE decisions SET next_attempt_at = :until WHERE decision_id = ANY(:ids)")
_RETRY = text(
    "UPDATE decisions SET attempts = attempts + 1, last_error = :error,"
    " next_attempt_at = CAST(:now AS timestamptz)"
    " + make_interval(secs => least(CAST(:cap AS double precision), power(2, least(attempts, 40))))"
    " * (0.5 + random() / 2) WHERE decision_id = :d AND status = 'pending'"
)
_NEXT = text("SELECT min(next_attempt_at) FROM decisions WHERE status = 'pending'")


class DecisionSender:
    """Sends pending decisions to the incidents service, many incidents at once, each incident's
    in order; no database transaction is open while a request is in flight.

    A batch of due decisions is claimed (their retry time moved a lease ahead) in one short
    transaction, sent concurrently, and each outcome recorded in its own. An unreachable or
    failing incidents service (connection error, timeout, 408, 425, 429, 5xx) sets the next try
    with exponential backoff and jitter (1 s, 2 s, 4 s ... up to `max_backoff_seconds`): the
    decision is kept, and applied once the service is back, once, because the retried key
    replays the stored response. A sender that dies mid-flight leaves its claims to expire.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        store: EventStore,
        api: IncidentsApi,
        clock: Clock,
        *,
        on_refused: Refused,
        concurrency: int = 16,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 300.0,
        lease_seconds: float = 60.0,
        on_recorded: Callable[[], None] | None = None,
    ) -> None:
        self.engine, self.api, self.clock, self.on_refused = engine, api, clock, on_refused
        self.outcomes = OutcomeLog(store)
        self.batch_size, self.poll_seconds, self.max_backoff_seconds = (
            batch_size,
            poll_seconds,
            max_backoff_seconds,
        )
        self.lease = timedelta(seconds=lease_seconds)
        self.on_recorded = on_recorded
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()  # before looking, so a wake() while we look is not lost
            try:
                while await self.send_due():
                    pass
                async with self.engine.connect() as conn:
                    due = await conn.scalar(_NEXT)
            except Exception:  # the database is away: the decisions are durable, look again
                log.exception("sending decisions failed; retrying shortly")
                due = None
            pause = self.poll_seconds if due is None else (due - self.clock.now()).total_seconds()
            await wait_any(stop, self._wake, timeout=min(max(pause, 0.01), self.poll_seconds))

    async def send_due(self) -> int:
        """Send one batch of due decisions; returns how many it tried."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            rows = (await conn.execute(_DUE, {"now": now, "limit": self.batch_size})).all()
            if rows:
                await conn.execute(
                    _CLAIM, {"until": now + self.lease, "ids": [r.decision_id for r in rows]}
                )
        await asyncio.gather(*(self._send(row) for row in rows))
        return len(rows)

    async def _send(self, row: Any) -> None:
        async with self._slots:
            with tracer.start_as_current_span(
                "escalation.apply",
                context=context_from_traceparent(row.traceparent),
                attributes={
                    "village.incident_id": row.incident_id,
                    "village.decision_id": str(row.decision_id),
                },
            ):
                try:
                    response = await self.api.send(row, row.partner)
                    if response.status_code >= 500 or response.status_code in RETRYABLE:
                        raise IncidentsUnavailable(
                            f"incidents service answered {response.status_code}: "
                            f"{response.text[:500]}"
                        )
                except IncidentsUnavailable as exc:
                    await self._retry_later(row, exc)
                    return
                await self._record(row, response)

    async def _record(self, row: Any, response: httpx.Response) -> None:
        now = self.clock.now()
        async with self.engine.begin() as conn:
            # The incident's row lock orders this against the consumer deciding on the same
            # incident (both append to its stream).
            await conn.execute(
                text("SELECT 1 FROM incident_escalation WHERE incident_id = :i FOR UPDATE"),
                {"i": row.incident_id},
            )
            if response.is_success:
                await self.outcomes.record(conn, row, "applied", now, None)
            else:
                problem = _problem(response)
                log.warning(
                    "decision %s for %s refused: %s",
                    row.decision_id,
                    row.incident_id,
                    problem["detail"],
                )
                await self.outcomes.record(conn, row, "failed", now, problem)
                await self.on_refused(conn, row.incident_id, str(row.decision_id))
        self.sent += 1
        if self.on_recorded is not None:
            self.on_recorded()

    async def _retry_later(self, row: Any, exc: Exception) -> None:
        log.warning("decision %s for %s not applied yet: %s", row.decision_id, row.incident_id, exc)
        async with self.engine.begin() as conn:
            await conn.execute(
                _RETRY,
                {
                    "d": row.decision_id,
                    "now": self.clock.now(),
                    "error": str(exc)[:2000],
                    "cap": self.max_backoff_seconds,
                },
            )


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return {
        "status": response.status_code,
        "type": str(body.get("type", "about:blank")),
        "title": str(body.get("title", response.reason_phrase)),
        "detail": str(body.get("detail", ""))[:2000],
    }
