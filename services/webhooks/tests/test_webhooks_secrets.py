"""Signing secrets at rest, on a real PostgreSQL: the migration seals the plain-text secrets of
an existing database, a plain-text secret cannot be stored any more, a key rotation reseals
everything under the new key, and a failing statement carries no secret."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from webhooks_support import SEALER, fresh_settings

from village_platform.db import make_engine
from village_platform.service_cli import alembic_config
from village_webhooks import endpoints
from village_webhooks.cli import MIGRATIONS, migrate, reseal_secrets
from village_webhooks.config import WebhookSettings
from village_webhooks.domain.signing import new_secret
from village_webhooks.sealing import DEV_SECRET_KEY, Sealer, SealError, new_key

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def same_database(settings: WebhookSettings, keys: str) -> WebhookSettings:
    return WebhookSettings(
        service="webhooks",
        port=0,
        DATABASE_URL=settings.database_url,
        database_is_own=True,
        WEBHOOKS_SECRET_KEYS=keys,
    )


async def raw_endpoints(engine: Any) -> list[Any]:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT * FROM endpoints ORDER BY endpoint_id"))).all()


async def test_migration_seals_plain_secrets_and_reseal_moves_them_to_a_new_key(stack: Any) -> None:
    settings = fresh_settings(stack)
    await migrate(settings, "0001")
    engine = make_engine(settings)
    try:
        # Two endpoints as 0001 stored them: one mid-rotation, with its previous secret too.
        plain = {uuid.uuid4(): (new_secret(), None), uuid.uuid4(): (new_secret(), new_secret())}
        async with engine.begin() as conn:
            for endpoint_id, (secret, previous) in plain.items():
                await conn.execute(
                    text(
                        "INSERT INTO endpoints (endpoint_id, party, party_kind, url, event_types,"
                        " secret, previous_secret, previous_expires_at, status, created_at,"
                        " updated_at) VALUES (:id, 'northwind', 'partner', 'https://h.example/',"
                        " '{*}', :s, :p, :until, 'active', :now, :now)"
                    ),
                    {
                        "id": endpoint_id,
                        "s": secret,
                        "p": previous,
                        "until": NOW + timedelta(days=1),
                        "now": NOW,
                    },
                )
            # Idempotency records of 0001's answers, each with a plain-text secret: a
            # registration (the current secret), a rotation (now the previous one), an old one.
            (a, (current, _)), (b, (_, previous)) = plain.items()
            answers = {
                "register": {"id": str(a), "secret": current},
                "rotate": {"secret": previous, "endpoint": {"id": str(b)}},
                "older": {"secret": new_secret(), "endpoint": {"id": str(b)}},
            }
            for key, answer in answers.items():
                await conn.execute(
                    text(
                        "INSERT INTO idempotency_keys (party, key, method, path, request_hash,"
                        " status_code, headers, body, created_at, expires_at) VALUES ('northwind',"
                        " :key, 'POST', '/endpoints', 'h', 201, '{}', CAST(:body AS jsonb), :now,"
                        " :until)"
                    ),
                    {"key": key, "body": json.dumps(answer), "now": NOW, "until": NOW + DAY},
                )

        await migrate(settings)
        rows = await raw_endpoints(engine)
        assert "whsec_" not in repr(rows)
        async with engine.connect() as conn:
            records = dict(
                (await conn.execute(text("SELECT key, body FROM idempotency_keys"))).all()
            )
            assert "whsec_" not in repr(records)
            kept = {
                key: await endpoints.kept_secret(
                    conn,
                    SEALER,
                    "northwind",
                    uuid.UUID(body["secret"]["endpoint"]),
                    body["secret"]["serial"],
                )
                for key, body in records.items()
            }
        assert kept == {"register": current, "rotate": previous, "older": None}
        for row in rows:
            secret, previous = plain[row.endpoint_id]
            assert SEALER.open(row.secret_sealed) == secret and row.secret_serial == 1
            assert (previous and SEALER.open(row.previous_secret_sealed)) == previous
        with pytest.raises(
            IntegrityError, match="endpoints_secrets_sealed"
        ):  # plain text: never again
            async with engine.begin() as conn:
                await conn.execute(
                    text("UPDATE endpoints SET secret_sealed = :s"), {"s": new_secret()}
                )

        # Key rotation: a new key first, the old one after it; reseal; the old key is not needed.
        new = new_key()
        assert await reseal_secrets(same_database(settings, f"{new},{DEV_SECRET_KEY}")) == 2
        rows = await raw_endpoints(engine)
        for row in rows:
            secret, previous = plain[row.endpoint_id]
            assert Sealer([new]).open(row.secret_sealed) == secret
            assert (previous and Sealer([new]).open(row.previous_secret_sealed)) == previous
            with pytest.raises(SealError):
                SEALER.open(row.secret_sealed)

        # And back: the downgrade opens them again (with the keys that sealed them).
        config = alembic_config(MIGRATIONS, settings.service_database_url)
        config.attributes["sealer"] = Sealer([new])
        await engine.dispose()
        await asyncio.to_thread(command.downgrade, config, "0001")  # alembic runs its own loop
        async with engine.connect() as conn:
            back = dict(
                (await conn.execute(text("SELECT endpoint_id, secret FROM endpoints"))).all()
            )
        assert back == {endpoint_id: secret for endpoint_id, (secret, _) in plain.items()}
    finally:
        await engine.dispose()


async def test_a_failing_statement_carries_no_plain_secret(engine: Any) -> None:
    body = {
        "url": "https://hooks.example.com/",
        "description": "",
        "filter": {},
        "event_types": ["*"],
    }
    with pytest.raises(IntegrityError) as failed:
        async with engine.begin() as conn:  # party_kind NOT NULL: the INSERT with the secret fails
            await endpoints.create(conn, SEALER, "northwind", None, body, NOW)  # type: ignore[arg-type]
    assert "endpoints" in str(failed.value) and "whsec_" not in str(failed.value)
    async with engine.begin() as conn:
        row, secret = await endpoints.create(conn, SEALER, "northwind", "partner", body, NOW)
    with pytest.raises(IntegrityError) as failed:
        async with engine.begin() as conn:  # the rotation's UPDATE fails: a CHECK on the row
            await conn.execute(
                text(
                    "ALTER TABLE endpoints ADD CONSTRAINT no_rotation"
                    " CHECK (secret_serial < 2) NOT VALID"
                )
            )
            await endpoints.rotate(conn, SEALER, row, timedelta(hours=1), NOW)
    assert "no_rotation" in str(failed.value) and "whsec_" not in str(failed.value)
    assert secret.removeprefix("whsec_") not in str(failed.value)


async def cli(*args: str, **env: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "village_webhooks.cli",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_the_rotation_commands_of_the_readme(stack: Any) -> None:
    """`village-webhooks new-key`, `migrate` and `reseal-secrets` as an operator runs them."""
    settings = fresh_settings(stack)
    env = {
        "WEBHOOKS_DATABASE_URL": settings.database_url,
        "VILLAGE_ENV": "development",
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
    }
    code, new = await cli("new-key")
    assert code == 0 and Sealer([new.strip()]).open(Sealer([new.strip()]).seal("x")) == "x"
    new = new.strip()
    assert (await cli("migrate", **env, WEBHOOKS_SECRET_KEYS=DEV_SECRET_KEY))[0] == 0
    engine = make_engine(settings)
    try:
        body = {"url": "https://h.example/", "description": "", "filter": {}, "event_types": ["*"]}
        async with engine.begin() as conn:
            _, secret = await endpoints.create(conn, SEALER, "northwind", "partner", body, NOW)
        code, out = await cli(
            "reseal-secrets", **env, WEBHOOKS_SECRET_KEYS=f"{new},{DEV_SECRET_KEY}"
        )
        assert code == 0 and "resealed the signing secrets of 1 endpoint(s)" in out, out
        (row,) = await raw_endpoints(engine)
        assert Sealer([new]).open(row.secret_sealed) == secret
    finally:
        await engine.dispose()
    # Outside development the public key is refused, and no key is echoed.
    code, out = await cli(
        "migrate",
        **{**env, "VILLAGE_ENV": "production"},
        VILLAGE_JWKS_URL="https://login.example.com/.well-known/jwks.json",
        VILLAGE_SERVICE_SECRET="s" * 48,
        WEBHOOKS_SECRET_KEYS=DEV_SECRET_KEY,
    )
    assert code != 0 and "WEBHOOKS_SECRET_KEYS of your own" in out and DEV_SECRET_KEY not in out
