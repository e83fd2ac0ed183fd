"""THE egress rule: what a recipient may see of an event, decided here and nowhere else.

Producers only describe an event, in its metadata: who is in its `parties` (everyone on the
incident, article or contract when it happened), its `visibility`, who acted (`actor_party`),
whose provider's tooling channel it belongs to (`provider`), and, for events that must not
travel whole where they may not be seen, which data fields make up the bare `fact` and whether
the rest is `sealed` (never leaves the owning service except to its audience).

Every egress asks this module: REST reads and lists, every `/events` feed (the SQL twin below,
applied before `LIMIT`), webhook payloads, the topics, views built by other services.

* A party P of kind K sees an event iff P is in `parties` and the event is `shared`, or
  `restricted` and K is a provider or a partner, or `internal` and P is the actor's party.
  Anything else, an unknown visibility included, is not seen (a channel errs on saying less).
* What leaves for a party names no other party it may not know of: the outbound `parties` is
  the recipient alone (who else is on an incident is the incident view's to say), and a data
  field the producer `narrowed` to fewer parties than the event's audience (the middle of an
  incident's chain, which its customer is not told) leaves only for those parties.
* The topics are the provider's tooling channel: an event the provider may not see travels
  there as its bare fact (the `fact` fields of its data, `redacted`), so that every stream's
  sequence stays whole for consumers; services reading a feed get the same for `sealed` events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

VISIBILITIES = ("internal", "restricted", "shared")
WORKING_KINDS = ("provider", "partner")
SERVICE = "service"

# Metadata keys that describe the event to the egress rule and never leave towards a party.
_DESCRIPTIVE = ("parties", "provider", "fact", "sealed", "narrowed")


class Share(StrEnum):
    """What a recipient gets of an event on a channel."""

    VISIBLE = "visible"
    REDACTED = "redacted"  # the bare fact: the event happened, its ids, nothing confidential
    ABSENT = "absent"


@dataclass(frozen=True)
class Recipient:
    party: str
    kind: str  # provider, partner, customer, or service (another Village service)

    @property
    def is_service(self) -> bool:
        return self.kind == SERVICE


def audience(parties: Any) -> frozenset[str]:
    """`parties` as a set, whether a list (stored metadata) or a space-separated string (the
    CloudEvent attribute)."""
    if parties is None:
        return frozenset()
    if isinstance(parties, str):
        return frozenset(parties.split())
    return frozenset(str(p) for p in parties)


def describe(
    *,
    parties: Iterable[str],
    visibility: str = "shared",
    provider: str | None = None,
    actor_party: str | None = None,
    fact: Iterable[str] | None = None,
    sealed: bool = False,
    narrowed: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """An event's description for the egress rule, as producers put it in its metadata.
    `provider`: whose tooling channel (topic) the event belongs to; None for one no provider may
    see whole (a partner's contract with its customer). `narrowed`: data fields with a narrower
    audience than the event's, each with the parties that may have it."""
    meta: dict[str, Any] = {
        "parties": sorted(set(parties)),
        "visibility": visibility,
        "provider": provider,
    }
    if actor_party is not None:
        meta["actor_party"] = actor_party
    if fact is not None:
        meta["fact"] = list(fact)
    if sealed:
        meta["sealed"] = True
    if narrowed:
        meta["narrowed"] = {name: sorted(set(who)) for name, who in sorted(narrowed.items())}
    return meta


def sees(meta: Mapping[str, Any], party: str, kind: str) -> bool:
    """THE RULE, for a party (the Python twin of `VISIBLE_SQL`)."""
    if party not in audience(meta.get("parties")):
        return False
    visibility = meta.get("visibility", "shared")
    if visibility == "shared":
        return True
    if visibility == "restricted":
        return kind in WORKING_KINDS
    if visibility == "internal":
        return bool(party) and meta.get("actor_party") == party
    return False


def provider_sees(meta: Mapping[str, Any]) -> bool:
    """Whether the provider whose tooling channel the event belongs to may see it. Events stored
    before they named their provider: all but another kind's internal ones."""
    if "provider" not in meta:
        return meta.get("visibility") != "internal" or meta.get("actor_kind") == "provider"
    provider = meta["provider"]
    return bool(provider) and sees(meta, provider, "provider")


def share(meta: Mapping[str, Any], recipient: Recipient) -> Share:
    """What `recipient` gets of an event with metadata `meta` (on a feed, REST or webhook)."""
    if recipient.is_service:
        return Share.REDACTED if meta.get("sealed") and not provider_sees(meta) else Share.VISIBLE
    return Share.VISIBLE if sees(meta, recipient.party, recipient.kind) else Share.ABSENT


def topic_share(meta: Mapping[str, Any]) -> Share:
    """What the topic (the provider's tooling channel) carries of an event."""
    return Share.VISIBLE if provider_sees(meta) else Share.REDACTED


def fact_of(data: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The bare fact of an event: only the data fields its producer named as such."""
    keep = meta.get("fact") or ()
    return {k: data[k] for k in keep if k in data}


def narrow(data: Mapping[str, Any], meta: Mapping[str, Any], party: str) -> dict[str, Any]:
    """The data without the fields `narrowed` to an audience `party` is not in."""
    narrowed = meta.get("narrowed") or {}
    return {k: v for k, v in data.items() if k not in narrowed or party in narrowed[k]}


def outbound_metadata(
    meta: Mapping[str, Any], recipient: Recipient, *, redacted: bool = False
) -> dict[str, Any]:
    """The metadata as it leaves for `recipient`: for a party, without the description of who
    else may see the event (`parties` names the recipient alone)."""
    if recipient.is_service:
        out = dict(meta)
    else:
        out = {k: v for k, v in meta.items() if k not in _DESCRIPTIVE}
        out["parties"] = [recipient.party]
    if redacted:
        out["redacted"] = True
    return out


def for_recipient(
    data: Mapping[str, Any], meta: Mapping[str, Any], recipient: Recipient
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(data, metadata) of an event as `recipient` may have it, or None when it is absent."""
    decision = share(meta, recipient)
    if decision is Share.ABSENT:
        return None
    redacted = decision is Share.REDACTED
    if redacted:
        shown = fact_of(data, meta)
    elif recipient.is_service:  # Village's own services read the whole event
        shown = dict(data)
    else:
        shown = narrow(data, meta, recipient.party)
    return shown, outbound_metadata(meta, recipient, redacted=redacted)


@dataclass(frozen=True)
class OnTopic:
    """An event's data and metadata as the topic carries them."""

    data: dict[str, Any]
    metadata: dict[str, Any]
    redacted: bool


def for_topic(data: Mapping[str, Any], meta: Mapping[str, Any]) -> OnTopic:
    """The provider's tooling channel: what its provider may see. An event missing a narrowed
    field the provider may not have is `redacted` too, so services read it whole from the
    owner's feed."""
    if topic_share(meta) is Share.VISIBLE:
        shown = narrow(data, meta, meta.get("provider") or "")
        whole = len(shown) == len(data)
        return OnTopic(shown, dict(meta) if whole else {**meta, "redacted": True}, not whole)
    return OnTopic(fact_of(data, meta), {**meta, "redacted": True}, True)


# The SQL twin of `sees`, over an events table's `metadata` column: `:party`, and `:customer`
# true unless the party is a provider or a partner. A GIN index on `metadata->'parties'` serves
# the `?` test, so a feed filters before its LIMIT without scanning what others produce.
VISIBLE_SQL = (
    "(metadata->'parties' ? :party AND ("
    " coalesce(metadata->>'visibility', 'shared') = 'shared'"
    " OR (metadata->>'visibility' = 'restricted' AND NOT :customer)"
    " OR (metadata->>'visibility' = 'internal' AND metadata->>'actor_party' = :party)))"
)


# What a service reads of an event on a feed: the event, or for a sealed one the provider may not
# see, its bare fact (the twin of `share` for services, as a jsonb expression over `data`).
_PROVIDER_SEES_SQL = (
    "(CASE WHEN metadata ? 'provider' THEN (coalesce(metadata->>'provider', '') <> ''"
    " AND metadata->'parties' ? (metadata->>'provider') AND ("
    " coalesce(metadata->>'visibility', 'shared') IN ('shared', 'restricted')"
    " OR (metadata->>'visibility' = 'internal'"
    " AND metadata->>'actor_party' = metadata->>'provider')))"
    " ELSE (coalesce(metadata->>'visibility', 'shared') <> 'internal'"
    " OR metadata->>'actor_kind' = 'provider') END)"
)
SERVICE_DATA_SQL = (
    "(CASE WHEN coalesce((metadata->>'sealed')::boolean, false) AND NOT "
    + _PROVIDER_SEES_SQL
    + " THEN (SELECT coalesce(jsonb_object_agg(f.key, f.value), '{}'::jsonb)"
    " FROM jsonb_each(data) AS f"
    " WHERE coalesce(metadata->'fact', '[]'::jsonb) ? f.key) ELSE data END)"
)
SERVICE_METADATA_SQL = (
    "(CASE WHEN coalesce((metadata->>'sealed')::boolean, false) AND NOT "
    + _PROVIDER_SEES_SQL
    + " THEN metadata || '{\"redacted\": true}'::jsonb ELSE metadata END)"
)


def sql_params(recipient: Recipient) -> dict[str, Any]:
    # An unknown kind sees no more than a customer would.
    return {"party": recipient.party, "customer": recipient.kind not in WORKING_KINDS}


__all__ = [
    "OnTopic",
    "Recipient",
    "SERVICE",
    "SERVICE_DATA_SQL",
    "SERVICE_METADATA_SQL",
    "Share",
    "VISIBILITIES",
    "VISIBLE_SQL",
    "audience",
    "describe",
    "fact_of",
    "for_recipient",
    "narrow",
    "for_topic",
    "outbound_metadata",
    "provider_sees",
    "sees",
    "share",
    "sql_params",
    "topic_share",
]
