"""Each party's configuration documents (tiers with their policies, profile, routing rules), as
the API accepts them, and the snapshot of them an incident pins when it opens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

# Names show up in reasons, keys and the incidents API (which caps tiers at 50 characters).
Name = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^\S(?:.*\S)?$")]
RuleId = Annotated[
    str, StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Minutes = Annotated[int, Field(ge=1, le=100_000, strict=True)]  # true is not a number
Percent = Annotated[int, Field(ge=1, le=100, strict=True)]
Severity = Literal["S1", "S2", "S3", "S4"]
Names = Annotated[tuple[Name, ...], Field(min_length=1, max_length=100)]
Version = Annotated[int, Field(ge=1)]


@dataclass(frozen=True)
class TierRef:
    """A place on the ladder: a party and one of its tiers ("" when the party has none)."""

    party: str
    tier: str

    def __str__(self) -> str:
        return f"{self.party} {self.tier}".rstrip()

    def to_data(self) -> dict[str, str]:
        return {"party": self.party, "tier": self.tier}


def _frozen(*examples: dict[str, Any]) -> ConfigDict:
    extra = {"examples": list(examples)} if examples else None
    return ConfigDict(extra="forbid", frozen=True, json_schema_extra=extra)


# --------------------------------------------------------------------------- tiers


class Policy(BaseModel):
    """When an incident leaves this tier on its own; each trigger is off when null."""

    model_config = _frozen({"ack_minutes": 30, "progress_minutes": 120, "sla_warning_percent": 75})
    ack_minutes: Minutes | None = Field(
        default=None, description="the tier's party has not acknowledged within N minutes of entry"
    )
    progress_minutes: Minutes | None = Field(
        default=None,
        description="no note or status change within N minutes of entry or of the last one",
    )
    sla_warning_percent: Percent | None = Field(
        default=None, description="an SLA warning at this percentage or more"
    )


class Tier(BaseModel):
    model_config = _frozen({"name": "L1", "policy": {"ack_minutes": 30, "sla_warning_percent": 75}})
    name: Name
    policy: Policy = Policy()


class TiersDoc(BaseModel):
    """A party's tiers, lowest first, and the tier automatic escalation never moves past."""

    model_config = _frozen(
        {
            "tiers": [
                {
                    "name": "L1",
                    "policy": {
                        "ack_minutes": 30,
                        "progress_minutes": 120,
                        "sla_warning_percent": 75,
                    },
                },
                {"name": "L2", "policy": {"ack_minutes": 30, "progress_minutes": 240}},
            ],
            "ceiling": None,
        },
        {
            "tiers": [
                {
                    "name": "TAC L1",
                    "policy": {
                        "ack_minutes": 15,
                        "progress_minutes": 60,
                        "sla_warning_percent": 90,
                    },
                },
                {"name": "TAC L2", "policy": {"ack_minutes": 15, "progress_minutes": 120}},
                {"name": "Engineering L3", "policy": {}},
            ],
            "ceiling": "Engineering L3",
        },
    )
    tiers: tuple[Tier, ...] = Field(default=(), max_length=20)
    ceiling: Name | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TiersDoc:
        names = [t.name for t in self.tiers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"tier names must be unique: {', '.join(duplicates)}")
        if self.ceiling is not None and self.ceiling not in names:
            raise ValueError(f"ceiling {self.ceiling!r} is not one of the tiers")
        return self

    def tier(self, name: str) -> Tier | None:
        return next((t for t in self.tiers if t.name == name), None)


# --------------------------------------------------------------------------- profile


class ProfileDoc(BaseModel):
    """What the provider says of a partner: its level and the products it is certified for."""

    model_config = _frozen(
        {"level": "premier", "specialisations": ["routers"]},
        {"level": "select", "specialisations": ["firewalls"]},
    )
    level: Name
    specialisations: tuple[Name, ...] = Field(default=(), max_length=100)


# --------------------------------------------------------------------------- rules


class Match(BaseModel):
    """All given conditions must hold; an absent one matches anything."""

    model_config = _frozen({"severities": ["S1"], "partner_certified": False})
    severities: Annotated[tuple[Severity, ...], Field(min_length=1, max_length=4)] | None = None
    products: Names | None = None
    customers: Names | None = None
    partners: Names | None = Field(
        default=None, description="owning partners (for the provider's rules)"
    )
    partner_levels: Names | None = None
    partner_certified: bool | None = Field(
        default=None, description="is the product among the owning partner's specialisations"
    )


class RouteTo(BaseModel):
    model_config = _frozen({"party": "acme", "tier": "TAC L2"})
    party: Name
    tier: Name


class Rule(BaseModel):
    model_config = _frozen(
        {
            "id": "s1-uncertified",
            "priority": 10,
            "description": (
                "S1 for a product the owning partner is not certified for: straight to TAC L2"
            ),
            "match": {"severities": ["S1"], "partner_certified": False},
            "route_to": {"party": "acme", "tier": "TAC L2"},
        }
    )
    id: RuleId
    priority: int = Field(
        ge=0, le=1_000_000, description="lower first; the provider's first on a tie"
    )
    description: str = Field(default="", max_length=500)
    match: Match = Match()
    route_to: RouteTo


