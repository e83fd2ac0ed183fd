"""Composition root of the knowledge service: clients are built in the lifespan, not at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from village_platform.clock import Clock, SystemClock
from village_platform.consumer import ConsumerRunner
from village_platform.directory import PartyDirectory
from village_platform.feedclient import FeedClient
from village_platform.runtime import Runtime
from village_platform.service_app import service_app
from village_platform.settings import Settings
from village_platform.telemetry import setup_telemetry

from . import consumer
from .access import Access
from .api import router
from .handlers import Knowledge
from .reactions import Reactions
from .streams import Streams
from .supply_directory import SupplyDirectory

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
* Audiences: `provider` (the provider's staff only), `partners` (the provider and the partners
  that buy from it, directly or through other suppliers), `public` (the customers that buy from
  it too). A partner's article reaches other partners only once the provider published it. What
  you may not read does not exist for you (404). An incident's suggestions and links are of its
  provider's articles only.
* Errors are RFC 9457 problem details; every POST/PUT honours `Idempotency-Key`; `PUT` takes
  `If-Match` with the article's ETag.
"""


def settings_from_env() -> Settings:
    return Settings.for_service(SERVICE, PORT)


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    background: bool = True,
    consumer_name: str = consumer.NAME,
    incidents_feed: FeedClient | None = None,
    **consumer_options: object,
) -> FastAPI:
    """`background=False` runs no consumer or relay (tests drive them)."""
    settings = settings or settings_from_env()
    clock = clock or SystemClock()
    setup_telemetry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, clock, topic=TOPIC, source=SOURCE)
        streams = Streams(runtime.store)
        directory = PartyDirectory(settings, name=SERVICE)
        supplies = SupplyDirectory(settings, name=SERVICE)
        access = Access(runtime.engine, directory, supplies)
        feed = incidents_feed or consumer.incidents_feed(settings, consumer_name)
        runtime.consumer(
            ConsumerRunner(
                consumer_name,
                runtime.engine,
                settings,
                [settings.topic(consumer.TOPIC)],
                consumer.routes(Reactions(streams)),
                {settings.topic(consumer.TOPIC): feed},
                clock,
                after_commit=runtime.doorbell.ring,
                # One transaction per fetch, its facts and suggestions written once (fetch.py).
                batch=True,
                batch_scope=streams.applying_many,
                **consumer_options,
            )
        )
        runtime.close_at_end(feed.aclose, directory.aclose, supplies.aclose)
        runtime.party_kinds = directory
        # What the routes reach through their typed dependencies (deps.py).
        app.state.knowledge = Knowledge(runtime.writes, streams, access)
        app.state.access = access
        async with runtime.serving(app, background=background):
            yield

    return service_app("Village knowledge", DESCRIPTION, settings, clock, router, SOURCE, lifespan)
