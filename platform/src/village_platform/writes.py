"""The one write path: a command's transaction, with its Idempotency-Key, from route to response.

A route only translates its input into a command and calls the service's handler with a
`WriteContext` (who, which key, which request); the handler hands its work, one function of a
connection, to `Writes.run`. The platform does the rest, once for every service:

- claims the key (a retry gets the stored response, 422 for another body, 409 while the first is
  still in flight) inside the transaction the work runs in;
- stores the response with whatever the work wrote (events, read model), one commit;
- retries the work on a concurrent append when asked (fresh state, fresh decision);
- rings `after_commit` (the relay's doorbell) once it committed;
- answers `Written`, whose `response()` carries `Idempotent-Replayed: true` on a replay;
- runs at most `party_writes` parties' commands at once in the process; the rest wait their turn
  (a 503 with `Retry-After` after `party_wait_seconds`), while the village's own services' commands
  (the escalation service's decisions) never wait behind them. In an outage partners' systems open
  incidents as fast as they can; without the gate the routing decisions queued behind every one
  of those opens for a database connection and the event loop (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import idempotency
from .auth import Caller, Principal
from .clock import Clock
from .errors import Problem
from .eventstore import ConcurrencyError
from .headers import IdempotencyKey
from .telemetry import current_traceparent

Work = Callable[[AsyncConnection], Awaitable[idempotency.StoredResponse]]
Replay = Callable[[idempotency.StoredResponse], Awaitable[idempotency.StoredResponse]]
T = TypeVar("T")
CorrelationId = Annotated[str | None, Header(alias="X-Correlation-Id", max_length=200)]


@dataclass(frozen=True)
class WriteContext:
    """Who asks for a change, under which Idempotency-Key, as part of which request."""

    principal: Principal
    key: idempotency.IdempotencyKey | None = None
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    # The trace the command belongs to, when it is not the request's (one of a batch's).
    traceparent: str | None = None

    def event_metadata(self) -> dict[str, Any]:
        """What every event this command writes says of its origin (the egress rule's
        description of its audience is the producer's to add)."""
        return {
            "actor_party": self.principal.party,
            "actor_kind": self.principal.kind,
            "actor_user": self.principal.user,
            "correlation_id": self.correlation_id,
            "causation_id": self.key.key if self.key else None,
            "traceparent": self.traceparent or current_traceparent(),
        }


@dataclass(frozen=True)
class Written(idempotency.StoredResponse):
    """A command's answer; `replayed` when it is the stored answer to a retried request."""

    replayed: bool = False

    def response(self) -> Response:
        headers = dict(self.headers) | ({"Idempotent-Replayed": "true"} if self.replayed else {})
        if self.status_code == 204:
            return Response(status_code=204, headers=headers)
        return JSONResponse(self.body, status_code=self.status_code, headers=headers)


def stored(
    status: int, body: Any, headers: dict[str, str] | None = None
) -> idempotency.StoredResponse:
    return idempotency.StoredResponse(status, body, headers or {})


class Writes:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        ttl: timedelta,
        after_commit: Callable[[], None] | None = None,
        *,
        party_writes: int = 0,
        party_wait_seconds: float = 3.0,
    ) -> None:
        """`party_writes`: parties' commands run at once (0: no limit)."""
        self.engine, self.clock, self.ttl, self.after_commit = engine, clock, ttl, after_commit
        self.party_wait_seconds = party_wait_seconds
        self._party_slots = asyncio.Semaphore(party_writes) if party_writes > 0 else None

    def with_after_commit(self, after_commit: Callable[[], None]) -> Writes:
        """The same write path, its gate included, ringing `after_commit` instead."""
        other = copy.copy(self)
        other.after_commit = after_commit
        return other

    async def run(
        self, ctx: WriteContext, work: Work, *, attempts: int = 1, on_replay: Replay | None = None
    ) -> Written:
        """`work` in one transaction with `ctx`'s key. A concurrent append (ConcurrencyError) is
        tried again up to `attempts` times in all, then raised; `on_replay` completes a stored
        response before it is answered again (a secret the record does not keep)."""
        async with self._turn(ctx.principal):
            return await self._run(ctx, work, attempts, on_replay)

    async def run_many(
        self,
        principal: Principal,
        keys: list[idempotency.IdempotencyKey],
        work: idempotency.BatchWork,
        *,
        attempts: int = 1,
    ) -> list[Written | Problem]:
        """Many requests of one caller, each with a key of its own, in one transaction (`run`
        for each, at once): `work` answers those neither replayed nor refused by their key. A
        concurrent append anywhere in the batch runs it all again, up to `attempts` times."""
        if len({k.key for k in keys}) < len(keys):
            raise Problem(422, "validation-error", "every request needs a key of its own")
        async with self._turn(principal):
            answers = await _attempts(
                lambda: idempotency.run_many(self.engine, keys, self.clock.now, self.ttl, work),
                attempts,
            )
        if self.after_commit is not None and any(
            not replayed and not isinstance(a, Problem) for a, replayed in answers
        ):
            self.after_commit()
        return [
            a if isinstance(a, Problem) else Written(a.status_code, a.body, a.headers, replayed)
            for a, replayed in answers
        ]

    @contextlib.asynccontextmanager
    async def _turn(self, principal: Principal) -> AsyncIterator[None]:
        """A party's command waits for one of the parties' slots; a service's goes at once."""
        slots = self._party_slots
        if slots is None or principal.kind == "service":
            yield
            return
        try:
            async with asyncio.timeout(self.party_wait_seconds):
                await slots.acquire()
        except TimeoutError:
            raise Problem(
                503,
                "unavailable",
                "too many changes are being made right now; retry later",
                headers={"Retry-After": "1"},
            ) from None
        try:
            yield
        finally:
            slots.release()

    async def _run(
        self, ctx: WriteContext, work: Work, attempts: int, on_replay: Replay | None
    ) -> Written:
        response, replayed = await _attempts(
            lambda: idempotency.run_once(self.engine, ctx.key, self.clock.now, self.ttl, work),
            attempts,
        )
        if replayed:
            if on_replay is not None:
                response = await on_replay(response)
        elif self.after_commit is not None:
            self.after_commit()  # committed: the relay may publish now
        return Written(response.status_code, response.body, response.headers, replayed)


async def _attempts(run: Callable[[], Awaitable[T]], attempts: int) -> T:
    """`run`, again on a concurrent append (fresh state, fresh decision), `attempts` times in
    all; the last one's ConcurrencyError is raised."""
    for _ in range(attempts - 1):
        try:
            return await run()
        except ConcurrencyError:
            pass
    return await run()


async def writes(request: Request) -> Writes:
    return request.app.state.writes


async def write_context(
    request: Request, caller: Caller, key: IdempotencyKey = None, correlation: CorrelationId = None
) -> WriteContext:
    """The WriteContext of a request: its key fingerprints method, path and the JSON body (only
    when there is a key to tie it to)."""
    body = None
    if key is not None:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:  # not JSON: the route refuses the body (422) before any work runs
            body = raw.hex()
    return WriteContext(
        caller,
        idempotency.make_key(caller.party, key, request.method, request.url.path, body),
        correlation or str(uuid.uuid4()),
    )


Write = Annotated[WriteContext, Depends(write_context)]
"""A route's write context: `ctx: Write`."""
Writer = Annotated[Writes, Depends(writes)]
"""The service's write path: `writes: Writer`."""
