"""Who may read what: THE RULE of every Village topic applied to articles.

A party P of kind K sees an event iff P is in `parties` and (visibility is shared, or restricted
and K is not a customer, or internal and P is the actor's party). Article audiences map onto it
so that any consumer (the webhook dispatcher included) filters knowledge events like every other
topic's:

* an article's events while it is a draft, in review or retired: the author's party and the
  provider, `restricted` (never a customer);
* its `published` event: `provider` audience -> the provider alone, `internal`, actor the
  provider; `partners` -> the provider and all its partners, `restricted`; `public` -> those and
  the partners' customers, `shared`;
* events about an incident (suggestions, links, solves) carry only articles of one audience:
  public ones in a `shared` event, partners' in a `restricted` one, provider-only ones in an
  `internal` one of the provider; `parties` = the incident's parties that audience reaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from village_platform.egress import describe

VISIBILITY = {"public": "shared", "partners": "restricted", "provider": "internal"}

Directory = Mapping[str, Mapping[str, Any]]


def readers(audience: str, provider: str, directory: Directory) -> list[str]:
    """Every party that may read a published article of `provider` with `audience`."""
    found = {provider}
    if audience in ("partners", "public"):
        partners = {
            p
            for p, e in directory.items()
            if e.get("kind") == "partner" and e.get("provider") == provider
        }
        found |= partners
        if audience == "public":
            found |= {
                p
                for p, e in directory.items()
                if e.get("kind") == "customer" and e.get("partner") in partners
            }
    return sorted(found)


def article_metadata(
    name: str,
    data: Mapping[str, Any],
    author_party: str,
    provider: str,
    directory: Directory | None,
) -> dict[str, Any]:
    """`parties`, `visibility` and `actor_party` of an article event."""
    if name == "article_published":
        audience = data["content"]["audience"]
        # provider-only: `internal` to the provider, its actor
        return describe(
            parties=readers(audience, provider, directory or {}),
            visibility=VISIBILITY[audience],
            provider=provider,
            actor_party=provider if audience == "provider" else None,
        )
    return describe(parties={author_party, provider}, visibility="restricted", provider=provider)


def incident_metadata(
    audience: str, incident_parties: Iterable[str], customer: str | None, provider: str
) -> dict[str, Any]:
    """`parties`, `visibility` (and for provider-only articles `actor_party`) of an event about an
    incident carrying articles of one audience."""
    parties = set(incident_parties)
    if audience == "provider":
        return describe(
            parties=[provider], visibility="internal", provider=provider, actor_party=provider
        )
    if audience == "partners":
        parties.discard(customer)
    return describe(parties=parties, visibility=VISIBILITY[audience], provider=provider)


def audiences_for(kind: str) -> tuple[str, ...]:
    """The audiences a party of `kind` reads (of its own provider's articles)."""
    return {
        "provider": ("provider", "partners", "public"),
        "service": ("provider", "partners", "public"),
        "partner": ("partners", "public"),
    }.get(kind, ("public",))


def provider_of(party: str, kind: str, directory: Directory) -> str | None:
    """Whose knowledge base a party reads: the provider's own, a partner's provider, a customer's
    partner's provider."""
    if kind == "provider":
        return party
    entry = directory.get(party) or {}
    if kind == "partner":
        return entry.get("provider")
    if kind == "customer":
        return (directory.get(entry.get("partner") or "") or {}).get("provider")
    return None
