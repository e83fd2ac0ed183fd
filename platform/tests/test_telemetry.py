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
