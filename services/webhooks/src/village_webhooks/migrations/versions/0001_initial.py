"""Platform tables, endpoints and deliveries.

Revision ID: 0001
"""

from alembic import op

from village_platform import storage_schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    # A party's endpoint: what it subscribes to and the secrets it is signed with. During a
    # rotation's overlap the previous secret signs too, until previous_expires_at.
    """
    CREATE TABLE endpoints (
        endpoint_id  uuid PRIMARY KEY,
        party        text NOT NULL,
        party_kind   text NOT NULL,
        url          text NOT NULL,
        description  text NOT NULL DEFAULT '',
        event_types  text[] NOT NULL,
        incident_filter jsonb NOT NULL DEFAULT '{}',
        secret       text NOT NULL,
        previous_secret text,
        previous_expires_at timestamptz,
        status       text NOT NULL CHECK (status IN ('active', 'failing', 'disabled')),
        version      integer NOT NULL DEFAULT 1,
        created_at   timestamptz NOT NULL,
        updated_at   timestamptz NOT NULL,
        failing_since timestamptz
    )
    """,
    "CREATE INDEX endpoints_party ON endpoints (party, created_at)",
    # One row per (endpoint, event): written with the consumed record (exactly once), sent
    # in `seq` order per (endpoint, subject); `next_attempt_at` doubles as the sender's lease.
    """
    CREATE TABLE deliveries (
        delivery_id  uuid PRIMARY KEY,
        seq          bigserial,
        endpoint_id  uuid NOT NULL REFERENCES endpoints ON DELETE CASCADE,
        event_id     uuid NOT NULL,
        event_type   text NOT NULL,
        subject      text NOT NULL,
        event_time   timestamptz NOT NULL,
        payload      text NOT NULL,
        status       text NOT NULL CHECK (status IN ('pending', 'delivered', 'parked', 'failed')),
        attempts     integer NOT NULL DEFAULT 0,
        queued_at    timestamptz NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        last_attempt_at timestamptz,
        response_status integer,
        last_error   text,
        latency_ms   double precision,
        delivered_at timestamptz,
        created_at   timestamptz NOT NULL,
        UNIQUE (endpoint_id, event_id)
    )
    """,
    "CREATE INDEX deliveries_pending ON deliveries (endpoint_id, subject, seq)"
    " WHERE status = 'pending'",
    "CREATE INDEX deliveries_listing ON deliveries (endpoint_id, seq)",
    "CREATE INDEX deliveries_time ON deliveries (endpoint_id, event_time)",
]


def upgrade() -> None:
    for statement in storage_schema.UPGRADE + TABLES:
        op.execute(statement)


def downgrade() -> None:
    for table in ("deliveries", "endpoints"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in storage_schema.DOWNGRADE:
        op.execute(statement)
