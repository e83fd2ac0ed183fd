"""Re-project the incidents read model (summaries, external refs, notes, the directory's parties
and supplies) and the aggregate's snapshots from this service's own event store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from tqdm import tqdm

from village_platform.clock import SystemClock
from village_platform.db import make_engine
from village_platform.eventstore import EventStore
from village_platform.settings import Settings

from . import notes, readmodel, snapshots
from .domain import events, supply
from .domain.incident import Incident, Note, replay_with_notes
from .snapshots import history_of


def rows_of(
    state: Incident, written: dict[str, Note]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The notes rows and the snapshot row of a replayed incident (`notes.UPSERT_SQL`,
    `snapshots.SAVE_SQL`): what the commands projected, one by one, as they went."""
    return [notes.row(state, n) for n in written.values()], snapshots.row(state)


async def rebuild(settings: Settings) -> int:
    engine = make_engine(settings, statement_timeout=None)  # offline: no statement timeout
    store = EventStore(SystemClock())
    try:
        async with engine.begin() as conn:
            streams = [
                r.stream_id
                for r in await conn.execute(
                    text("SELECT stream_id FROM events GROUP BY stream_id ORDER BY min(id)")
                )
            ]
            await readmodel.reset(conn)
            # Parties registered before registrations were events have none: their rows stay
            # (`reset` keeps the parties table), and the events replayed over them, in order,
            # leave every party as its last registration says.
            for stored in await store.load(conn, supply.DIRECTORY_STREAM):
                event = events.CATALOG.load(stored.type, stored.data)
                await readmodel.project_directory(conn, event, stored.stream_version)  # type: ignore[arg-type]
            streams = [s for s in streams if s != supply.DIRECTORY_STREAM]
            for stream_id in tqdm(streams, desc="incidents", unit="incident"):
                state, written = replay_with_notes(history_of(await store.load(conn, stream_id)))
                if state is not None:
                    await readmodel.project(conn, state)
                    await readmodel.add_external_refs(conn, state.id, list(state.external_refs))
                    note_rows, snapshot = rows_of(state, written)
                    if note_rows:
                        await conn.execute(notes.UPSERT_SQL, note_rows)
                    await conn.execute(snapshots.SAVE_SQL, snapshot)
        return len(streams)
    finally:
        await engine.dispose()
