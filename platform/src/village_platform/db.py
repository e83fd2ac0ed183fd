"""Database engines and the per-service database."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .settings import Settings


def make_engine(settings: Settings, **overrides: object) -> AsyncEngine:
    # No pre-ping: it costs a round trip per checkout; a dropped connection fails one unit of
    # work, which the caller retries like any other transient error.
    options: dict[str, object] = {"pool_size": 20, "max_overflow": 20, "pool_recycle": 1800}
    options.update(overrides)
    return create_async_engine(settings.service_database_url, **options)


def plain_dsn(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_database(settings: Settings) -> None:
    """CREATE DATABASE for the service if it does not exist yet."""
    target = make_url(settings.service_database_url).database
    conn = await asyncpg.connect(plain_dsn(settings.server_database_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", target)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{target}"')
    except asyncpg.DuplicateDatabaseError:
        pass  # created concurrently
    finally:
        await conn.close()
