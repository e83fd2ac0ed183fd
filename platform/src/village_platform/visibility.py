"""THE RULE every consumer that serves parties applies to an event's visibility attributes, as
they travel on a topic.

Party P of kind K may see an event iff P is in `parties` and the event is `shared`, or
`restricted` and K is a provider or a partner, or `internal` and P is the `actorparty` (the author's
party). Anything else, including an unknown visibility, is not seen: a consumer that passes
events on errs on the side of saying less.
"""

from __future__ import annotations

from typing import Any, Mapping

from .eventstore import visible_to

VISIBILITIES = ("internal", "restricted", "shared")


def audience(parties: Any) -> frozenset[str]:
    """`parties` as a set, whether the CloudEvent's space-separated string or a list."""
    if parties is None:
        return frozenset()
    if isinstance(parties, str):
        return frozenset(parties.split())
    return frozenset(str(p) for p in parties)


def may_see(attributes: Mapping[str, Any], party: str, kind: str) -> bool:
    """`attributes`: the CloudEvent's `visibility`, `parties` and `actorparty`. The rule itself is
    the event store's (`eventstore.visible_to`, the twin of the feed's SQL filter); an event on a
    topic with no known visibility is not passed on at all."""
    visibility = attributes.get("visibility")
    if visibility not in VISIBILITIES:
        return False
    return visible_to({"visibility": visibility, "parties": audience(attributes.get("parties")),
                       "actor_party": attributes.get("actorparty")}, party, kind)
