"""The demo configuration (provider acme; partners northwind and contoso; for the value web, a
second provider globex and a distributor dist) and small helpers that play the incidents
service's part: opening incidents and applying decisions as its events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from village_devstack import demo
from village_escalation.domain import escalation as esc
from village_escalation.domain.config import ConfigSnapshot, ProfileDoc, RulesDoc, TiersDoc
from village_escalation.domain.escalation import Decision, IncidentEscalation, Step
from village_escalation.domain.facts import Assigned, Escalated

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PROVIDER = "acme"
PARTNER_OF = {"initech": "northwind", "umbrella": "contoso"}

# The demo set `make run` seeds (village_devstack.demo.ESCALATION), by party.
TIERS: dict[str, dict[str, Any]] = {
    party: doc for _, party, kind, doc in demo.ESCALATION if kind == "tiers"
}
RULES: dict[str, dict[str, Any]] = {
    party: doc for _, party, kind, doc in demo.ESCALATION if kind == "rules"
}
# acme's profiles of its partners (globex's own are demo.WEB_ESCALATION's), by partner.
PROFILES: dict[str, dict[str, Any]] = {
    party: doc for _, party, kind, doc in demo.ESCALATION if kind == "profile"
}


# The value web: globex, a second provider (firewalls), with its tiers and rules; northwind sells
# both vendors' products, and its rules now route S2s to acme; dist, a distributor between
# northwind and globex on a four-party chain.
GLOBEX_TIERS: dict[str, Any] = {
    "tiers": [
        {"name": "GX L1", "policy": {"ack_minutes": 10, "progress_minutes": 45}},
        {"name": "GX L2", "policy": {"ack_minutes": 10}},
        {"name": "GX L3"},
    ],
    "ceiling": None,
}
GLOBEX_RULES: dict[str, Any] = {
    "rules": [
        {  # acme says northwind is premier: that must never count for globex's incidents
            "id": "gx-premier",
            "priority": 1,
            "match": {"partner_levels": ["premier"]},
            "route_to": {"party": "globex", "tier": "GX L3"},
        },
        {
            "id": "gx-uncertified",
            "priority": 20,
            "match": {"severities": ["S1", "S2"], "partner_certified": False},
            "route_to": {"party": "globex", "tier": "GX L2"},
        },
    ]
}
# northwind's rules, now that it sells globex too: one routes S2s to acme (its other vendor).
NORTHWIND_WEB_RULES: dict[str, Any] = {
    "rules": [
        *RULES["northwind"]["rules"],
        {
            "id": "s2-to-acme",
            "priority": 1,
            "match": {"severities": ["S2"]},
            "route_to": {"party": "acme", "tier": "TAC L2"},
        },
    ]
}
DIST_TIERS: dict[str, Any] = {
    "tiers": [
        {"name": "D1", "policy": {"ack_minutes": 20}},
        {"name": "D2", "policy": {"ack_minutes": 20}},
    ]
}


def snapshot(
    partner: str = "northwind",
    version: int = 1,
    *,
    tiers: dict[str, Any] | None = None,
    rules: dict[str, Any] | None = None,
) -> ConfigSnapshot:
    """The documents in force for `partner`'s incidents, every one at `version`; `tiers` and
    `rules` replace some parties' documents (None: the party has none)."""
    tiers_by = {**TIERS, **(tiers or {})}
    rules_by = {**RULES, **(rules or {})}

    def tiers_of(party: str) -> TiersDoc | None:
        doc = tiers_by.get(party)
        return None if doc is None else TiersDoc.model_validate(doc)

    def rules_of(party: str) -> RulesDoc | None:
        doc = rules_by.get(party)
        return None if doc is None else RulesDoc.for_owner(doc, party, PROVIDER)

    provider_tiers, partner_tiers = tiers_of(PROVIDER), tiers_of(partner)
    provider_rules, partner_rules = rules_of(PROVIDER), rules_of(partner)
    profile = PROFILES.get(partner)
    return ConfigSnapshot(
        provider=PROVIDER,
        partner=partner,
        provider_tiers=provider_tiers,
        provider_tiers_version=version if provider_tiers else None,
        partner_tiers=partner_tiers,
        partner_tiers_version=version if partner_tiers else None,
        provider_rules=provider_rules,
        provider_rules_version=version if provider_rules else None,
        partner_rules=partner_rules,
        partner_rules_version=version if partner_rules else None,
        partner_profile=ProfileDoc.model_validate(profile) if profile else None,
        partner_profile_version=version if profile else None,
    )


