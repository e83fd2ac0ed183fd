"""Who works each incident: the suppliers of its chain (owner, middle suppliers, provider), so
that a middle supplier of a longer chain sees the incidents it is on, and every view filters by
the incident's own parties. Rows from before chains have none: their views use the partner and
the provider, as before, until the incident's next event saves them.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE incident_escalation ADD COLUMN suppliers text[]")


def downgrade() -> None:
    op.execute("ALTER TABLE incident_escalation DROP COLUMN suppliers")