class RulesDoc(BaseModel):
    """A party's routing rules. Validated with `context={"owner": ..., "provider": ...}` (see
    `for_owner`), `route_to` must name the owner itself or, for a partner, the provider."""

    model_config = _frozen(
        {
            "rules": [
                {
                    "id": "s1-uncertified",
                    "priority": 10,
                    "description": (
                        "S1 for a product the owning partner is not certified for:"
                        " straight to TAC L2"
                    ),
                    "match": {"severities": ["S1"], "partner_certified": False},
                    "route_to": {"party": "acme", "tier": "TAC L2"},
                },
                {
                    "id": "uncertified",
                    "priority": 100,
                    "description": "A product the owning partner is not certified for: TAC L1",
                    "match": {"partner_certified": False},
                    "route_to": {"party": "acme", "tier": "TAC L1"},
                },
            ]
        },
        {
            "rules": [
                {
                    "id": "s1-routers",
                    "priority": 50,
                    "description": "S1 router incidents start at L2",
                    "match": {"severities": ["S1"], "products": ["routers"]},
                    "route_to": {"party": "northwind", "tier": "L2"},
                }
            ]
        },
    )
    rules: tuple[Rule, ...] = Field(default=(), max_length=200)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> RulesDoc:
        ids = [r.id for r in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique: {', '.join(duplicates)}")
        context = info.context or {}
        owner = context.get("owner")
        if owner is not None:
            allowed = list(dict.fromkeys((owner, *_parties(context.get("provider")))))
            for rule in self.rules:
                if rule.route_to.party not in allowed:
                    raise ValueError(
                        f"rule {rule.id}: route_to.party must be {_either(allowed)},"
                        f" not {rule.route_to.party}"
                    )
        return self

    @classmethod
    def for_owner(cls, data: Any, owner: str, provider: str | Iterable[str]) -> RulesDoc:
        """Validate `owner`'s rules (raises pydantic's ValidationError). `provider`: the party,
        or parties, a partner's rules may route to besides its own tiers (the suppliers it buys
        from; at routing time only the incident's own provider counts, `may_route_to`)."""
        return cls.model_validate(data, context={"owner": owner, "provider": provider})


def _parties(given: str | Iterable[str] | None) -> tuple[str, ...]:
    if given is None:
        return ()
    return (given,) if isinstance(given, str) else tuple(sorted(given))


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def may_route_to(owner: str, provider: str, party: str) -> bool:
    """A rule routes to its owner's own tiers or, for a partner's rule, to the incident's
    provider's: a partner's rule naming another vendor's tier never routes this incident."""
    return party in (owner, provider)


# --------------------------------------------------------------------------- the pinned snapshot


class SupplierTiers(BaseModel):
    """A middle supplier's tiers (a party of the chain between the owner and the provider)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    party: Name
    tiers: TiersDoc
    version: Version


class ConfigSnapshot(BaseModel):
    """The documents in force when an incident opens (a missing document: None, version None).
    The incident keeps them: later edits apply to new incidents only.

    Everything is the incident's own: `provider` is its product's vendor (the last party of its
    chain), never a provider of the directory, so one vendor's tiers, rules and profile of the
    partner never decide another vendor's incident. `middle`: the suppliers between the owning
    partner and the provider on a chain longer than three (in chain order); only their tiers
    count (the ladder passes through them; one without tiers is skipped), not their rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    provider: Name
    partner: Name
    middle: tuple[Name, ...] = ()
    middle_tiers: tuple[SupplierTiers, ...] = ()
    provider_tiers: TiersDoc | None = None
    provider_tiers_version: Version | None = None
    partner_tiers: TiersDoc | None = None
    partner_tiers_version: Version | None = None
    provider_rules: RulesDoc | None = None
    provider_rules_version: Version | None = None
    partner_rules: RulesDoc | None = None
    partner_rules_version: Version | None = None
    partner_profile: ProfileDoc | None = None
    partner_profile_version: Version | None = None

    @model_validator(mode="after")
    def _versioned(self) -> ConfigSnapshot:
        for name in (
            "provider_tiers",
            "partner_tiers",
            "provider_rules",
            "partner_rules",
            "partner_profile",
        ):
            if (getattr(self, name) is None) != (getattr(self, f"{name}_version") is None):
                raise ValueError(f"{name} and {name}_version go together")
        stray = sorted({m.party for m in self.middle_tiers} - set(self.middle))
        if stray:
            raise ValueError(f"tiers of parties not in the middle of the chain: {', '.join(stray)}")
        return self

    @property
    def parties(self) -> tuple[str, ...]:
        """The suppliers of the chain that may have tiers, bottom up: the owner, the middle
        suppliers, the provider (each once)."""
        return tuple(dict.fromkeys((self.partner, *self.middle, self.provider)))

    def tiers_of(self, party: str) -> tuple[TiersDoc | None, int | None]:
        if party == self.partner:
            return self.partner_tiers, self.partner_tiers_version
        if party == self.provider:
            return self.provider_tiers, self.provider_tiers_version
        if party in self.middle:
            found = next((m for m in self.middle_tiers if m.party == party), None)
            if found is not None:
                return found.tiers, found.version
        return None, None

    def versions(self) -> dict[str, int]:
        """What the incident pinned, e.g. {"tiers/acme": 3, "rules/northwind": 1, ...}."""
        pinned = {
            f"tiers/{self.provider}": self.provider_tiers_version,
            f"tiers/{self.partner}": self.partner_tiers_version,
            f"rules/{self.provider}": self.provider_rules_version,
            f"rules/{self.partner}": self.partner_rules_version,
            f"profile/{self.partner}": self.partner_profile_version,
            **{f"tiers/{m.party}": m.version for m in self.middle_tiers},
        }
        return {k: v for k, v in pinned.items() if v is not None}
