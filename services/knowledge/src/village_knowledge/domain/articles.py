"""The article aggregate as pure functions: `decide(state, command, actor) -> events` and
`evolve(state, event) -> state`, over the typed events of domain/events.py. No I/O: the handlers
load the stream (`from_stored`: through the event catalog, old versions upcast), decide, append.

Lifecycle: draft -> in_review -> published -> retired; a rejection sends it back to draft. A
revision (a new content version) of an article is a draft again: readers keep seeing the
published version until the new one is published. Partners' articles always go through review
by the provider's reviewers; the provider's own are published by its reviewers directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from village_platform.envelope import EventCatalog
from village_platform.errors import DomainError

from .commands import (
    Actor,
    Command,
    Content,
    Draft,
    ProposeFromIncident,
    Publish,
    Reject,
    Retire,
    Revise,
    Submit,
)
from .events import (
    CATALOG,
    ArticleDrafted,
    ArticleEvent,
    ArticlePublished,
    ArticleRejected,
    ArticleRetired,
    ArticleRevised,
    ArticleSubmitted,
    DraftProposed,
)


@dataclass(frozen=True)
class Article:
    article_id: str
    author_party: str
    provider: str
    status: str = "draft"
    version: int = 1
    content: Content | None = None
    published_version: int | None = None
    published: Content | None = None
    origin_incident: str | None = None
    stream_version: int = 0
    versions: dict[int, Content] = field(default_factory=dict)

    @property
    def readable(self) -> bool:
        """Readers other than the author and the provider see it."""
        return self.status != "retired" and self.published is not None


# --------------------------------------------------------------------------- commands


def manages(state: Article, actor: Actor) -> bool:
    """The author's party and the provider see and work an article in every status."""
    return actor.kind == "service" or actor.party in (state.author_party, state.provider)


def _check_audience(content: Content, author_kind: str) -> None:
    if content.audience == "provider" and author_kind != "provider":
        raise DomainError(
            422, "invalid-audience", "only the provider writes provider-only articles"
        )


def _reviewing(state: Article, actor: Actor, what: str) -> None:
    if not actor.reviewer or actor.party != state.provider:
        raise DomainError.forbidden(f"the provider's reviewers (role reviewer or admin) {what}")


def decide(state: Article | None, command: Command, actor: Actor) -> list[ArticleEvent]:
    """The events `command` of `actor` makes of the article (none: nothing to do)."""
    if isinstance(command, Draft):
        return _draft(state, command, actor)
    if isinstance(command, ProposeFromIncident):
        return _propose(state, command)
    if state is None or not manages(state, actor):
        raise DomainError.not_found("no such article")
    return _CHANGES[type(command)](state, command, actor)


def _draft(state: Article | None, command: Draft, actor: Actor) -> list[ArticleEvent]:
    if state is not None:
        raise DomainError(409, "exists", "the article exists already")
    if actor.kind not in ("provider", "partner"):
        raise DomainError.forbidden("articles are written by the provider and its partners")
    _check_audience(command.content, actor.kind)
    return [
        ArticleDrafted(
            command.article_id, actor.party, command.provider, 1, command.content.to_data()
        )
    ]


def _propose(state: Article | None, command: ProposeFromIncident) -> list[ArticleEvent]:
    if state is not None:
        return []  # proposed already (a replayed resolution)
    return [
        DraftProposed(
            command.article_id,
            command.author_party,
            command.provider,
            1,
            command.content.to_data(),
            command.incident_id,
            command.resolution_code,
        )
    ]


def _revise(state: Article, command: Revise, actor: Actor) -> list[ArticleEvent]:
    if state.status == "retired":
        raise DomainError.conflict("a retired article is not revised")
    if actor.party != state.author_party and not actor.reviewer:
        raise DomainError.forbidden(
            "the author's party (or a provider reviewer) revises an article"
        )
    _check_audience(
        command.content, "provider" if state.author_party == state.provider else "partner"
    )
    return [ArticleRevised(state.article_id, state.version + 1, command.content.to_data())]


def _submit(state: Article, command: Submit, actor: Actor) -> list[ArticleEvent]:
    if state.status != "draft":
        raise DomainError.conflict(f"cannot submit an article that is {state.status}")
    if actor.party != state.author_party:
        raise DomainError.forbidden("the author's party submits an article for review")
    return [ArticleSubmitted(state.article_id, state.version)]


def _publish(state: Article, command: Publish, actor: Actor) -> list[ArticleEvent]:
    _reviewing(state, actor, "publish")
    partner_authored = state.author_party != state.provider
    allowed = ("in_review",) if partner_authored else ("draft", "in_review")
    if state.status not in allowed:
        raise DomainError.conflict(
            f"cannot publish an article that is {state.status}"
            + (" (a partner's article is submitted for review first)" if partner_authored else "")
        )
    assert state.content is not None
    return [
        ArticlePublished(
            state.article_id,
            state.version,
            state.author_party,
            state.provider,
            state.content.to_data(),
        )
    ]


def _reject(state: Article, command: Reject, actor: Actor) -> list[ArticleEvent]:
    _reviewing(state, actor, "reject")
    if state.status != "in_review":
        raise DomainError.conflict(f"cannot reject an article that is {state.status}")
    return [ArticleRejected(state.article_id, state.version, command.reason)]


def _retire(state: Article, command: Retire, actor: Actor) -> list[ArticleEvent]:
    if state.status == "retired":
        raise DomainError.conflict("the article is retired already")
    if actor.party != state.author_party and not actor.reviewer:
        raise DomainError.forbidden("the author's party or a provider reviewer retires an article")
    return [ArticleRetired(state.article_id, command.reason)]


# What each command does to an article that exists and that its actor manages.
_CHANGES: dict[type, Callable[[Article, Any, Actor], list[ArticleEvent]]] = {
    Revise: _revise,
    Submit: _submit,
    Publish: _publish,
    Reject: _reject,
    Retire: _retire,
}


def evolve(state: Article | None, event: ArticleEvent) -> Article:
    """The article after `event` (a new value: `state` is left as it was)."""
    if isinstance(event, (ArticleDrafted, DraftProposed)):
        content = Content.from_data(event.content)
        return Article(
            event.article_id,
            event.author_party,
            event.provider,
            content=content,
            origin_incident=getattr(event, "incident_id", None),
            stream_version=1,
            versions={1: content},
        )
    assert state is not None, event.type
    state = replace(state, stream_version=state.stream_version + 1)
    if isinstance(event, ArticleRevised):
        content = Content.from_data(event.content)
        return replace(
            state,
            status="draft",
            version=event.version,
            content=content,
            versions={**state.versions, event.version: content},
        )
    if isinstance(event, ArticlePublished):
        return replace(
            state,
            status="published",
            published_version=event.version,
            published=Content.from_data(event.content),
        )
    return replace(state, status=_STATUS_AFTER.get(type(event), state.status))


_STATUS_AFTER: dict[type, str] = {
    ArticleSubmitted: "in_review",
    ArticleRejected: "draft",
    ArticleRetired: "retired",
}


def fold(events: Iterable[ArticleEvent], state: Article | None = None) -> Article | None:
    """The article after `events`, from `state` (None: from the beginning)."""
    for event in events:
        state = evolve(state, event)
    return state


def from_stored(stored: Iterable[Any], catalog: EventCatalog = CATALOG) -> Article | None:
    """The article from its stored events (anything with `type` and `data`), each read through
    the catalog: an old version is upcast to the current one first."""
    return fold(catalog.load(e.type, e.data) for e in stored)  # type: ignore[misc]
