"""DDL for the tables the platform keeps in every service's database.

Each service's first Alembic migration runs `UPGRADE`; later platform changes get new lists
here and new migrations there, so a service's migration history stays frozen.
"""

UPGRADE = [
    # The event store. `id` orders inserts; `tx_id` is the writing transaction, so the relay can
    # read only what every older transaction has finished with (no sequence-gap skips);
    # `position` is the gap-free global order, assigned by the relay as it publishes.
    """
    CREATE TABLE events (
        id             bigserial PRIMARY KEY,
        tx_id          xid8 NOT NULL DEFAULT pg_current_xact_id(),
        position       bigint UNIQUE,
        event_id       uuid NOT NULL UNIQUE,
        stream_id      text NOT NULL,
        stream_version integer NOT NULL,
        type           text NOT NULL,
        data           jsonb NOT NULL,
        metadata       jsonb NOT NULL,
        recorded_at    timestamptz NOT NULL,
        published_at   timestamptz,
        UNIQUE (stream_id, stream_version)
    )
    """,
    "CREATE INDEX events_unpublished ON events (tx_id, id) WHERE position IS NULL",
    # Idempotency-Key records: the stored response of a completed request, scoped per party.
    """
    CREATE TABLE idempotency_keys (
        party        text NOT NULL,
        key          text NOT NULL,
        method       text NOT NULL,
        path         text NOT NULL,
        request_hash text NOT NULL,
        status_code  integer NOT NULL,
        headers      jsonb NOT NULL,
        body         jsonb,
        created_at   timestamptz NOT NULL,
        expires_at   timestamptz NOT NULL,
        PRIMARY KEY (party, key)
    )
    """,
    "CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)",
    # Consumer side: which events a consumer has applied (in the read-model transaction),
    # how far each stream has been applied, and what went to the dead-letter topic.
    """
    CREATE TABLE handled_events (
        consumer   text NOT NULL,
        event_id   uuid NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
    )
    """,
    """
    CREATE TABLE stream_positions (
        consumer  text NOT NULL,
        stream_id text NOT NULL,
        version   integer NOT NULL,
        PRIMARY KEY (consumer, stream_id)
    )
    """,
    """
    CREATE TABLE dead_letters (
        id         bigserial PRIMARY KEY,
        consumer   text NOT NULL,
        topic      text NOT NULL,
        event_id   text,
        stream_id  text,
        error      text NOT NULL,
        headers    jsonb NOT NULL,
        value      bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz
    )
    """,
]

DOWNGRADE = [
    "DROP TABLE IF EXISTS dead_letters",
    "DROP TABLE IF EXISTS stream_positions",
    "DROP TABLE IF EXISTS handled_events",
    "DROP TABLE IF EXISTS idempotency_keys",
    "DROP TABLE IF EXISTS events",
]
