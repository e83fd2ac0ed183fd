"""How a background loop (relay, timer scheduler, decision sender, webhook dispatcher) sleeps:
until it is stopped, woken for new work, or its poll interval is up."""

from __future__ import annotations

import asyncio


async def wait_any(*events: asyncio.Event, timeout: float) -> None:
    """Until one of `events` is set or `timeout` seconds have passed (no error either way)."""
    if timeout <= 0 or any(e.is_set() for e in events):
        return
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
