"""Waiting for a condition in tests: one helper for the whole suite, never a fixed sleep."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

Probe = Callable[[], Any | Awaitable[Any]]


async def eventually(
    probe: Probe,
    done: Callable[[Any], Any] = bool,
    *,
    timeout: float = 30.0,
    what: str | None = None,
) -> Any:
    """Await `probe()` (sync or async) until `done(value)` holds, and return that value.

    An AssertionError raised by the probe counts as "not yet". Between probes it backs off
    from 2 ms to 100 ms; past `timeout` it fails with the last value seen.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pause, last = 0.002, None
    while True:
        try:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
            last = value
            if done(value):
                return value
        except AssertionError as exc:
            last = exc
        if loop.time() > deadline:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what or probe!r}; last: {last!r}"
            )
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.1)
