"""Composition root of the escalation service: clients are built in the lifespan, not at import."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

import httpx
from fastapi import FastAPI

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
from .handlers import EscalationProcess

SERVICE = "escalation"
PORT = 8002
TOPIC = "village.escalations.v1"
SOURCE = "/village/escalation"

DESCRIPTION = """
Decides who works an incident: the owning partner's tiers first, the provider's tiers when the
partner cannot (severity, a product it is not certified for, time without acknowledgement or
progress, SLA risk). Every decision, with the rule or policy behind it and a reason, is an event
on Kafka topic `village.escalations.v1` (keyed by incident id; also served on `GET /events`), and
is applied through the incidents API with the decision id as `Idempotency-Key`.

* Authenticate with a bearer JWT (`make token PARTY=northwind`). A party manages its own tiers
  and rules (`ROLE=admin`); the provider's admins manage partner profiles.
* You see your own configuration, your own queues, and the escalation path of incidents you
  work (the owning partner and the provider); partners never see each other's.
* Errors are RFC 9457 problem details; every POST/PUT honours `Idempotency-Key`.
"""


def settings_from_env() -> Settings:
    return Settings.for_service(SERVICE, PORT)


def create_app(settings: Settings | None = None, clock: Clock | None = None, *, background: bool = True,
               timer_poll_seconds: float = 1.0, max_retry_seconds: float = 30.0,
               consumer_names: tuple[str, str] = (consumer.NAME, consumer.SLA_NAME),
               incidents_transport: httpx.AsyncBaseTransport | None = None,
               feeds: tuple[FeedClient, FeedClient] | None = None, **consumer_options: object) -> FastAPI:
    """`background=False` runs no consumer, relay or scheduler (tests drive them);
    `consumer_names` are the Kafka consumer groups (incidents, SLA); `max_retry_seconds` caps
    the backoff between attempts to apply a decision while the incidents service is away."""
    settings = settings or settings_from_env()
    clock = clock or SystemClock()
    setup_telemetry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, clock, topic=TOPIC, source=SOURCE)
        engine, store, doorbell = runtime.engine, runtime.store, runtime.doorbell
        book = ConfigBook(store)
        incidents = IncidentsApi(settings, transport=incidents_transport)
        runtime.party_kinds = incidents.parties
        process = EscalationProcess(store, book, clock)
        sender = DecisionSender(engine, store, incidents, clock, on_refused=process.refused,
                                poll_seconds=timer_poll_seconds, max_backoff_seconds=max_retry_seconds,
                                on_recorded=doorbell.ring)
        scheduler = TimerScheduler(engine, clock, process.on_timer, poll_seconds=timer_poll_seconds,
                                   on_fired=lambda: (doorbell.ring(), sender.wake()), name="escalation-timers")

        def after_commit() -> None:
            doorbell.ring()
            sender.wake()  # a decision to send now
            scheduler.wake()  # a policy due sooner

        incidents_feed, sla_feed = feeds or (consumer.incidents_feed(settings, consumer_names[0]),
                                             consumer.sla_feed(settings, consumer_names[1]))
        # The SLA topic carries the clocks of a partner's own contracts as bare facts (its provider
        # may not see them): the escalation service works for the partner too, so it reads them
        # whole from the SLA monitor's feed.
        for name, topic, routes, feed, resolve in (
                (consumer_names[0], consumer.INCIDENTS_TOPIC, consumer.incident_routes(process), incidents_feed,
                 False),
                (consumer_names[1], consumer.SLA_TOPIC, consumer.sla_routes(process), sla_feed, True)):
            runtime.consumer(ConsumerRunner(name, engine, settings, [settings.topic(topic)], routes,
                                            {settings.topic(topic): feed}, clock, after_commit=after_commit,
                                            resolve_redacted=resolve, **consumer_options))
        runtime.background("timers", scheduler.run)
        runtime.background("sender", sender.run)
        runtime.close_at_end(incidents_feed.aclose, sla_feed.aclose, incidents.aclose)
        app.state.book, app.state.process, app.state.scheduler = book, process, scheduler
        app.state.sender, app.state.incidents = sender, incidents
        async with runtime.serving(app, background=background):
            yield

    return service_app("Village escalation", DESCRIPTION, settings, clock, router, SOURCE, lifespan)
