"""What the escalation process hears: the incidents service's events it follows, each as a plain
value read from its event's data (`of(data, at)`), and a decision the incidents service refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .config import TierRef

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Assigned:
    """village.incident.assigned.v1: a tier ("" for none) of a party now works the incident."""

    to: TierRef
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> Assigned:
        return cls(TierRef(data["party"], data.get("tier") or ""), at)


@dataclass(frozen=True)
class Escalated:
    """village.incident.escalated.v1: moved up, by one of our decisions or by a person (None)."""

    to: TierRef
    decision_id: str | None
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> Escalated:
        return cls(TierRef(data["to_party"], data["to_tier"]), data.get("decision_id"), at)


@dataclass(frozen=True)
class Acknowledged:
    party: str
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> Acknowledged:
        return cls(data["party"], at)


@dataclass(frozen=True)
class NoteAdded:
    """Progress: a note restarts the progress policy."""

    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> NoteAdded:
        return cls(at)


@dataclass(frozen=True)
class StatusChanged:
    to_status: str
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> StatusChanged:
        return cls(data["to_status"], at)


@dataclass(frozen=True)
class SeverityChanged:
    to_severity: str
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> SeverityChanged:
        return cls(data["to_severity"], at)


@dataclass(frozen=True)
class Resolved:
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> Resolved:
        return cls(at)


@dataclass(frozen=True)
class Reopened:
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> Reopened:
        return cls(at)


@dataclass(frozen=True)
class Closed:
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> Closed:
        return cls(at)


@dataclass(frozen=True)
class Cancelled:
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> Cancelled:
        return cls(at)


@dataclass(frozen=True)
class OutageLinked:
    """village.incident.outage_linked.v1: the incident is part of the provider's outage, which the
    provider works: it leaves the ladder until unlinked or resolved."""

    outage_id: str
    provider: str
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> OutageLinked:
        return cls(data["outage_id"], data["provider"], at)


@dataclass(frozen=True)
class OutageUnlinked:
    """village.incident.outage_unlinked.v1: no longer part of the outage: back on the ladder."""

    outage_id: str
    at: datetime

    @classmethod
    def of(cls, data: Data, at: datetime) -> OutageUnlinked:
        return cls(data["outage_id"], at)


IncidentFact = (
    Assigned
    | Escalated
    | Acknowledged
    | NoteAdded
    | StatusChanged
    | SeverityChanged
    | Resolved
    | Reopened
    | Closed
    | Cancelled
    | OutageLinked
    | OutageUnlinked
)


@dataclass(frozen=True)
class Refused:
    """The incidents service refused this decision for good."""

    decision_id: str
