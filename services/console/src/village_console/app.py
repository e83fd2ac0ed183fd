"""Composition root of the console service: clients are built in the lifespan, not at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from village_platform.clock import Clock, SystemClock
from village_platform.runtime import Runtime
from village_platform.service_app import service_app
from village_platform.telemetry import setup_telemetry

from .api import router
from .config import ConsoleSettings, settings_from_env
from .web import install_web, serving

SOURCE = "/village/console"

DESCRIPTION = """
The incident console: one timeline per incident joining what every Village service did with
it (incident events, SLA clocks, warnings, breaches and credits, escalation decisions with their
rule and reason, knowledge suggestions and links), each entry with when, which party and tier
acted, what happened and its trace id.

* Authenticate with a bearer JWT (`make token PARTY=northwind`). You see exactly what the egress
  rule lets your party see, entry by entry; an incident you may not see does not exist (404).
* Errors are RFC 9457 problem details.
"""


def create_app(
    settings: ConsoleSettings | None = None,
    clock: Clock | None = None,
    *,
    background: bool = True,
) -> FastAPI:
    """`background=False` runs no consumer (tests drive them)."""
    settings = settings or settings_from_env()
    clock = clock or SystemClock()
    setup_telemetry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Publishes nothing: /readyz asks the producer about the broker.
        runtime = Runtime(settings, clock, topic=None, source=SOURCE)
        async with runtime.serving(app, background=background), serving(app, settings):
            yield

    app = service_app("Village console", DESCRIPTION, settings, clock, router, SOURCE, lifespan)
    install_web(app, settings)  # the pages (web/): sign-in, my work, war room, outages
    return app
