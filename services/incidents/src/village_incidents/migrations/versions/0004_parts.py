"""Parts: an incident may be split into parts, one per vendor, each an incident of its own whose
`opened` event names its parent. `incidents.parent_id` is that parent (null for every incident
opened before parts existed, and for every incident that is not a part); the parent's view and
`GET /incidents/{id}/parts` list its parts by it, newest first.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATEMENTS = [
    "ALTER TABLE incidents ADD COLUMN parent_id text",
    # Only parts carry a parent: the index holds them alone, in the lists' order.
    "CREATE INDEX incidents_parent ON incidents (parent_id, seq) WHERE parent_id IS NOT NULL",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS incidents_parent")
    op.execute("ALTER TABLE incidents DROP COLUMN IF EXISTS parent_id")
