"""Platform tables (event store, idempotency, consumer bookkeeping) and the incidents read model.

Revision ID: 0001
"""

from alembic import op

from village_platform import storage_schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

READ_MODEL = [
    """
    CREATE TABLE parties (
        id        text PRIMARY KEY,
        kind      text NOT NULL CHECK (kind IN ('provider', 'partner', 'customer')),
        name      text NOT NULL,
        provider  text,
        partner   text,
        customers text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE incidents (
        seq         bigserial UNIQUE,
        id          text PRIMARY KEY,
        version     integer NOT NULL,
        title       text NOT NULL,
        status      text NOT NULL,
        severity    text NOT NULL,
        product     text NOT NULL,
        customer    text NOT NULL,
        partner     text NOT NULL,
        provider    text NOT NULL,
        collaborators text[] NOT NULL DEFAULT '{}',
        opened_at   timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        resolved_at timestamptz
    )
    """,
    "CREATE INDEX incidents_partner ON incidents (partner, seq)",
    "CREATE INDEX incidents_customer ON incidents (customer, seq)",
    "CREATE INDEX incidents_collaborators ON incidents USING gin (collaborators)",
    "CREATE INDEX incidents_resolved ON incidents (resolved_at) WHERE status = 'resolved'",
    """
    CREATE TABLE incident_external_refs (
        owner       text NOT NULL,
        type        text NOT NULL,
        ref         text NOT NULL,
        incident_id text NOT NULL REFERENCES incidents (id),
        PRIMARY KEY (owner, type, ref)
    )
    """,
    "CREATE INDEX incident_external_refs_incident ON incident_external_refs (incident_id)",
]


def upgrade() -> None:
    for statement in storage_schema.UPGRADE + READ_MODEL:
        op.execute(statement)


def downgrade() -> None:
    for table in ("incident_external_refs", "incidents", "parties"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in storage_schema.DOWNGRADE:
        op.execute(statement)
