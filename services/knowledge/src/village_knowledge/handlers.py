"""The knowledge service's units of work. Each runs in the caller's transaction (the API's, with
its idempotency record; the consumer's, with its handled record): load, decide, append events
to the knowledge store, project them (projection.py) in the same transaction.

Article commands work on the stream `article:<id>`. Everything about an incident (suggestions,
links, solves) goes on the knowledge store's stream of that incident (its id), appended under a
row lock of the incident, so the API and the consumer never race on it. Events a consumed event
causes have ids derived from it: a redelivered or replayed incident event appends nothing new.
"""

from __future__ import annotations

import uuid
from typing import Any, Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.applier import ConsumedEvent
from village_platform.clock import Clock
from village_platform.egress import describe
from village_platform.eventstore import ConcurrencyError, EventStore, NewEvent, StoredEvent
from village_platform.telemetry import current_traceparent

from . import projection, search
from .domain import articles as domain
from .domain.articles import Actor, Article, Content, DomainError
from .domain.audience import Directory, article_metadata, incident_metadata

ARTICLE_STREAM = "article:{}"
NS = uuid.UUID("5b0f2a57-6f39-4d0e-9a3e-2d1b7c0a4e11")
SERVICE_ACTOR = "knowledge"
SUGGESTIONS = 5


def event_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NS, "/".join(map(str, parts)))


