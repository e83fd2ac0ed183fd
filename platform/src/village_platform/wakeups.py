"""How a background loop (relay, timer scheduler, decision sender, webhook dispatcher) sleeps:
until it is stopped, woken for new work, its own next retry is due, or its poll interval is up."""

from __future__ import annotations

import asyncio
import heapq
from datetime import datetime


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


class Schedule:
    """The times a loop has set for itself (its retries, its pauses ending), earliest first: it
    sleeps until the next of them or its poll, whichever is sooner. What other processes set is
    found by the poll."""

    def __init__(self) -> None:
        self._times: list[datetime] = []

    def add(self, at: datetime) -> None:
        heapq.heappush(self._times, at)

    def pause_after(self, looked: datetime, now: datetime, poll_seconds: float) -> float:
        """Seconds to sleep after a look at `looked` (the times it saw are forgotten): until the
        next time still ahead, at most `poll_seconds`, at least 5 ms."""
        while self._times and self._times[0] <= looked:
            heapq.heappop(self._times)
        pause = poll_seconds
        if self._times:
            pause = min(pause, (self._times[0] - now).total_seconds())
        return max(pause, 0.005)
