"""A cancelled provider incident announces itself: a delivery may be a cancellation (`cancel`:
the provider's note to the linked incident, and the incident unlinked, reason
`outage_cancelled`), fanned out as updates are (fanout.py).

Revision ID: 0007
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE outage_deliveries DROP CONSTRAINT outage_deliveries_kind_check")
    op.execute(
        "ALTER TABLE outage_deliveries ADD CONSTRAINT outage_deliveries_kind_check"
        " CHECK (kind IN ('note', 'resolve', 'cancel'))"
    )


def downgrade() -> None:
    op.execute("DELETE FROM outage_deliveries WHERE kind = 'cancel'")
    op.execute("ALTER TABLE outage_deliveries DROP CONSTRAINT outage_deliveries_kind_check")
    op.execute(
        "ALTER TABLE outage_deliveries ADD CONSTRAINT outage_deliveries_kind_check"
        " CHECK (kind IN ('note', 'resolve'))"
    )
