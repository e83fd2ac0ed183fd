"""What every service's lifespan builds and tears down, in one place: the database engine, the
event store and its relay to Kafka (woken by a doorbell after each commit), the consumers and
other background tasks, and the clients to close at shutdown.

A service's `create_app` builds its own parts around a `Runtime` and hands the lifespan over:

    runtime = Runtime(settings, clock, topic=TOPIC, source=SOURCE)
    runtime.consumer(ConsumerRunner(...))           # served in the background
    runtime.background("timers", scheduler.run)     # any `run(stop)` coroutine
    runtime.close_at_end(incidents_api.aclose)      # after the tasks stopped, before the engine
    runtime.party_kinds = directory                 # who says a caller's party kind (default:
                                                    # the incidents service's GET /parties)
    async with runtime.serving(app, background=background):
        yield
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from .auth import Authenticator, PartyKinds
from .clock import Clock
from .consumer import ConsumerRunner
from .db import make_engine, plain_dsn
from .directory import PartyDirectory
from .doorbell import Doorbell
from .eventstore import EventStore
from .idempotency import purge_periodically
from .kafka import make_producer, when_reachable
from .relay import Relay
from .settings import Settings
from .topics import ProviderTopics
from .writes import Writes

PURGE_EVERY_SECONDS = 600  # expired idempotency keys

log = logging.getLogger(__name__)


class Runtime:
    """`topic=None`: a service that publishes nothing (its producer only answers /readyz).
    A service's relay publishes to its bus topic and to each provider's own (topics.py)."""

    def __init__(self, settings: Settings, clock: Clock, *, topic: str | None, source: str) -> None:
        self.settings, self.clock = settings, clock
        self.engine = make_engine(settings)
        self.store = EventStore(clock)
        self.producer = make_producer(settings)
        self.doorbell = Doorbell(plain_dsn(settings.service_database_url))
        self.relay = (
            None
            if topic is None
            else Relay(
                self.engine,
                self.producer,
                settings.topic(topic),
                source,
                clock,
                batch_size=settings.relay_batch_size,
                poll_seconds=settings.relay_poll_seconds,
                doorbell=self.doorbell,
                provider_topics=ProviderTopics(settings, topic),
            )
        )
        # The one write path (writes.py): committed commands ring the relay.
        self.writes = Writes(
            self.engine,
            clock,
            timedelta(hours=settings.idempotency_ttl_hours),
            self.doorbell.ring,
            party_writes=settings.party_write_concurrency,
            party_wait_seconds=settings.db_pool_timeout_seconds,
        )
        self.runners: list[ConsumerRunner] = []
        self._background: list[tuple[str, Callable[[asyncio.Event], Awaitable[Any]]]] = []
        self._closers: list[Callable[[], Awaitable[Any]]] = []
        self.party_kinds: PartyKinds | None = None

    def consumer(self, runner: ConsumerRunner) -> ConsumerRunner:
        self.runners.append(runner)
        self.background(f"consumer-{runner.name}", runner.serve)
        return runner

    def background(self, name: str, run: Callable[[asyncio.Event], Awaitable[Any]]) -> None:
        """`run(stop)` is started with the service (when it runs background work) and awaited
        at shutdown."""
        self._background.append((name, run))

    def close_at_end(self, *closers: Callable[[], Awaitable[Any]]) -> None:
        self._closers.extend(closers)

    async def _stopped(self, tasks: list[asyncio.Task[Any]]) -> None:
        """Wait for the tasks told to stop, then cancel those that did not within the grace (a
        consumer whose group join or leave the broker holds): what they had applied but not
        committed comes again and is skipped, as after a crash."""
        grace = self.settings.shutdown_grace_seconds
        if not tasks:
            return
        _, hung = await asyncio.wait(tasks, timeout=grace)
        if not hung:
            return
        for task in hung:
            log.warning(
                "%s did not stop within %g s; cancelling it (waiting in %s)",
                task.get_name(),
                grace,
                _waiting_in(task),
            )
            task.cancel()
        # Its clean-up may hang as well (a consumer leaving its group): not for ever.
        _, still = await asyncio.wait(hung, timeout=grace)
        for task in still:
            log.error("%s did not end when cancelled; leaving it", task.get_name())

    @asynccontextmanager
    async def serving(self, app: Any, *, background: bool) -> AsyncIterator[None]:
        """The lifespan: exposes the shared parts on `app.state` (the routes, /readyz and the feed
        read them there), runs the background tasks, and stops and closes everything at the end.
        `background=False` starts nothing (tests drive the relay and consumers themselves)."""
        state = app.state
        state.engine, state.store, state.producer = self.engine, self.store, self.producer
        state.relay, state.relay_doorbell, state.runners = self.relay, self.doorbell, self.runners
        state.idempotency_ttl = timedelta(hours=self.settings.idempotency_ttl_hours)
        state.writes = self.writes
        if self.party_kinds is None:
            directory = PartyDirectory(self.settings, name=self.settings.service)
            self.party_kinds = directory
            self._closers.append(directory.aclose)
        state.authenticator = Authenticator(self.settings, self.party_kinds)
        stop = asyncio.Event()
        tasks: list[asyncio.Task[Any]] = []
        if background:
            if self.relay is not None:
                tasks.append(
                    asyncio.create_task(self.relay.serve(self.settings, stop), name="relay")
                )
            else:
                tasks.append(
                    asyncio.create_task(when_reachable(self.producer.start, stop), name="producer")
                )
            tasks += [asyncio.create_task(run(stop), name=name) for name, run in self._background]
            tasks.append(
                asyncio.create_task(
                    purge_periodically(self.engine, self.clock.now, PURGE_EVERY_SECONDS, stop),
                    name="idempotency-purge",
                )
            )
        try:
            yield
        finally:
            stop.set()
            await self._stopped(tasks)
            await self.producer.stop()
            for close in self._closers:
                await close()
            await self.doorbell.close()
            await self.engine.dispose()


def _waiting_in(task: asyncio.Task[Any], depth: int = 4) -> str:
    """Where a task is suspended: the innermost coroutines of its await chain (a task's own
    stack shows only its outermost one), so a hung shutdown names what it waits for."""
    frames, awaited = [], task.get_coro()
    while awaited is not None and (frame := getattr(awaited, "cr_frame", None)) is not None:
        frames.append(f"{frame.f_code.co_qualname} ({frame.f_code.co_filename}:{frame.f_lineno})")
        awaited = getattr(awaited, "cr_await", None)
    return " <- ".join(reversed(frames[-depth:])) or "?"
