"""What the services instrument: database queries are wrapped in spans only when an exporter
would read them (each in a fresh interpreter: the instrumentation patches asyncpg process-wide)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
from fastapi import FastAPI
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from village_platform.settings import Settings
from village_platform.telemetry import instrument
instrument(FastAPI(), Settings.for_service("incidents", 8001))
print(AsyncPGInstrumentor().is_instrumented_by_opentelemetry)
"""


@pytest.mark.parametrize(
    ("endpoint", "wrapped"), [(None, "False"), ("http://127.0.0.1:4318", "True")]
)
def test_queries_get_spans_only_with_an_exporter(endpoint: str | None, wrapped: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OTEL_EXPORTER_OTLP_ENDPOINT"}
    env["VILLAGE_ENV"] = "development"
    if endpoint:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split()[-1] == wrapped


async def test_without_an_exporter_a_request_runs_in_its_callers_trace_in_a_span_of_its_own() -> (
    None
):
    """`TraceContext`: the caller's trace id (what logs, events and outgoing calls carry), a span
    id of its own, nothing sampled; a request with no trace context starts a trace of its own."""
    import httpx
    from fastapi import FastAPI
    from opentelemetry import trace

    from village_platform.telemetry import FASTAPI_TELEMETRY, TraceContext, current_traceparent

    # As service_app builds it: FastAPI's own telemetry off (with a tracer provider set in this
    # process, it would start a new trace of its own before TraceContext looks).
    app = FastAPI(telemetry=FASTAPI_TELEMETRY)

    @app.get("/trace")
    async def here() -> dict[str, str | None]:
        return {"traceparent": current_traceparent()}

    app.add_middleware(TraceContext)
    caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://village"
    ) as client:
        inside = (await client.get("/trace", headers={"traceparent": caller})).json()
        fresh = [(await client.get("/trace")).json()["traceparent"] for _ in range(2)]
        # In process, under a span of the caller's own (no header): that span's trace.
        mine = trace.SpanContext(0x1234, 0x5678, is_remote=False)
        with trace.use_span(trace.NonRecordingSpan(mine)):
            nested = (await client.get("/trace")).json()["traceparent"]
    assert nested.split("-")[1] == format(0x1234, "032x")
    version, trace_id, span_id, flags = inside["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "00")
    assert span_id not in ("00f067aa0ba902b7", "0" * 16)
    assert all(f is not None for f in fresh)
    assert len({f.split("-")[1] for f in fresh}) == 2  # a new trace each
    assert current_traceparent() is None  # the request's context ended with it
