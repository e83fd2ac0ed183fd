"""`village-console rebuild-read-model`: drop the timeline and rebuild it from every owner's feed
(INCIDENTS_URL, SLA_MONITOR_URL, ESCALATION_URL, KNOWLEDGE_URL,
WEBHOOKS_URL), the incidents first (who is on
each incident, and at which tier), through the live path's routing table. Stop the service
first."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import rebuild as platform_rebuild
from village_platform.db import make_engine
from village_platform.feedclient import FeedClient
from village_platform.settings import Settings

from . import projection
from .consumer import TOPICS, consumer_name, feed, routes


async def rebuild(
    settings: Settings,
    *,
    feeds: dict[str, FeedClient] | None = None,
    progress: bool = True,
) -> int:
    """Returns how many events it applied. `feeds`: by topic family (tests); else from the
    settings' URLs."""
    engine = make_engine(settings, statement_timeout=None)  # offline: no statement timeout
    own = feeds is None
    clients = feeds if feeds is not None else {t.family: feed(settings, t) for t in TOPICS}
    table = routes()
    count = 0

    async def reset_all(conn: AsyncConnection) -> None:
        await conn.execute(text(projection.RESET))

    async def reset_nothing(conn: AsyncConnection) -> None:
        return None

    try:
        for topic in TOPICS:
            count += await platform_rebuild.rebuild(
                consumer_name(topic),
                engine,
                clients[topic.family],
                table,
                reset_all if topic is TOPICS[0] else reset_nothing,
                progress=progress,
            )
        return count
    finally:
        if own:
            for client in clients.values():
                await client.aclose()
        await engine.dispose()
