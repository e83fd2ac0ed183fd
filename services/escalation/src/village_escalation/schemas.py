"""Request bodies of the escalation API beyond the configuration documents (domain/config.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EscalationRequestIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "Customer's CFO escalated: quarter-end close blocked"}]
        },
    )
    reason: str = Field(min_length=1, max_length=2000)
