"""The timeline read model: who is on each incident, and one row per entry of its history.

Revision ID: 0002
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = [
    # Who may see an incident at all (the incidents service's rule, from its events): its chain
    # (customer, owning partner, suppliers, provider) and its collaborators now. `tiers`: the
    # tier each party works it at now (assignments, escalations), stamped on its entries.
    """
    CREATE TABLE incidents (
        incident_id   text PRIMARY KEY,
        chain         text[] NOT NULL DEFAULT '{}',
        collaborators text[] NOT NULL DEFAULT '{}',
        tiers         jsonb NOT NULL DEFAULT '{}'
    )
    """,
    # One row per event of any service about an incident. `metadata` is the event's description
    # for the egress rule (parties, visibility, actor_party, provider, narrowed), under the name
    # the rule's SQL twin reads (egress.VISIBLE_SQL), so a page filters before its LIMIT.
    # `tx_id`: the writing transaction, so a live tail reads only below every open transaction
    # (entry_id is assigned at insert, not at commit: consumers of four topics write at once).
    """
    CREATE TABLE timeline (
        entry_id    bigserial PRIMARY KEY,
        tx_id       xid8 NOT NULL DEFAULT pg_current_xact_id(),
        incident_id text NOT NULL,
        event_id    uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        source      text NOT NULL,
        type        text NOT NULL,
        party       text,
        tier        text,
        data        jsonb NOT NULL,
        metadata    jsonb NOT NULL,
        trace_id    text,
        UNIQUE (incident_id, event_id)
    )
    """,
    "CREATE INDEX timeline_by_time ON timeline (incident_id, occurred_at, entry_id)",
    "CREATE INDEX timeline_by_commit ON timeline (incident_id, tx_id, entry_id)",
]


def upgrade() -> None:
    for statement in TABLES:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS timeline")
    op.execute("DROP TABLE IF EXISTS incidents")
