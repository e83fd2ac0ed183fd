"""What an incident's opening and resolution mean for knowledge, in the consumer's transaction:
suggestions when it opens; when it is resolved, a solve for every linked article and a draft for
the resolving party (knowledge transfer). Each first records the incident fact, as every incident
event does (incident_facts.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import ConsumedEvent
from village_platform.envelope import Metadata
from village_platform.telemetry import current_traceparent

from . import incident_facts, search
from .domain import articles
from .domain.audience import incident_metadata
from .domain.events import IncidentSolved, SuggestionsMade
from .streams import Streams, event_id

SERVICE_ACTOR = "knowledge"
SUGGESTIONS = 5
AUDIENCES = ("public", "partners", "provider")

_INCIDENT = text("SELECT * FROM incidents WHERE incident_id = :i")
_LINKED = text(
    "SELECT l.article_id, a.audience FROM links l JOIN articles a USING (article_id)"
    " WHERE l.incident_id = :i ORDER BY l.article_id"
)
_SHARED_NOTES = text("SELECT body FROM shared_notes WHERE incident_id = :i ORDER BY seq")


def _acting() -> Metadata:
    return Metadata.of_service(SERVICE_ACTOR, current_traceparent())


class Reactions:
    def __init__(self, streams: Streams) -> None:
        self.streams = streams

    async def opened(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        await incident_facts.record(conn, event)
        await self.suggest(conn, event)

    async def resolved(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        # It reads the incident, its links and notes: in a fetch, what is kept is written first.
        async with self.streams.one_at_a_time(conn):
            await incident_facts.record(conn, event)
            incident = (await conn.execute(_INCIDENT, {"i": event.stream_id})).first()
            if incident is None or incident.provider is None:
                return  # opened before this service knew of it
            await self.count_solves(conn, event, incident)
            await self.propose(conn, event, incident)

    async def suggest(self, conn: AsyncConnection, event: ConsumedEvent) -> list[dict[str, Any]]:
        """The provider's best articles for the new incident, one event per audience: one shared
        event always says "suggestions computed", the others only when they carry any."""
        data, incident_id = event.data, event.stream_id
        found = await search.suggest(
            conn,
            data["title"],
            data.get("description", ""),
            data["product"],
            data["provider"],
            SUGGESTIONS,
        )
        on_it = incident_facts.chain(data)
        events = []
        for audience in AUDIENCES:
            chosen = [
                {**{k: s[k] for k in ("article_id", "title", "score")}, "rank": rank}
                for rank, s in enumerate(found, start=1)
                if s["audience"] == audience
            ]
            if not chosen and audience != "public":
                continue
            meta = incident_metadata(audience, on_it, data["customer"], data["provider"])
            events.append(
                SuggestionsMade(incident_id, audience, chosen).new(
                    meta, event_id(event.id, "suggestions", audience)
                )
            )
        await self.streams.append_incident(conn, incident_id, events, _acting())
        return found

    async def count_solves(
        self, conn: AsyncConnection, event: ConsumedEvent, incident: Any
    ) -> None:
        """Each article linked now counts once for this incident, whatever comes again."""
        linked = (await conn.execute(_LINKED, {"i": event.stream_id})).all()
        solved = [
            IncidentSolved(event.stream_id, str(r.article_id), event.data["resolution_code"]).new(
                incident_metadata(
                    r.audience or "provider", incident.parties, incident.customer, incident.provider
                ),
                event_id(event.stream_id, r.article_id, "solved"),
            )
            for r in linked
        ]
        if solved:
            await self.streams.append_incident(conn, event.stream_id, solved, _acting())

    async def propose(self, conn: AsyncConnection, event: ConsumedEvent, incident: Any) -> None:
        """Knowledge transfer: a draft for the resolving party from what everyone on the incident
        could read: its title and description, the resolution and the shared notes (internal and
        restricted notes are never stored by this service, so never in a draft)."""
        author = event.actor_party
        if not author or author == incident.customer or author not in incident.parties:
            return
        notes = list(await conn.scalars(_SHARED_NOTES, {"i": event.stream_id}))
        code = event.data["resolution_code"]
        content = _draft(incident, code, event.data["resolution_notes"], notes)
        # One draft per incident: a resolution after a reopen proposes nothing new.
        article_id = str(event_id(event.stream_id, "draft"))
        command = articles.ProposeFromIncident(
            article_id, content, incident.provider, author, event.stream_id, code
        )
        actor = articles.Actor(author, "service", SERVICE_ACTOR)
        origin = Metadata(
            actor_party=author,
            actor_kind="service",
            actor_user=SERVICE_ACTOR,
            traceparent=current_traceparent(),
        )
        await self.streams.change_article(
            conn,
            article_id,
            command,
            actor,
            origin,
            None,
            event_ids=[event_id(event.stream_id, "draft_proposed")],
        )


def _draft(incident: Any, code: str, resolution: str, notes: list[str]) -> articles.Content:
    body = [
        f"## Problem\n\n{incident.description or incident.title}",
        f"## Resolution ({code})\n\n{resolution}",
    ]
    if notes:
        body.append("## From the incident\n\n" + "\n".join(f"- {n}" for n in notes))
    return articles.Content(
        title=incident.title,
        body="\n\n".join(body),
        audience="partners",
        products=(incident.product,) if incident.product else (),
        tags=(code,),
        symptoms=(incident.description,) if incident.description else (),
        resolution_steps=(resolution,),
    )
