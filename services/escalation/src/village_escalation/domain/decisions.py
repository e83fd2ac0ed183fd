"""How a decision is named: its id derives from its trigger, so the same trigger (a duplicate or
replayed event) always gives the same decision, recorded and applied once. The decision itself
is the `decided` event (events.py)."""

from __future__ import annotations

import uuid
from typing import Literal

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
