"""Live timelines: the consumers ring a bell after each commit; every open stream then reads what
its viewer may see of what committed since it last looked (reads.Timeline.committed_after).

The bell is a hint, as the relay's doorbell is: a stream also looks every `poll_seconds`, which
covers entries committed by another instance of the console (its consumers ring its own bell).
An entry is shown once every transaction older than its own has ended (reads.committed_after);
a look that finds one still held back by such a transaction looks again soon (from 10 ms,
doubling), not at the next ring or poll."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine

from village_platform.errors import DomainError

from .reads import Position, Timeline, Viewer, may_see, start_position


class Bell:
    """Rung after a commit (sync: the Applier's `after_commit`); awaited by the streams."""

    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()
        self._rung = asyncio.Event()  # the next ring wakes whoever listens from now on

    def listen(self) -> asyncio.Event:
        """Taken before looking, so that a ring while looking is not lost."""
        return self._rung

    @staticmethod
    async def wait(rung: asyncio.Event, timeout: float) -> None:
        try:
            await asyncio.wait_for(rung.wait(), timeout)
        except TimeoutError:
            pass


HELD_FIRST_SECONDS = 0.01


def _pause(position: Position, held: float, poll_seconds: float) -> tuple[float, float]:
    """How long to wait before the next look, and the held-back pause after it."""
    if not position.waiting:
        return poll_seconds, HELD_FIRST_SECONDS
    return min(held, poll_seconds), min(held * 2, poll_seconds)


class Live:
    def __init__(
        self, engine: AsyncEngine, timeline: Timeline, bell: Bell, poll_seconds: float = 5.0
    ) -> None:
        self.engine, self.timeline, self.bell, self.poll_seconds = (
            engine,
            timeline,
            bell,
            poll_seconds,
        )

    async def open(
        self,
        incident_id: str,
        viewer: Viewer,
        *,
        since: str | None = None,
        catch_up: float = 0.0,
    ) -> AsyncIterator[dict[str, str]]:
        """Check the viewer may see the incident (404 before the stream starts), then the
        stream of server-sent events: each new entry it may see, as `entry` events; the stream
        ends when the viewer is taken off the incident.

        `since`: a transaction floor taken earlier (`start_position` when a page was read), so
        that nothing committed between that read and this stream is missed. `catch_up`: seconds
        to wait for this console to record the viewer's access, when the owner has already
        granted it (an incident just opened, a collaborator just invited)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + catch_up
        while True:
            rung = self.bell.listen()
            async with self.engine.connect() as conn:
                if await may_see(conn, incident_id, viewer):
                    position = Position(since, "0", 0) if since else await start_position(conn)
                    return self._entries(incident_id, viewer, position)
            left = deadline - loop.time()
            if left <= 0:
                raise DomainError.not_found("no such incident")
            await self.bell.wait(rung, min(left, self.poll_seconds))

    async def _entries(
        self, incident_id: str, viewer: Viewer, position: Position
    ) -> AsyncIterator[dict[str, str]]:
        held = HELD_FIRST_SECONDS
        while True:
            rung = self.bell.listen()
            async with self.engine.connect() as conn:
                # Revocation applies at once: a viewer taken off the incident hears no more.
                if not await may_see(conn, incident_id, viewer):
                    return
                items, position = await self.timeline.committed_after(
                    conn, incident_id, viewer, position
                )
            for item in items:
                yield {"event": "entry", "id": item["id"], "data": json.dumps(item)}
            pause, held = _pause(position, held, self.poll_seconds)
            await self.bell.wait(rung, pause)

    async def changes(self, viewer: Viewer, *, since: str | None = None) -> AsyncIterator[int]:
        """Every time entries the viewer may see commit on any incident it is on (an incident
        opened, routed to one of its tiers, changed): how many. Never ends."""
        async with self.engine.connect() as conn:
            position = Position(since, "0", 0) if since else await start_position(conn)
        held = HELD_FIRST_SECONDS
        while True:
            rung = self.bell.listen()
            async with self.engine.connect() as conn:
                items, position = await self.timeline.committed_after(conn, None, viewer, position)
            if items:
                yield len(items)
            pause, held = _pause(position, held, self.poll_seconds)
            await self.bell.wait(rung, pause)
