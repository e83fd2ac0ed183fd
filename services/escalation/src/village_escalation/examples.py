"""Examples of the escalation API's answers, for its OpenAPI document (api.py)."""

from __future__ import annotations

from typing import Any

_ID = "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90"
_ROUTE = {
    "decision_id": "75cd3eef-4f3e-5988-b143-d9e7fb34c460",
    "kind": "route",
    "trigger": "opened",
    "from": None,
    "to": {"party": "acme", "tier": "TAC L2"},
    "basis": {"type": "rule", "party": "acme", "id": "s1-uncertified", "version": 1},
    "reason": (
        "S1 for firewalls: northwind is not certified for firewalls"
        " (rule s1-uncertified of acme, v1)"
    ),
    "decided_at": "2026-11-23T09:14:02+00:00",
    "status": "applied",
    "outcome_at": "2026-11-23T09:14:02.120000+00:00",
    "problem": None,
}
PATH_EXAMPLE = {
    "incident_id": _ID,
    "severity": "S1",
    "product": "firewalls",
    "status": "new",
    "current": {
        "party": "acme",
        "tier": "TAC L2",
        "since": "2026-11-23T09:14:02.150000+00:00",
        "age_seconds": 312.5,
    },
    "pinned_versions": {
        "tiers/acme": 1,
        "rules/acme": 1,
        "tiers/northwind": 1,
        "rules/northwind": 1,
        "profile/northwind": 1,
    },
    "path": [
        {
            "party": "acme",
            "tier": "TAC L2",
            "at": "2026-11-23T09:14:02.150000Z",
            "decision_id": "75cd3eef-4f3e-5988-b143-d9e7fb34c460",
        }
    ],
    "decisions": [_ROUTE],
}
QUEUE_EXAMPLE = {
    "party": "acme",
    "tier": "TAC L2",
    "items": [
        {
            "incident_id": _ID,
            "title": "Perimeter firewall drops VPN traffic",
            "severity": "S1",
            "product": "firewalls",
            "customer": "initech",
            "partner": "northwind",
            "status": "new",
            "opened_at": "2026-11-23T09:14:02+00:00",
            "at_tier_since": "2026-11-23T09:14:02.150000+00:00",
            "age_seconds": 312.5,
            "sla": {
                "contract_id": "northwind-acme",
                "clock": "respond",
                "due_at": "2026-11-23T09:44:02.150000+00:00",
                "remaining_seconds": 1487.5,
            },
        }
    ],
}
QUEUES_EXAMPLE = {
    "items": [
        {
            "party": "acme",
            "tier": "TAC L2",
            "incidents": 3,
            "oldest_entered_at": "2026-11-23T09:14:02.150000+00:00",
        }
    ]
}
REQUEST_EXAMPLE = {
    **{k: v for k, v in _ROUTE.items() if k in ("decision_id", "reason")},
    "incident_id": _ID,
    "kind": "escalate",
    "trigger": "manual",
    "from": {"party": "acme", "tier": "TAC L2"},
    "to": {"party": "acme", "tier": "Engineering L3"},
    "basis": {"type": "manual", "requested_by": "northwind", "user": "nina"},
    "at": "2026-11-23T09:20:00+00:00",
}


# globex's own profile of northwind (acme keeps another, which globex never reads).
PROFILE_EXAMPLE = {
    "party": "northwind",
    "kind": "profile",
    "provider": "globex",
    "version": 2,
    "recorded_at": "2026-11-23T09:00:00+00:00",
    "recorded_by": "globex/gina",
    "level": "gold",
    "specialisations": ["globex-firewalls"],
}


def example(body: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` with `body` as the example of a JSON answer."""
    return {status: {"content": {"application/json": {"example": body}}}}
