"""Platform tables, durable timers, versioned configuration, decisions and the read model.

Revision ID: 0001
"""

from alembic import op

from village_platform import storage_schema, timers

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    # Every version of every party's tiers (with policies), profile and rules; an incident
    # keeps the versions in force when it opened.
    """
    CREATE TABLE config_versions (
        party       text NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('tiers', 'profile', 'rules')),
        version     integer NOT NULL,
        document    jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        PRIMARY KEY (party, kind, version)
    )
    """,
    # One row per incident: the process manager's whole state, read and written per event;
    # the columns beside it serve the queues.
    """
    CREATE TABLE incident_escalation (
        incident_id  text PRIMARY KEY,
        customer     text NOT NULL,
        partner      text NOT NULL,
        provider     text NOT NULL,
        severity     text NOT NULL,
        product      text NOT NULL,
        title        text NOT NULL,
        status       text NOT NULL,
        opened_at    timestamptz NOT NULL,
        tier_party   text,
        tier         text,
        entered_at   timestamptz,
        traceparent  text,  -- the opening's trace: decisions a timer makes later join it
        state        jsonb NOT NULL
    )
    """,
    "CREATE INDEX incident_escalation_queue ON incident_escalation (tier_party, tier, entered_at)",
    # Every decision and what became of it; `pending` ones are sent from `next_attempt_at` on.
    """
    CREATE TABLE decisions (
        decision_id uuid PRIMARY KEY,
        incident_id text NOT NULL,
        seq         bigserial,
        kind        text NOT NULL,
        trigger     text NOT NULL,
        from_party  text,
        from_tier   text,
        to_party    text NOT NULL,
        to_tier     text NOT NULL,
        basis       jsonb NOT NULL,
        reason      text NOT NULL,
        decided_at  timestamptz NOT NULL,
        status      text NOT NULL CHECK (status IN ('pending', 'applied', 'failed')),
        attempts    integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_error  text,
        outcome_at  timestamptz,
        problem     jsonb,
        traceparent text
    )
    """,
    "CREATE INDEX decisions_incident ON decisions (incident_id, seq)",
    "CREATE INDEX decisions_pending ON decisions (incident_id, seq) WHERE status = 'pending'",
    # The incident's SLA clocks as the SLA monitor's events describe them (queues show what is
    # left).
    """
    CREATE TABLE sla_clocks (
        incident_id   text NOT NULL,
        contract_id   text NOT NULL,
        clock         text NOT NULL,
        contract_kind text NOT NULL,
        owing         text NOT NULL,
        state         text NOT NULL,
        due_at        timestamptz,
        updated_at    timestamptz NOT NULL,
        PRIMARY KEY (incident_id, contract_id, clock)
    )
    """,
]


def upgrade() -> None:
    for statement in storage_schema.UPGRADE + timers.UPGRADE + TABLES:
        op.execute(statement)


def downgrade() -> None:
    for table in ("sla_clocks", "decisions", "incident_escalation", "config_versions", "timers"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in storage_schema.DOWNGRADE:
        op.execute(statement)
