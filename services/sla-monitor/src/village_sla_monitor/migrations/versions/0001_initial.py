"""Platform tables, durable timers, contracts and the SLA read model.

Revision ID: 0001
"""

from alembic import op

from village_platform import storage_schema, timers

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    # Every version of every contract; an incident keeps the version in force when it opened.
    """
    CREATE TABLE contracts (
        contract_id    text NOT NULL,
        version        integer NOT NULL,
        kind           text NOT NULL,
        provider       text NOT NULL,
        customer       text NOT NULL,
        effective_from timestamptz NOT NULL,
        terms          jsonb NOT NULL,
        recorded_at    timestamptz NOT NULL,
        PRIMARY KEY (contract_id, version)
    )
    """,
    "CREATE INDEX contracts_in_force ON contracts (kind, provider, customer, effective_from)",
    # One row per incident: the projection's whole state, read and written per event.
    """
    CREATE TABLE incident_sla (
        incident_id text PRIMARY KEY,
        customer    text NOT NULL,
        partner     text NOT NULL,
        provider    text NOT NULL,
        severity    text NOT NULL,
        status      text NOT NULL,
        opened_at   timestamptz NOT NULL,
        resolved_at timestamptz,
        rating      integer,
        state       jsonb NOT NULL
    )
    """,
    # One row per clock, for /at-risk and the reports (the state above is the truth).
    """
    CREATE TABLE sla_clocks (
        incident_id    text NOT NULL,
        contract_id    text NOT NULL,
        clock          text NOT NULL,
        contract_kind  text NOT NULL,
        owing          text NOT NULL,
        owed           text NOT NULL,
        severity       text NOT NULL,
        target_seconds double precision NOT NULL,
        elapsed_seconds double precision NOT NULL,
        started_at     timestamptz NOT NULL,
        running        boolean NOT NULL,
        paused         boolean NOT NULL,
        due_at         timestamptz,
        stopped_at     timestamptz,
        outcome        text,
        breached_at    timestamptz,
        PRIMARY KEY (incident_id, contract_id, clock)
    )
    """,
    "CREATE INDEX sla_clocks_at_risk ON sla_clocks (due_at) WHERE running",
    "CREATE INDEX sla_clocks_contract ON sla_clocks (contract_id, started_at)",
    # Credits as accrued (after the monthly cap); `key` makes accrual idempotent.
    """
    CREATE TABLE credits (
        key         text PRIMARY KEY,
        contract_id text NOT NULL,
        incident_id text NOT NULL,
        month       text NOT NULL,
        rule        text NOT NULL,
        amount      numeric NOT NULL,
        uncapped    numeric NOT NULL,
        accrued_at  timestamptz NOT NULL
    )
    """,
    "CREATE INDEX credits_month ON credits (contract_id, month)",
    # Impact windows per contract covering the incident when the impact ended.
    """
    CREATE TABLE downtime (
        contract_id text NOT NULL,
        incident_id text NOT NULL,
        started_at  timestamptz NOT NULL,
        ended_at    timestamptz NOT NULL,
        PRIMARY KEY (contract_id, incident_id, started_at)
    )
    """,
]


def upgrade() -> None:
    for statement in storage_schema.UPGRADE + timers.UPGRADE + TABLES:
        op.execute(statement)


def downgrade() -> None:
    for table in ("downtime", "credits", "sla_clocks", "incident_sla", "contracts", "timers"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in storage_schema.DOWNGRADE:
        op.execute(statement)
