"""Request bodies of the incidents API, with the examples the OpenAPI document shows."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from village_platform.limits import AwareInstant

Severity = Literal["S1", "S2", "S3", "S4"]
NoteVisibility = Literal["internal", "restricted", "shared"]
Status = Literal[
    "new",
    "acknowledged",
    "in_progress",
    "pending_customer",
    "on_hold",
    "resolved",
    "closed",
    "reopened",
    "cancelled",
]
Name = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _no_nul(self) -> Body:
        # PostgreSQL stores no NUL character in text or jsonb: refuse it here, with its place.
        for name, value in self:
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"{name}: NUL characters are not allowed")
        return self


class ExternalRefIn(Body):
    owner: str = Name
    type: str = Field(min_length=1, max_length=50)
    id: str = Field(min_length=1, max_length=200)


class OpenIncidentIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Branch office VPN down",
                    "description": (
                        "Site-to-site tunnel to Leeds dropped at 09:12, no traffic since."
                    ),
                    "severity": "S1",
                    "product": "routers",
                    "impacted_service": "branch-vpn",
                    "customer": "initech",
                    "external_refs": [
                        {"owner": "northwind", "type": "servicenow", "id": "INC0012345"}
                    ],
                }
            ]
        },
    )
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    severity: Severity
    product: str = Field(min_length=1, max_length=100)
    impacted_service: str | None = Field(default=None, max_length=200)
    customer: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="required when a partner opens an incident for its customer",
    )
    supplier: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description=(
            "who a customer raises the incident to; by default its supplier of the product"
        ),
    )
    external_refs: list[ExternalRefIn] = Field(default_factory=list, max_length=20)


class OpenPartIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "product": "globex-firewalls",
                    "title": "Firewall drops the VPN tunnel's traffic",
                    "severity": "S1",
                }
            ]
        },
    )
    product: str = Field(
        min_length=1,
        max_length=100,
        description="the part's product: it goes to the owning partner's supplier of it",
    )
    title: str | None = Field(
        default=None, min_length=1, max_length=200, description="default: the parent's"
    )
    description: str | None = Field(
        default=None, max_length=20000, description="default: the parent's"
    )
    severity: Severity | None = Field(default=None, description="default: the parent's")
    impacted_service: str | None = Field(
        default=None, max_length=200, description="default: the parent's"
    )


class EmptyIn(Body):
    """No fields: the action needs none (send `{}`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})


class AssignIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"party": "northwind", "tier": "L2", "assignee": "jane.doe"}]
        },
    )
    party: str = Name
    tier: str | None = Field(default=None, max_length=50)
    assignee: str | None = Field(default=None, max_length=200)


class EscalateIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "to_party": "acme",
                    "to_tier": "TAC L2",
                    "reason": "S1 for a product northwind is not certified for",
                }
            ]
        },
    )
    to_party: str = Name
    to_tier: str = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=1, max_length=2000)
    decision_id: str | None = Field(default=None, max_length=100)


TRACEPARENT_EXAMPLE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class _BatchCommand(Body):
    incident_id: str = Field(min_length=1, max_length=100)
    # The command's own key, as its route's Idempotency-Key: a retry through either the batch or
    # the route gets the answer stored for it.
    idempotency_key: str = Field(min_length=1, max_length=255)
    # The trace the command belongs to (W3C), for the events it writes.
    traceparent: str | None = Field(
        default=None,
        max_length=55,
        pattern=r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
    )


class BatchAssign(_BatchCommand):
    action: Literal["assign"]
    body: AssignIn


class BatchEscalate(_BatchCommand):
    action: Literal["escalate"]
    body: EscalateIn


class CommandsIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "commands": [
                        {
                            "action": "escalate",
                            "incident_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
                            "idempotency_key": "6c1f0d2e-8b3a-4f5e-9d7c-1a2b3c4d5e6f",
                            "traceparent": TRACEPARENT_EXAMPLE,
                            "body": {
                                "to_party": "acme",
                                "to_tier": "TAC L2",
                                "reason": "S1 for a product northwind is not certified for",
                                "decision_id": "6c1f0d2e-8b3a-4f5e-9d7c-1a2b3c4d5e6f",
                            },
                        },
                        {
                            "action": "assign",
                            "incident_id": "a81c2f4d-7e6b-4c3a-9d1e-0f2b3c4d5e6f",
                            "idempotency_key": "0b9e8d7c-6f5a-4b3c-8d2e-1f0a9b8c7d6e",
                            "body": {"party": "northwind", "tier": "L1"},
                        },
                    ]
                }
            ]
        },
    )
    commands: list[Annotated[BatchAssign | BatchEscalate, Field(discriminator="action")]] = Field(
        min_length=1, max_length=200
    )


class NoteIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"body": "Tunnel flaps every 30 s; IKE logs attached.", "visibility": "shared"}
            ]
        },
    )
    body: str = Field(min_length=1, max_length=20000)
    visibility: NoteVisibility = "shared"


class NoteEditIn(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"body": "Corrected: flaps every 60 s."}]}
    )
    body: str = Field(min_length=1, max_length=20000)


class StatusIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "in_progress"},
                {"status": "on_hold", "reason": "waiting on a vendor firmware fix"},
                {
                    "status": "resolved",
                    "resolution_code": "config-fix",
                    "resolution_notes": "Rekeyed the tunnel.",
                },
            ]
        },
    )
    status: Literal[
        "in_progress", "pending_customer", "on_hold", "resolved", "closed", "reopened", "cancelled"
    ]
    reason: str | None = Field(default=None, max_length=2000)
    resolution_code: str | None = Field(default=None, max_length=100)
    resolution_notes: str | None = Field(default=None, max_length=20000)


class SeverityIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"severity": "S2", "reason": "workaround in place"}]},
    )
    severity: Severity
    reason: str = Field(min_length=1, max_length=2000)


class ImpactStartIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"started_at": "2026-11-23T09:12:00Z", "description": "branch offline"}]
        },
    )
    started_at: AwareInstant | None = None
    description: str | None = Field(default=None, max_length=2000)


class ImpactEndIn(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"ended_at": "2026-11-23T10:02:00Z"}]}
    )
    ended_at: AwareInstant | None = Field(default=None, description="default: now")


class InviteIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"partner": "contoso", "scope": "firewall rules review"},
                {
                    "partner": "contoso",
                    "scope": "firewall rules review",
                    "may_invite": True,
                    "reason": "contoso runs initech's firewalls; may bring in its VPN specialist",
                },
            ]
        },
    )
    partner: str = Name
    scope: str | None = Field(default=None, max_length=500)
    may_invite: bool = Field(
        default=False, description="the invitee may invite other partners in turn (below its hop)"
    )
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="why: required when `may_invite` is true or a collaborator invites",
    )


class RevokeIn(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "firewall review done"}]}
    )
    reason: str | None = Field(default=None, max_length=2000)


class RatingIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"rating": 5, "reason": "fixed within the hour"}]},
    )
    rating: int = Field(ge=1, le=5)
    reason: str | None = Field(default=None, max_length=2000)


class PartyIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "northwind",
                    "kind": "partner",
                    "name": "Northwind Traders",
                    "provider": "acme",
                    "customers": ["initech"],
                }
            ]
        },
    )
    id: str = Name
    kind: Literal["provider", "partner", "customer"]
    name: str = Field(min_length=1, max_length=200)
    provider: str | None = Field(default=None, max_length=100)
    partner: str | None = Field(default=None, max_length=100)
    customers: list[Annotated[str, StringConstraints(max_length=100)]] = Field(
        default_factory=list, max_length=1000
    )


class SupplyIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"supplier": "globex", "buyer": "northwind", "products": ["globex-firewalls"]}
            ]
        },
    )
    supplier: str = Name
    buyer: str = Name
    products: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the products supplied; null (the default) for every product",
    )


class SupplyEndIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"supplier": "globex", "buyer": "northwind"}]},
    )
    supplier: str = Name
    buyer: str = Name
