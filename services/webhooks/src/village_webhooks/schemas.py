"""Request bodies of the webhooks API, with OpenAPI examples."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from .domain.subscriptions import valid_pattern


def _patterns(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    for pattern in value:
        if not valid_pattern(pattern):
            raise ValueError(
                f"{pattern!r} is not an event type pattern"
                " (lower-case letters, digits, . _ - and *)"
            )
    return sorted(set(value))


class IncidentFilter(BaseModel):
    """Only events of these incidents (the event's subject), and/or events with at least one of
    these parties on them (e.g. one customer's incidents). Empty: no narrowing."""

    model_config = ConfigDict(extra="forbid")
    incident_ids: list[str] = Field(default_factory=list, max_length=1000)
    parties: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("incident_ids", "parties")
    @classmethod
    def _no_blanks(cls, value: list[str]) -> list[str]:
        if any(not v or len(v) > 200 for v in value):
            raise ValueError("ids are 1..200 characters")
        return sorted(set(value))


class EndpointIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://tickets.northwind.example/village/webhooks",
                    "description": "ServiceNow bridge",
                    "event_types": ["village.incident.*", "*.breached.v1"],
                    "filter": {"parties": ["initech"]},
                }
            ]
        },
    )
    url: str = Field(min_length=8, max_length=2000)
    description: str = Field(default="", max_length=500)
    event_types: list[str] = Field(min_length=1, max_length=50)
    filter: IncidentFilter = Field(default_factory=IncidentFilter)

    _check_types = field_validator("event_types")(_patterns)


class EndpointPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"event_types": ["village.incident.*"], "disabled": False}]
        },
    )
    url: str | None = Field(default=None, min_length=8, max_length=2000)
    description: str | None = Field(default=None, max_length=500)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=50)
    filter: IncidentFilter | None = None
    disabled: bool | None = Field(
        default=None, description="true: no deliveries made; false: active again"
    )

    _check_types = field_validator("event_types")(_patterns)

    def changes(self) -> dict[str, Any]:
        """The endpoint's columns this patch sets, with their new values."""
        found: dict[str, Any] = {
            k: v
            for k, v in self.model_dump(mode="json", exclude_none=True).items()
            if k in ("url", "description", "event_types")
        }
        if self.filter is not None:
            found["incident_filter"] = self.filter.model_dump(mode="json")
        if self.disabled is not None:
            found["status"] = "disabled" if self.disabled else "active"
        return found


class RotateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"overlap_seconds": 86400}]}
    )
    overlap_seconds: int = Field(
        default=86400,
        ge=0,
        le=7 * 86400,
        description="how long the previous secret keeps signing too (0: not at all)",
    )


class ReplayIn(BaseModel):
    """Either a time range of event times [from, to) or event ids."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {"from": "2026-11-23T00:00:00Z", "to": "2026-11-24T00:00:00Z"},
                {"event_ids": ["0d3b1a44-9d1c-4b5e-8f2a-1c2d3e4f5a6b"]},
            ]
        },
    )
    from_: AwareDatetime | None = Field(default=None, alias="from")
    to: AwareDatetime | None = None
    event_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _one_way(self) -> ReplayIn:
        ranged = self.from_ is not None or self.to is not None
        if ranged == (self.event_ids is not None):
            raise ValueError("give either from and to, or event_ids")
        if ranged and (self.from_ is None or self.to is None or self.from_ >= self.to):
            raise ValueError("from and to are both needed, from before to")
        return self

    def as_query(self) -> dict[str, object]:
        if self.event_ids is not None:
            return {"event_ids": self.event_ids}
        return {"from": self.from_, "to": self.to}


DeliveryStatus = Literal["pending", "delivered", "parked", "failed"]
