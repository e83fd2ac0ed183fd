"""Rebuild the SLA read model from the incidents feed (`village-sla-monitor rebuild-read-model`)."""

from __future__ import annotations

from village_platform.db import make_engine
from village_platform.feedclient import FeedClient
from village_platform.rebuild import rebuild as rebuild_from_feed
from village_platform.settings import Settings

from .consumer import NAME, read_model


async def rebuild(settings: Settings) -> int:
    engine = make_engine(settings)
    model = read_model()
    try:
        async with FeedClient.for_consumer(settings.incidents_url, settings, NAME, source="/village/incidents") as feed:
            return await rebuild_from_feed(NAME, engine, feed, model.routes, model.reset)
    finally:
        await engine.dispose()
