"""Platform tables, the article read model, the search index and the incident-side read models.

Revision ID: 0001
"""

from alembic import op

from village_platform import storage_schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # One row per article: its lifecycle, the working copy and the published copy readers see.
    """
    CREATE TABLE articles (
        article_id     uuid PRIMARY KEY,
        author_party   text NOT NULL,
        provider       text NOT NULL,
        status         text NOT NULL
                       CHECK (status IN ('draft', 'in_review', 'published', 'retired')),
        stream_version integer NOT NULL,
        version        integer NOT NULL,          -- the working copy's content version
        content        jsonb NOT NULL,            -- the working copy
        published_version integer,                -- what readers see, while not retired
        published      jsonb,
        audience       text,                      -- of the published copy
        origin_incident text,                     -- a draft proposed from a resolved incident
        review_note    text,                      -- the last rejection's reason
        created_at     timestamptz NOT NULL,
        updated_at     timestamptz NOT NULL
    )
    """,
    "CREATE INDEX articles_by_party ON articles (provider, author_party, status)",
    """
    CREATE TABLE article_versions (
        article_id  uuid NOT NULL,
        version     integer NOT NULL,
        content     jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        PRIMARY KEY (article_id, version)
    )
    """,
    # The search index: published articles only. Weights: title A, symptoms and tags B, body
    # and resolution steps C. `audience` and `provider` filter in SQL, before any LIMIT.
    """
    CREATE TABLE search_docs (
        article_id  uuid PRIMARY KEY,
        provider    text NOT NULL,
        audience    text NOT NULL CHECK (audience IN ('provider', 'partners', 'public')),
        title       text NOT NULL,
        body        text NOT NULL,
        symptoms    text NOT NULL,
        steps       text NOT NULL,
        tags_text   text NOT NULL,
        products    text[] NOT NULL,
        tags        text[] NOT NULL,
        version     integer NOT NULL,
        published_at timestamptz NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', title), 'A')
            || setweight(to_tsvector('english', symptoms || ' ' || tags_text), 'B')
            || setweight(to_tsvector('english', body || ' ' || steps), 'C')) STORED,
        -- What an article is about (title, symptoms, tags): suggestion candidates match here,
        -- exactly by the index, so a body mentioning a word in passing does not make one.
        about tsvector GENERATED ALWAYS AS (
            to_tsvector('english', title || ' ' || symptoms || ' ' || tags_text)) STORED
    )
    """,
    "CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv)",
    "CREATE INDEX search_docs_about ON search_docs USING gin (about)",
    "CREATE INDEX search_docs_title_trgm ON search_docs USING gin (title gin_trgm_ops)",
    "CREATE INDEX search_docs_products ON search_docs USING gin (products)",
    "CREATE INDEX search_docs_tags ON search_docs USING gin (tags)",
    # Incidents as the incidents topic describes them: who is on each (every event's `parties`),
    # what suggestions are computed from, and who resolved it.
    """
    CREATE TABLE incidents (
        incident_id text PRIMARY KEY,
        parties     text[] NOT NULL,
        customer    text,
        partner     text,
        provider    text,
        title       text,
        description text,
        product     text,
        status      text
    )
    """,
    # Shared notes only: internal and restricted notes are never stored here, so a draft
    # proposed from an incident cannot contain them.
    """
    CREATE TABLE shared_notes (
        incident_id text NOT NULL,
        note_id     text NOT NULL,
        seq         bigserial,
        body        text NOT NULL,
        PRIMARY KEY (incident_id, note_id)
    )
    """,
    """
    CREATE TABLE suggestions (
        incident_id text NOT NULL,
        article_id  uuid NOT NULL,
        audience    text NOT NULL,
        rank        integer NOT NULL,
        score       double precision NOT NULL,
        PRIMARY KEY (incident_id, article_id)
    )
    """,
    """
    CREATE TABLE links (
        incident_id text NOT NULL,
        article_id  uuid NOT NULL,
        party       text NOT NULL,
        linked_at   timestamptz NOT NULL,
        PRIMARY KEY (incident_id, article_id)
    )
    """,
    "CREATE INDEX links_article ON links (article_id)",
    # An incident resolved with a linked article: counted once per (incident, article).
    """
    CREATE TABLE solves (
        incident_id text NOT NULL,
        article_id  uuid NOT NULL,
        solved_at   timestamptz NOT NULL,
        PRIMARY KEY (incident_id, article_id)
    )
    """,
    "CREATE INDEX solves_article ON solves (article_id)",
    # Helpful or not, once per party per article: the latest wins.
    """
    CREATE TABLE feedback (
        article_id  uuid NOT NULL,
        party       text NOT NULL,
        helpful     boolean NOT NULL,
        incident_id text,
        given_at    timestamptz NOT NULL,
        PRIMARY KEY (article_id, party)
    )
    """,
]


def upgrade() -> None:
    for statement in storage_schema.UPGRADE + TABLES:
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "feedback",
        "solves",
        "links",
        "suggestions",
        "shared_notes",
        "incidents",
        "search_docs",
        "article_versions",
        "articles",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in storage_schema.DOWNGRADE:
        op.execute(statement)
