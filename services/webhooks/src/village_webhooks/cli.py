"""`village-webhooks migrate | serve | reseal-secrets | new-key`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from alembic import command

from village_platform.db import ensure_database, make_engine, migration_lock
from village_platform.service_cli import alembic_config, service_main

from . import endpoints
from .app import create_app
from .config import WebhookSettings, settings_from_env
from .sealing import new_key

MIGRATIONS = Path(__file__).parent / "migrations"


async def migrate(settings: WebhookSettings, revision: str = "head") -> None:
    """The platform's migrate, with the settings' sealer for the migrations that seal secrets."""
    async with migration_lock(settings):  # replicas starting at once migrate in turn
        await ensure_database(settings)
        config = alembic_config(MIGRATIONS, settings.service_database_url)
        config.attributes["sealer"] = settings.sealer()
        await asyncio.to_thread(command.upgrade, config, revision)


async def reseal_secrets(settings: WebhookSettings) -> int:
    """Every signing secret sealed again under the first of WEBHOOKS_SECRET_KEYS, a batch per
    transaction; returns how many endpoints. Run after putting a new key first, before dropping
    the old ones."""
    engine, sealer = make_engine(settings), settings.sealer()
    count, after = 0, None
    try:
        while True:
            async with engine.begin() as conn:
                after, done = await endpoints.reseal(conn, sealer, after)
            if not done:
                return count
            count += done
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["new-key"]:  # a fresh Fernet key for WEBHOOKS_SECRET_KEYS
        print(new_key())
        return
    if args[:1] == ["migrate"]:
        asyncio.run(migrate(settings_from_env()))
        return
    if args[:1] == ["reseal-secrets"]:
        count = asyncio.run(reseal_secrets(settings_from_env()))
        print(f"resealed the signing secrets of {count} endpoint(s) under the first key")
        return
    # No rebuild-read-model: deliveries are what was sent, not a projection to replay.
    service_main("village-webhooks", MIGRATIONS, settings_from_env, create_app, None, args)


if __name__ == "__main__":
    sys.exit(main())
