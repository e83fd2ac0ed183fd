"""Provider incidents (outages): one row each (`provider_incidents`: what lists and views show,
and the aggregate's state as its events leave it, so a command reads the events after it, not
the whole stream), and one row per incident ever linked to one (`provider_incident_links`).
Incidents gain `outage_id` (the outage they are part of, while linked), `description`, and
`words`, the full-text vector of title and description that ranks an outage's candidates.
`description` of the incidents already there comes from their `opened` event.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STATEMENTS = [
    """
    CREATE TABLE provider_incidents (
        seq         bigserial UNIQUE,
        id          text PRIMARY KEY,
        version     integer NOT NULL,
        provider    text NOT NULL,
        title       text NOT NULL,
        status      text NOT NULL,
        severity    text NOT NULL,
        products    text[] NOT NULL,
        started_at  timestamptz NOT NULL,
        declared_at timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        linked      integer NOT NULL,
        schema      text NOT NULL,
        state       jsonb NOT NULL
    )
    """,
    "CREATE INDEX provider_incidents_provider ON provider_incidents (provider, seq)",
    """
    CREATE TABLE provider_incident_links (
        seq         bigserial UNIQUE,
        outage_id   text NOT NULL REFERENCES provider_incidents (id),
        incident_id text NOT NULL,
        partner     text NOT NULL,
        parties     text[] NOT NULL,
        linked_by   text NOT NULL,
        linked_at   timestamptz NOT NULL,
        unlinked_at timestamptz,
        unlink_reason text,
        resolution  text,
        PRIMARY KEY (outage_id, incident_id)
    )
    """,
    # Who sees a link: the provider and the parties working the linked incident (`parties`).
    "CREATE INDEX provider_incident_links_parties ON provider_incident_links USING gin (parties)",
    "CREATE INDEX provider_incident_links_live ON provider_incident_links (outage_id, seq)"
    " WHERE unlinked_at IS NULL",
    "ALTER TABLE incidents ADD COLUMN outage_id text",
    "ALTER TABLE incidents ADD COLUMN description text NOT NULL DEFAULT ''",
    "UPDATE incidents SET description = coalesce(e.data->>'description', '') FROM events e"
    " WHERE e.stream_id = incidents.id AND e.stream_version = 1",
    "ALTER TABLE incidents ADD COLUMN words tsvector GENERATED ALWAYS AS"
    " (to_tsvector('english', title || ' ' || description)) STORED",
    # An outage's candidates: open, unlinked incidents of its provider and products.
    "CREATE INDEX incidents_outage_candidates ON incidents (provider, product, opened_at)"
    " WHERE outage_id IS NULL",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS incidents_outage_candidates")
    for column in ("words", "description", "outage_id"):
        op.execute(f"ALTER TABLE incidents DROP COLUMN IF EXISTS {column}")
    op.execute("DROP TABLE IF EXISTS provider_incident_links")
    op.execute("DROP TABLE IF EXISTS provider_incidents")
