"""Alembic environment: runs migrations over the service's asyncpg engine."""

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

URL = context.config.get_main_option("sqlalchemy.url")


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = create_async_engine(URL)
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


asyncio.run(_main())
