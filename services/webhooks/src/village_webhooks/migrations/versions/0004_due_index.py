"""Pending deliveries by endpoint in the order they fall due: the dispatcher's claim walks each
endpoint's due deliveries from the earliest and stops once it has as many queue heads as the
endpoint has free slots, so a claim costs the same with a backlog of 50 or 50,000 (it used to
read every pending delivery to find the heads).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX deliveries_due ON deliveries (endpoint_id, next_attempt_at, seq)"
        " WHERE status = 'pending'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX deliveries_due")
