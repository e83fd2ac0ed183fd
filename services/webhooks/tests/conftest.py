"""Fixtures of the webhooks service's tests (helpers: webhooks_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from webhooks_support import fresh_settings

from village_platform.db import make_engine
from village_webhooks.cli import migrate


@pytest.fixture
async def engine(stack: Any) -> AsyncIterator[Any]:
    """A fresh webhooks database, migrated."""
    settings = fresh_settings(stack)
    await migrate(settings)
    engine = make_engine(settings)
    yield engine
    await engine.dispose()