class Knowledge:
    def __init__(self, store: EventStore, clock: Clock) -> None:
        self.store, self.clock = store, clock

    # ------------------------------------------------------------------ articles

    async def load(self, conn: AsyncConnection, article_id: str) -> Article | None:
        events = await self.store.load(conn, ARTICLE_STREAM.format(article_id))
        return domain.fold([(e.type.split(".")[2], e.data) for e in events])

    async def article_command(self, conn: AsyncConnection, article_id: str, command: domain.Command, actor: Actor,
                              directory: Directory | None, if_match: frozenset[int] | None = None,
                              event_ids: Iterable[uuid.UUID] | None = None) -> Article:
        state = await self.load(conn, article_id)
        if state is not None and if_match is not None and state.stream_version not in if_match:
            if not domain.manages(state, actor):
                raise DomainError(404, "not-found", "no such article")
            raise DomainError(412, "stale-version", f"the article is at version {state.stream_version}")
        events = domain.decide(state, command, actor)
        if not events:
            assert state is not None
            return state
        new = state
        for e in events:
            new = domain.evolve(new, e.name, e.data)
        assert new is not None
        ids = list(event_ids) if event_ids is not None else [uuid.uuid4() for _ in events]
        fresh = [NewEvent(e.type, e.data, event_id=i,
                          metadata=article_metadata(e.name, e.data, new.author_party, new.provider, directory))
                 for e, i in zip(events, ids)]
        base = {"actor_party": actor.party, "actor_kind": actor.kind, "actor_user": actor.user,
                "traceparent": current_traceparent()}
        try:
            stored = await self.store.append(conn, ARTICLE_STREAM.format(article_id),
                                             state.stream_version if state else 0, fresh, base)
        except ConcurrencyError:
            raise DomainError(409, "conflict", "the article changed meanwhile; read it again") from None
        for event in stored:
            await projection.project(conn, event)
        return new

    # ------------------------------------------------------------------ incident streams

    async def append_incident(self, conn: AsyncConnection, incident_id: str,
                              events: list[NewEvent], base: dict[str, Any]) -> list[StoredEvent]:
        """Append to the incident's knowledge stream under the incident's row lock; events whose
        ids are stored already are left out (a replay); the new ones are projected."""
        await conn.execute(text("SELECT 1 FROM incidents WHERE incident_id = :i FOR UPDATE"), {"i": incident_id})
        known = set(await conn.scalars(text("SELECT event_id FROM events WHERE event_id = ANY(:ids)"),
                                       {"ids": [e.event_id for e in events]}))
        fresh = [e for e in events if e.event_id not in known]
        if not fresh:
            return []
        head = await conn.scalar(text("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = :s"),
                                 {"s": incident_id})
        stored = await self.store.append(conn, incident_id, head, fresh,
                                         {"actor_user": base.get("actor_party", SERVICE_ACTOR),
                                          "traceparent": current_traceparent(), **base})
        for event in stored:
            await projection.project(conn, event)
        return stored

    async def incident(self, conn: AsyncConnection, incident_id: str) -> Any:
        return (await conn.execute(text("SELECT * FROM incidents WHERE incident_id = :i"), {"i": incident_id})).first()

    # ------------------------------------------------------------------ consumed incident events

    async def on_incident_event(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        """Every incident event: who is on it; then what this one means for knowledge."""
        await record_incident_fact(conn, event)
        name = event.type.split(".")[2]
        if name == "opened":
            await self.suggest(conn, event)
        elif name == "resolved":
            await self.resolved(conn, event)

    async def suggest(self, conn: AsyncConnection, event: ConsumedEvent) -> list[dict[str, Any]]:
        data = event.data
        found = await search.suggest(conn, data["title"], data.get("description", ""), data["product"],
                                     data["provider"], SUGGESTIONS)
        incident_id = event.stream_id
        events = []
        for audience in ("public", "partners", "provider"):
            chosen = [{**{k: s[k] for k in ("article_id", "title", "score")}, "rank": rank}
                      for rank, s in enumerate(found, start=1) if s["audience"] == audience]
            if not chosen and audience != "public":
                continue  # one shared event always says "suggestions computed", the others only when any
            on_it = [data[k] for k in ("customer", "partner", "provider") if data.get(k)]
            meta = incident_metadata(audience, on_it, data["customer"], data["provider"])
            events.append(NewEvent("village.knowledge.suggestions_made.v1",
                                   {"incident_id": incident_id, "audience": audience, "articles": chosen},
                                   event_id=event_id(event.id, "suggestions", audience), metadata=meta))
        await self.append_incident(conn, incident_id, events, {"actor_party": SERVICE_ACTOR})
        return found

    async def resolved(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        incident = await self.incident(conn, event.stream_id)
        if incident is None or incident.provider is None:
            return  # opened before this service knew of it
        # Solves: each article linked now counts once for this incident, whatever comes again.
        linked = (await conn.execute(text(
            "SELECT l.article_id, a.audience FROM links l JOIN articles a USING (article_id)"
            " WHERE l.incident_id = :i ORDER BY l.article_id"), {"i": event.stream_id})).all()
        solved = [NewEvent("village.knowledge.incident_solved.v1",
                           {"incident_id": event.stream_id, "article_id": str(r.article_id),
                            "resolution_code": event.data["resolution_code"]},
                           event_id=event_id(event.stream_id, r.article_id, "solved"),
                           metadata=incident_metadata(r.audience or "provider", incident.parties, incident.customer,
                                                      incident.provider))
                  for r in linked]
        if solved:
            await self.append_incident(conn, event.stream_id, solved, {"actor_party": SERVICE_ACTOR})
        await self.propose(conn, event, incident)

    async def propose(self, conn: AsyncConnection, event: ConsumedEvent, incident: Any) -> None:
        """Knowledge transfer: a draft for the resolving party from what everyone on the incident
        could read: its title and description, the resolution and the shared notes (internal and
        restricted notes are never stored by this service, so never in a draft)."""
        author = event.actor_party
        if not author or author == incident.customer or author not in incident.parties:
            return
        notes = list(await conn.scalars(text(
            "SELECT body FROM shared_notes WHERE incident_id = :i ORDER BY seq"), {"i": event.stream_id}))
        code, resolution = event.data["resolution_code"], event.data["resolution_notes"]
        body = [f"## Problem\n\n{incident.description or incident.title}",
                f"## Resolution ({code})\n\n{resolution}"]
        if notes:
            body.append("## From the incident\n\n" + "\n".join(f"- {n}" for n in notes))
        content = Content(title=incident.title, body="\n\n".join(body), audience="partners",
                          products=(incident.product,) if incident.product else (), tags=(code,),
                          symptoms=(incident.description,) if incident.description else (),
                          resolution_steps=(resolution,))
        # One draft per incident: a resolution after a reopen proposes nothing new.
        article_id = str(event_id(event.stream_id, "draft"))
        command = domain.ProposeFromIncident(article_id, content, incident.provider, author, event.stream_id, code)
        await self.article_command(conn, article_id, command, Actor(author, "service", SERVICE_ACTOR), None,
                                   event_ids=[event_id(event.stream_id, "draft_proposed")])

    # ------------------------------------------------------------------ links and feedback

    async def link(self, conn: AsyncConnection, incident_id: str, article: Any, actor: Actor) -> bool:
        """False: linked already (nothing new)."""
        if await conn.scalar(text("SELECT 1 FROM links WHERE incident_id = :i AND article_id = :a"),
                             {"i": incident_id, "a": article.article_id}):
            return False
        incident = await self.incident(conn, incident_id)
        data = {"incident_id": incident_id, "article_id": str(article.article_id), "title": article.published["title"],
                "party": actor.party}
        meta = incident_metadata(article.audience, incident.parties, incident.customer, incident.provider)
        await self.append_incident(conn, incident_id, [NewEvent("village.knowledge.article_linked.v1", data,
                                                                metadata=meta)],
                                   {"actor_party": actor.party, "actor_user": actor.user})
        return True

    async def unlink(self, conn: AsyncConnection, incident_id: str, article: Any, actor: Actor) -> bool:
        if not await conn.scalar(text("SELECT 1 FROM links WHERE incident_id = :i AND article_id = :a"),
                                 {"i": incident_id, "a": article.article_id}):
            return False
        incident = await self.incident(conn, incident_id)
        meta = incident_metadata(article.audience, incident.parties, incident.customer, incident.provider)
        data = {"incident_id": incident_id, "article_id": str(article.article_id), "party": actor.party}
        await self.append_incident(conn, incident_id, [NewEvent("village.knowledge.article_unlinked.v1", data,
                                                                metadata=meta)],
                                   {"actor_party": actor.party, "actor_user": actor.user})
        return True

    async def feedback(self, conn: AsyncConnection, article: Any, helpful: bool, incident_id: str | None,
                       actor: Actor) -> None:
        """On the article's feedback stream, seen by the giving party and the provider only."""
        visibility = {"customer": "shared", "partner": "restricted"}.get(actor.kind, "internal")
        meta = {**describe(parties={actor.party, article.provider}, visibility=visibility, provider=article.provider,
                           actor_party=actor.party),
                "actor_kind": actor.kind, "actor_user": actor.user, "traceparent": current_traceparent()}
        stream = f"article:{article.article_id}:feedback"
        await conn.execute(text("SELECT 1 FROM articles WHERE article_id = :a FOR UPDATE"), {"a": article.article_id})
        head = await conn.scalar(text("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = :s"),
                                 {"s": stream})
        data = {"article_id": str(article.article_id), "party": actor.party, "helpful": helpful,
                "incident_id": incident_id}
        for stored in await self.store.append(conn, stream, head,
                                              [NewEvent("village.knowledge.feedback_given.v1", data)], meta):
            await projection.project(conn, stored)


# Who is on an incident comes from what the incident's events say of it (opened: its customer,
# partner and provider; a collaborator invited or revoked), never from an event's audience: the
# revocation itself takes the partner off, so nothing of the incident reaches it from then on.
# An incident first met after its opening starts from that event's audience.
_UPSERT_INCIDENT = text(
    "INSERT INTO incidents (incident_id, parties, customer, partner, provider, title, description, product, status)"
    " VALUES (:i, :parties, :customer, :partner, :provider, :title, :description, :product, :status)"
    " ON CONFLICT (incident_id) DO UPDATE SET"
    " parties = CASE WHEN :opened THEN excluded.parties"
    "   WHEN CAST(:joined AS text) IS NOT NULL THEN array_append(array_remove(incidents.parties, :joined), :joined)"
    "   WHEN CAST(:left AS text) IS NOT NULL THEN array_remove(incidents.parties, :left)"
    "   ELSE incidents.parties END,"
    " customer = coalesce(excluded.customer, incidents.customer),"
    " partner = coalesce(excluded.partner, incidents.partner),"
    " provider = coalesce(excluded.provider, incidents.provider), title = coalesce(excluded.title, incidents.title),"
    " description = coalesce(excluded.description, incidents.description),"
    " product = coalesce(excluded.product, incidents.product), status = coalesce(excluded.status, incidents.status)"
)
_STATUS = {"resolved": "resolved", "closed": "closed", "reopened": "reopened", "cancelled": "cancelled",
           "opened": "new"}


async def record_incident_fact(conn: AsyncConnection, event: ConsumedEvent) -> None:
    """The incident read model: who is on it, the opening's facts, shared notes.
    Decides nothing: the rebuild replays exactly this."""
    name, data = event.type.split(".")[2], event.data
    opened = data if name == "opened" else {}
    members = [opened[k] for k in ("customer", "partner", "provider") if opened.get(k)] if opened else event.parties
    await conn.execute(_UPSERT_INCIDENT, {
        "i": event.stream_id, "parties": sorted(set(members)), "customer": opened.get("customer"),
        "partner": opened.get("partner"), "provider": opened.get("provider"), "title": opened.get("title"),
        "description": opened.get("description"), "product": opened.get("product"), "status": _STATUS.get(name),
        "opened": bool(opened), "joined": data.get("partner") if name == "collaborator_invited" else None,
        "left": data.get("partner") if name == "collaborator_revoked" else None})
    if name in ("note_added", "note_edited"):
        if data.get("note_visibility") == "shared" and event.visibility == "shared":
            await conn.execute(text(
                "INSERT INTO shared_notes (incident_id, note_id, body) VALUES (:i, :n, :b)"
                " ON CONFLICT (incident_id, note_id) DO UPDATE SET body = excluded.body"),
                {"i": event.stream_id, "n": data["note_id"], "b": data["body"]})
        else:  # never keep a note that is not shared (nor an older shared text of it)
            await conn.execute(text("DELETE FROM shared_notes WHERE incident_id = :i AND note_id = :n"),
                               {"i": event.stream_id, "n": data["note_id"]})
    elif name == "note_deleted":
        await conn.execute(text("DELETE FROM shared_notes WHERE incident_id = :i AND note_id = :n"),
                           {"i": event.stream_id, "n": data["note_id"]})
