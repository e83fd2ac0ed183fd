"""Composition root of the webhooks service: clients are built in the lifespan, not at import."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI

from village_platform.auth import PartyKinds
from village_platform.clock import Clock, SystemClock
from village_platform.consumer import ConsumerRunner
from village_platform.directory import PartyDirectory
from village_platform.feedclient import FeedClient
from village_platform.runtime import Runtime
from village_platform.service_app import service_app
from village_platform.telemetry import setup_telemetry

from . import consumer
from .api import router
from .config import WebhookSettings, settings_from_env
from .dispatcher import Dispatcher
from .domain.retry import RetryPolicy
from .domain.targets import Network, parse_networks
from .fanout import FanOut
from .handlers import Targets, Webhooks
from .pinning import Resolver, SystemResolver
from .sealing import Sealer

SOURCE = "/village/webhooks"
# Delivery outcomes (domain/events.py), each for its endpoint's owner only. Not among the topics
# this service consumes (consumer.py): an outcome delivered by webhook would have an outcome.
TOPIC = "village.webhooks.v1"

DESCRIPTION = """
Delivers Village events to your systems: register an HTTPS endpoint with the event types you
want (wildcards: `village.incident.*`, `village.outage.*` for provider outages, `*.breached.v1`)
and, optionally, the incidents or parties you care about. Every event on every Village topic
that your party may see (shared notes for customers; restricted ones too for partners and the
provider; internal ones only to their author's party) is POSTed as a CloudEvent in structured
JSON mode (`application/cloudevents+json`), signed per the Standard Webhooks specification
(`webhook-id` = the event id, `webhook-timestamp`, `webhook-signature`): verify with any
Standard Webhooks library and the secret returned when you register or rotate.

* One incident's events reach an endpoint in order. Answer 2xx to accept. Timeouts, connection
  errors, 5xx, 408 and 429 are retried with exponential backoff and jitter (`Retry-After`
  honoured) for up to a day; then the endpoint is `failing` and its deliveries parked until you
  enable it and replay them. Other 4xx answers are final for that delivery (`failed`).
* Authenticate with a bearer JWT (`make token PARTY=northwind ROLE=admin`); you see only your
  party's endpoints; admins manage them. Errors are RFC 9457 problem details; every POST
  honours `Idempotency-Key`; PATCH and DELETE take `If-Match`.
"""


def _dispatcher(
    settings: WebhookSettings,
    clock: Clock,
    runtime: Runtime,
    sealer: Sealer,
    allowed: Sequence[Network],
    resolver: Resolver,
    ssl_context: ssl.SSLContext | None,
) -> Dispatcher:
    policy = RetryPolicy(settings.retry_base_seconds, settings.retry_cap_seconds, settings.max_age)
    return Dispatcher(
        runtime.engine,
        clock,
        policy,
        sealer,
        development=settings.development,
        allowed=allowed,
        resolver=resolver,
        ssl_context=ssl_context,
        timeout_seconds=settings.timeout_seconds,
        concurrency=settings.concurrency,
        per_endpoint=settings.per_endpoint_concurrency,
        lease_seconds=settings.lease_seconds,
        poll_seconds=settings.poll_seconds,
        store=runtime.store,
        recorded=runtime.doorbell.ring,
    )


def _consumers(
    settings: WebhookSettings,
    clock: Clock,
    runtime: Runtime,
    dispatcher: Dispatcher,
    **options: object,
) -> list[FeedClient]:
    """One consumer per topic (consumer.py), each fan-out waking the dispatcher when it stored
    deliveries; their feeds."""
    feeds = []
    for t in consumer.TOPICS:
        fan_out = FanOut(clock, queued=dispatcher.wake)
        feeds.append(consumer.feed(settings, t))
        runtime.consumer(
            ConsumerRunner(
                consumer.consumer_name(settings, t),
                runtime.engine,
                settings,
                [settings.topic(t.topic)],
                consumer.routes(fan_out),
                {settings.topic(t.topic): feeds[-1]},
                clock,
                after_commit=fan_out.committed,
                batch=True,  # a fetch's fan-out is two statements and one commit
                batch_scope=fan_out.applying_many,
                resolve_redacted=t.resolve_redacted,
                fetch_busy_wait_ms=settings.fetch_busy_wait_ms,
                **{"fetch_max_wait_ms": settings.fetch_max_wait_ms, **options},
            )
        )
    return feeds


def create_app(
    settings: WebhookSettings | None = None,
    clock: Clock | None = None,
    *,
    background: bool = True,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
    party_kinds: PartyKinds | None = None,
    **consumer_options: object,
) -> FastAPI:
    """`background=False` runs no consumer or dispatcher (tests drive them); `resolver` turns
    target host names into addresses (the system's unless given); `ssl_context` is what the
    dispatcher trusts (the system's certificates unless given); `party_kinds` replaces the party
    directory for authentication only."""
    settings = settings or settings_from_env()
    clock = clock or SystemClock()
    resolver = resolver or SystemResolver()
    setup_telemetry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The relay publishes the delivery outcomes; GET /events (every service's feed) serves
        # them, each to its endpoint's owner (and whole to Village's services).
        runtime = Runtime(settings, clock, topic=TOPIC, source=SOURCE)
        allowed, sealer = parse_networks(settings.allowed_networks), settings.sealer()
        dispatcher = _dispatcher(settings, clock, runtime, sealer, allowed, resolver, ssl_context)
        feeds = _consumers(settings, clock, runtime, dispatcher, **consumer_options)
        runtime.background("dispatcher", dispatcher.run)
        directory = PartyDirectory(settings, name="webhooks")
        runtime.close_at_end(*(feed.aclose for feed in feeds), directory.aclose)
        runtime.party_kinds = party_kinds or directory
        if not background:
            runtime.close_at_end(dispatcher.http.aclose)
        # A committed command (it appends no event) wakes the dispatcher instead of the relay.
        runtime.writes = runtime.writes.with_after_commit(dispatcher.wake)
        targets = Targets(settings.development, allowed, resolver, settings.timeout_seconds)
        # What the routes reach through their typed dependencies (deps.py).
        app.state.webhooks = Webhooks(
            runtime.writes, runtime.engine, clock, sealer, directory, targets
        )
        async with runtime.serving(app, background=background):
            yield

    return service_app("Village webhooks", DESCRIPTION, settings, clock, router, SOURCE, lifespan)
