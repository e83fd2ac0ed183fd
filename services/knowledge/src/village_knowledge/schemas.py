"""Request bodies of the knowledge API, with OpenAPI examples."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .domain.articles import Content

Short = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9._-]*$")
]
# A party's id, as the incidents service's directory registers it.
PartyId = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
]

ARTICLE_EXAMPLE = {
    "title": "IPsec tunnel flaps every few minutes after a firmware upgrade",
    "body": "Since 17.3.1 the default IKE lifetime dropped to 3600 s; peers on older firmware "
    "renegotiate out of step and the tunnel flaps.",
    "audience": "public",
    "products": ["routers"],
    "tags": ["vpn", "ipsec", "firmware"],
    "symptoms": ["Site-to-site tunnel drops every few minutes", "IKE SA rekey failures in the log"],
    "resolution_steps": ["Set the IKE lifetime to 28800 s on both peers", "Clear the SAs"],
}


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ARTICLE_EXAMPLE]})
    title: Short
    body: Annotated[str, StringConstraints(min_length=1, max_length=100_000)] = Field(
        description="Markdown"
    )
    audience: Literal["provider", "partners", "public"] = Field(
        description="provider: the provider's staff only (the provider writes these); partners: "
        "the provider and the partners that buy from it; public: the customers that buy from it "
        "too"
    )
    products: list[Name] = Field(default_factory=list, max_length=20)
    tags: list[Name] = Field(default_factory=list, max_length=30)
    symptoms: list[Line] = Field(default_factory=list, max_length=30)
    resolution_steps: list[Line] = Field(default_factory=list, max_length=50)

    def content(self) -> Content:
        return Content(
            title=self.title,
            body=self.body,
            audience=self.audience,
            products=tuple(self.products),
            tags=tuple(self.tags),
            symptoms=tuple(self.symptoms),
            resolution_steps=tuple(self.resolution_steps),
        )


class DraftIn(ArticleIn):
    """A new article: its content and whose knowledge base it is for."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{**ARTICLE_EXAMPLE, "provider": "acme"}]},
    )
    provider: PartyId | None = Field(
        default=None,
        description="whose knowledge base the draft is for, reviewed and published by that"
        " provider alone: a provider it buys from (required when it buys from several; by"
        " default its only one; 422 for one it does not buy from). A provider drafts for its"
        " own.",
    )


class RejectIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": (
                        "Name the firmware versions affected, and drop the customer's hostnames."
                    )
                }
            ]
        },
    )
    reason: Line


class RetireIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Fixed in 17.4"}]}
    )
    reason: Line | None = None


class LinkIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"article_id": "0b6c7a38-3f4e-4c3b-9a2e-1e5f0d7c9a41"}]},
    )
    article_id: Annotated[str, StringConstraints(max_length=36, pattern=r"^[0-9a-fA-F-]{36}$")]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"helpful": True, "incident_id": "7d0c9f3e-5b1a-4f0e-9a77-0c2a1e4b8d11"}]
        },
    )
    helpful: bool
    incident_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
