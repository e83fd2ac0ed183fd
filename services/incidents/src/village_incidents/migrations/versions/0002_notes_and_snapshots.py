"""Notes read model and snapshots of the incident's state, backfilled from the events.

The incident's state no longer holds its notes (commands read the note they name from
`incident_notes`), and a load reads the latest snapshot and the events after it: both tables are
filled here by replaying every stored stream, as `village-incidents rebuild-read-model` does.

Revision ID: 0002
"""

from alembic import op
from sqlalchemy import text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = [
    # Each note as it stands. `metadata` is its egress description (who was on the incident when
    # it was written, its visibility, its author's party, the provider), fixed when it was written:
    # the column the egress rule's SQL twin reads. `version` is the incident's version its
    # NoteAdded event made: the notes' order, and the cursor of their pages.
    """
    CREATE TABLE incident_notes (
        incident_id  text NOT NULL,
        note_id      text NOT NULL,
        version      integer NOT NULL,
        author_party text NOT NULL,
        author_user  text NOT NULL,
        visibility   text NOT NULL,
        body         text NOT NULL,
        created_at   timestamptz NOT NULL,
        edited_at    timestamptz,
        deleted      boolean NOT NULL DEFAULT false,
        parties      text[] NOT NULL,
        metadata     jsonb NOT NULL,
        PRIMARY KEY (incident_id, note_id),
        UNIQUE (incident_id, version)
    )
    """,
    # The latest snapshot of each incident's state (a cache of its events; `schema` names the
    # shape it was written in: another one is ignored).
    """
    CREATE TABLE incident_snapshots (
        incident_id text PRIMARY KEY,
        version     integer NOT NULL,
        schema      text NOT NULL,
        state       jsonb NOT NULL
    )
    """,
]


def backfill(conn) -> int:
    """Replay every stream into its notes and snapshot; returns how many incidents."""
    import json

    from village_incidents import notes, snapshots
    from village_incidents.domain.events import CATALOG
    from village_incidents.domain.incident import replay_with_notes
    from village_incidents.rebuild import rows_of

    streams = [
        r.stream_id
        for r in conn.execute(
            # Incident streams only (the directory's stream came later, with 0003).
            text(
                "SELECT stream_id FROM events WHERE stream_id <> 'directory'"
                " GROUP BY stream_id ORDER BY min(id)"
            )
        )
    ]
    for stream_id in streams:
        stored = conn.execute(
            text(
                "SELECT type, data, recorded_at FROM events WHERE stream_id = :s"
                " ORDER BY stream_version"
            ),
            {"s": stream_id},
        )
        state, written = replay_with_notes(
            (
                CATALOG.load(r.type, r.data if isinstance(r.data, dict) else json.loads(r.data)),
                r.recorded_at,
            )
            for r in stored
        )
        if state is None:
            continue
        note_rows, snapshot = rows_of(state, written)
        if note_rows:
            conn.execute(notes.UPSERT_SQL, note_rows)
        conn.execute(snapshots.SAVE_SQL, snapshot)
    return len(streams)


def upgrade() -> None:
    for statement in TABLES:
        op.execute(statement)
    backfill(op.get_bind())


def downgrade() -> None:
    for table in ("incident_snapshots", "incident_notes"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
