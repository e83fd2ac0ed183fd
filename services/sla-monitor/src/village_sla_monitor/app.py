"""Composition root of the SLA monitor: clients are built in the lifespan, not at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from village_platform.auth import PartyKinds
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
from .contractbook import ContractBook
from .handlers.contracts import ContractCommands
from .handlers.incident_events import IncidentEventHandlers

log = logging.getLogger(__name__)
SERVICE = "sla-monitor"
PORT = 8003
TOPIC = "village.sla.v1"
SOURCE = "/village/sla-monitor"

DESCRIPTION = """
Tracks every contract covering every incident, one per link of its supply chain: the
customer-facing one (customer <- partner) from its opening and, as the incident is handed along
the chain, the underpinning one of each further link (partner <- supplier ... <- provider).
Clocks run in each contract's business time; warnings, breaches, met targets and credits are
events on Kafka topic `village.sla.v1` (keyed by incident id), also served on `GET /events`.

* Authenticate with a bearer JWT (`make token PARTY=northwind`; contracts are managed by the
  owing party's admins: `make token PARTY=northwind ROLE=admin`).
* You see only the contracts you are a party to: a customer never sees the terms between its
  partner and the provider.
* Errors are RFC 9457 problem details; every POST/PUT honours `Idempotency-Key`.
"""


def settings_from_env() -> Settings:
    return Settings.for_service(SERVICE, PORT)


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    background: bool = True,
    timer_poll_seconds: float = 1.0,
    consumer_name: str = consumer.NAME,
    incidents_feed: FeedClient | None = None,
    party_kinds: PartyKinds | None = None,
    **consumer_options: object,
) -> FastAPI:
    """`background=False` runs no consumer, relay or scheduler (tests drive them);
    `consumer_name` is the Kafka consumer group; `incidents_feed` replaces the HTTP feed client
    and `party_kinds` the party directory read from the incidents service."""
    settings = settings or settings_from_env()
    clock = clock or SystemClock()
    setup_telemetry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, clock, topic=TOPIC, source=SOURCE)
        runtime.party_kinds = party_kinds
        book = ContractBook(runtime.store)
        projection = IncidentEventHandlers(runtime.store, book)
        scheduler = TimerScheduler(
            runtime.engine,
            clock,
            projection.on_timer,
            poll_seconds=timer_poll_seconds,
            on_fired=runtime.doorbell.ring,
            name="sla-timers",
            # A batch of due timers in one transaction, each state written once (firing_many).
            batch_scope=projection.firing_many,
        )

        def after_commit() -> None:
            runtime.doorbell.ring()
            if projection.writer.earliest_timer is not None:  # a clock may now be due sooner
                projection.writer.earliest_timer = None
                scheduler.wake()

        feed = incidents_feed or consumer.incidents_feed(settings, consumer_name)
        incidents_topic = settings.topic(consumer.TOPIC)
        app.state.runner = runtime.consumer(
            ConsumerRunner(
                consumer_name,
                runtime.engine,
                settings,
                [incidents_topic],
                consumer.routes(projection),
                {incidents_topic: feed},
                clock,
                after_commit=after_commit,
                # One transaction per fetch, each state written once (applying_many).
                batch=True,
                batch_scope=projection.applying_many,
                **consumer_options,
            )
        )
        runtime.background("timers", scheduler.run)
        runtime.close_at_end(feed.aclose)
        # What the routes depend on (deps.py); the runner and the scheduler, for tests to drive.
        app.state.book, app.state.projection, app.state.scheduler = book, projection, scheduler
        app.state.contracts = ContractCommands(book, runtime.writes, clock)
        async with runtime.serving(app, background=background):
            yield

    return service_app(
        "Village SLA monitor", DESCRIPTION, settings, clock, router, SOURCE, lifespan
    )
