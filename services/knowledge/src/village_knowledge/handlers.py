"""The knowledge API's commands. Each checks what the caller may do, then runs one unit of work
through the platform's write path (village_platform.writes: the Idempotency-Key, one
transaction, the relay rung after the commit): the events appended to the knowledge store
(streams.py) and projected, and the answer stored with them."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.egress import describe
from village_platform.envelope import Metadata
from village_platform.errors import DomainError
from village_platform.idempotency import StoredResponse
from village_platform.writes import WriteContext, Writes, Written, stored

from . import views
from .access import Access, actor
from .domain import articles
from .domain.audience import incident_metadata, knowledge_base_for
from .domain.events import ArticleLinked, ArticleUnlinked, FeedbackGiven
from .streams import Streams

_LINKED = text("SELECT 1 FROM links WHERE incident_id = :i AND article_id = :a")
_INCIDENT = text("SELECT * FROM incidents WHERE incident_id = :i")


def _check_provider(incident: Any, article: Any) -> None:
    """An article about an incident is of the incident's provider: never another provider's (a
    caller that reads both may ask; the incident's parties must never see it)."""
    if not views.of_incident(incident, article.provider):
        raise DomainError.invalid(
            "the article is not in the knowledge base of the incident's provider",
            "not-the-incidents-provider",
        )


def _origin(ctx: WriteContext) -> Metadata:
    return Metadata(**ctx.event_metadata())


async def _article_answer(conn: AsyncConnection, article_id: str, status: int) -> StoredResponse:
    row = await views.article_row(conn, article_id)
    return stored(
        status,
        jsonable_encoder(views.manager_view(row)),
        {"ETag": f'"{row.stream_version}"', "Location": f"/articles/{article_id}"},
    )


class Knowledge:
    def __init__(self, writes: Writes, streams: Streams, access: Access) -> None:
        self.writes, self.streams, self.access = writes, streams, access

    # ------------------------------------------------------------------ articles

    async def draft(
        self, ctx: WriteContext, content: articles.Content, provider: str | None = None
    ) -> Written:
        """A new draft for the knowledge base of `provider` (audience.knowledge_base_for): its
        review, publication and readers are that provider's alone."""
        caller = ctx.principal
        if caller.kind not in ("provider", "partner"):
            raise DomainError.forbidden("articles are written by the provider and its partners")
        # A provider drafts for its own: who buys from whom matters for partners only.
        directory, supplies = await self.access.web() if caller.kind == "partner" else ({}, [])
        provider = knowledge_base_for(caller.party, caller.kind, provider, directory, supplies)
        article_id = str(uuid.uuid4())
        return await self._article(
            ctx, article_id, articles.Draft(article_id, content, provider), 201
        )

    async def change(
        self,
        ctx: WriteContext,
        article_id: str,
        command: articles.Command,
        if_match: frozenset[int] | None = None,
    ) -> Written:
        """Revise, submit, publish, reject or retire an article."""
        if views.parse_id(article_id) is None:
            raise DomainError.not_found("no such article")
        return await self._article(ctx, article_id, command, 200, if_match)

    async def _article(
        self,
        ctx: WriteContext,
        article_id: str,
        command: articles.Command,
        status: int,
        if_match: frozenset[int] | None = None,
    ) -> Written:
        # Who reads a published article is decided when it is published: only then the directory
        # and the supplies.
        directory, supplies = (
            await self.access.web() if isinstance(command, articles.Publish) else (None, None)
        )

        async def work(conn: AsyncConnection) -> StoredResponse:
            await self.streams.change_article(
                conn,
                article_id,
                command,
                actor(ctx.principal),
                _origin(ctx),
                directory,
                if_match,
                supplies=supplies,
            )
            return await _article_answer(conn, article_id, status)

        return await self.writes.run(ctx, work)

    # ------------------------------------------------------------------ an incident's links

    async def link(self, ctx: WriteContext, incident_id: str, article_id: str) -> Written:
        """201 linked; 200 linked already (nothing new); 422 for an article the caller reads but
        of another provider than the incident's (its parties must never see it)."""
        incident, article = await self._link_target(ctx, incident_id, article_id)
        _check_provider(incident, article)

        async def work(conn: AsyncConnection) -> StoredResponse:
            fresh = not await conn.scalar(_LINKED, {"i": incident_id, "a": article.article_id})
            if fresh:
                party = ctx.principal.party
                title = article.published["title"]
                event = ArticleLinked(incident_id, str(article.article_id), title, party)
                await self._on_incident(conn, ctx, incident_id, article, event)
            return stored(
                201 if fresh else 200,
                {"incident_id": incident_id, "article_id": str(article.article_id), "linked": True},
            )

        return await self.writes.run(ctx, work)

    async def unlink(self, ctx: WriteContext, incident_id: str, article_id: str) -> Written:
        _, article = await self._link_target(ctx, incident_id, article_id)

        async def work(conn: AsyncConnection) -> StoredResponse:
            if not await conn.scalar(_LINKED, {"i": incident_id, "a": article.article_id}):
                raise DomainError.not_found("the article is not linked to this incident")
            event = ArticleUnlinked(incident_id, str(article.article_id), ctx.principal.party)
            await self._on_incident(conn, ctx, incident_id, article, event)
            return stored(204, None)

        return await self.writes.run(ctx, work)

    async def _link_target(
        self, ctx: WriteContext, incident_id: str, article_id: str
    ) -> tuple[Any, Any]:
        """An incident the caller is on and a published article it reads."""
        incident = await self.access.incident(ctx.principal, incident_id)
        return incident, await self.access.published(ctx.principal, article_id)

    async def _on_incident(
        self,
        conn: AsyncConnection,
        ctx: WriteContext,
        incident_id: str,
        article: Any,
        event: ArticleLinked | ArticleUnlinked,
    ) -> None:
        incident = (await conn.execute(_INCIDENT, {"i": incident_id})).first()
        meta = incident_metadata(
            article.audience, incident.parties, incident.customer, incident.provider
        )
        await self.streams.append_incident(conn, incident_id, [event.new(meta)], _origin(ctx))

    # ------------------------------------------------------------------ feedback

    async def feedback(
        self, ctx: WriteContext, article_id: str, helpful: bool, incident_id: str | None
    ) -> Written:
        """Once per party per article (the latest wins), seen by the giving party and the
        provider; about an incident only of the article's provider (another provider never
        learns of it)."""
        caller = ctx.principal
        article = await self.access.published(caller, article_id)
        if incident_id is not None:
            _check_provider(await self.access.incident(caller, incident_id), article)
        visibility = {"customer": "shared", "partner": "restricted"}.get(caller.kind, "internal")
        audience = describe(
            parties={caller.party, article.provider},
            visibility=visibility,
            provider=article.provider,
            actor_party=caller.party,
        )
        event = FeedbackGiven(str(article.article_id), caller.party, helpful, incident_id)

        async def work(conn: AsyncConnection) -> StoredResponse:
            await self.streams.append_feedback(
                conn, article.article_id, event.new(_origin(ctx).about(audience))
            )
            return stored(200, await views.stats(conn, article.article_id))

        return await self.writes.run(ctx, work)
