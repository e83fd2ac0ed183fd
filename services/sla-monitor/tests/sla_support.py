"""Shared by the SLA monitor's tests against a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from village_platform.clock import ManualClock
from village_platform.db import make_engine
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore
from village_platform.service_cli import migrate
from village_platform.timers import TimerScheduler
from village_sla_monitor.cli import MIGRATIONS
from village_sla_monitor.contractbook import ContractBook
from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.handlers.incident_events import IncidentEventHandlers


@asynccontextmanager
async def database_with(
    stack: Any, name: str, contracts: Iterable[Terms], signed: datetime
) -> AsyncIterator[AsyncEngine]:
    """A fresh, migrated database of its own with `contracts` recorded as signed at `signed`."""
    settings = stack.settings(f"{name}-{uuid.uuid4().hex[:8]}")
    await migrate(settings, MIGRATIONS)
    engine = make_engine(settings)
    try:
        async with engine.begin() as conn:
            book = ContractBook(EventStore(ManualClock(signed)))
            for contract in contracts:
                await book.record(conn, contract, Metadata.of_service("test"), signed)
        yield engine
    finally:
        await engine.dispose()


def handlers(now: datetime) -> IncidentEventHandlers:
    """The consumer's and the timers' handlers, on a store of their own."""
    store = EventStore(ManualClock(now))
    return IncidentEventHandlers(store, ContractBook(store))


async def fire_all(scheduler: TimerScheduler) -> int:
    """Every timer due by the scheduler's clock, fired; how many."""
    total = 0
    while fired := await scheduler.fire_due():
        total += fired
    return total
