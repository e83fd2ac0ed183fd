"""Fixtures of the end-to-end tests: the incidents service runs as a subprocess on a real
PostgreSQL and broker (`village_devstack.testing`); helpers live in e2e_support.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from e2e_support import Api, IncidentTopicReader


@pytest.fixture
async def api(incidents_service: Any, tokens: Callable[..., str]) -> AsyncIterator[Api]:
    """`api("northwind")` -> an httpx.AsyncClient authenticated as that demo party."""
    factory = Api(incidents_service.url, tokens)
    try:
        yield factory
    finally:
        await factory.aclose()


@pytest.fixture
async def kafka_reader(stack: Any, incidents_service: Any) -> AsyncIterator[IncidentTopicReader]:
    """A plain consumer of `village.incidents.v1` from the beginning (no group)."""
    async with IncidentTopicReader(stack.kafka_bootstrap) as reader:
        yield reader
