"""The service runtime's shutdown, against a real PostgreSQL and broker."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

from village_platform.clock import ManualClock
from village_platform.runtime import Runtime
from village_platform.settings import Settings


async def test_a_task_that_does_not_stop_is_cancelled_after_the_grace(
    platform_stack, new_database, caplog
) -> None:
    """A background task deaf to `stop` (a consumer whose group join the broker holds) does
    not hold the service's exit past the grace; the others stop as asked; the log names it."""
    engine = await new_database()
    settings = Settings(
        service="runtime-test",
        database_url=engine.url.render_as_string(hide_password=False),
        database_is_own=True,
        kafka_bootstrap_servers=platform_stack.kafka_bootstrap,
        VILLAGE_ENV="development",
        VILLAGE_SHUTDOWN_GRACE_SECONDS=0.2,
    )
    runtime = Runtime(settings, ManualClock(), topic=None, source="runtime-test")
    ended: dict[str, str] = {}

    async def deaf(stop: asyncio.Event) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            ended["deaf"] = "cancelled"
            raise

    async def stubborn(stop: asyncio.Event) -> None:  # its clean-up hangs too
        try:
            await asyncio.Event().wait()
        finally:
            ended["stubborn"] = "cleaning up"
            await asyncio.shield(asyncio.Event().wait())

    async def polite(stop: asyncio.Event) -> None:
        await stop.wait()
        ended["polite"] = "stopped"

    runtime.background("deaf", deaf)
    runtime.background("stubborn", stubborn)
    runtime.background("polite", polite)
    with caplog.at_level(logging.WARNING, logger="village_platform.runtime"):
        async with asyncio.timeout(30):  # the old shutdown waited for ever
            async with runtime.serving(SimpleNamespace(state=SimpleNamespace()), background=True):
                pass
    assert ended == {"deaf": "cancelled", "stubborn": "cleaning up", "polite": "stopped"}
    said = sorted(r.getMessage() for r in caplog.records)
    assert [m.split(" (waiting in ")[0] for m in said] == [
        "deaf did not stop within 0.2 s; cancelling it",
        "stubborn did not end when cancelled; leaving it",
        "stubborn did not stop within 0.2 s; cancelling it",
    ]
    # and where each waited, innermost first, down to the line of its own code
    for message, name in ((said[0], "deaf"), (said[2], "stubborn")):
        chain = message.split(" (waiting in ", 1)[1]
        assert chain.startswith("Event.wait (") and f"<locals>.{name} (" in chain, message
        assert __file__ in chain, message
    for task in asyncio.all_tasks():  # the test's own clean-up: cancelled again, it ends
        if task.get_name() == "stubborn":
            task.cancel()
