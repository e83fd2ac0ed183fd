"""Who may read what: THE RULE of every Village topic applied to articles.

A party P of kind K sees an event iff P is in `parties` and (visibility is shared, or restricted
and K is not a customer, or internal and P is the actor's party). Article audiences map onto it
so that any consumer (the webhook dispatcher included) filters knowledge events like every other
topic's:

* an article's events while it is a draft, in review or retired: the author's party and the
  provider, `restricted` (never a customer);
* its `published` event: `provider` audience -> the provider alone, `internal`, actor the
  provider; `partners` -> the provider and the partners that buy from it (directly or through
  other suppliers: domain/supplies.py), `restricted`; `public` -> those and the customers that
  buy from it, `shared`. A partner that buys only another provider's products is not among them;
* events about an incident (suggestions, links, solves) carry only articles of one audience:
  public ones in a `shared` event, partners' in a `restricted` one, provider-only ones in an
  `internal` one of the provider; `parties` = the incident's parties that audience reaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from village_platform.egress import describe
from village_platform.errors import DomainError

from .supplies import Supply, legacy_supplies, suppliers_of

VISIBILITY = {"public": "shared", "partners": "restricted", "provider": "internal"}

Directory = Mapping[str, Mapping[str, Any]]


# The kinds of party besides the provider that each audience reaches (of those buying from it).
_REACHES = {"provider": (), "partners": ("partner",), "public": ("partner", "customer")}


def readers(
    audience: str,
    provider: str,
    directory: Directory,
    supplies: Iterable[Supply] | None = None,
) -> list[str]:
    """Every party that may read a published article of `provider` with `audience`: the
    directory's parties of the kinds it reaches that buy from `provider`. `supplies`: who buys
    from whom (None: what the directory's registration fields say)."""
    kinds = _REACHES.get(audience, ())
    web = list(supplies) if supplies is not None else legacy_supplies(directory)
    return sorted(
        {provider}
        | {
            p
            for p, e in directory.items()
            if e.get("kind") in kinds and provider in suppliers_of(p, web)
        }
    )


def article_metadata(
    name: str,
    data: Mapping[str, Any],
    author_party: str,
    provider: str,
    directory: Directory | None,
    supplies: Iterable[Supply] | None = None,
) -> dict[str, Any]:
    """`parties`, `visibility` and `actor_party` of an article event (`directory` and `supplies`:
    who reads a publication)."""
    if name == "article_published":
        audience = data["content"]["audience"]
        # provider-only: `internal` to the provider, its actor
        return describe(
            parties=readers(audience, provider, directory or {}, supplies),
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


def providers_of(party: str, kind: str, supplies: Iterable[Supply]) -> tuple[str, ...]:
    """Whose knowledge bases a party reads: a provider its own, a partner or a customer those of
    every party it buys from or through (only providers own articles)."""
    if kind == "provider":
        return (party,)
    return tuple(sorted(suppliers_of(party, supplies)))


def knowledge_base_for(
    party: str,
    kind: str,
    asked: str | None,
    directory: Directory,
    supplies: Iterable[Supply],
) -> str:
    """Whose knowledge base a draft of `party` is for: a provider's own; a partner's, the
    provider it names, which must be one it buys from (directly or through other suppliers:
    whose articles it reads), or without one, the only provider it buys from. Raises the
    DomainError to answer with (a partner of several vendors must say which)."""
    if kind == "provider":
        if asked not in (None, party):
            raise DomainError.invalid(
                "a provider drafts for its own knowledge base", "not-your-provider"
            )
        return party
    providers = [
        p
        for p in providers_of(party, kind, supplies)
        if (directory.get(p) or {}).get("kind") == "provider"
    ]
    if asked is not None:
        if asked not in providers:
            raise DomainError.invalid(
                f"{party} does not buy from {asked}: a draft is for the knowledge base of a"
                " provider it buys from",
                "not-your-provider",
            )
        return asked
    if not providers:
        raise DomainError.forbidden(f"{party} buys from no provider")
    if len(providers) > 1:
        raise DomainError.invalid(
            f"{party} buys from {', '.join(providers)}: name the provider whose knowledge base"
            " the draft is for (`provider`)",
            "provider-required",
        )
    return providers[0]
