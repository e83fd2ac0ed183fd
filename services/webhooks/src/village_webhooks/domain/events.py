"""The webhooks service's events on `village.webhooks.v1`: what became of each delivery attempt,
one event per attempt (never per retry timer), for the endpoint's owner party only.

Each is keyed by the stream `webhook:<endpoint id>:<subject>` (the delivered event's stream):
one endpoint's deliveries of one incident are sent one at a time, in order, so their outcomes
append to that stream without racing. `incident_id` names the incident the delivered event was
about (None when it was about none: a contract, an article)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from village_platform.egress import describe
from village_platform.envelope import Event, EventCatalog

# Event ids derive from (delivery, attempt): an attempt recorded twice (a lease that expired
# while its answer was being recorded) is appended once.
OUTCOME_NAMESPACE = uuid.UUID("6f1d4c1e-3b0a-5a55-9d8e-7e6b2a0c4f31")
# What the bus topic carries of an outcome its provider may not see: only that one happened.
FACT = ("delivery_id", "incident_id", "attempt", "at")


def stream_of(endpoint_id: uuid.UUID | str, subject: str) -> str:
    return f"webhook:{endpoint_id}:{subject}"


def outcome_id(delivery_id: uuid.UUID | str, attempt: int) -> uuid.UUID:
    return uuid.uuid5(OUTCOME_NAMESPACE, f"{delivery_id}|{attempt}")


def audience(owner: str, owner_kind: str) -> dict[str, Any]:
    """The owner of the endpoint alone. Its provider's tooling channel only when the owner is a
    provider: a partner's or customer's endpoints are nobody else's business."""
    return describe(
        parties=[owner], provider=owner if owner_kind == "provider" else None, fact=FACT
    )


@dataclass(frozen=True)
class _Attempt(Event):
    FAMILY = "webhook"
    delivery_id: str
    endpoint_id: str
    event_id: str
    delivered_type: str
    incident_id: str | None
    attempt: int
    latency_ms: float
    at: datetime

    def to_data(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**data, "at": self.at.isoformat()}

    @classmethod
    def from_data(cls, data: Any) -> _Attempt:
        names = {f.name for f in fields(cls)}
        known = {k: v for k, v in data.items() if k in names}
        values = {**known, "at": datetime.fromisoformat(data["at"])}
        if known.get("next_attempt_at"):
            values["next_attempt_at"] = datetime.fromisoformat(known["next_attempt_at"])
        return cls(**values)


@dataclass(frozen=True)
class Delivered(_Attempt):
    """village.webhook.delivered.v1: the endpoint answered 2xx."""

    NAME = "delivered"
    status_code: int = 200


@dataclass(frozen=True)
class AttemptFailed(_Attempt):
    """village.webhook.attempt_failed.v1: no answer, 5xx, 408 or 429; tried again at
    `next_attempt_at`."""

    NAME = "attempt_failed"
    status_code: int | None = None
    reason: str = ""
    next_attempt_at: datetime | None = None

    def to_data(self) -> dict[str, Any]:
        when = self.next_attempt_at
        return {**super().to_data(), "next_attempt_at": when and when.isoformat()}


@dataclass(frozen=True)
class Failed(_Attempt):
    """village.webhook.failed.v1: an answer that is final (another 4xx, a 3xx): not retried."""

    NAME = "failed"
    status_code: int = 400
    reason: str = ""


@dataclass(frozen=True)
class Parked(_Attempt):
    """village.webhook.parked.v1: failing for longer than the maximum age: the endpoint is
    `failing` and its pending deliveries (`parked`, this one included) wait for a replay."""

    NAME = "parked"
    status_code: int | None = None
    reason: str = ""
    parked: int = 1


CATALOG = EventCatalog([Delivered, AttemptFailed, Failed, Parked])
# Upcasters: none yet (v1 as first published).
