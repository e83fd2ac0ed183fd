"""`village-knowledge rebuild-read-model`: drop every read model and rebuild it.

Articles, versions, the search index, suggestions, links, solves and feedback are projected
again from the knowledge service's own event store (projection.py, the live path's function);
incidents, their parties and shared notes from the incidents feed (INCIDENTS_URL), recording
only: suggestions and drafts decided before are events already and are not decided again.
Stop the service first.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from tqdm.auto import tqdm

from village_platform import rebuild as platform_rebuild
from village_platform.db import make_engine
from village_platform.eventstore import stored_event
from village_platform.feedclient import FeedClient
from village_platform.settings import Settings

from . import projection
from .consumer import NAME, fact_routes, incidents_feed

PAGE = 1000


async def replay_own_events(conn: AsyncConnection, progress: bool = True) -> int:
    """Project every stored knowledge event again, in the order they were appended."""
    total = await conn.scalar(text("SELECT count(*) FROM events"))
    count, after = 0, 0
    with tqdm(
        total=total, desc="rebuild knowledge (own events)", unit="event", disable=not progress
    ) as bar:
        while True:
            rows = (
                await conn.execute(
                    text(
                        "SELECT id, event_id, stream_id, stream_version, type, data, metadata,"
                        " recorded_at, position"
                        " FROM events WHERE id > :after ORDER BY id LIMIT :n"
                    ),
                    {"after": after, "n": PAGE},
                )
            ).all()
            if not rows:
                return count
            for row in rows:
                await projection.project(conn, stored_event(row._mapping))
            after, count = rows[-1].id, count + len(rows)
            bar.update(len(rows))


async def rebuild(
    settings: Settings, *, feed: FeedClient | None = None, progress: bool = True
) -> int:
    """Returns how many events (own and incidents') it applied."""
    engine = make_engine(settings, statement_timeout=None)  # offline: no statement timeout
    own_feed = feed is None
    feed = feed or incidents_feed(settings)
    own = 0

    async def reset(conn: AsyncConnection) -> None:
        nonlocal own
        await conn.execute(text(projection.RESET))
        own = await replay_own_events(conn, progress)

    try:
        incidents = await platform_rebuild.rebuild(
            NAME, engine, feed, fact_routes(), reset, progress=progress
        )
        return own + incidents
    finally:
        if own_feed:
            await feed.aclose()
        await engine.dispose()
