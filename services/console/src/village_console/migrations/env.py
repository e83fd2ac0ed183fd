"""Alembic environment: runs migrations over the service's asyncpg engine."""

from village_platform.migration_env import run_migrations

run_migrations()
