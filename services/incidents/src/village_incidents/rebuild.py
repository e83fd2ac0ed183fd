"""Re-project the incidents read model from this service's own event store."""

from __future__ import annotations

from sqlalchemy import text
from tqdm import tqdm

from village_platform.clock import SystemClock
from village_platform.db import make_engine
from village_platform.eventstore import EventStore
from village_platform.settings import Settings

from . import readmodel
from .domain.incident import replay
from .handlers import history_of


async def rebuild(settings: Settings) -> int:
    engine = make_engine(settings, statement_timeout=None)  # offline: no statement timeout
    store = EventStore(SystemClock())
    try:
        async with engine.begin() as conn:
            streams = [r.stream_id for r in await conn.execute(
                text("SELECT stream_id FROM events GROUP BY stream_id ORDER BY min(id)"))]
            await readmodel.reset(conn)
            for stream_id in tqdm(streams, desc="incidents", unit="incident"):
                state = replay(history_of(await store.load(conn, stream_id)))
                if state is not None:
                    await readmodel.project(conn, state)
                    await readmodel.add_external_refs(conn, state.id, list(state.external_refs))
        return len(streams)
    finally:
        await engine.dispose()
