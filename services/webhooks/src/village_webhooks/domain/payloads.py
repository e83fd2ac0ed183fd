"""The delivered payload: the event as a CloudEvent in structured JSON mode, as its recipient may
have it (the egress rule: `parties` names the recipient alone, and a field narrowed to others
is left out)."""

from __future__ import annotations

from typing import Any

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from village_platform.applier import ConsumedEvent
from village_platform.egress import Recipient, narrow

_FORMAT = JSONFormat()


def structured(event: ConsumedEvent, recipient: Recipient) -> str:
    attributes: dict[str, Any] = {
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "specversion": "1.0",
        "subject": event.stream_id,
        "time": event.time,
        "datacontenttype": "application/json",
        "sequence": str(event.sequence),
        "visibility": event.visibility,
        "parties": recipient.party,
        "actorparty": event.actor_party or "",
    }
    if event.traceparent:
        attributes["traceparent"] = event.traceparent
    if event.redacted:  # the bare fact: the rest is read through the owner's API
        attributes["redacted"] = "true"
    data = narrow(event.data, event.description, recipient.party)
    return _FORMAT.write(CloudEvent(attributes=attributes, data=data)).decode()
