"""The FastAPI application every service builds the same way: request limits, problem
responses, health, its own routes, its event feed, telemetry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI

from .clock import Clock
from .errors import install_problem_handlers
from .feed import feed_router
from .health import router as health_router
from .limits import RequestLimits
from .settings import Settings
from .telemetry import FASTAPI_TELEMETRY, instrument


def service_app(
    title: str,
    description: str,
    settings: Settings,
    clock: Clock,
    router: APIRouter,
    source: str,
    lifespan: Callable[[FastAPI], Any],
) -> FastAPI:
    app = FastAPI(
        title=title,
        version="1.0.0",
        description=description,
        lifespan=lifespan,
        telemetry=FASTAPI_TELEMETRY,
    )
    app.state.settings, app.state.clock = settings, clock
    install_problem_handlers(app)
    app.include_router(health_router)
    app.include_router(router)
    app.include_router(feed_router(source))
    instrument(app, settings)
    # Outermost: sizes and depth are checked before anything parses or authenticates.
    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        max_json_depth=settings.max_json_depth,
    )
    return app
