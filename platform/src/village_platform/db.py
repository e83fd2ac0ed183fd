"""Database engines and the per-service database."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import TextClause, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .settings import Settings

_UNSET: object = object()


def make_engine(
    settings: Settings, *, statement_timeout: float | None | object = _UNSET, **overrides: object
) -> AsyncEngine:
    """The service's engine: connect, pool checkout and statement timeouts from `settings`, so a
    database that does not answer fails a request within seconds (a 503 problem, see errors.py);
    statement parameters never appear in logs or error messages (note bodies, secrets).

    `statement_timeout=None`: no statement timeout (offline work: rebuilds, bulk loads).
    """
    # No pre-ping: it costs a round trip per checkout; a dropped connection fails one unit of
    # work, which the caller retries like any other transient error.
    seconds = (
        settings.db_statement_timeout_seconds if statement_timeout is _UNSET else statement_timeout
    )
    connect_args: dict[str, object] = {"timeout": settings.db_connect_timeout_seconds}
    if seconds is not None:
        # Client side (asyncpg cancels the statement; it also fires when the server is silent)
        # and server side (the server stops the work even if the cancel does not reach it).
        connect_args["command_timeout"] = seconds
        connect_args["server_settings"] = {"statement_timeout": str(int(float(seconds) * 1000))}
    options: dict[str, object] = {
        "pool_size": 20,
        "max_overflow": 20,
        "pool_recycle": 1800,
        "pool_timeout": settings.db_pool_timeout_seconds,
        "hide_parameters": True,
        "connect_args": connect_args,
    }
    options.update(overrides)
    return create_async_engine(settings.service_database_url, **options)


async def driver_of(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under `conn`, for hot-path statements: they skip SQLAlchemy's
    per-statement work (about half a command's database CPU, measured). Outside a transaction
    each statement commits on its own."""
    return (await conn.get_raw_connection()).driver_connection


async def driver_in_transaction(conn: AsyncConnection) -> asyncpg.Connection:
    """`driver_of(conn)`, for statements in its transaction. SQLAlchemy begins its transaction
    lazily, at the first statement it runs itself; a driver statement before that would run
    outside it: refused."""
    driver = await driver_of(conn)
    if not driver.is_in_transaction():
        raise RuntimeError(
            "the transaction has not begun: run a statement through SQLAlchemy first"
        )
    return driver


async def read_value(engine: AsyncEngine, sql: str) -> Any:
    """One value read on the driver on a pooled connection, outside any transaction: one round
    trip, no BEGIN and ROLLBACK around it (a scheduler's look for its next due time)."""
    async with engine.connect() as conn:
        return await (await driver_of(conn)).fetchval(sql)


@asynccontextmanager
async def driver_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A transaction begun and committed (or rolled back) on the driver, and a SQLAlchemy
    connection that runs inside it: SQLAlchemy sees an autocommit connection, so it begins and
    commits nothing itself (savepoints still work), and its statements and `driver_of(conn)`'s
    share the one transaction from the first statement on.

    For the write path, whose statements go to the driver: a BEGIN, INSERT, COMMIT costs the
    client about 2.5 times the CPU through SQLAlchemy that it costs there (`benchmarks.floor`).
    A connection whose transaction could not be ended (lost, or cancelled mid-rollback) is
    discarded, never pooled with its transaction open."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        driver = await driver_of(conn)
        try:
            async with driver.transaction():
                yield conn
        finally:
            if driver.is_closed() or driver.is_in_transaction():
                await conn.invalidate()


class Row(asyncpg.Record):
    """A row from `fetch`, read as SQLAlchemy's rows are: `row.column`, `row._mapping`."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def _mapping(self) -> Mapping[str, Any]:
        return self  # type: ignore[return-value]


_DIALECT = asyncpg_dialect()


@functools.lru_cache(maxsize=512)
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with `:name` parameters (as `text()` reads them) as the driver's `$n`, and the
    names in their order."""
    compiled = text(sql).compile(dialect=_DIALECT)
    return compiled.string, tuple(compiled.positiontup or ())


async def fetch(
    conn: AsyncConnection, statement: TextClause | str, params: Mapping[str, Any] | None = None
) -> list[Row]:
    """The rows of a read on the hot path, on the driver: `statement` as `conn.execute` takes it
    (named parameters), for about half the client CPU (`python -m benchmarks.floor`). It runs in
    `conn`'s transaction when one is held on the driver (`driver_transaction`, or a SQLAlchemy
    statement before it); otherwise on its own, which a single read under READ COMMITTED cannot
    tell apart (each statement reads its own snapshot)."""
    sql, names = _positional(statement.text if isinstance(statement, TextClause) else statement)
    values = params or {}
    driver = await driver_of(conn)
    return await driver.fetch(sql, *(values[n] for n in names), record_class=Row)


def plain_dsn(sqlalchemy_url: str) -> str:
    return (
        make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


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


@asynccontextmanager
async def migration_lock(settings: Settings) -> AsyncIterator[None]:
    """Held while the service's database is created and migrated, so that replicas starting at
    once (init containers, a migration Job, VILLAGE_MIGRATE=1 on each) migrate in turn and the
    later ones find the schema at head; without it their CREATE TABLEs collide. A session
    advisory lock on the maintenance database (which exists before the service's own), keyed by
    the service's database name; closing the session releases it."""
    target = make_url(settings.service_database_url).database
    conn = await asyncpg.connect(plain_dsn(settings.server_database_url))
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", f"migrate/{target}")
        yield
    finally:
        await close_quietly(conn)


async def close_quietly(conn: asyncpg.Connection) -> None:
    """Close a bare asyncpg connection, terminating it if the server does not answer."""
    try:
        await asyncio.wait_for(conn.close(), timeout=5)
    except Exception:
        conn.terminate()
