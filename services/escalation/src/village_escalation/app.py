"""Composition root of the escalation service: clients are built in the lifespan, not at import."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

import httpx
from fastapi import FastAPI

from village_platform.applier import BatchScope, Routes
from village_platform.clock import Clock, SystemClock
from village_platform.consumer import ConsumerRunner
from village_platform.feedclient import FeedClient
from village_platform.runtime import Runtime
from village_platform.service_app import service_app
from village_platform.settings import Settings
from village_platform.telemetry import setup_telemetry
from village_platform.timers import TimerScheduler

from . import consumer
from .api import router
from .applying import DecisionSender, IncidentsApi
from .configbook import ConfigBook
from .configuration import Configuration
from .handlers import EscalationProcess
from .repository import EscalationRepository
from .views import EscalationViews

SERVICE = "escalation"
PORT = 8002
TOPIC = "village.escalations.v1"
SOURCE = "/village/escalation"

DESCRIPTION = """
Decides who works an incident: the owning partner's tiers first, the provider's tiers when the
partner cannot (severity, a product it is not certified for, time without acknowledgement or
progress, SLA risk); an incident linked to a provider outage is the provider's: no policy moves
it until it is unlinked. Every decision, with the rule or policy behind it and a reason, is an
event on Kafka topic `village.escalations.v1` (keyed by incident id; also served on
`GET /events`), and is applied through the incidents API with the decision id as
`Idempotency-Key`.

* Authenticate with a bearer JWT (`make token PARTY=northwind`). A party manages its own tiers
  and rules (`ROLE=admin`); each provider's admins manage its own profiles of the partners it
  supplies (a partner of several vendors has one per vendor, and reads each).
* You see your own configuration, your own queues, and the escalation path of incidents you
  work (the owning partner and the provider); partners never see each other's.
* Errors are RFC 9457 problem details; every POST/PUT honours `Idempotency-Key`.
"""


def settings_from_env() -> Settings:
    return Settings.for_service(SERVICE, PORT)


@dataclass(frozen=True)
class _Options:
    timer_poll_seconds: float
    max_retry_seconds: float
    consumer_names: tuple[str, str]
    incidents_transport: httpx.AsyncBaseTransport | None
    feeds: tuple[FeedClient, FeedClient] | None
    consumer_options: dict[str, object]


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    background: bool = True,
    timer_poll_seconds: float = 1.0,
    max_retry_seconds: float = 30.0,
    consumer_names: tuple[str, str] = (consumer.NAME, consumer.SLA_NAME),
    incidents_transport: httpx.AsyncBaseTransport | None = None,
    feeds: tuple[FeedClient, FeedClient] | None = None,
    **consumer_options: object,
) -> FastAPI:
    """`background=False` runs no consumer, relay or scheduler (tests drive them);
    `consumer_names` are the Kafka consumer groups (incidents, SLA); `max_retry_seconds` caps
    the backoff between attempts to apply a decision while the incidents service is away."""
    settings = settings or settings_from_env()
    clock = clock or SystemClock()
    setup_telemetry(settings)
    options = _Options(
        timer_poll_seconds,
        max_retry_seconds,
        consumer_names,
        incidents_transport,
        feeds,
        consumer_options,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, clock, topic=TOPIC, source=SOURCE)
        _wire(app, runtime, options)
        async with runtime.serving(app, background=background):
            yield

    return service_app("Village escalation", DESCRIPTION, settings, clock, router, SOURCE, lifespan)


def _wire(app: FastAPI, runtime: Runtime, options: _Options) -> None:
    """The service's parts, built once per lifespan; what the routes use goes on `app.state`
    (dependencies.py), with what tests drive."""
    settings, clock = runtime.settings, runtime.clock
    engine, doorbell = runtime.engine, runtime.doorbell
    book = ConfigBook(runtime.store)
    incidents = IncidentsApi(settings, transport=options.incidents_transport)
    runtime.party_kinds = incidents.parties
    escalations = EscalationRepository(runtime.store, book, clock)
    process = EscalationProcess(
        escalations, clock, runtime.writes, after_request=lambda: sender.wake()
    )
    sender = DecisionSender(
        engine,
        runtime.store,
        incidents,
        clock,
        on_refused=process.refused,
        poll_seconds=options.timer_poll_seconds,
        max_backoff_seconds=options.max_retry_seconds,
        on_recorded=doorbell.ring,
    )
    scheduler = TimerScheduler(
        engine,
        clock,
        process.on_timer,
        name="escalation-timers",
        poll_seconds=options.timer_poll_seconds,
        on_fired=lambda: (doorbell.ring(), sender.wake()),
    )

    def after_commit() -> None:
        doorbell.ring()
        sender.wake()  # a decision to send now
        scheduler.wake()  # a policy due sooner

    _subscribe(runtime, process, options, after_commit)
    runtime.background("timers", scheduler.run)
    runtime.background("sender", sender.run)
    runtime.close_at_end(incidents.aclose)
    app.state.process, app.state.views = process, EscalationViews(engine, clock)
    app.state.configuration = Configuration(
        engine, book, incidents.parties, runtime.writes, clock, incidents.supplies
    )
    app.state.scheduler, app.state.sender = scheduler, sender


def _subscribe(
    runtime: Runtime,
    process: EscalationProcess,
    options: _Options,
    after_commit: Callable[[], None],
) -> None:
    """One consumer per topic, each with its own group, routing table (consumer.py) and the
    feed it heals gaps from."""
    settings, (incidents_group, sla_group) = runtime.settings, options.consumer_names
    incident_routes = consumer.incident_routes(process)
    incidents_feed, sla_feed = options.feeds or (
        consumer.incidents_feed(settings, incidents_group),
        consumer.sla_feed(settings, sla_group),
    )
    runtime.consumer(
        _consumer(
            runtime,
            incidents_group,
            consumer.INCIDENTS_TOPIC,
            incidents_feed,
            incident_routes,
            after_commit,
            options,
            batch_scope=partial(
                process.escalations.applying_many, reads=consumer.incident_states(incident_routes)
            ),
        )
    )
    # The SLA topic carries the clocks of a partner's own contracts as bare facts (its provider
    # may not see them): the escalation service works for the partner too, so it reads them
    # whole from the SLA monitor's feed.
    runtime.consumer(
        _consumer(
            runtime,
            sla_group,
            consumer.SLA_TOPIC,
            sla_feed,
            consumer.sla_routes(process),
            after_commit,
            options,
            batch_scope=partial(process.escalations.applying_many, reads=consumer.sla_states),
            resolve_redacted=True,
        )
    )
    runtime.close_at_end(incidents_feed.aclose, sla_feed.aclose)


def _consumer(
    runtime: Runtime,
    group: str,
    topic: str,
    feed: FeedClient,
    routes: Routes,
    after_commit: Callable[[], None],
    options: _Options,
    *,
    batch_scope: BatchScope,
    resolve_redacted: bool = False,
) -> ConsumerRunner:
    topic = runtime.settings.topic(topic)
    return ConsumerRunner(
        group,
        runtime.engine,
        runtime.settings,
        [topic],
        routes,
        {topic: feed},
        runtime.clock,
        after_commit=after_commit,
        # A fetch in one transaction: one commit, one wake of the sender, the scheduler and the
        # relay for all of it, rather than one each per event.
        batch=True,
        batch_scope=batch_scope,  # each state, decision and timer written once per fetch
        resolve_redacted=resolve_redacted,
        **options.consumer_options,
    )  # type: ignore[arg-type]
