"""The article aggregate as pure functions: `decide(state, command, actor) -> events` and
`evolve(state, event) -> state`. No I/O: the handlers load the stream, decide, append.

Lifecycle: draft -> in_review -> published -> retired; a rejection sends it back to draft. A
revision (a new content version) of an article is a draft again: readers keep seeing the
published version until the new one is published. Partners' articles always go through review
by the provider's reviewers; the provider's own are published by its reviewers directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Audience = Literal["provider", "partners", "public"]
AUDIENCES = ("provider", "partners", "public")
REVIEWER_ROLES = frozenset({"admin", "reviewer"})
PREFIX = "village.knowledge."


class DomainError(Exception):
    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail


@dataclass(frozen=True)
class Actor:
    party: str
    kind: str  # provider | partner | customer | service
    user: str
    roles: frozenset[str] = frozenset()

    @property
    def reviewer(self) -> bool:
        return self.kind == "provider" and bool(self.roles & REVIEWER_ROLES)


@dataclass(frozen=True)
class Content:
    title: str
    body: str
    audience: Audience
    products: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    resolution_steps: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {"title": self.title, "body": self.body, "audience": self.audience, "products": list(self.products),
                "tags": list(self.tags), "symptoms": list(self.symptoms),
                "resolution_steps": list(self.resolution_steps)}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "Content":
        return cls(title=data["title"], body=data["body"], audience=data["audience"],
                   products=tuple(data.get("products", ())), tags=tuple(data.get("tags", ())),
                   symptoms=tuple(data.get("symptoms", ())), resolution_steps=tuple(data.get("resolution_steps", ())))


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return f"{PREFIX}{self.name}.v1"


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


@dataclass(frozen=True)
class Draft:
    article_id: str
    content: Content
    provider: str  # the author's provider (the provider itself for the provider)


@dataclass(frozen=True)
class ProposeFromIncident:
    article_id: str
    content: Content
    provider: str
    author_party: str
    incident_id: str
    resolution_code: str


@dataclass(frozen=True)
class Revise:
    content: Content


@dataclass(frozen=True)
class Submit:
    pass


@dataclass(frozen=True)
class Publish:
    pass


@dataclass(frozen=True)
class Reject:
    reason: str


@dataclass(frozen=True)
class Retire:
    reason: str | None = None


Command = Draft | ProposeFromIncident | Revise | Submit | Publish | Reject | Retire


def manages(state: Article, actor: Actor) -> bool:
    """The author's party and the provider see and work an article in every status."""
    return actor.kind == "service" or actor.party in (state.author_party, state.provider)


def _check_audience(content: Content, author_kind: str) -> None:
    if content.audience == "provider" and author_kind != "provider":
        raise DomainError(422, "invalid-audience", "only the provider writes provider-only articles")


def decide(state: Article | None, command: Command, actor: Actor) -> list[Event]:
    if isinstance(command, Draft):
        if state is not None:
            raise DomainError(409, "exists", "the article exists already")
        if actor.kind not in ("provider", "partner"):
            raise DomainError(403, "forbidden", "articles are written by the provider and its partners")
        _check_audience(command.content, actor.kind)
        return [Event("article_drafted", {"article_id": command.article_id, "author_party": actor.party,
                                          "provider": command.provider, "version": 1,
                                          "content": command.content.to_data()})]
    if isinstance(command, ProposeFromIncident):
        if state is not None:
            return []  # proposed already (a replayed resolution)
        return [Event("draft_proposed", {"article_id": command.article_id, "author_party": command.author_party,
                                         "provider": command.provider, "version": 1,
                                         "content": command.content.to_data(), "incident_id": command.incident_id,
                                         "resolution_code": command.resolution_code})]
    if state is None or not manages(state, actor):
        raise DomainError(404, "not-found", "no such article")
    aid = state.article_id
    if isinstance(command, Revise):
        if state.status == "retired":
            raise DomainError(409, "invalid-transition", "a retired article is not revised")
        if actor.party != state.author_party and not actor.reviewer:
            raise DomainError(403, "forbidden", "the author's party (or a provider reviewer) revises an article")
        _check_audience(command.content, "provider" if state.author_party == state.provider else "partner")
        return [Event("article_revised", {"article_id": aid, "version": state.version + 1,
                                          "content": command.content.to_data()})]
    if isinstance(command, Submit):
        if state.status != "draft":
            raise DomainError(409, "invalid-transition", f"cannot submit an article that is {state.status}")
        if actor.party != state.author_party:
            raise DomainError(403, "forbidden", "the author's party submits an article for review")
        return [Event("article_submitted", {"article_id": aid, "version": state.version})]
    if isinstance(command, Publish):
        if not actor.reviewer or actor.party != state.provider:
            raise DomainError(403, "forbidden", "the provider's reviewers (role reviewer or admin) publish")
        partner_authored = state.author_party != state.provider
        allowed = ("in_review",) if partner_authored else ("draft", "in_review")
        if state.status not in allowed:
            raise DomainError(409, "invalid-transition", f"cannot publish an article that is {state.status}"
                              + (" (a partner's article is submitted for review first)" if partner_authored else ""))
        assert state.content is not None
        return [Event("article_published", {"article_id": aid, "version": state.version,
                                            "author_party": state.author_party, "provider": state.provider,
                                            "content": state.content.to_data()})]
    if isinstance(command, Reject):
        if not actor.reviewer or actor.party != state.provider:
            raise DomainError(403, "forbidden", "the provider's reviewers (role reviewer or admin) reject")
        if state.status != "in_review":
            raise DomainError(409, "invalid-transition", f"cannot reject an article that is {state.status}")
        return [Event("article_rejected", {"article_id": aid, "version": state.version, "reason": command.reason})]
    if isinstance(command, Retire):
        if state.status == "retired":
            raise DomainError(409, "invalid-transition", "the article is retired already")
        if actor.party != state.author_party and not actor.reviewer:
            raise DomainError(403, "forbidden", "the author's party or a provider reviewer retires an article")
        return [Event("article_retired", {"article_id": aid, "reason": command.reason})]
    raise TypeError(command)


def evolve(state: Article | None, name: str, data: dict[str, Any]) -> Article:
    if name in ("article_drafted", "draft_proposed"):
        content = Content.from_data(data["content"])
        return Article(data["article_id"], data["author_party"], data["provider"], content=content,
                       origin_incident=data.get("incident_id"), stream_version=1, versions={1: content})
    assert state is not None, name
    state = replace(state, stream_version=state.stream_version + 1)
    if name == "article_revised":
        content = Content.from_data(data["content"])
        return replace(state, status="draft", version=data["version"], content=content,
                       versions={**state.versions, data["version"]: content})
    if name == "article_submitted":
        return replace(state, status="in_review")
    if name == "article_published":
        return replace(state, status="published", published_version=data["version"],
                       published=Content.from_data(data["content"]))
    if name == "article_rejected":
        return replace(state, status="draft")
    if name == "article_retired":
        return replace(state, status="retired")
    return state


def fold(events: list[tuple[str, dict[str, Any]]]) -> Article | None:
    state: Article | None = None
    for name, data in events:
        state = evolve(state, name, data)
    return state
