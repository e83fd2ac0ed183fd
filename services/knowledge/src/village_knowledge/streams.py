"""Where the knowledge service keeps its events, each append projected (projection.py) in the
caller's transaction (the API's, with its idempotency record; the consumer's, with its handled
record).

Three kinds of streams: `article:<id>` (the article aggregate: load, decide, append), an
incident's id (suggestions, links, solves: appended under the incident's row lock, so the API and
the consumer never race on it) and `article:<id>:feedback`. Events a consumed event causes have
ids derived from it: a redelivered or replayed incident event appends nothing new.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import ConsumedEvent
from village_platform.envelope import Metadata
from village_platform.errors import DomainError
from village_platform.eventstore import ConcurrencyError, EventStore, NewEvent, StoredEvent

from . import fetch, incident_facts, projection
from .domain import articles
from .domain.articles import Actor, Article
from .domain.audience import Directory, article_metadata
from .domain.events import ArticleEvent
from .domain.supplies import Supply

ARTICLE_STREAM = "article:{}"
NS = uuid.UUID("5b0f2a57-6f39-4d0e-9a3e-2d1b7c0a4e11")

_HEAD = text("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = :s")
_HEADS = text(
    "SELECT stream_id, max(stream_version) FROM events WHERE stream_id = ANY(:s) GROUP BY stream_id"
)
_KNOWN = text("SELECT event_id FROM events WHERE event_id = ANY(:ids)")


def event_id(*parts: object) -> uuid.UUID:
    """The id of an event caused by something with these ids: the same every time it happens."""
    return uuid.uuid5(NS, "/".join(map(str, parts)))


class Streams:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def article(self, conn: AsyncConnection, article_id: str) -> Article | None:
        return articles.from_stored(await self.store.load(conn, ARTICLE_STREAM.format(article_id)))

    async def change_article(
        self,
        conn: AsyncConnection,
        article_id: str,
        command: articles.Command,
        actor: Actor,
        origin: Metadata,
        directory: Directory | None,
        if_match: frozenset[int] | None = None,
        event_ids: Iterable[uuid.UUID] | None = None,
        supplies: Sequence[Supply] | None = None,
    ) -> Article:
        """Load, decide, append and project; the article as it is now. `directory` and
        `supplies`: who reads what is published (a publication needs them; supplies None: the
        directory's registration fields say who buys from whom); `event_ids`: the events' ids when
        a consumed event causes them (a replay appends nothing new)."""
        state = await self.article(conn, article_id)
        _check_version(state, actor, if_match)
        events = articles.decide(state, command, actor)
        if not events:
            assert state is not None
            return state
        new = articles.fold(events, state)
        assert new is not None
        ids = list(event_ids) if event_ids is not None else [uuid.uuid4() for _ in events]
        described = [
            e.new(origin.about(_audience(e, new, directory, supplies)), i)
            for e, i in zip(events, ids, strict=True)
        ]
        try:
            stored = await self.store.append(
                conn,
                ARTICLE_STREAM.format(article_id),
                state.stream_version if state else 0,
                described,
                {},
            )
        except ConcurrencyError:
            raise DomainError.conflict(
                "the article changed meanwhile; read it again", "conflict"
            ) from None
        await _project(conn, stored)
        return new

    @asynccontextmanager
    async def applying_many(
        self, conn: AsyncConnection, events: Sequence[ConsumedEvent] = ()
    ) -> AsyncIterator[None]:
        """Around the handlers of one fetch in one transaction (`Applier.batch_scope`): the
        incidents' facts and the events appended to their streams kept (fetch.py) and written
        once when all are applied (nothing if one fails: the transaction is rolled back and the
        events applied one by one)."""
        kept = fetch.Fetch()
        token = fetch.current.set(kept)
        try:
            yield
            await self._write(conn, kept)
        finally:
            fetch.current.reset(token)

    @asynccontextmanager
    async def one_at_a_time(self, conn: AsyncConnection) -> AsyncIterator[None]:
        """For a handler that reads what the fetch changed (an incident's row, links, notes):
        what is kept is written first, and the handler writes as one event at a time does."""
        kept = fetch.current.get()
        if kept is None:
            yield
            return
        await self._write(conn, kept)
        token = fetch.current.set(None)
        try:
            yield
        finally:
            fetch.current.reset(token)

    async def _write(self, conn: AsyncConnection, kept: fetch.Fetch) -> None:
        """What the fetch kept, a statement per table: the facts (their upserts lock the
        incidents' rows, as `append_incident` does), the new events (ids stored already left
        out) after each stream's head, and their projection."""
        facts, appends = kept.facts, kept.events
        kept.facts, kept.events = [], {}
        await incident_facts.record_many(conn, facts)
        known = await self._known(conn, [e for events in appends.values() for e in events])
        fresh = {s: [e for e in es if e.event_id not in known] for s, es in appends.items()}
        fresh = {s: es for s, es in fresh.items() if es}
        if not fresh:
            return
        heads = dict((await conn.execute(_HEADS, {"s": list(fresh)})).all())
        now = self.store.clock.now()
        await self.store.append_at(conn, [(s, heads.get(s, 0), es) for s, es in fresh.items()], now)
        stored = [
            StoredEvent(e.event_id, s, heads.get(s, 0) + v, e.type, e.data, e.metadata, now)
            for s, es in fresh.items()
            for v, e in enumerate(es, start=1)
        ]
        await projection.project_many(conn, stored)

    @staticmethod
    async def _known(conn: AsyncConnection, events: list[NewEvent]) -> set[uuid.UUID]:
        if not events:
            return set()
        return set(await conn.scalars(_KNOWN, {"ids": [e.event_id for e in events]}))

    async def append_incident(
        self, conn: AsyncConnection, incident_id: str, events: list[NewEvent], origin: Metadata
    ) -> list[StoredEvent]:
        """Append to the incident's knowledge stream under the incident's row lock; events whose
        ids are stored already are left out (a replay); the new ones are projected. In a fetch
        (`applying_many`) they are kept, each with its whole metadata, and nothing is returned."""
        kept = fetch.current.get()
        if kept is not None:
            shared = origin.as_dict()
            kept.events.setdefault(incident_id, []).extend(
                dataclasses.replace(e, metadata={**shared, **e.metadata}) for e in events
            )
            return []
        await conn.execute(
            text("SELECT 1 FROM incidents WHERE incident_id = :i FOR UPDATE"), {"i": incident_id}
        )
        known = await self._known(conn, events)
        fresh = [e for e in events if e.event_id not in known]
        if not fresh:
            return []
        head = await conn.scalar(_HEAD, {"s": incident_id})
        stored = await self.store.append(conn, incident_id, head, fresh, origin.as_dict())
        await _project(conn, stored)
        return stored

    async def append_feedback(
        self, conn: AsyncConnection, article_id: Any, event: NewEvent
    ) -> None:
        """On the article's feedback stream, under the article's row lock."""
        stream = f"article:{article_id}:feedback"
        await conn.execute(
            text("SELECT 1 FROM articles WHERE article_id = :a FOR UPDATE"), {"a": article_id}
        )
        head = await conn.scalar(_HEAD, {"s": stream})
        await _project(conn, await self.store.append(conn, stream, head, [event], {}))


def _audience(
    event: ArticleEvent,
    article: Article,
    directory: Directory | None,
    supplies: Sequence[Supply] | None,
) -> dict[str, Any]:
    return article_metadata(
        event.NAME, event.to_data(), article.author_party, article.provider, directory, supplies
    )


def _check_version(state: Article | None, actor: Actor, if_match: frozenset[int] | None) -> None:
    if state is None or if_match is None or state.stream_version in if_match:
        return
    if not articles.manages(state, actor):
        raise DomainError.not_found("no such article")
    raise DomainError(412, "stale-version", f"the article is at version {state.stream_version}")


async def _project(conn: AsyncConnection, stored: Sequence[StoredEvent]) -> None:
    for event in stored:
        await projection.project(conn, event)
