"""Composition root of the knowledge service: clients are built in the lifespan, not at import."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import AsyncIterator

from fastapi import FastAPI

from village_platform import idempotency
from village_platform.clock import Clock, SystemClock
from village_platform.consumer import ConsumerRunner
from village_platform.db import make_engine, plain_dsn
from village_platform.directory import PartyDirectory
from village_platform.doorbell import Doorbell
from village_platform.eventstore import EventStore
from village_platform.feedclient import FeedClient
from village_platform.kafka import make_producer
from village_platform.relay import Relay
from village_platform.service_app import service_app
from village_platform.settings import Settings
from village_platform.telemetry import setup_telemetry

from . import consumer
from .api import router
from .handlers import Knowledge

SERVICE = "knowledge"
PORT = 8004
TOPIC = "village.knowledge.v1"
SOURCE = "/village/knowledge"

DESCRIPTION = """
The provider's knowledge base, shared with its partners and customers: articles (Markdown, with
products, tags, symptoms and resolution steps; versioned; draft → in review → published →
retired), full-text search with ranking, snippets and typo tolerance, suggestions for every new
incident, links between incidents and articles, solve counts and feedback, and drafts proposed
from resolved incidents (knowledge transfer, from shared information only). Changes are events on
Kafka topic `village.knowledge.v1` (also served on `GET /events`).

* Authenticate with a bearer JWT (`make token PARTY=northwind`). The provider's reviewers
  (`ROLE=reviewer` or `ROLE=admin`) publish and reject.
* Audiences: `provider` (the provider's staff only), `partners` (the provider and all its
  partners), `public` (their customers too). A partner's article reaches other partners only
  once the provider published it. What you may not read does not exist for you (404).
* Errors are RFC 9457 problem details; every POST/PUT honours `Idempotency-Key`; `PUT` takes
  `If-Match` with the article's ETag.
"""


def settings_from_env() -> Settings:
    return Settings.for_service(SERVICE, PORT)


def create_app(settings: Settings | None = None, clock: Clock | None = None, *, background: bool = True,
               consumer_name: str = consumer.NAME, incidents_feed: FeedClient | None = None,
               **consumer_options: object) -> FastAPI:
    """`background=False` runs no consumer or relay (tests drive them)."""
    settings = settings or settings_from_env()
    clock = clock or SystemClock()
    setup_telemetry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        store = EventStore(clock)
        producer = make_producer(settings)
        doorbell = Doorbell(plain_dsn(settings.service_database_url))
        knowledge = Knowledge(store, clock)
        directory = PartyDirectory(settings, name=SERVICE)
        relay = Relay(engine, producer, settings.topic(TOPIC), SOURCE, clock, batch_size=settings.relay_batch_size,
                      poll_seconds=settings.relay_poll_seconds, doorbell=doorbell)
        feed = incidents_feed or consumer.incidents_feed(settings, consumer_name)
        runner = ConsumerRunner(consumer_name, engine, settings, [settings.topic(consumer.TOPIC)],
                                consumer.routes(knowledge), {settings.topic(consumer.TOPIC): feed}, clock,
                                after_commit=doorbell.ring, **consumer_options)
        app.state.engine, app.state.store, app.state.knowledge = engine, store, knowledge
        app.state.directory, app.state.producer, app.state.relay = directory, producer, relay
        app.state.runners, app.state.relay_doorbell = [runner], doorbell
        app.state.idempotency_ttl = timedelta(hours=settings.idempotency_ttl_hours)
        stop = asyncio.Event()
        tasks = []
        if background:
            tasks += [
                asyncio.create_task(relay.serve(settings, stop), name="relay"),
                asyncio.create_task(runner.serve(stop), name=f"consumer-{runner.name}"),
                asyncio.create_task(idempotency.purge_periodically(engine, clock.now, 600, stop), name="purge"),
            ]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await producer.stop()
            await feed.aclose()
            await directory.aclose()
            await doorbell.close()
            await engine.dispose()

    return service_app("Village knowledge", DESCRIPTION, settings, clock, router, SOURCE, lifespan)
