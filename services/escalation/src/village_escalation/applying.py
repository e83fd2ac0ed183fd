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
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

import httpx
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform import idempotency
from village_platform.clock import Clock
from village_platform.directory import PartyDirectory, SupplyDirectory
from village_platform.egress import describe
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore, NewEvent
from village_platform.http import service_client
from village_platform.settings import Settings
from village_platform.telemetry import context_from_traceparent, traceparent_of
from village_platform.tokens import ServiceAuth
from village_platform.wakeups import Schedule, wait_any

from .domain.config import TierRef
from .domain.events import DecisionApplied, DecisionFailed

log = logging.getLogger(__name__)
tracer = trace.get_tracer("village.escalation")
OUTCOME_NAMESPACE = uuid.UUID("2c4e6b1a-8d3f-4a57-b0e9-5e5ca1a7e001")
# An incident's decisions are one stream named by the incident id: the relay keys records by
# stream, so they share the incident's partition order on the topic, as SLA events do.
ESCALATION_STREAM = "{}"
RETRYABLE = frozenset({408, 425, 429})
# 409 for the decision's own earlier try, still being processed (its Idempotency-Key in flight:
# a try that timed out here, or was answered 503, may still be running there). Not a refusal:
# the next try gets that try's answer.
IN_FLIGHT = f"/problems/{idempotency.IN_FLIGHT}"
SERVICE = "escalation"
# Returns whether any of these incidents has another decision pending (the statement's snapshot
# has these still pending: they are left out by id), which may be due now.
_OUTCOMES = text(
    "UPDATE decisions AS d SET status = u.s, attempts = d.attempts + 1, outcome_at = :now,"
    " last_error = NULL, problem = CAST(u.p AS jsonb)"
    " FROM unnest(CAST(:d AS uuid[]), CAST(:s AS text[]), CAST(:p AS text[])) AS u(d, s, p)"
    " WHERE d.decision_id = u.d"
    " RETURNING EXISTS (SELECT 1 FROM decisions n WHERE n.incident_id = d.incident_id"
    " AND n.status = 'pending' AND n.decision_id <> ALL(CAST(:d AS uuid[]))) AS more"
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
        self.settings, self.name, self.timeout = settings, name, timeout
        # As the escalation service, with its own service credentials (never a party's token).
        self._http = service_client(
            base_url=settings.incidents_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            auth=ServiceAuth(settings, name),
        )
        self.parties = PartyDirectory(settings, name=name, http=self._http)  # who is whose partner
        self.supplies = SupplyDirectory(settings, name=name, http=self._http)  # who buys from whom

    async def send_many(self, decisions: Sequence[tuple[Any, str | None]]) -> httpx.Response:
        """Each `(decision, traceparent)` as a command of one batch (`POST /incident-commands`),
        its decision id as its key: each is answered on its own, as its route would answer it.
        Moves within the owning partner are assignments; anything to another supplier of the
        chain (the provider, a middle supplier: a hand-off), and every escalation, goes through
        escalate (so the incident's timeline says why)."""
        commands = [_command(decision, traceparent) for decision, traceparent in decisions]
        try:
            return await self._http.post("/incident-commands", json={"commands": commands})
        except httpx.TransportError as exc:
            raise IncidentsUnavailable(f"incidents service unreachable: {exc!r}") from exc

    async def aclose(self) -> None:
        await self._http.aclose()


def _command(decision: Any, traceparent: str | None) -> dict[str, Any]:
    command: dict[str, Any] = {
        "incident_id": decision.incident_id,
        "idempotency_key": str(decision.decision_id),
    }
    if traceparent:
        command["traceparent"] = traceparent
    if decision.kind in ("route", "hand_back") and decision.to_party == decision.partner:
        # "": a party without tiers
        body = {"party": decision.to_party, "tier": decision.to_tier or None}
        return {**command, "action": "assign", "body": body}
    body = {
        "to_party": decision.to_party,
        "to_tier": decision.to_tier,
        "reason": decision.reason[:2000],
        "decision_id": str(decision.decision_id),
    }
    return {**command, "action": "escalate", "body": body}


class OutcomeLog:
    """Records what became of decisions: their rows, and an `applied` or `failed` event each."""

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
        """One decision's outcome (`record_many` of one)."""
        await self.record_many(conn, [(row, problem)], now)
        return outcome

    async def record_many(
        self,
        conn: AsyncConnection,
        outcomes: Sequence[tuple[Any, dict[str, Any] | None]],
        now: datetime,
    ) -> bool:
        """Each `(decision row, problem)`, applied when the problem is None, failed otherwise:
        one statement for the rows and one for the events, in the caller's transaction. Returns
        whether any of their incidents has another decision pending."""
        rows = list({row.decision_id: (row, p) for row, p in outcomes}.values())
        if not rows:
            return False
        statuses = ["applied" if p is None else "failed" for _, p in rows]
        pending = await conn.execute(
            _OUTCOMES,
            {
                "now": now,
                "d": [row.decision_id for row, _ in rows],
                "s": statuses,
                "p": [json.dumps(p) if p else None for _, p in rows],
            },
        )
        appends: dict[str, list[NewEvent]] = {}
        for (row, problem), outcome in zip(rows, statuses, strict=True):
            event_id = uuid.uuid5(OUTCOME_NAMESPACE, f"{row.decision_id}|{outcome}")
            # The incident's suppliers (a row from before chains has none: its partner and
            # provider).
            suppliers = getattr(row, "suppliers", None) or ()
            audience = describe(
                parties={row.partner, row.provider, *suppliers}, provider=row.provider
            )
            metadata = Metadata.of_service(SERVICE, row.traceparent).about(audience)
            event = _outcome_event(row, now, problem).new(metadata, event_id=event_id)
            appends.setdefault(ESCALATION_STREAM.format(row.incident_id), []).append(event)
        await self.store.append_streams(conn, appends, {})
        return any(pending.scalars())


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
    "UPDATE decisions AS d SET attempts = d.attempts + 1, last_error = u.e,"
    " next_attempt_at = CAST(:now AS timestamptz) + make_interval(secs =>"
    " least(CAST(:cap AS double precision), power(2, least(d.attempts, 40))))"
    " * (0.5 + random() / 2) FROM unnest(CAST(:d AS uuid[]), CAST(:e AS text[])) AS u(d, e)"
    " WHERE d.decision_id = u.d AND d.status = 'pending' RETURNING d.next_attempt_at"
)
_LOCK = text(
    "SELECT incident_id FROM incident_escalation WHERE incident_id = ANY(:ids)"
    " ORDER BY incident_id FOR UPDATE SKIP LOCKED"
)


