"""Knowledge events: past tense, plain values, in the platform's one envelope. Their data is what
goes on `village.knowledge.v1` (schemas/events/village.knowledge.<name>.v1.json describes each).

Every stored knowledge event is read back through `CATALOG` (`catalog()`), which upcasts an old
shape to the current one before it becomes a typed value: when an event's shape changes, its new
class gets the next VERSION and `UPCASTERS` gets the old type's converter; stored events are
never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from village_platform.envelope import Event, EventCatalog, Upcaster


@dataclass(frozen=True)
class KnowledgeEvent(Event):
    FAMILY: ClassVar[str] = "knowledge"


# ------------------------------------------------------------------ an article's stream


@dataclass(frozen=True)
class ArticleDrafted(KnowledgeEvent):
    NAME = "article_drafted"
    article_id: str
    author_party: str
    provider: str
    version: int
    content: dict[str, Any]


@dataclass(frozen=True)
class DraftProposed(KnowledgeEvent):
    """A draft from a resolved incident, for the party that resolved it."""

    NAME = "draft_proposed"
    article_id: str
    author_party: str
    provider: str
    version: int
    content: dict[str, Any]
    incident_id: str
    resolution_code: str


@dataclass(frozen=True)
class ArticleRevised(KnowledgeEvent):
    NAME = "article_revised"
    article_id: str
    version: int
    content: dict[str, Any]


@dataclass(frozen=True)
class ArticleSubmitted(KnowledgeEvent):
    NAME = "article_submitted"
    article_id: str
    version: int


@dataclass(frozen=True)
class ArticlePublished(KnowledgeEvent):
    NAME = "article_published"
    article_id: str
    version: int
    author_party: str
    provider: str
    content: dict[str, Any]


@dataclass(frozen=True)
class ArticleRejected(KnowledgeEvent):
    NAME = "article_rejected"
    article_id: str
    version: int
    reason: str


@dataclass(frozen=True)
class ArticleRetired(KnowledgeEvent):
    NAME = "article_retired"
    article_id: str
    reason: str | None


ArticleEvent = (
    ArticleDrafted
    | DraftProposed
    | ArticleRevised
    | ArticleSubmitted
    | ArticlePublished
    | ArticleRejected
    | ArticleRetired
)


# ------------------------------------------------------------------ an incident's stream


@dataclass(frozen=True)
class SuggestionsMade(KnowledgeEvent):
    """The suggested articles of one audience (`articles`: article_id, title, score, rank)."""

    NAME = "suggestions_made"
    incident_id: str
    audience: str
    articles: list[dict[str, Any]]


@dataclass(frozen=True)
class ArticleLinked(KnowledgeEvent):
    NAME = "article_linked"
    incident_id: str
    article_id: str
    title: str
    party: str


@dataclass(frozen=True)
class ArticleUnlinked(KnowledgeEvent):
    NAME = "article_unlinked"
    incident_id: str
    article_id: str
    party: str


@dataclass(frozen=True)
class IncidentSolved(KnowledgeEvent):
    NAME = "incident_solved"
    incident_id: str
    article_id: str
    resolution_code: str


# ------------------------------------------------------------------ an article's feedback stream


@dataclass(frozen=True)
class FeedbackGiven(KnowledgeEvent):
    NAME = "feedback_given"
    article_id: str
    party: str
    helpful: bool
    incident_id: str | None


EVENTS: tuple[type[KnowledgeEvent], ...] = (
    ArticleDrafted,
    DraftProposed,
    ArticleRevised,
    ArticleSubmitted,
    ArticlePublished,
    ArticleRejected,
    ArticleRetired,
    SuggestionsMade,
    ArticleLinked,
    ArticleUnlinked,
    IncidentSolved,
    FeedbackGiven,
)

# Old type -> its converter to the next shape (every knowledge event is at its first version).
UPCASTERS: dict[str, Upcaster] = {}


def catalog() -> EventCatalog:
    """Every knowledge event type, with the upcasters of the shapes they replaced."""
    found = EventCatalog(EVENTS)
    for old_type, convert in UPCASTERS.items():
        found.upcaster(old_type, convert)
    return found


CATALOG = catalog()
