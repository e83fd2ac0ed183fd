"""Stored events <-> CloudEvents 1.0 in Kafka binary mode (`ce_*` headers, JSON data)."""

from __future__ import annotations

from typing import Any

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from .egress import for_topic
from .eventstore import StoredEvent

_FORMAT = JSONFormat()


def to_cloudevent(event: StoredEvent, source: str) -> CloudEvent:
    """The event as the topic carries it: the provider's tooling channel, so an event its
    provider may not see goes as its bare fact (egress.for_topic), `redacted`."""
    shown = for_topic(event.data, event.metadata)
    meta = shown.metadata
    attributes: dict[str, Any] = {
        "id": str(event.event_id),
        "source": source,
        "type": event.type,
        "specversion": "1.0",
        "subject": event.stream_id,
        "time": event.recorded_at,
        "datacontenttype": "application/json",
        "partitionkey": event.stream_id,
        # CloudEvents sequence extension: the stream version, for per-incident order checks.
        "sequence": str(event.stream_version),
        "visibility": meta.get("visibility", "shared"),
        "parties": " ".join(meta.get("parties", [])),
        "actorparty": meta.get("actor_party", ""),
    }
    if meta.get("provider"):
        attributes["provider"] = meta["provider"]
    if shown.redacted:
        attributes["redacted"] = "true"
    if event.position is not None:
        attributes["position"] = str(event.position)
    if meta.get("traceparent"):
        attributes["traceparent"] = meta["traceparent"]
    if meta.get("correlation_id"):
        attributes["correlationid"] = meta["correlation_id"]
    if meta.get("causation_id"):
        attributes["causationid"] = meta["causation_id"]
    return CloudEvent(attributes=attributes, data=shown.data)


def to_kafka(event: StoredEvent, source: str) -> KafkaMessage:
    return to_binary(to_cloudevent(event, source), _FORMAT)


def from_kafka(headers: list[tuple[str, bytes]] | dict[str, bytes], key: Any, value: bytes) -> CloudEvent:
    """Parse a binary-mode CloudEvent; unknown or duplicate non-`ce_` headers are ignored."""
    items = headers.items() if isinstance(headers, dict) else headers
    # Only `ce_*` and content-type are the event's; other headers (traceparent, anything a
    # producer or broker adds, null-valued ones) must not break decoding.
    ce_headers = {
        k: v
        for k, v in items
        if v is not None and (k.lower().startswith("ce_") or k.lower() == "content-type")
    }
    return from_binary(KafkaMessage(headers=ce_headers, key=key, value=value), _FORMAT, CloudEvent)
