"""Composition root of the incidents service: clients are built in the lifespan, not at import."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from village_platform.clock import Clock, SystemClock
from village_platform.runtime import Runtime
from village_platform.service_app import service_app
from village_platform.settings import Settings
from village_platform.telemetry import setup_telemetry

from . import autoclose, fanout, readmodel, snapshots
from .api import router
from .domain.rules import Limits
from .handlers import IncidentHandlers, PartyHandlers, SupplyHandlers
from .outages import OutageHandlers

log = logging.getLogger(__name__)
SERVICE = "incidents"
PORT = 8001
TOPIC = "village.incidents.v1"
SOURCE = "/village/incidents"

DESCRIPTION = """
Owns the incident lifecycle. Every change is an event in this service's event store, published
as a CloudEvent on Kafka topic `village.incidents.v1` (keyed by incident id) and served on
`GET /events`.

* Authenticate with a bearer JWT (`make token PARTY=northwind`).
* Errors are RFC 9457 problem details (`application/problem+json`).
* Every POST honours `Idempotency-Key` (kept 24 h, scoped to your party).
* Responses carry `ETag` (the incident's version); send `If-Match` to update only that version.
* An action sent with `Prefer: return=minimal` (RFC 7240) is answered 204 with the new `ETag`
  and no body, for clients that do not read the incident back.
"""


def settings_from_env() -> Settings:
    return Settings.for_service(SERVICE, PORT)


def limits_from_env() -> Limits:
    """How much one incident holds (README, Configuration)."""
    default = Limits()
    return Limits(
        notes_per_party=int(
            os.environ.get("INCIDENTS_MAX_NOTES_PER_PARTY", default.notes_per_party)
        ),
        events=int(os.environ.get("INCIDENTS_MAX_EVENTS", default.events)),
    )


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    background: bool = True,
    auto_close_hours: int | None = None,
    auto_close_every: float = 60.0,
    limits: Limits | None = None,
    snapshot_every: int | None = None,
) -> FastAPI:
    settings = settings or settings_from_env()
    # The agreed quiet period after which a resolved incident closes by itself.
    auto_close_hours = auto_close_hours or int(
        os.environ.get("INCIDENTS_AUTO_CLOSE_AFTER_HOURS", "120")
    )
    limits = limits or limits_from_env()
    snapshot_every = snapshot_every or int(
        os.environ.get("INCIDENTS_SNAPSHOT_EVERY", snapshots.EVERY)
    )
    clock = clock or SystemClock()
    setup_telemetry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, clock, topic=TOPIC, source=SOURCE)
        runtime.party_kinds = readmodel.PartiesTable(runtime.engine)
        # The typed dependencies of the routes (deps.py) are these.
        app.state.handlers = handlers = IncidentHandlers(
            runtime.writes, runtime.store, limits=limits, snapshot_every=snapshot_every
        )
        app.state.parties = PartyHandlers(runtime.writes, runtime.store)
        app.state.supplies = SupplyHandlers(runtime.writes, runtime.store)
        runtime.background(
            "auto-close",
            lambda stop: autoclose.run(handlers, auto_close_hours, auto_close_every, stop),
        )
        # The outage fan-out: woken by the outage commands of this process that queue deliveries
        # (not by every commit: nearly all are nothing to do with an outage), and at start.
        app.state.fanout = worker = fanout.FanOut(
            runtime.writes,
            handlers,
            batch=int(os.environ.get("OUTAGE_FANOUT_BATCH", fanout.BATCH)),
            lanes=int(os.environ.get("OUTAGE_FANOUT_LANES", fanout.LANES)),
            per_transaction=int(
                os.environ.get("OUTAGE_FANOUT_PER_TRANSACTION", fanout.PER_TRANSACTION)
            ),
            pause_seconds=float(
                os.environ.get("OUTAGE_FANOUT_PAUSE_SECONDS", fanout.PAUSE_SECONDS)
            ),
            busy_share=float(os.environ.get("OUTAGE_FANOUT_BUSY_SHARE", fanout.BUSY_SHARE)),
            remind_after_seconds=float(
                os.environ.get("OUTAGE_CONFIRM_REMINDER_SECONDS", fanout.REMIND_AFTER_SECONDS)
            ),
        )
        app.state.outages = OutageHandlers(
            runtime.writes, runtime.store, handlers, committed=worker.wake
        )
        runtime.background("outage-fanout", worker.run)
        async with runtime.serving(app, background=background):
            yield

    return service_app("Village incidents", DESCRIPTION, settings, clock, router, SOURCE, lifespan)
