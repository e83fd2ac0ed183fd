"""The one mapping between Village events and CloudEvents 1.0 in Kafka binary mode (`ce_*`
headers, JSON data): a stored event on its way to the topic (as the egress rule lets the topic
carry it), and a record back into the `ConsumedEvent` consumers apply (or re-encoded for the
dead-letter topic)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from .egress import for_topic
from .envelope import ConsumedEvent, utc
from .eventstore import StoredEvent

_FORMAT = JSONFormat()


def _attributes(
    *,
    id: str,
    source: str,
    type: str,
    subject: str,
    time: Any,
    sequence: int,
    position: int | None,
    meta: dict[str, Any],
    redacted: bool,
) -> dict[str, Any]:
    """The context attributes, from an event's identity and its metadata (stored form)."""
    attributes: dict[str, Any] = {
        "id": id,
        "source": source,
        "type": type,
        "specversion": "1.0",
        "subject": subject,
        "time": time,
        "datacontenttype": "application/json",
        "partitionkey": subject,
        # CloudEvents sequence extension: the stream version, for per-incident order checks.
        "sequence": str(sequence),
        "visibility": meta.get("visibility", "shared"),
        "parties": " ".join(meta.get("parties", [])),
        "actorparty": meta.get("actor_party") or "",
    }
    optional = {
        "provider": meta.get("provider"),
        "traceparent": meta.get("traceparent"),
        "correlationid": meta.get("correlation_id"),
        "causationid": meta.get("causation_id"),
        "position": None if position is None else str(position),
        "redacted": "true" if redacted else None,
        # Fields with a narrower audience than the event's, for the webhooks' per-recipient
        # payloads (egress.narrow); JSON, as an extension attribute's value is a string.
        "narrowed": json.dumps(meta["narrowed"], sort_keys=True) if meta.get("narrowed") else None,
    }
    attributes.update({k: v for k, v in optional.items() if v})
    return attributes


def to_cloudevent(event: StoredEvent, source: str) -> CloudEvent:
    """The event as the topic carries it: the provider's tooling channel, so an event its
    provider may not see goes as its bare fact (egress.for_topic), `redacted`."""
    shown = for_topic(event.data, event.metadata)
    attributes = _attributes(
        id=str(event.event_id),
        source=source,
        type=event.type,
        subject=event.stream_id,
        time=event.recorded_at,
        sequence=event.stream_version,
        position=event.position,
        meta=shown.metadata,
        redacted=shown.redacted,
    )
    return CloudEvent(attributes=attributes, data=shown.data)


def to_kafka(event: StoredEvent, source: str) -> KafkaMessage:
    return to_binary(to_cloudevent(event, source), _FORMAT)


def consumed_to_kafka(event: ConsumedEvent) -> KafkaMessage:
    """A consumed event as a binary-mode CloudEvent again (the DLQ, the dead_letters table)."""
    meta = {
        "visibility": event.visibility,
        "parties": event.parties,
        "actor_party": event.actor_party,
        "provider": event.provider,
        "traceparent": event.traceparent,
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "narrowed": event.narrowed,
    }
    attributes = _attributes(
        id=event.id,
        source=event.source,
        type=event.type,
        subject=event.stream_id,
        time=event.time,
        sequence=event.sequence,
        position=event.position,
        meta=meta,
        redacted=event.redacted,
    )
    return to_binary(CloudEvent(attributes=attributes, data=event.data), _FORMAT)


def from_kafka(
    headers: list[tuple[str, bytes]] | dict[str, bytes], key: Any, value: bytes
) -> CloudEvent:
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


def consumed(headers: Any, key: Any, value: bytes) -> ConsumedEvent:
    """A Kafka record as the event a consumer applies; ValueError for one that is not a Village
    event (a poison message)."""
    return consumed_from_cloudevent(from_kafka(list(headers), key, value))


def consumed_from_cloudevent(ce: CloudEvent) -> ConsumedEvent:
    ext = ce.get_extension
    if not ce.get_subject() or ext("sequence") is None:
        raise ValueError("a Village event needs a subject (stream id) and a sequence")
    uuid.UUID(ce.get_id())  # handled_events keys on it: a malformed id is a poison message
    data = ce.get_data()
    if not isinstance(data, dict):
        raise ValueError("event data is not a JSON object")
    position = ext("position")
    return ConsumedEvent(
        id=ce.get_id(),
        type=ce.get_type(),
        source=ce.get_source(),
        stream_id=ce.get_subject() or "",
        sequence=int(ext("sequence")),
        position=int(position) if position is not None else None,
        time=utc(ce.get_time()),
        data=data,
        visibility=ext("visibility") or "shared",
        parties=(ext("parties") or "").split(),
        actor_party=ext("actorparty") or None,
        traceparent=ext("traceparent") or None,
        provider=ext("provider") or None,
        redacted=ext("redacted") == "true",
        correlation_id=ext("correlationid") or None,
        causation_id=ext("causationid") or None,
        narrowed=_narrowed(ext("narrowed")),
    )


def _narrowed(attribute: Any) -> dict[str, list[str]] | None:
    if not attribute:
        return None
    value = json.loads(attribute)
    if not isinstance(value, dict) or not all(
        isinstance(who, list) and all(isinstance(p, str) for p in who) for who in value.values()
    ):
        raise ValueError("narrowed is not an object of party lists")
    return value
