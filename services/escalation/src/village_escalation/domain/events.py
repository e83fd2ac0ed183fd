"""The escalation service's events on `village.escalations.v1`, as typed values of the platform's
envelope, in one catalog (`CATALOG`) with the upcasters of their old shapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from village_platform.envelope import Event, EventCatalog

from .config import TierRef
from .decisions import Kind, Trigger


def _tier(data: Mapping[str, Any]) -> TierRef:
    return TierRef(data["party"], data["tier"])


@dataclass(frozen=True)
class Decision(Event):
    """village.escalation.decided.v1: who works the incident next (`to_tier`), decided by the rule,
    policy or request in `basis`, with a reason; its id derives from its trigger (decisions.py)."""

    FAMILY, NAME = "escalation", "decided"
    decision_id: str
    incident_id: str
    kind: Kind
    trigger: Trigger
    from_tier: TierRef | None
    to_tier: TierRef
    basis: dict[str, Any]
    reason: str
    at: datetime

    def to_data(self) -> dict[str, Any]:
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

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Decision:
        origin = None if data["from"] is None else _tier(data["from"])
        return cls(
            data["decision_id"],
            data["incident_id"],
            data["kind"],
            data["trigger"],
            origin,
            _tier(data["to"]),
            dict(data["basis"]),
            data["reason"],
            datetime.fromisoformat(data["at"]),
        )


@dataclass(frozen=True)
class _Outcome(Event):
    """What became of a decision sent to the incidents service."""

    FAMILY = "escalation"
    decision_id: str
    incident_id: str
    kind: Kind
    to: TierRef
    at: datetime

    def to_data(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "incident_id": self.incident_id,
            "kind": self.kind,
            "to": self.to.to_data(),
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> _Outcome:
        fields = {k: v for k, v in data.items() if k not in ("to", "at")}
        return cls(**fields, to=_tier(data["to"]), at=datetime.fromisoformat(data["at"]))


@dataclass(frozen=True)
class DecisionApplied(_Outcome):
    """village.escalation.applied.v1: the incidents service took the decision."""

    NAME = "applied"


@dataclass(frozen=True)
class DecisionFailed(_Outcome):
    """village.escalation.failed.v1: the incidents service refused the decision for good, with
    its problem (status, type, title, detail)."""

    NAME = "failed"
    problem: dict[str, Any]

    def to_data(self) -> dict[str, Any]:
        return {**super().to_data(), "problem": dict(self.problem)}


@dataclass(frozen=True)
class ConfigRevised(Event):
    """village.escalation.config_revised.v1: a new version of a party's tiers or rules, or of a
    provider's profile of a partner (`provider`, profiles only; None on a profile recorded before
    each provider kept its own: its partner's registered provider's, the event's audience says)."""

    FAMILY, NAME = "escalation", "config_revised"
    party: str
    kind: str
    version: int
    document: dict[str, Any]
    provider: str | None = None

    def to_data(self) -> dict[str, Any]:
        data = {
            "party": self.party,
            "kind": self.kind,
            "version": self.version,
            "document": dict(self.document),
        }
        return data if self.provider is None else {**data, "provider": self.provider}


CATALOG = EventCatalog([Decision, DecisionApplied, DecisionFailed, ConfigRevised])
# Upcasters: none yet, no event has changed shape since v1 (config_revised gained an optional
# property, which old payloads load without). A changed shape gets a new version, and its old
# one an upcaster here: CATALOG.upcaster("village.escalation.<name>.v1", convert).
