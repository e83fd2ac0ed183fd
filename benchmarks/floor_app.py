"""The smallest service a command could be, for `benchmarks.floor`: a pydantic body in, JSON out,
no database. `FLOOR_VARIANT` picks how much of a Village service wraps it:

- `fastapi`: FastAPI alone;
- `otel`: plus the OpenTelemetry instrumentation the services install with an exporter, sampling
  off;
- `native`: FastAPI's own tracing instead, sampling off;
- `context`: only the caller's trace context taken (`telemetry.TraceContext`), as the services
  run without an exporter, in every benchmark;
- `village`: the route on `service_app`, as a service builds it (request limits, problem
  handlers, health, the event feed's routes, telemetry).

Each is served as the services are (`service_cli.serve`: uvicorn, uvloop, the bounded httptools
protocol, no access log): `python -m benchmarks.floor_app PORT`.
"""

from __future__ import annotations

import os
import sys
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

from village_platform.clock import SystemClock
from village_platform.service_app import service_app
from village_platform.service_cli import serve
from village_platform.settings import Settings
from village_platform.telemetry import TraceContext, instrument, setup_telemetry


class Body(BaseModel):
    title: str = Field(max_length=200)
    severity: str = Field(pattern="^S[1-4]$")


router = APIRouter()


@router.post("/incidents", status_code=201)
async def open_incident(body: Body) -> dict[str, str]:
    return {"id": "3f1c2a8e-0000-4000-8000-000000000000", **body.model_dump()}


@asynccontextmanager
async def _lifespan(app: FastAPI):
    yield


def _app(settings: Settings) -> FastAPI:
    variant = os.environ.get("FLOOR_VARIANT", "fastapi")
    if variant == "village":
        setup_telemetry(settings)
        return service_app("floor", "floor", settings, SystemClock(), router, "floor", _lifespan)
    app = FastAPI()
    app.include_router(router)
    if variant == "otel":
        setup_telemetry(settings)
        instrument(app, settings)
    if variant == "native":
        setup_telemetry(settings)  # FastAPI's own tracing takes the tracer provider
    if variant == "context":
        setup_telemetry(settings)
        app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})
        app.include_router(router)
        app.add_middleware(TraceContext)
    return app


if __name__ == "__main__":
    settings = Settings.for_service("incidents", int(sys.argv[1]))
    serve(_app(settings), settings)
