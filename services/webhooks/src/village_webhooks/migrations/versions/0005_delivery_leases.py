"""A delivery in flight carries its lease (`leased_until`, cleared when its outcome is recorded),
so an endpoint's requests in flight are counted across every dispatcher on the database: with N
replicas a receiver still gets at most `WEBHOOKS_PER_ENDPOINT_CONCURRENCY` at once, not N times
that. The partial index holds only the deliveries in flight: a claim counts an endpoint's in one
probe whatever the backlog.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE deliveries ADD COLUMN leased_until timestamptz")
    op.execute(
        "CREATE INDEX deliveries_leased ON deliveries (endpoint_id, leased_until)"
        " WHERE leased_until IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX deliveries_leased")
    op.execute("ALTER TABLE deliveries DROP COLUMN leased_until")
