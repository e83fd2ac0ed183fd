"""THE RULE every consumer that serves parties applies to an event's visibility attributes.

Party P of kind K may see an event iff P is in `parties` and the event is `shared`, or
`restricted` and K is not a customer, or `internal` and P is the `actorparty` (the author's
party). Anything else, including an unknown visibility, is not seen: a consumer that passes
events on errs on the side of saying less.
"""

from __future__ import annotations

from typing import Any, Mapping

VISIBILITIES = ("internal", "restricted", "shared")


def audience(parties: Any) -> frozenset[str]:
    """`parties` as a set, whether the CloudEvent's space-separated string or a list."""
    if parties is None:
        return frozenset()
    if isinstance(parties, str):
        return frozenset(parties.split())
    return frozenset(str(p) for p in parties)


def may_see(attributes: Mapping[str, Any], party: str, kind: str) -> bool:
    """`attributes`: the CloudEvent's `visibility`, `parties` and `actorparty`."""
    if party not in audience(attributes.get("parties")):
        return False
    visibility = attributes.get("visibility")
    if visibility == "shared":
        return True
    if visibility == "restricted":
        return kind != "customer"
    if visibility == "internal":
        return bool(party) and attributes.get("actorparty") == party
    return False
