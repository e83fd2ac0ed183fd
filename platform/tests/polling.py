"""Polling helper shared by the platform tests (a plain module: conftest.py is not importable)."""

from __future__ import annotations

import asyncio


async def wait_for(probe, condition, timeout: float = 30.0, interval: float = 0.01):
    """Poll `probe()` until `condition(value)` holds; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if condition(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        await asyncio.sleep(interval)
