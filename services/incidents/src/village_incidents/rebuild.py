"""Re-project the incidents read model (summaries, external refs, notes, the directory's parties
and supplies, provider incidents and their links) and the aggregate's snapshots from this
service's own event store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from tqdm import tqdm

from village_platform.clock import SystemClock
from village_platform.db import make_engine
from village_platform.eventstore import EventStore
from village_platform.settings import Settings

from . import notes, outage_readmodel, readmodel, snapshots
from .domain import events, provider_incident, supply
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
            outages = [s for s in streams if provider_incident.is_outage_stream(s)]
            streams = [s for s in streams if not provider_incident.is_outage_stream(s)]
            for stream_id in tqdm(streams, desc="incidents", unit="incident"):
                state, written = replay_with_notes(history_of(await store.load(conn, stream_id)))
                if state is not None:
                    await readmodel.project(conn, state)
                    await readmodel.add_external_refs(conn, state.id, list(state.external_refs))
                    note_rows, snapshot = rows_of(state, written)
                    if note_rows:
                        await conn.execute(notes.UPSERT_SQL, note_rows)
                    await conn.execute(snapshots.SAVE_SQL, snapshot)
            for stream_id in tqdm(outages, desc="provider incidents", unit="outage"):
                await rebuild_outage(conn, store, stream_id)
            await outage_readmodel.rederive_confirmations(conn)
        return len(streams) + len(outages)
    finally:
        await engine.dispose()


async def rebuild_outage(conn: AsyncConnection, store: EventStore, stream_id: str) -> None:
    """A provider incident's row as its events leave it, then its links, event by event (each
    link's audience, who sees it, is in its event's metadata)."""
    stored = await store.load(conn, stream_id)
    state = None
    for s in stored:
        state = provider_incident.evolve(state, events.CATALOG.load(s.type, s.data), s.recorded_at)  # type: ignore[arg-type]
    if state is None:
        return
    await outage_readmodel.project(conn, state)
    for s in stored:
        event = events.CATALOG.load(s.type, s.data)
        await outage_readmodel.project_link(conn, event, s.metadata, s.recorded_at)  # type: ignore[arg-type]
