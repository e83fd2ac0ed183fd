"""What the service decides and why, with ids derived from the trigger: the same trigger (a
duplicate or replayed event) always gives the same decision, so it is recorded and applied once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from .config import TierRef

# Fixed forever: changing it would give every replayed trigger a new decision id.
NAMESPACE = uuid.UUID("6f1f8c8e-3b0e-5d35-9a8c-6c2d1e7a4b59")

Kind = Literal["route", "escalate", "hand_back"]
Trigger = Literal["opened", "ack_timeout", "no_progress", "sla_warning", "manual", "resolved"]


def decision_id(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, key))


def route_key(incident_id: str) -> str:
    return f"{incident_id}|route"


def ack_key(incident_id: str, at: TierRef, entered_seq: int) -> str:
    return f"{incident_id}|ack|{at.party}/{at.tier}|{entered_seq}"


def progress_key(incident_id: str, at: TierRef, entered_seq: int, progress_seq: int) -> str:
    return f"{incident_id}|progress|{at.party}/{at.tier}|{entered_seq}|{progress_seq}"


def warning_key(incident_id: str, sla_event_id: str) -> str:
    return f"{incident_id}|warning|{sla_event_id}"


def manual_key(incident_id: str, request_id: str) -> str:
    return f"{incident_id}|manual|{request_id}"


def hand_back_key(incident_id: str, resolved_seq: int) -> str:
    return f"{incident_id}|hand_back|{resolved_seq}"


@dataclass(frozen=True)
class Decision:
    decision_id: str
    incident_id: str
    kind: Kind
    trigger: Trigger
    from_tier: TierRef | None
    to_tier: TierRef
    basis: dict[str, Any]
    reason: str
    at: datetime

    def to_event_data(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "incident_id": self.incident_id,
            "kind": self.kind,
            "trigger": self.trigger,
            "from": None if self.from_tier is None else self.from_tier.to_data(),
            "to": self.to_tier.to_data(),
            "basis": dict(self.basis),
            "reason": self.reason,
            "at": self.at.isoformat(),
        }


class DomainError(Exception):
    """A request the rules refuse; `status` maps to the HTTP problem status."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail


def conflict(detail: str) -> DomainError:
    return DomainError(409, "invalid-transition", detail)


def forbidden(detail: str) -> DomainError:
    return DomainError(403, "forbidden", detail)
