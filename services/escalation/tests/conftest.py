"""The `world` fixture: the escalation service's parts on a fresh migrated database
(escalation_world.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from escalation_world import World, open_world

from village_escalation.cli import MIGRATIONS
from village_platform.service_cli import migrate


@pytest.fixture
async def world(stack: Any) -> AsyncIterator[World]:
    settings = stack.settings(f"escalation-{uuid.uuid4().hex[:8]}")
    await migrate(settings, MIGRATIONS)
    async with open_world(settings) as opened:
        yield opened
