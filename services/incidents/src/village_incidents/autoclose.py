"""Close resolved incidents the requester has not confirmed or reopened within the agreed quiet
period (counted from the resolution)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from village_platform.auth import Principal
from village_platform.errors import DomainError
from village_platform.wakeups import wait_any
from village_platform.writes import WriteContext

from . import readmodel
from .domain import commands as c
from .handlers import IncidentHandlers

log = logging.getLogger(__name__)
SCHEDULER = Principal(
    party="incidents-scheduler", kind="service", user="auto-close", roles=frozenset({"service"})
)


async def close_quiet_incidents(handlers: IncidentHandlers, quiet_hours: int) -> int:
    """One sweep; returns how many incidents it closed. Safe to run on many instances at once."""
    cutoff = handlers.clock.now() - timedelta(hours=quiet_hours)
    async with handlers.engine.connect() as conn:
        due = await readmodel.incident_ids_resolved_before(conn, cutoff)
    closed = 0
    for incident_id in due:
        try:
            await handlers.execute(
                WriteContext(SCHEDULER), incident_id, c.AutoClose(quiet_hours), None
            )
            closed += 1
        except DomainError as refused:  # reopened or closed meanwhile, or another instance won
            log.info("auto-close skipped", extra={"incident": incident_id, "why": refused.detail})
    return closed


async def run(
    handlers: IncidentHandlers, quiet_hours: int, every_seconds: float, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            await close_quiet_incidents(handlers, quiet_hours)
        except Exception:
            log.exception("auto-close sweep failed")
        await wait_any(stop, timeout=every_seconds)