class DecisionSender:
    """Sends pending decisions to the incidents service, many incidents at once, each incident's
    in order; no database transaction is open while a request is in flight.

    A pipeline of batches: due decisions are claimed (their retry time moved a lease ahead) in
    one short transaction into a queue, and as soon as one of `concurrency` request slots is
    free, what waits in the queue goes in one request (`POST /incident-commands`, at most
    `per_request`), so a decision made meanwhile waits for a slot, never for the slowest
    request before it; the busier the incidents service, the more each request carries. The
    queue is topped up when it runs low, if the last claim left decisions behind (it was cut at
    its limit). Answers are recorded together: what came in while the last group was written
    goes in one transaction (each incident's row locked, as the consumer deciding on it locks
    it; an incident the consumer holds right now waits for the next group). A group that fails
    is recorded one decision at a time.

    An unreachable or failing incidents service (connection error, timeout, 408, 425, 429, 5xx,
    for the request or one of its commands, or 409 for a decision's own key still in flight)
    sets the decision's next try with exponential backoff and jitter (1 s, 2 s, 4 s ... up to
    `max_backoff_seconds`): the decision is kept, and applied once the service is back, once,
    because the retried key replays the stored answer. A sender that dies mid-flight leaves its
    claims to expire.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        store: EventStore,
        api: IncidentsApi,
        clock: Clock,
        *,
        on_refused: Refused,
        concurrency: int = 4,
        per_request: int = 50,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 300.0,
        lease_seconds: float = 60.0,
        on_recorded: Callable[[], None] | None = None,
    ) -> None:
        self.engine, self.api, self.clock, self.on_refused = engine, api, clock, on_refused
        self.outcomes = OutcomeLog(store)
        self.concurrency, self.per_request = concurrency, per_request
        self.batch_size = batch_size
        self.poll_seconds, self.max_backoff_seconds = poll_seconds, max_backoff_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.on_recorded = on_recorded
        self._wake = asyncio.Event()
        self._claimed: deque[Any] = deque()  # claimed, waiting for a slot
        self._flying: dict[asyncio.Task[None], int] = {}  # requests in flight: their decisions
        self._answers: list[tuple[Any, ProblemBody | None]] = []  # answered, not yet recorded
        self._answered = asyncio.Event()
        self._stop = asyncio.Event()  # run's
        self._scheduled = Schedule()  # this sender's retries
        self._more = False  # the last claim was cut at its limit: more may be due
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        recorder = asyncio.create_task(self._record_answers(stop))
        try:
            while not stop.is_set():
                self._wake.clear()  # before looking, so a wake() while we look is not lost
                looked = self.clock.now()
                try:
                    if len(self._claimed) < self.per_request:
                        await self.claim_due()
                except Exception:  # the database is away: the decisions are durable, look again
                    log.exception("claiming decisions failed; retrying shortly")
                # What may go next comes with a wake (new decisions, an incident's next one once
                # its last is recorded, a full claim's rest), a retry of ours falling due, or the
                # poll (another replica's retries, a dead sender's leases). Asking the database
                # when the next decision falls due after every claim that found none cost the
                # surge a question for every decision sent.
                pause = self._scheduled.pause_after(looked, self.clock.now(), self.poll_seconds)
                await wait_any(stop, self._wake, timeout=pause)
        finally:
            # Let the requests in flight answer and record what they answered.
            if self._flying:
                await asyncio.wait(self._flying, timeout=self.api.timeout)
            self._answered.set()
            await asyncio.wait([recorder], timeout=5.0)
            for task in (recorder, *self._flying):
                task.cancel()
            await asyncio.gather(recorder, *self._flying, return_exceptions=True)

    async def claim_due(self) -> int:
        """Claim due decisions up to `batch_size` queued or in flight, and start sending them;
        returns how many it claimed."""
        limit = self.batch_size - len(self._claimed) - sum(self._flying.values())
        if limit <= 0:
            return 0
        now = self.clock.now()
        async with self.engine.begin() as conn:
            rows = (await conn.execute(_DUE, {"now": now, "limit": limit})).all()
            if rows:
                await conn.execute(
                    _CLAIM, {"until": now + self.lease, "ids": [r.decision_id for r in rows]}
                )
        self._more = len(rows) == limit
        self._claimed.extend(rows)
        self._start_sends()
        return len(rows)

    def _start_sends(self) -> None:
        if self._stop.is_set():  # stopping: what is claimed keeps its claim until the lease ends
            return
        while self._claimed and len(self._flying) < self.concurrency:
            take = min(len(self._claimed), self.per_request)
            rows = [self._claimed.popleft() for _ in range(take)]
            task = asyncio.create_task(self._send(rows))
            self._flying[task] = len(rows)
            task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._flying.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("sending decisions failed", exc_info=task.exception())
        self._start_sends()
        if self._more and len(self._claimed) < self.per_request:
            self.wake()  # top the queue up

    async def _send(self, rows: list[Any]) -> None:
        # A span per decision, in the trace that decided it: the events the incidents service
        # writes for it carry that trace, not the batch's.
        spans = [
            tracer.start_span(
                "escalation.apply",
                context=context_from_traceparent(row.traceparent),
                attributes={
                    "village.incident_id": row.incident_id,
                    "village.decision_id": str(row.decision_id),
                },
            )
            for row in rows
        ]
        later: list[tuple[Any, str]] = []  # not yet, and why
        try:
            traces = [traceparent_of(span) for span in spans]
            try:
                response = await self.api.send_many(list(zip(rows, traces, strict=True)))
                results = _results(response, len(rows))
            except IncidentsUnavailable as exc:
                later = [(row, str(exc)) for row in rows]
            else:
                for row, (status, problem) in zip(rows, results, strict=True):
                    if _unavailable(status, problem):
                        why = f"incidents service answered {status}: {problem['detail'][:500]}"
                        later.append((row, why))
                    else:
                        self._answers.append((row, None if status < 300 else problem))
        finally:
            for span in spans:
                span.end()
        if later:
            await self._retry_later(later)
        self._answered.set()

    async def _record_answers(self, stop: asyncio.Event) -> None:
        """Record the answers as they come, all that came in since the last group at once."""
        while True:
            await self._answered.wait()
            self._answered.clear()
            while self._answers:
                group, self._answers = self._answers, []
                try:
                    held = await self.record(group)
                except Exception:
                    log.exception("recording %d outcomes together failed; one by one", len(group))
                    held = await self._record_one_by_one(group)
                if held:  # incidents a consumer transaction holds: once it has committed
                    self._answers[:0] = held
                    await asyncio.sleep(0.01)
            if stop.is_set() and not self._flying:
                return

    async def record(self, answers: list[tuple[Any, ProblemBody | None]]) -> list[tuple[Any, Any]]:
        """Record `answers` (each decision with the problem that refused it, or None: applied)
        in one transaction; returns those whose incident's row another transaction holds now
        (not recorded)."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            # The incident's row lock orders this against the consumer deciding on the same
            # incident (both append to its stream). SKIP LOCKED: waiting for rows in another
            # order than the consumer takes them could deadlock.
            ids = sorted({row.incident_id for row, _ in answers})
            locked = set((await conn.execute(_LOCK, {"ids": ids})).scalars())
            outcomes = [(row, p) for row, p in answers if row.incident_id in locked]
            more = await self.outcomes.record_many(conn, outcomes, now)
            for row, problem in outcomes:
                if problem is not None:
                    log.warning(
                        "decision %s for %s refused: %s",
                        row.decision_id,
                        row.incident_id,
                        problem["detail"],
                    )
                    await self.on_refused(conn, row.incident_id, str(row.decision_id))
        if outcomes:
            self.sent += len(outcomes)
            if self.on_recorded is not None:
                self.on_recorded()
            if more:
                self.wake()  # the next decisions of these incidents may be due now
        return [(row, p) for row, p in answers if row.incident_id not in locked]

    async def _record_one_by_one(
        self, answers: list[tuple[Any, ProblemBody | None]]
    ) -> list[tuple[Any, Any]]:
        held = []
        for answer in answers:
            try:
                held += await self.record([answer])
            except Exception:  # left claimed: sent again when the lease runs out (replayed)
                log.exception("recording the outcome of decision %s failed", answer[0].decision_id)
        return held

    async def _retry_later(self, later: list[tuple[Any, str]]) -> None:
        """Each `(decision, why)` tried again after its backoff, in one statement."""
        for row, why in later:
            log.warning(
                "decision %s for %s not applied yet: %s", row.decision_id, row.incident_id, why
            )
        async with self.engine.begin() as conn:
            due = await conn.scalars(
                _RETRY,
                {
                    "d": [row.decision_id for row, _ in later],
                    "e": [why[:2000] for _, why in later],
                    "now": self.clock.now(),
                    "cap": self.max_backoff_seconds,
                },
            )
            for at in due:
                self._scheduled.add(at)
        self.wake()  # to sleep until the first of them at most


ProblemBody = dict[str, Any]  # what a refusal said: status, type, title, detail


def _results(response: httpx.Response, count: int) -> list[tuple[int, ProblemBody]]:
    """Each command's status and problem (empty when it had none); a batch not answered 200
    (the service unavailable, or one that does not know the route yet) is not yet."""
    if response.status_code != 200:
        raise IncidentsUnavailable(
            f"incidents service answered {response.status_code}: {response.text[:500]}"
        )
    results = response.json()["results"]
    if len(results) != count:
        raise IncidentsUnavailable(f"{len(results)} answers to {count} commands")
    return [(r["status"], _problem(r["status"], r.get("problem"))) for r in results]


def _unavailable(status: int, problem: ProblemBody) -> bool:
    """Answered, but not yet: try again later (as 5xx, 408, 425, 429 and an in-flight key say)."""
    if status >= 500 or status in RETRYABLE:
        return True
    return status == 409 and problem["type"] == IN_FLIGHT


def _problem(status: int, body: Any) -> ProblemBody:
    if not isinstance(body, dict):
        body = {}
    return {
        "status": status,
        "type": str(body.get("type", "about:blank")),
        "title": str(body.get("title", _phrase(status))),
        "detail": str(body.get("detail", ""))[:2000],
    }


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
