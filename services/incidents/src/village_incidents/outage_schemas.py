"""Request bodies of the provider incidents (outages) API, with the examples the OpenAPI document
shows."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from village_platform.limits import AwareInstant

from .schemas import Body, Name, Severity

OutageStatus = Literal[
    "declared", "investigating", "identified", "monitoring", "resolved", "cancelled"
]
Product = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class DeclareOutageIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Router firmware 7.2 drops IPsec tunnels",
                    "description": "Routers on firmware 7.2 drop site-to-site tunnels after"
                    " rekeying; a fix is being built.",
                    "products": ["routers"],
                    "impacted_services": ["site-to-site VPN"],
                    "regions": ["eu-west"],
                    "severity": "S1",
                    "started_at": "2026-11-23T08:40:00Z",
                }
            ]
        },
    )
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    products: list[Product] = Field(
        min_length=1, max_length=200, description="the affected products, each the provider's"
    )
    impacted_services: list[Label] = Field(default_factory=list, max_length=100)
    regions: list[Label] = Field(default_factory=list, max_length=100)
    severity: Severity
    started_at: AwareInstant | None = Field(default=None, description="default: now")


class OutageStatusIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "identified", "message": "Cause found: a rekeying timer in 7.2."}
            ]
        },
    )
    status: Literal["investigating", "identified", "monitoring"] = Field(
        description="forward only; a status may be skipped"
    )
    message: str = Field(
        min_length=1, max_length=20000, description="public: for the provider's partners"
    )


class OutageCancelIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Not an outage: a monitoring false alarm."}]},
    )
    reason: str = Field(min_length=1, max_length=2000)


class LinkIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"incident_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90"}]},
    )
    incident_id: str = Field(min_length=1, max_length=100)


class UnlinkIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Not this outage: a local power cut."}]},
    )
    reason: str = Field(min_length=1, max_length=2000)


class SwarmIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "partner": "northwind",
                    "certification": "routers",
                    "scope": "read the tunnel logs of firmware 7.2",
                    "reason": "northwind's engineers know firmware 7.2",
                    "may_invite": True,
                }
            ]
        },
    )
    partner: str = Name
    certification: Product = Field(
        description="the affected product the invitee is certified for (one of the outage's"
        " products): your word, recorded on the hop"
    )
    reason: str = Field(min_length=1, max_length=2000)
    scope: str | None = Field(default=None, max_length=500)
    may_invite: bool = Field(
        default=False, description="the invitee may invite other partners in turn (below its hop)"
    )


class SwarmRevokeIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The fix is out: thank you."}]},
    )
    reason: str = Field(min_length=1, max_length=2000)


class OutageUpdateIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "body": "A fixed firmware (7.2.1) is rolling out region by region.",
                    "audience": "customers",
                }
            ]
        },
    )
    body: str = Field(min_length=1, max_length=20000)
    audience: Literal["partners", "customers"] = Field(
        description="partners: a restricted note on each linked incident; customers: a shared one"
    )


class OutageResolveIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "resolution_code": "fixed",
                    "resolution_notes": "Firmware 7.2.1 fixes the rekeying timer.",
                    "message": "Resolved: upgrade to 7.2.1; tunnels stay up after rekeying.",
                }
            ]
        },
    )
    resolution_code: str = Field(min_length=1, max_length=100)
    resolution_notes: str = Field(min_length=1, max_length=20000)
    message: str = Field(min_length=1, max_length=20000, description="public")
