"""Fixtures of the end-to-end tests: the incidents service runs as a subprocess on a real
PostgreSQL and broker (`village_devstack.testing`); helpers live in e2e_support.py."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from e2e_support import Api, IncidentTopicReader


def service_client(service: str, doc: str, *, forgets: str = "") -> Any:
    """A fixture: `client(party, role="agent")` -> an httpx.AsyncClient of the session's `service`
    (a fixture name) authenticated as that demo party; closed after the test (and what it
    created in `forgets` deleted: `Api`)."""

    @pytest.fixture
    async def client(
        request: pytest.FixtureRequest, tokens: Callable[..., str]
    ) -> AsyncIterator[Api]:
        factory = Api(request.getfixturevalue(service).url, tokens, forgets=forgets)
        try:
            yield factory
        finally:
            await factory.aclose()

    client.__doc__ = doc
    return client


api = service_client("incidents_service", '`api("northwind")`: the incidents service')
sla = service_client("sla_service", '`sla("northwind")`: the SLA monitor')
kb = service_client("knowledge_service", '`kb("northwind")`: the knowledge service')
hooks = service_client(
    "webhooks_service", '`hooks("northwind", "admin")`: the webhooks service', forgets="/endpoints"
)


@pytest.fixture
async def kafka_reader(stack: Any, incidents_service: Any) -> AsyncIterator[IncidentTopicReader]:
    """A plain consumer of `village.incidents.v1` from the beginning (no group)."""
    async with IncidentTopicReader(stack.kafka_bootstrap) as reader:
        yield reader


@pytest.fixture
def process_globals() -> Iterator[None]:
    """create_app() sets up telemetry for a whole process: global httpx and asyncpg
    instrumentation (an instrumented httpx client replaces a caller's own `traceparent`) and
    the root log handlers. Undo it, so later tests in this pytest process see plain clients."""
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentors = [HTTPXClientInstrumentor(), AsyncPGInstrumentor()]
    before = [i.is_instrumented_by_opentelemetry for i in instrumentors]
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        for instrumentor, was in zip(instrumentors, before, strict=True):
            if not was and instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.uninstrument()
        root.handlers[:] = handlers
        root.setLevel(level)
