"""Platform tables (the console publishes nothing; its consumers use the handled records).

Revision ID: 0001
"""

from alembic import op

from village_platform import storage_schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in storage_schema.UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in storage_schema.DOWNGRADE:
        op.execute(statement)
