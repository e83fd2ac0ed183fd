"""Replicas that start at once all run `migrate` (compose's VILLAGE_MIGRATE=1 on every replica,
the Kubernetes init containers beside the migration Job): they take turns, and every one of
them succeeds, on a database none of them has created yet."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from village_devstack.services import with_database
from village_incidents.cli import MIGRATIONS as INCIDENTS_MIGRATIONS
from village_platform.service_cli import alembic_config
from village_webhooks.cli import MIGRATIONS as WEBHOOKS_MIGRATIONS

REPLICAS = 4
# The platform's `migrate` (incidents) and the webhooks service's own (its migrations seal).
SERVICES = {
    "incidents": ("village_incidents.cli", INCIDENTS_MIGRATIONS),
    "webhooks": ("village_webhooks.cli", WEBHOOKS_MIGRATIONS),
}


def _migrate_at_once(module: str, env: dict[str, str]) -> list[tuple[int, str]]:
    code = f"from {module} import main; main(['migrate'])"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(REPLICAS)
    ]
    return [(p.wait(timeout=600), p.stdout.read() if p.stdout else "") for p in procs]


def _head(migrations: Path) -> str:
    return ScriptDirectory.from_config(
        alembic_config(migrations, "postgresql://")
    ).get_current_head()


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_replicas_migrating_a_new_database_at_once_all_succeed(stack, service):
    module, migrations = SERVICES[service]
    database = f"village_{service}_mtest_{uuid.uuid4().hex[:10]}"
    url = with_database(stack.database_url, database)
    env = {**os.environ, "VILLAGE_ENV": "development", f"{service.upper()}_DATABASE_URL": url}
    results = _migrate_at_once(module, env)
    admin = await asyncpg.connect(stack.database_url)
    try:
        failed = [output[-2000:] for status, output in results if status != 0]
        assert not failed, failed[0]
        conn = await asyncpg.connect(url)
        try:
            versions = [r["version_num"] for r in await conn.fetch("SELECT * FROM alembic_version")]
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    assert versions == [_head(migrations)]
