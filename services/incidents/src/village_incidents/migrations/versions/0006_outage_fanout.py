"""The provider incidents' fan-out: each update (posted, a status message, the resolution) is a
row of `outage_updates` (what `GET /provider-incidents/{id}/updates` lists, with its total), and
each incident it must still reach a row of `outage_deliveries`, written in the command's
transaction and deleted in the transaction that delivers it (fanout.py): the queue is the work
left. A link's confirmation gains when the provider resolved it and when its requester was
reminded.

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATEMENTS = [
    """
    CREATE TABLE outage_updates (
        seq         bigserial UNIQUE,
        update_id   text PRIMARY KEY,
        outage_id   text NOT NULL,
        kind        text NOT NULL,
        body        text NOT NULL,
        audience    text NOT NULL,
        total       integer NOT NULL,
        resolution_code  text,
        resolution_notes text,
        posted_at   timestamptz NOT NULL
    )
    """,
    "CREATE INDEX outage_updates_outage ON outage_updates (outage_id, seq)",
    """
    CREATE TABLE outage_deliveries (
        update_id   text NOT NULL,
        incident_id text NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('note', 'resolve')),
        created_at  timestamptz NOT NULL,
        PRIMARY KEY (update_id, incident_id)
    )
    """,
    "CREATE INDEX outage_deliveries_oldest ON outage_deliveries (created_at)",
    "ALTER TABLE provider_incident_links ADD COLUMN resolved_at timestamptz",
    "ALTER TABLE provider_incident_links ADD COLUMN reminded_at timestamptz",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for column in ("reminded_at", "resolved_at"):
        op.execute(f"ALTER TABLE provider_incident_links DROP COLUMN IF EXISTS {column}")
    op.execute("DROP TABLE IF EXISTS outage_deliveries")
    op.execute("DROP TABLE IF EXISTS outage_updates")
