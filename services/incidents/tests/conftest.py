"""Fixtures of the incidents service's database tests (helpers: incidents_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from incidents_support import World, fresh_settings

from village_incidents.cli import MIGRATIONS
from village_platform.service_cli import migrate


@pytest.fixture(scope="module")
async def world(stack: Any) -> AsyncIterator[World]:
    """The command handlers on a fresh migrated database, demo parties registered."""
    settings = fresh_settings(stack)
    await migrate(settings, MIGRATIONS)
    world = World(settings)
    await world.seed_parties()
    yield world
    await world.close()
