"""Who is owed each clock: queues show a clock only to the two parties of its contract (the
egress rule), so a provider reading its queue never learns the clocks of its partner's own
contract with the customer. Clocks recorded before this know only their owing party, and are
shown to it alone until their next event.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE sla_clocks ADD COLUMN owed text")


def downgrade() -> None:
    op.execute("ALTER TABLE sla_clocks DROP COLUMN owed")
