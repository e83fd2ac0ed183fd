"""Read-model views: queues, one incident's escalation path. `viewer` None sees everything;
otherwise only incidents that party works as a supplier on the incident's own chain: owns
(partner), provides (the incident's provider, its product's vendor) or supplies in between. A
provider never sees another provider's incidents, in any party's queue. An incident the provider
holds for an outage waits in the provider's queue of it (tier `outage:<outage id>`).
`EscalationViews` reads them, each in its own connection, at the clock's now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform.clock import Clock

_VISIBLE = (
    "(CAST(:v AS text) IS NULL OR i.partner = :v OR i.provider = :v"
    " OR CAST(:v AS text) = ANY(coalesce(i.suppliers, ARRAY[]::text[])))"
)
OPEN = "i.status NOT IN ('resolved', 'closed', 'cancelled')"

# The SLA left at a tier: the soonest running clock of a contract the tier's party owes (its
# own promise), else of any contract on the incident; of the contracts the viewer is a party to
# only (the egress rule of clocks: a provider never sees its partner's promise to the customer).
_QUEUE = text(f"""
    SELECT i.incident_id, i.title, i.severity, i.product, i.customer, i.partner, i.status,
           i.opened_at, i.entered_at, c.contract_id, c.clock, c.due_at
    FROM incident_escalation i
    LEFT JOIN LATERAL (
        SELECT contract_id, clock, due_at FROM sla_clocks s
        WHERE s.incident_id = i.incident_id AND s.state = 'running' AND s.due_at IS NOT NULL
          AND (CAST(:v AS text) IS NULL OR :v IN (s.owing, s.owed))
        ORDER BY (s.owing = i.tier_party) DESC, s.due_at LIMIT 1) c ON true
    WHERE i.tier_party = :party AND i.tier = :tier AND {OPEN} AND {_VISIBLE}
    ORDER BY c.due_at NULLS LAST, i.entered_at
    LIMIT 1000
""")
_QUEUES = text(f"""
    SELECT i.tier_party AS party, i.tier, count(*) AS incidents,
           min(i.entered_at) AS oldest_entered_at
    FROM incident_escalation i
    WHERE i.tier_party IS NOT NULL AND {OPEN} AND {_VISIBLE}
      AND (CAST(:v AS text) IS NULL OR i.tier_party = :v OR i.provider = :v)
    GROUP BY i.tier_party, i.tier ORDER BY i.tier_party, i.tier
""")


# Whose queues a viewer may look into besides its own: the parties working an incident it
# provides (its partners, the suppliers between), where it sees only its own incidents. Any other
# party's queue (another provider's, a stranger's) it may not learn of.
_MAY_LOOK_INTO = text(
    "SELECT EXISTS (SELECT 1 FROM incident_escalation i WHERE i.provider = :v"
    " AND (i.partner = :party OR :party = ANY(coalesce(i.suppliers, ARRAY[]::text[]))))"
)


async def queue(
    conn: AsyncConnection, party: str, tier: str, viewer: str | None, now: datetime
) -> list[dict[str, Any]] | None:
    """The incidents at `party`'s `tier` that `viewer` may see; None when it may not look into
    `party`'s queues at all (not its own, nor of a party working one of its incidents)."""
    if viewer is not None and viewer != party:
        if not await conn.scalar(_MAY_LOOK_INTO, {"party": party, "v": viewer}):
            return None
    rows = await conn.execute(_QUEUE, {"party": party, "tier": tier, "v": viewer})
    return [
        {
            "incident_id": r.incident_id,
            "title": r.title,
            "severity": r.severity,
            "product": r.product,
            "customer": r.customer,
            "partner": r.partner,
            "status": r.status,
            "opened_at": r.opened_at,
            "at_tier_since": r.entered_at,
            "age_seconds": round((now - r.entered_at).total_seconds(), 3) if r.entered_at else None,
            "sla": None
            if r.due_at is None
            else {
                "contract_id": r.contract_id,
                "clock": r.clock,
                "due_at": r.due_at,
                "remaining_seconds": round((r.due_at - now).total_seconds(), 3),
            },
        }
        for r in rows
    ]


async def queues(conn: AsyncConnection, viewer: str | None) -> list[dict[str, Any]]:
    rows = await conn.execute(_QUEUES, {"v": viewer})
    return [dict(r._mapping) for r in rows]


async def incident(
    conn: AsyncConnection, incident_id: str, viewer: str | None, now: datetime
) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            text(f"SELECT * FROM incident_escalation i WHERE i.incident_id = :i AND {_VISIBLE}"),
            {"i": incident_id, "v": viewer},
        )
    ).first()
    if row is None:
        return None
    decisions = await conn.execute(
        text(
            "SELECT decision_id, kind, trigger, from_party, from_tier, to_party, to_tier, basis,"
            " reason, decided_at, status, outcome_at, problem"
            " FROM decisions WHERE incident_id = :i ORDER BY seq"
        ),
        {"i": incident_id},
    )
    state = row.state
    return {
        "incident_id": row.incident_id,
        "severity": row.severity,
        "product": row.product,
        "status": row.status,
        "current": None
        if row.tier_party is None
        else {
            "party": row.tier_party,
            "tier": row.tier,
            "since": row.entered_at,
            "age_seconds": round((now - row.entered_at).total_seconds(), 3)
            if row.entered_at
            else None,
        },
        "pinned_versions": state.get("pinned", {}),
        "path": state.get("path", []),
        "decisions": [
            {
                "decision_id": d.decision_id,
                "kind": d.kind,
                "trigger": d.trigger,
                "from": None
                if d.from_party is None
                else {"party": d.from_party, "tier": d.from_tier},
                "to": {"party": d.to_party, "tier": d.to_tier},
                "basis": d.basis,
                "reason": d.reason,
                "decided_at": d.decided_at,
                "status": d.status,
                "outcome_at": d.outcome_at,
                "problem": d.problem,
            }
            for d in decisions
        ],
    }


class EscalationViews:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    async def queues(self, viewer: str | None) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            return await queues(conn, viewer)

    async def queue(self, party: str, tier: str, viewer: str | None) -> list[dict[str, Any]] | None:
        async with self.engine.connect() as conn:
            return await queue(conn, party, tier, viewer, self.clock.now())

    async def incident(self, incident_id: str, viewer: str | None) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            return await incident(conn, incident_id, viewer, self.clock.now())
