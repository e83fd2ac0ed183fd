"""The timeline in commit order across incidents: My work's live stream tails every incident
its party is on (reads.Timeline.committed_after with no incident).

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX timeline_in_commit_order ON timeline (tx_id, entry_id)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS timeline_in_commit_order")