def opened_data(
    incident_id: str = "inc-1",
    severity: str = "S3",
    product: str = "routers",
    customer: str = "initech",
) -> dict[str, Any]:
    """The `opened` event's data (the fields escalation reads, and a few it does not)."""
    return {
        "incident_id": incident_id,
        "title": "VPN down",
        "description": "Branch VPN flaps",
        "severity": severity,
        "product": product,
        "impacted_service": None,
        "customer": customer,
        "partner": PARTNER_OF[customer],
        "provider": PROVIDER,
        "requester": f"{customer}-user",
        "opened_by": f"{PARTNER_OF[customer]}-user",
        "external_refs": [],
    }


def web_opened(
    provider: str,
    severity: str = "S3",
    product: str | None = None,
    chain: list[str] | None = None,
    incident_id: str = "inc-1",
) -> dict[str, Any]:
    """A northwind incident for initech of `provider`'s product, as `opened` records it (with
    its chain: by default the three parties)."""
    product = product or {"acme": "routers", "globex": "firewalls"}[provider]
    data = {**opened_data(incident_id, severity, product), "provider": provider}
    data["chain"] = chain or ["initech", "northwind", provider]
    return data


def open_incident(
    incident_id: str = "inc-1",
    severity: str = "S3",
    product: str = "routers",
    customer: str = "initech",
    at: datetime = T0,
    config: ConfigSnapshot | None = None,
) -> Step:
    config = config or snapshot(PARTNER_OF[customer])
    return esc.open(opened_data(incident_id, severity, product, customer), at, config)


def land(state: IncidentEscalation, decision: Decision, at: datetime) -> Step:
    """The incidents service applies the decision: `assign` for a route or hand-back, `escalate`
    (with the decision id) for an escalation; its event comes back to escalation."""
    to = decision.to_tier
    if decision.kind == "escalate":
        from_ = decision.from_tier
        data = {
            "from_party": from_.party if from_ else None,
            "from_tier": from_.tier if from_ else None,
            "to_party": to.party,
            "to_tier": to.tier,
            "reason": decision.reason,
            "decision_id": decision.decision_id,
        }
        return esc.follow(state, Escalated.of(data, at))
    data = {"party": to.party, "tier": to.tier or None, "assignee": None}
    return esc.follow(state, Assigned.of(data, at))


def routed(
    severity: str = "S3",
    product: str = "routers",
    customer: str = "initech",
    config: ConfigSnapshot | None = None,
) -> IncidentEscalation:
    """An incident opened at T0 whose route decision landed one minute later."""
    state, decisions = open_incident(
        severity=severity, product=product, customer=customer, config=config
    )
    state, _ = land(state, decisions[0], T0 + timedelta(minutes=1))
    return state


def warning(percent: int, clock: str = "resolve") -> dict[str, Any]:
    """A village.sla.warning.v1 event's data."""
    return {
        "incident_id": "inc-1",
        "contract_id": "initech-northwind",
        "contract_version": 1,
        "contract_kind": "customer_facing",
        "owing_party": "northwind",
        "owed_party": "initech",
        "clock": clock,
        "round": 0,
        "severity": "S3",
        "target_seconds": 14400.0,
        "elapsed_seconds": 144.0 * percent,
        "state": "running",
        "outcome": None,
        "due_at": "2026-11-23T13:00:00+00:00",
        "at": "2026-11-23T10:00:00+00:00",
        "percent": percent,
    }
