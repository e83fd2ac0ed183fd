"""Sending deliveries: many endpoints at once, each (endpoint, incident) queue in order, and no
database transaction open while a request is in flight.

A round claims due deliveries that head their (endpoint, subject) queue (no earlier pending one) by
moving `next_attempt_at` a lease ahead, in one statement (SKIP LOCKED: several dispatchers share
the work), and starts a task per delivery; answers are recorded many to a commit (group commit),
failed attempts one by one. A dispatcher that dies mid-request leaves its claims to expire: the
delivery is sent again after the lease, with the same `webhook-id` (the event id). Claims never
exceed the free global slots nor `per_endpoint` requests per endpoint, so a slow or failing
endpoint holds its own few slots and nobody else's. An endpoint whose attempts fail in a row is
paused, then probed one delivery at a time (its circuit breaker: domain/retry.py), so a receiver
that is down costs one attempt per backoff, not one per queued incident.

Every request goes through pinning.CheckedTransport: the target is resolved once per delivery,
every address checked, and the connection made to those addresses only (no DNS rebinding).
Signing secrets are opened (sealing.py) just before signing and live only in the request.

Each attempt's outcome is also an event (domain/events.py: delivered, attempt_failed, failed,
parked), appended in the transaction that records the outcome, so the relay publishes exactly
what was recorded on `village.webhooks.v1`, for the endpoint's owner only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from village_platform.clock import Clock
from village_platform.db import driver_of
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore, NewEvent
from village_platform.http import traced
from village_platform.telemetry import context_from_traceparent
from village_platform.wakeups import Schedule, wait_any

from .domain import events as ev
from .domain import signing
from .domain.retry import BREAKER_FAILURES, RetryPolicy, retry_after, verdict
from .domain.targets import Network, TargetRefused
from .pinning import CheckedTransport, Resolver, SystemResolver
from .sealing import Sealer, SealError

log = logging.getLogger(__name__)
tracer = trace.get_tracer("village.webhooks")

# A claim is one statement on the driver, outside any explicit transaction (one round trip, not
# five): for each endpoint that may send, its due deliveries that head their (endpoint, subject)
# queue (no earlier pending one), earliest first, as many as it has free slots; those locked,
# moved a lease ahead and returned with their endpoints' targets. Each endpoint's walk stops at
# its free slots (deliveries_due, in order), so a backlog does not make every claim slower. Two
# forms keep the planner on short walks (docs/benchmarks.md): the head test is `seq <= (the
# queue's first)`, for a pending delivery the same as `=`, which the planner takes to pass one
# row in thousands, and so it fetched every due delivery to sort them (a bitmap scan: 7-10 ms a
# claim in the surge); and the leases are counted among the deliveries whose next attempt is
# ahead (a lease is one), a few rows whichever index the planner walks. An endpoint's
# slots taken are its deliveries under a lease, every dispatcher's (deliveries_leased), less
# those this dispatcher has had answered and is still recording ($2, $3: their slots are free).
_CLAIM = """
WITH due AS (
    SELECT c.delivery_id, c.next_attempt_at, c.seq
    FROM endpoints e
    LEFT JOIN unnest($2::uuid[], $3::integer[]) AS b(endpoint_id, answered)
      ON b.endpoint_id = e.endpoint_id
    CROSS JOIN LATERAL (
        SELECT count(*)::integer AS n FROM deliveries l
        WHERE l.endpoint_id = e.endpoint_id AND l.next_attempt_at > $1 AND l.leased_until > $1
          AND l.status = 'pending'
    ) leased
    CROSS JOIN LATERAL (
        SELECT d.delivery_id, d.next_attempt_at, d.seq FROM deliveries d
        WHERE d.endpoint_id = e.endpoint_id AND d.status = 'pending' AND d.next_attempt_at <= $1
          AND d.seq <= (SELECT min(p.seq) FROM deliveries p  -- the head of its queue
                       WHERE p.endpoint_id = d.endpoint_id AND p.subject = d.subject
                         AND p.status = 'pending')
        ORDER BY d.next_attempt_at, d.seq
        -- a tripped breaker lets one probe go at a time
        LIMIT greatest(
            CASE WHEN e.failures >= $5 THEN 1 ELSE $4 END - (leased.n - coalesce(b.answered, 0)), 0
        )
    ) c
    WHERE e.status = 'active' AND (e.paused_until IS NULL OR e.paused_until <= $1)
), picked AS (
    SELECT d.delivery_id FROM deliveries d
    WHERE d.delivery_id IN (SELECT delivery_id FROM due ORDER BY next_attempt_at, seq LIMIT $6)
      AND d.status = 'pending' AND d.next_attempt_at <= $1
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE deliveries d SET next_attempt_at = $7, leased_until = $7
FROM picked p, endpoints e
WHERE d.delivery_id = p.delivery_id AND e.endpoint_id = d.endpoint_id
RETURNING d.delivery_id, d.endpoint_id, d.event_id, d.payload, d.attempts, d.queued_at, d.subject,
          e.party, e.party_kind, e.url, e.secret_sealed, e.previous_secret_sealed,
          e.previous_expires_at
"""
# Final outcomes of many deliveries, one statement (group commit: see Dispatcher._finish); each
# was an answer, so its endpoint's circuit breaker closes in the same statement (written only
# where there is something to reset: deliveries go on without touching their endpoint).
_DONE = text(
    "WITH done AS ("
    " UPDATE deliveries d SET status = u.status, attempts = d.attempts + 1,"
    " response_status = u.code, latency_ms = u.ms, last_attempt_at = :now, last_error = u.error,"
    " delivered_at = CASE WHEN u.status = 'delivered' THEN CAST(:now AS timestamptz) END,"
    " leased_until = NULL"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:codes AS integer[]),"
    "             CAST(:ms AS double precision[]), CAST(:errors AS text[]))"
    " AS u(id, status, code, ms, error)"
    " WHERE d.delivery_id = u.id AND d.status = 'pending' RETURNING d.endpoint_id)"
    " UPDATE endpoints SET failures = 0, paused_until = NULL"
    " WHERE endpoint_id IN (SELECT endpoint_id FROM done)"
    " AND (failures > 0 OR paused_until IS NOT NULL)"
)
_RETRY = text(
    "UPDATE deliveries SET attempts = attempts + 1, response_status = :code, latency_ms = :ms,"
    " last_attempt_at = :now, last_error = :error, next_attempt_at = :next, leased_until = NULL"
    " WHERE delivery_id = :id AND status = 'pending'"
)
_FAILING = text(
    "UPDATE endpoints SET status = 'failing', failing_since = :now, updated_at = :now,"
    " version = version + 1 WHERE endpoint_id = :e AND status = 'active'"
)
_PARK = text(
    "UPDATE deliveries SET status = 'parked', leased_until = NULL"
    " WHERE endpoint_id = :e AND status = 'pending'"
)
# The endpoint's circuit breaker (domain/retry.py): one more failure in a row, and a pause
# (an answer resets both: _DONE).
_FAILED = text(
    "UPDATE endpoints SET failures = failures + 1 WHERE endpoint_id = :e RETURNING failures"
)
_PAUSE = text(
    "UPDATE endpoints SET paused_until = greatest(paused_until, :until) WHERE endpoint_id = :e"
)


CLAIM_GATHER_SECONDS = 0.005
ANSWER_LIMIT = 4096  # bytes of a receiver's answer read (to keep its connection alive)
SNIPPET = 300  # bytes of a refusal's answer kept in last_error


class Dispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        policy: RetryPolicy,
        sealer: Sealer,
        *,
        development: bool,
        allowed: Sequence[Network],
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout_seconds: float = 10.0,
        concurrency: int = 64,
        per_endpoint: int = 8,
        lease_seconds: float = 60.0,
        poll_seconds: float = 1.0,
        store: EventStore | None = None,
        recorded: Callable[[], None] | None = None,
    ) -> None:
        """`resolver`: the system's unless given; `ssl_context`: the certificates trusted (the
        system's unless given); `recorded`: called after outcome events were committed (the
        relay's doorbell)."""
        self.store, self.recorded = store or EventStore(clock), recorded
        self.engine, self.clock, self.policy, self.sealer = engine, clock, policy, sealer
        self.timeout_seconds = timeout_seconds
        self.concurrency, self.per_endpoint = concurrency, per_endpoint
        self.lease, self.poll_seconds = timedelta(seconds=lease_seconds), poll_seconds
        transport = CheckedTransport(
            resolver or SystemResolver(),
            development=development,
            allowed=allowed,
            ssl_context=ssl_context,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        # Redirects are not followed: a redirect could lead to an address the URL check refuses.
        self.http = traced(
            httpx.AsyncClient(
                timeout=timeout_seconds,
                follow_redirects=False,
                transport=transport,
                trust_env=False,
            )
        )
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        # The deliveries holding one of their endpoint's slots (a request in flight): delivery ->
        # endpoint. Those answered for good move to `_answered` until their outcome is recorded:
        # still leased in the database, their slots are free for this dispatcher's claims.
        self._holding: dict[uuid.UUID, uuid.UUID] = {}
        self._answered: dict[uuid.UUID, uuid.UUID] = {}
        self._outcomes: list[tuple[tuple[Any, ...], asyncio.Future[None]]] = []
        self._flushing = False
        self._queued = asyncio.Event()  # new deliveries since the last look: claimed at once
        # When this dispatcher's retries fall due and its endpoints' pauses end (a heap): it
        # looks again then. Other replicas' retries, and the leases of one that died, are found
        # by the poll.
        self._scheduled = Schedule()

    def wake(self) -> None:
        """New deliveries were stored (a fan-out, a redelivery): look now."""
        self._queued.set()
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                self._wake.clear()  # before looking, so a wake() while we look is not lost
                if self._tasks:
                    # Requests are finishing one by one: let a few more finish, so one claim
                    # (a scan of the pending heads) fills several slots, not one each (their
                    # wake-ups do not cut this short). New deliveries do: a partner's system
                    # is waiting for each.
                    await wait_any(stop, self._queued, timeout=CLAIM_GATHER_SECONDS)
                self._queued.clear()  # what was stored before the claim below is seen by it
                looked = self.clock.now()
                try:
                    await self.dispatch_due()
                except Exception:  # the database is away: deliveries are durable, look again
                    log.exception("dispatching deliveries failed; retrying shortly")
                # What may go next comes with a wake (new deliveries, a request answered, a slot
                # free), a retry or pause of ours ending, or the poll. Looking again at once, and
                # asking the database when the next delivery falls due, cost (g) 1.3 claims and
                # 1.3 of those questions per delivery beyond its own claim.
                pause = self._scheduled.pause_after(looked, self.clock.now(), self.poll_seconds)
                await wait_any(stop, self._wake, timeout=pause)
        finally:
            if self._tasks:  # let requests in flight finish briefly; unfinished ones' leases expire
                await asyncio.wait(self._tasks, timeout=5)
                for task in self._tasks:
                    task.cancel()
            await self.http.aclose()

    async def dispatch_due(self) -> int:
        """Claim what may go now and start sending it; returns how many were claimed."""
        free = self.concurrency - len(self._tasks)
        if free <= 0:
            return 0
        now = self.clock.now()
        # Answered but still being recorded, per endpoint: leased, yet their slots are free.
        answered = list(Counter(self._answered.values()).items())
        async with self.engine.connect() as conn:
            rows = await (await driver_of(conn)).fetch(
                _CLAIM,
                now,
                [e for e, _ in answered],
                [n for _, n in answered],
                self.per_endpoint,
                BREAKER_FAILURES,
                free,
                now + self.lease,
            )
        for record in rows:
            row = _Delivery(*(record[f] for f in _Delivery._fields))
            target = _Target(*(record[f] for f in _Target._fields))
            self._holding[row.delivery_id] = row.endpoint_id
            task = asyncio.create_task(self._deliver(row, target))
            self._tasks.add(task)
            task.add_done_callback(lambda t, d=row.delivery_id: self._finished(t, d))
        return len(rows)

    def _release(self, delivery_id: uuid.UUID) -> None:
        """The delivery's endpoint slot is free (once: the first call counts)."""
        if (endpoint := self._holding.pop(delivery_id, None)) is not None:
            self._answered[delivery_id] = endpoint
            self._wake.set()  # another delivery to that endpoint may go now

    def _finished(self, task: asyncio.Task[None], delivery_id: uuid.UUID) -> None:
        self._tasks.discard(task)
        self._holding.pop(delivery_id, None)
        self._answered.pop(delivery_id, None)  # recorded (or its lease runs out)
        self._wake.set()  # the next delivery of that queue may go now

    async def _deliver(self, row: _Delivery, target: _Target) -> None:
        # The delivery continues the trace of the request that caused the event, so an SRE
        # follows one escalation out to the parties' systems (the HTTP client span and the
        # request's `traceparent` header come from the httpx instrumentation).
        parent = context_from_traceparent(json.loads(row.payload).get("traceparent"))
        with tracer.start_as_current_span(
            "webhook delivery",
            context=parent,
            attributes={
                "village.event_id": str(row.event_id),
                "village.endpoint_id": str(row.endpoint_id),
                "village.attempt": row.attempts + 1,
            },
        ):
            await self._deliver_traced(row, target)

    async def _deliver_traced(self, row: _Delivery, target: _Target) -> None:
        code, error, pause, started = None, None, None, time.perf_counter()
        try:
            # Receivers compare webhook-timestamp with their own clock: the real time, whatever
            # clock schedules retries.
            headers = signing.headers(
                str(row.event_id), datetime.now(UTC), row.payload, self._secrets(target)
            )
            started = time.perf_counter()
            # One deadline for the whole exchange (httpx's timeout is per read: a receiver dripping
            # bytes could hold a slot for ever), and at most a snippet of the answer is read.
            async with asyncio.timeout(self.timeout_seconds):
                async with self.http.stream(
                    "POST", target.url, content=row.payload.encode(), headers=headers
                ) as response:
                    code = response.status_code
                    pause = retry_after(response.headers.get("retry-after"), datetime.now(UTC))
                    # Read to its end (a short answer): a connection whose answer is left unread
                    # is closed, and every delivery would pay a new TCP and TLS handshake.
                    answer = await _answer(response)
                    if verdict(code) != "delivered":
                        error = f"HTTP {code}: {answer[:SNIPPET].decode(errors='replace')}"
        except TargetRefused as exc:  # from the transport: checked as the request goes
            error = f"target refused: {exc}"
        except SealError as exc:  # a key dropped too early: nothing to sign with until it is back
            log.error("delivery %s: %s", row.delivery_id, exc)
            error = str(exc)
        except (httpx.HTTPError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        except Exception as exc:  # anything else: tried again later, never a lost delivery
            log.exception("delivery %s failed unexpectedly", row.delivery_id)
            error = f"{type(exc).__name__}: {exc}"[:500]
        if error is not None and code is not None and verdict(code) == "delivered":
            code = None  # answered 2xx, but the exchange did not finish: not delivered
        latency = (time.perf_counter() - started) * 1000
        if verdict(code) in ("delivered", "failed"):
            # Answered for good: the endpoint's slot is free while the outcome is recorded with
            # others' (its queue's next delivery still waits for the record: it is no head until
            # then). An attempt to be retried keeps its slot until it counts for the breaker.
            self._release(row.delivery_id)
        try:
            await self._record(row, target, code, error, latency, pause)
        except Exception:  # the database is away: the lease expires and the delivery goes again
            log.exception("could not record delivery %s", row.delivery_id)

    def _secrets(self, target: _Target) -> list[str]:
        sealed = [target.secret_sealed]
        if (
            target.previous_secret_sealed
            and target.previous_expires_at
            and target.previous_expires_at > self.clock.now()
        ):
            sealed.append(target.previous_secret_sealed)
        return [self.sealer.open(s) for s in sealed]

    async def _finish(self, outcome: tuple[Any, ...], event: tuple[str, NewEvent]) -> None:
        """Record a final outcome. Whoever finds no write in progress writes everything queued
        meanwhile in one transaction (group commit): one commit for many deliveries."""
        done = asyncio.get_running_loop().create_future()
        self._outcomes.append(((outcome, event), done))
        if self._flushing:
            return await done
        self._flushing = True
        try:
            while self._outcomes:
                batch, self._outcomes = self._outcomes, []
                try:
                    async with self.engine.begin() as conn:
                        await conn.execute(
                            _DONE,
                            {
                                "now": self.clock.now(),
                                **{
                                    key: [o[i] for (o, _), _ in batch]
                                    for i, key in enumerate(
                                        ("ids", "statuses", "codes", "ms", "errors")
                                    )
                                },
                            },
                        )
                        # One stream per (endpoint, subject): never two in one batch.
                        await self.store.append_streams(
                            conn, {stream: [new] for (_, (stream, new)), _ in batch}, {}
                        )
                except Exception as exc:
                    for _, waiter in batch:
                        waiter.set_exception(exc)
                    continue
                for (outcome, _), _ in batch:  # recorded: no longer leased in the database
                    self._answered.pop(outcome[0], None)
                self._rang()
                for _, waiter in batch:
                    waiter.set_result(None)
        finally:
            self._flushing = False
        return await done

    def _rang(self) -> None:
        if self.recorded is not None:
            self.recorded()

    async def _record(
        self,
        row: _Delivery,
        target: _Target,
        code: int | None,
        error: str | None,
        latency: float,
        pause: float | None,
    ) -> None:
        now, outcome = self.clock.now(), verdict(code)
        params = {
            "id": row.delivery_id,
            "code": code,
            "ms": round(latency, 2),
            "now": now,
            "error": error,
        }
        attempt = _Outcome(row, target, now, params["ms"])
        if outcome in ("delivered", "failed"):
            if outcome == "failed":
                log.warning("delivery %s refused for good: %s", row.delivery_id, error)
            event = (
                attempt.event(ev.Delivered, status_code=code)
                if outcome == "delivered"
                else attempt.event(ev.Failed, status_code=code, reason=error or "")
            )
            await self._finish((row.delivery_id, outcome, code, params["ms"], error), event)
            return
        async with self.engine.begin() as conn:
            failures = await conn.scalar(_FAILED, {"e": row.endpoint_id})
            paused = self.policy.endpoint_pause(failures or 0, code, pause)
            if paused is not None:
                until = now + timedelta(seconds=paused)
                self._scheduled.add(until)
                await conn.execute(_PAUSE, {"e": row.endpoint_id, "until": until})
            at = self.policy.next_attempt(now, row.queued_at, row.attempts + 1, code, pause)
            if at is not None:
                await conn.execute(_RETRY, {**params, "next": at})
                self._scheduled.add(at)
                stream, new = attempt.event(
                    ev.AttemptFailed, status_code=code, reason=error or "", next_attempt_at=at
                )
            else:
                log.warning(
                    "endpoint %s failing for longer than %s: parking its deliveries",
                    row.endpoint_id,
                    self.policy.max_age,
                )
                await conn.execute(_RETRY, {**params, "next": now})
                await conn.execute(_FAILING, {"e": row.endpoint_id, "now": now})
                parked = (await conn.execute(_PARK, {"e": row.endpoint_id})).rowcount
                stream, new = attempt.event(
                    ev.Parked, status_code=code, reason=error or "", parked=parked
                )
            await self.store.append_streams(conn, {stream: [new]}, {})
        self._rang()


class _Delivery(NamedTuple):
    """A claimed delivery."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    payload: str
    attempts: int
    queued_at: datetime
    subject: str


class _Target(NamedTuple):
    """Where a claimed delivery goes, and what it is signed with."""

    party: str
    party_kind: str
    url: str
    secret_sealed: str
    previous_secret_sealed: str | None
    previous_expires_at: datetime | None


class _Outcome:
    """One attempt of a delivery, as the event that records its outcome."""

    def __init__(self, row: _Delivery, target: _Target, now: datetime, ms: float) -> None:
        self.row, self.target, self.now, self.ms = row, target, now, ms

    def event(self, kind: type[ev._Attempt], **outcome: Any) -> tuple[str, NewEvent]:
        row, target = self.row, self.target
        delivered = json.loads(row.payload)
        attempt = row.attempts + 1
        fact = kind(
            delivery_id=str(row.delivery_id),
            endpoint_id=str(row.endpoint_id),
            event_id=str(row.event_id),
            delivered_type=delivered.get("type", ""),
            incident_id=_incident_of(delivered),
            attempt=attempt,
            latency_ms=self.ms,
            at=self.now,
            **outcome,
        )
        metadata = Metadata.of_service("webhooks", delivered.get("traceparent")).about(
            ev.audience(target.party, target.party_kind)
        )
        new = fact.new(metadata, event_id=ev.outcome_id(row.delivery_id, attempt))
        return ev.stream_of(row.endpoint_id, row.subject), new


def _incident_of(delivered: dict[str, Any]) -> str | None:
    """The incident the delivered event was about (the console's rule): its stream for an
    incident's own events, else the incident its data names."""
    if str(delivered.get("type", "")).startswith("village.incident."):
        return delivered.get("subject")
    found = (delivered.get("data") or {}).get("incident_id")
    return found if isinstance(found, str) else None


async def _answer(response: httpx.Response, limit: int = ANSWER_LIMIT) -> bytes:
    """The answer's body, read to its end if it is short; past `limit` the rest is left (the
    connection is then closed, not kept)."""
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= limit:
            break
    return body
