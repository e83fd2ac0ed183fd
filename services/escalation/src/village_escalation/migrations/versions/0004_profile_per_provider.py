"""One profile per (provider, partner): every provider that supplies a partner keeps its own
versioned profile of it. A profile's rows name their provider, and every document's rows the
stream their events are on: `config:<party>:<kind>` for tiers, rules and the profiles recorded
before this (each then written by the partner's registered provider, which its events' audience
names, and which goes on writing there), `config:<party>:profile:<provider>` for every other.

The downgrade keeps only what the old schema can hold: the documents of the old streams.

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
        "ALTER TABLE config_versions ADD COLUMN provider text NOT NULL DEFAULT '',"
        " ADD COLUMN stream_id text"
    )
    op.execute("UPDATE config_versions SET stream_id = 'config:' || party || ':' || kind")
    # Whose each old profile is: the provider its event was recorded for.
    op.execute(
        "UPDATE config_versions c SET provider = coalesce(e.metadata->>'provider', c.party)"
        " FROM events e WHERE c.kind = 'profile' AND e.stream_id = c.stream_id"
        " AND e.stream_version = c.version"
    )
    op.execute("ALTER TABLE config_versions ALTER COLUMN stream_id SET NOT NULL")
    op.execute(
        "ALTER TABLE config_versions DROP CONSTRAINT config_versions_pkey,"
        " ADD PRIMARY KEY (party, kind, provider, version)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM config_versions WHERE stream_id <> 'config:' || party || ':' || kind")
    op.execute(
        "ALTER TABLE config_versions DROP CONSTRAINT config_versions_pkey,"
        " ADD PRIMARY KEY (party, kind, version)"
    )
    op.execute("ALTER TABLE config_versions DROP COLUMN provider, DROP COLUMN stream_id")
