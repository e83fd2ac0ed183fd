"""What the webhooks service subscribes to: every Village topic, each event type to the fan-out.

Its routing table (`routes`) is the one table in Village that names no types, on purpose: what a
webhook receives is chosen by its subscriber (patterns such as `village.incident.*` or
`*.breached.v1`), so every event of every topic, a type added after this service was deployed
included, is offered to the fan-out, which matches it against the subscriptions.

One consumer (Kafka group, applied positions) per topic: SLA and escalation events use the
incident id as their stream with sequences of their own, which one consumer would take for
gaps in the incident's stream. The table is data: a new topic is one more line (a topic with
no records yet costs nothing but an idle consumer)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from village_platform.applier import Handler, Routes
from village_platform.feedclient import FeedClient
from village_platform.topics import ESCALATIONS, INCIDENTS, KNOWLEDGE, SLA, OwnedTopic

from .config import WebhookSettings

TOPICS = (INCIDENTS, SLA, ESCALATIONS, KNOWLEDGE)


class EveryType(Mapping[str, Handler]):
    """A routing table sending every event type to one handler: a subscriber may ask for any.
    (It lists no types: iterating it finds none, looking one up finds the handler.)"""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def __getitem__(self, event_type: str) -> Handler:
        return self.handler

    def get(self, event_type: str, default: object = None) -> Handler:  # type: ignore[override]
        return self.handler

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def routes(fan_out: Handler) -> Routes:
    """Every topic's routing table: any event type -> the fan-out (fanout.py)."""
    return EveryType(fan_out)


def consumer_name(settings: WebhookSettings, topic: OwnedTopic) -> str:
    return f"{settings.consumer_prefix}-{topic.family}"


def feed(settings: WebhookSettings, topic: OwnedTopic) -> FeedClient:
    return topic.feed(settings, consumer_name(settings, topic))
