"""Each provider's own tooling channel beside every bus topic: `village.<provider>.incidents.v1`
beside `village.incidents.v1` (each with the environment's KAFKA_TOPIC_PREFIX).

The bus topics are Village's internal channel, read by its own services. A provider's tooling is
granted only the prefix `<prefix>village.<provider>.` (a prefixed ACL), where the relay puts every
event that names that provider (relay.py), as the egress rule lets the topic carry it.

A provider id is a party id (letters, digits, `_ . : -`); a topic name allows letters, digits and
`. _ -`, and a `.` in the provider's part would put one provider's topics under another's prefix
(`village.acme.` covers `village.acme.eu.incidents.v1`). So the provider's part keeps letters,
digits and `-` and writes every other byte as `_` and two hex digits: no two ids share a part,
no part holds a `.`, and `acme` stays `acme`. A part longer than `MAX_PART` becomes `_h` and a
hash (never an escape's output), so every name stays within Kafka's 249 characters.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .feedclient import FeedClient
from .kafka import ensure_topics
from .settings import Settings

BUS = "village."  # every bus topic's name starts so (before the environment's prefix)
MAX_PART = 100  # with a prefix of at most 100 characters (settings.py), names stay legal
_KEPT = re.compile(r"[A-Za-z0-9-]")


def provider_part(provider: str) -> str:
    """The provider's part of its topic names: `acme` for acme, `acme_2eeu` for acme.eu."""
    part = "".join(
        ch if _KEPT.fullmatch(ch) else "".join(f"_{b:02x}" for b in ch.encode()) for ch in provider
    )
    if not part:
        raise ValueError("a provider topic needs a provider")
    if len(part) > MAX_PART:
        return "_h" + hashlib.sha256(provider.encode()).hexdigest()[:40]
    return part


def provider_topic(name: str, provider: str) -> str:
    """The provider's own topic beside the bus topic `name` (unprefixed, `village.<rest>`)."""
    return f"{BUS}{provider_part(provider)}.{_rest(name)}"


def _rest(name: str) -> str:
    if not name.startswith(BUS) or name == BUS:
        raise ValueError(f"a bus topic's name is {BUS}<rest>, not {name!r}")
    return name.removeprefix(BUS)


class ProviderTopics:
    """The provider topics beside one bus topic, each created (with the bus's partitions and
    replication) before the first event goes to it: a provider registered at any time gets its
    channel with its first event."""

    def __init__(self, settings: Settings, name: str) -> None:
        _rest(name)  # a bus topic's name, or fail at startup
        self.settings, self.name = settings, name
        self._created: set[str] = set()

    def of(self, provider: str) -> str:
        return self.settings.topic(provider_topic(self.name, provider))

    async def ready(self, providers: Iterable[str]) -> None:
        """Create the topics of `providers` that this process has not created or found yet."""
        missing = sorted({self.of(p) for p in providers} - self._created)
        if missing:
            # No dead-letter topics: no Village service consumes a provider's topic.
            await ensure_topics(self.settings, missing, dead_letters=False)
            self._created.update(missing)

    def forget(self) -> None:
        """After a failed publish: the broker may have lost its topics (memory storage), so
        make sure of them again before the next."""
        self._created.clear()


@dataclass(frozen=True)
class OwnedTopic:
    """A service's bus topic as another service subscribes to it (the webhook dispatcher, the
    console): one consumer per topic, since SLA and escalation events use the incident id as
    their stream with sequences of their own."""

    family: str  # the subscriber's consumer is `<its name>-<family>`
    topic: str
    source: str
    feed_url_setting: str  # the owner's feed: gap healing and rebuilds
    # The topic carries what its provider may see; the rest comes as its bare fact, read whole
    # (as Village's services may read it) from the owner's feed.
    resolve_redacted: bool = False

    def feed(self, settings: Settings, consumer: str, **options: object) -> FeedClient:
        return FeedClient.for_consumer(
            getattr(settings, self.feed_url_setting),
            settings,
            consumer,
            source=self.source,
            **options,
        )


INCIDENTS = OwnedTopic(
    "incidents", "village.incidents.v1", "/village/incidents", "incidents_url", True
)
SLA = OwnedTopic("sla", "village.sla.v1", "/village/sla-monitor", "sla_monitor_url", True)
ESCALATIONS = OwnedTopic(
    "escalations", "village.escalations.v1", "/village/escalation", "escalation_url"
)
KNOWLEDGE = OwnedTopic("knowledge", "village.knowledge.v1", "/village/knowledge", "knowledge_url")
# Delivery outcomes: on the topic whole only for a provider's own endpoints; a partner's or
# customer's come as their bare fact, read whole from the feed.
WEBHOOKS = OwnedTopic("webhooks", "village.webhooks.v1", "/village/webhooks", "webhooks_url", True)
