"""The value web: supplies (who supplies whom with which products), and each incident's chain.

`supplies` is the directory stream's read model (`village.directory.supply_*` events); the
original registration fields (a partner's provider and customers, a customer's partner) stay on
`parties` and count as supplies of every product. `incidents.chain` lists everyone on the
incident's supply chain (customer, partner, ... provider): lists filter on it.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATEMENTS = [
    """
    CREATE TABLE supplies (
        supplier text NOT NULL,
        buyer    text NOT NULL,
        products text[],
        version  integer NOT NULL,
        PRIMARY KEY (supplier, buyer)
    )
    """,
    "CREATE INDEX supplies_buyer ON supplies (buyer)",
    "ALTER TABLE incidents ADD COLUMN chain text[]",
    "UPDATE incidents SET chain = ARRAY[customer, partner, provider]",
    "ALTER TABLE incidents ALTER COLUMN chain SET NOT NULL",
    "CREATE INDEX incidents_chain ON incidents USING gin (chain)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS incidents_chain")
    op.execute("ALTER TABLE incidents DROP COLUMN IF EXISTS chain")
    op.execute("DROP TABLE IF EXISTS supplies")
