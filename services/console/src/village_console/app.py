"""Composition root of the console service: clients are built in the lifespan, not at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from village_platform.clock import Clock, SystemClock
from village_platform.consumer import ConsumerRunner
from village_platform.feedclient import FeedClient
from village_platform.runtime import Runtime
from village_platform.service_app import service_app
from village_platform.settings import Settings
from village_platform.telemetry import setup_telemetry

from . import consumer
from .api import router
from .config import ConsoleSettings, settings_from_env
from .live import Bell, Live
from .reads import Timeline
from .web import install_web, serving

SOURCE = "/village/console"

DESCRIPTION = """
The incident console: one timeline per incident joining what every Village service did with
it (incident events and notes, SLA clocks, warnings, breaches and credits, escalation decisions
with their rule and reason, knowledge suggestions and links, provider-outage links and updates),
each entry with when, which party and tier acted, what happened and its trace id (a link to the
trace UI when `CONSOLE_TRACE_UI_URL` is set). New entries are pushed as server-sent events.

* Authenticate with a bearer JWT (`make token PARTY=northwind`). You see exactly what the egress
  rule lets your party see, entry by entry; an incident you are not on does not exist (404).
* Errors are RFC 9457 problem details.
"""


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    background: bool = True,
    feeds: dict[str, FeedClient] | None = None,
    **consumer_options: object,
) -> FastAPI:
    """`background=False` runs no consumer (tests drive them); `feeds`: the owners' feeds by
    topic family (else from the settings' URLs)."""
    settings = _console_settings(settings or settings_from_env())
    clock = clock or SystemClock()
    setup_telemetry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Publishes nothing: /readyz asks the producer about the broker.
        runtime = Runtime(settings, clock, topic=None, source=SOURCE)
        bell = Bell()
        table = consumer.routes()
        for topic in consumer.TOPICS:
            feed = (feeds or {}).get(topic.family) or consumer.feed(settings, topic)
            runtime.consumer(
                ConsumerRunner(
                    consumer.consumer_name(topic),
                    runtime.engine,
                    settings,
                    [settings.topic(topic.topic)],
                    table,
                    {settings.topic(topic.topic): feed},
                    clock,
                    after_commit=bell.ring,  # live timelines look again
                    resolve_redacted=topic.resolve_redacted,
                    **consumer_options,
                )
            )
            runtime.close_at_end(feed.aclose)
        timeline = Timeline(settings.trace_ui_url)
        # What the routes reach through their typed dependencies (deps.py).
        app.state.timeline = timeline
        app.state.live = Live(runtime.engine, timeline, bell, settings.live_poll_seconds)
        async with runtime.serving(app, background=background), serving(app, settings):
            yield

    app = service_app("Village console", DESCRIPTION, settings, clock, router, SOURCE, lifespan)
    install_web(app, settings)  # the pages (web/): sign-in, my work, war room, outages
    return app


def _console_settings(settings: Settings) -> ConsoleSettings:
    """The platform's settings as the console's (its own fields at their defaults)."""
    if isinstance(settings, ConsoleSettings):
        return settings
    return ConsoleSettings.model_validate(settings.model_dump(by_alias=True))
