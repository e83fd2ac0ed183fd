"""What may be asked of an article, and by whom: commands (imperative, plain values), the
content an article carries in each version and the actor asking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Audience = Literal["provider", "partners", "public"]
AUDIENCES = ("provider", "partners", "public")
REVIEWER_ROLES = frozenset({"admin", "reviewer"})


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
        return {
            "title": self.title,
            "body": self.body,
            "audience": self.audience,
            "products": list(self.products),
            "tags": list(self.tags),
            "symptoms": list(self.symptoms),
            "resolution_steps": list(self.resolution_steps),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Content:
        return cls(
            title=data["title"],
            body=data["body"],
            audience=data["audience"],
            products=tuple(data.get("products", ())),
            tags=tuple(data.get("tags", ())),
            symptoms=tuple(data.get("symptoms", ())),
            resolution_steps=tuple(data.get("resolution_steps", ())),
        )


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
