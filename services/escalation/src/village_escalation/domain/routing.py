"""Where a new incident starts: the incident's own provider's and the owning partner's rules,
first match wins, else the partner's first tier (else that of the next supplier up the chain that
has tiers: a middle supplier's, else the provider's). Middle suppliers' rules do not route."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import ConfigSnapshot, Match, ProfileDoc, Rule, RulesDoc, TierRef, may_route_to


@dataclass(frozen=True)
class NewIncident:
    """What routing looks at."""

    severity: str
    product: str
    customer: str
    partner: str
    provider: str


@dataclass(frozen=True)
class Route:
    to: TierRef
    basis: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class _Candidate:
    rule: Rule
    owner: str
    version: int
    rank: int  # provider 0, partner 1: the provider wins a priority tie

    @property
    def order(self) -> tuple[int, int, str]:
        return (self.rule.priority, self.rank, self.rule.id)


def evaluate(incident: NewIncident, config: ConfigSnapshot) -> Route | None:
    """The starting tier with its basis and reason; None when nobody has tiers (unrouted)."""
    for candidate in sorted(_candidates(config), key=lambda c: c.order):
        rule = candidate.rule
        if not may_route_to(candidate.owner, config.provider, rule.route_to.party):
            continue
        tiers, _ = config.tiers_of(rule.route_to.party)
        if tiers is None or tiers.tier(rule.route_to.tier) is None:
            continue  # names a tier that does not exist (any more): skipped
        if matches(rule.match, incident, config.partner_profile):
            basis = {
                "type": "rule",
                "party": candidate.owner,
                "id": rule.id,
                "version": candidate.version,
            }
            return Route(
                TierRef(rule.route_to.party, rule.route_to.tier),
                basis,
                _rule_reason(candidate, incident, config.partner_profile),
            )
    parties = config.parties
    for n, party in enumerate(parties):
        tiers, version = config.tiers_of(party)
        if tiers is not None and tiers.tiers:
            first = tiers.tiers[0].name
            basis = {"type": "default", "party": party, "tier": first, "version": version}
            why = "no routing rule matched"
            if n:
                have = "has" if n == 1 else "have"
                why += f" and {', '.join(parties[:n])} {have} no tiers"
            return Route(
                TierRef(party, first), basis, f"{why}: {party}'s first tier, {first} (default)"
            )
    return None


def matches(match: Match, incident: NewIncident, profile: ProfileDoc | None) -> bool:
    """Every given condition holds. Without a profile the partner has no level and is certified
    for nothing."""
    certified = profile is not None and incident.product in profile.specialisations
    return all(
        (
            match.severities is None or incident.severity in match.severities,
            match.products is None or incident.product in match.products,
            match.customers is None or incident.customer in match.customers,
            match.partners is None or incident.partner in match.partners,
            match.partner_levels is None
            or (profile is not None and profile.level in match.partner_levels),
            match.partner_certified is None or match.partner_certified == certified,
        )
    )


def _candidates(config: ConfigSnapshot) -> list[_Candidate]:
    out: list[_Candidate] = []
    sources: list[tuple[str, RulesDoc | None, int | None, int]] = [
        (config.provider, config.provider_rules, config.provider_rules_version, 0),
        (config.partner, config.partner_rules, config.partner_rules_version, 1),
    ]
    for owner, doc, version, rank in sources:
        if doc is not None and version is not None:
            out += [_Candidate(rule, owner, version, rank) for rule in doc.rules]
    return out


def _rule_reason(candidate: _Candidate, incident: NewIncident, profile: ProfileDoc | None) -> str:
    """E.g. "S1 for firewalls: northwind is not certified for firewalls (rule s1-uncertified of
    acme, v1)": the facts that made the rule match, then the rule."""
    m = candidate.rule.match
    facts = []
    if m.partner_certified is not None:
        negation = "" if m.partner_certified else "not "
        facts.append(f"{incident.partner} is {negation}certified for {incident.product}")
    if m.partner_levels is not None and profile is not None:
        facts.append(f"{incident.partner} is a {profile.level} partner")
    if m.customers is not None:
        facts.append(f"customer {incident.customer}")
    if m.partners is not None:
        facts.append(f"owned by {incident.partner}")
    head = f"{incident.severity} for {incident.product}"
    if facts:
        head += ": " + ", ".join(facts)
    return f"{head} (rule {candidate.rule.id} of {candidate.owner}, v{candidate.version})"
