"""Signing secrets sealed at rest: existing plain-text secrets sealed under the first key of
WEBHOOKS_SECRET_KEYS; the columns renamed, so that nothing reads a sealed value as a secret; a
CHECK refuses a plain-text secret (`whsec_...`) for good; `secret_serial` counts rotations (an
idempotent replay of a registration or rotation finds its secret by it). The idempotency
records of registrations and rotations lose their plain-text secrets too: each keeps which
secret of the endpoint it answered instead (none, if the endpoint no longer has it). A downgrade
opens the secrets again; idempotency records keep no secret.

Revision ID: 0002
Revises: 0001
"""

import json

from alembic import context, op
from sqlalchemy import text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _sealer():
    # `village_webhooks.cli.migrate` hands over its settings' sealer; plain `alembic` reads the
    # environment (the same WEBHOOKS_SECRET_KEYS the service runs with).
    sealer = context.config.attributes.get("sealer")
    if sealer is None:
        from village_webhooks.config import settings_from_env

        sealer = settings_from_env().sealer()
    return sealer


def _convert(change, where: str) -> None:
    conn = op.get_bind()
    rows = conn.execute(
        text(
            "SELECT endpoint_id, secret_sealed, previous_secret_sealed FROM endpoints"
            f" WHERE {where} FOR UPDATE"
        )
    ).all()
    for row in rows:
        conn.execute(
            text(
                "UPDATE endpoints SET secret_sealed = :s, previous_secret_sealed = :p"
                " WHERE endpoint_id = :id"
            ),
            {
                "id": row.endpoint_id,
                "s": change(row.secret_sealed),
                "p": row.previous_secret_sealed and change(row.previous_secret_sealed),
            },
        )


def _idempotency_records_without_secrets() -> None:
    """Before sealing: each stored answer's secret replaced by which of its endpoint's secrets it
    was (1: the current one, 0: the previous one, -1: neither: a replay answers 409)."""
    conn = op.get_bind()
    records = conn.execute(
        text(
            "SELECT party, key, CAST(body AS text) AS body FROM idempotency_keys"
            " WHERE jsonb_typeof(body -> 'secret') = 'string' FOR UPDATE"
        )
    ).all()
    for record in records:
        body = json.loads(record.body)
        endpoint_id = body.get("id") or (body.get("endpoint") or {}).get("id")
        row = conn.execute(
            text(
                "SELECT secret_sealed, previous_secret_sealed FROM endpoints"
                " WHERE CAST(endpoint_id AS text) = :id"
            ),
            {"id": str(endpoint_id)},
        ).one_or_none()
        serial = -1
        if row is not None and body["secret"] == row.secret_sealed:
            serial = 1
        elif row is not None and body["secret"] == row.previous_secret_sealed:
            serial = 0
        body["secret"] = {"endpoint": str(endpoint_id), "serial": serial}
        conn.execute(
            text(
                "UPDATE idempotency_keys SET body = CAST(:body AS jsonb)"
                " WHERE party = :party AND key = :key"
            ),
            {"body": json.dumps(body), "party": record.party, "key": record.key},
        )


def upgrade() -> None:
    op.execute("ALTER TABLE endpoints RENAME COLUMN secret TO secret_sealed")
    op.execute("ALTER TABLE endpoints RENAME COLUMN previous_secret TO previous_secret_sealed")
    op.execute("ALTER TABLE endpoints ADD COLUMN secret_serial integer NOT NULL DEFAULT 1")
    _idempotency_records_without_secrets()
    sealer = _sealer()
    _convert(
        lambda value: sealer.seal(value) if value.startswith("whsec_") else value,
        r"secret_sealed LIKE 'whsec\_%' OR previous_secret_sealed LIKE 'whsec\_%'",
    )
    op.execute(
        r"ALTER TABLE endpoints ADD CONSTRAINT endpoints_secrets_sealed CHECK"
        r" (secret_sealed NOT LIKE 'whsec\_%' AND previous_secret_sealed NOT LIKE 'whsec\_%')"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE endpoints DROP CONSTRAINT endpoints_secrets_sealed")
    _convert(_sealer().open, "true")
    op.execute("ALTER TABLE endpoints DROP COLUMN secret_serial")
    op.execute("ALTER TABLE endpoints RENAME COLUMN previous_secret_sealed TO previous_secret")
    op.execute("ALTER TABLE endpoints RENAME COLUMN secret_sealed TO secret")
