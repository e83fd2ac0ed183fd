"""An endpoint that keeps failing is paused as a whole (the dispatcher's circuit breaker):
`failures` counts its attempts that failed in a row (any answer resets it), `paused_until` is
when one probe may go again. Operational state, like a delivery's `next_attempt_at`: not part
of the endpoint's version.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE endpoints ADD COLUMN failures integer NOT NULL DEFAULT 0,"
        " ADD COLUMN paused_until timestamptz"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE endpoints DROP COLUMN failures, DROP COLUMN paused_until")
