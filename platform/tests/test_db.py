"""The service engine (make_engine): a failed statement's log and error carry no parameter
values (note bodies, secrets), and its timeouts come from the settings. The write path's
transaction on the driver (driver_transaction): one transaction for driver and SQLAlchemy
statements, savepoints inside it, and no connection pooled with its transaction open."""

from __future__ import annotations

import io
import logging
import traceback
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from village_platform.db import driver_of, driver_transaction, fetch, make_engine, plain_dsn
from village_platform.settings import Settings

SECRET = "whsec-note-body-6f1d2c"


def settings(stack: Any, **values: Any) -> Settings:
    return Settings(DATABASE_URL=stack.database_url, database_is_own=True, **values)


async def failed_statement_log(engine: Any) -> str:
    """Run a statement that fails (not because of its parameter) and log the error the way the
    services' catch-all handler does; the log text."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    log = logging.getLogger("village.test.db")
    log.addHandler(handler)
    try:
        async with engine.connect() as conn:
            await conn.execute(
                text("SELECT 1 / 0 WHERE CAST(:secret AS text) IS NOT NULL"), {"secret": SECRET}
            )
    except Exception:
        log.exception("unhandled error")
        text_of_error = traceback.format_exc()
    finally:
        log.removeHandler(handler)
        await engine.dispose()
    return out.getvalue() + text_of_error


async def test_a_failed_statement_logs_no_parameter_values(platform_stack: Any) -> None:
    logged = await failed_statement_log(make_engine(settings(platform_stack)))
    assert "division by zero" in logged and "SELECT 1 / 0" in logged  # still useful
    assert SECRET not in logged
    assert "parameters hidden" in logged


async def test_the_same_engine_without_hiding_would_have_logged_them(platform_stack: Any) -> None:
    """The check above can fail: SQLAlchemy's default puts the parameters in the message."""
    logged = await failed_statement_log(
        make_engine(settings(platform_stack), hide_parameters=False)
    )
    assert SECRET in logged


@pytest.mark.parametrize("statement_timeout", [0.5, None])
async def test_statement_timeout_from_settings(
    platform_stack: Any, statement_timeout: float | None
) -> None:
    """The server stops a statement past the timeout; `statement_timeout=None` (rebuilds): none."""
    values = (
        {}
        if statement_timeout is None
        else {"VILLAGE_DB_STATEMENT_TIMEOUT_SECONDS": statement_timeout}
    )
    options = {"statement_timeout": None} if statement_timeout is None else {}
    engine = make_engine(settings(platform_stack, **values), **options)
    try:
        async with engine.connect() as conn:
            shown = await conn.scalar(text("SHOW statement_timeout"))
    finally:
        await engine.dispose()
    assert shown == ("500ms" if statement_timeout else "0")


# -- driver_transaction: the write path's transaction, held on the driver ------------------------


async def _rows(engine: Any) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT n FROM dt ORDER BY n"))).scalars())


async def _table(platform_stack: Any) -> Any:
    engine = make_engine(settings(platform_stack), pool_size=1, max_overflow=0)
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS dt"))
        await conn.execute(text("CREATE TABLE dt (n integer PRIMARY KEY)"))
    return engine


async def test_driver_and_sqlalchemy_statements_share_one_transaction(platform_stack: Any) -> None:
    """The driver statement comes first (SQLAlchemy would begin only at its own first one), and
    a failure afterwards takes back both; without a failure both commit."""
    engine = await _table(platform_stack)
    try:
        with pytest.raises(RuntimeError):
            async with driver_transaction(engine) as conn:
                await (await driver_of(conn)).execute("INSERT INTO dt VALUES (1)")
                await conn.execute(text("INSERT INTO dt VALUES (2)"))
                raise RuntimeError("the work failed")
        assert await _rows(engine) == []
        async with driver_transaction(engine) as conn:
            await (await driver_of(conn)).execute("INSERT INTO dt VALUES (1)")
            await conn.execute(text("INSERT INTO dt VALUES (2)"))
            # one transaction: another session sees nothing yet
            assert await _other_session_count(platform_stack) == 0
        assert await _rows(engine) == [1, 2]
    finally:
        await engine.dispose()


async def _other_session_count(platform_stack: Any) -> int:
    other = make_engine(settings(platform_stack), pool_size=1)
    try:
        async with other.connect() as conn:
            return (await conn.execute(text("SELECT count(*) FROM dt"))).scalar_one()
    finally:
        await other.dispose()


async def test_a_savepoint_inside_a_driver_transaction_takes_back_only_its_part(
    platform_stack: Any,
) -> None:
    engine = await _table(platform_stack)
    try:
        async with driver_transaction(engine) as conn:
            await conn.execute(text("INSERT INTO dt VALUES (1)"))
            with pytest.raises(IntegrityError):
                async with conn.begin_nested():
                    await conn.execute(text("INSERT INTO dt VALUES (1)"))
            await conn.execute(text("INSERT INTO dt VALUES (2)"))
        assert await _rows(engine) == [1, 2]
    finally:
        await engine.dispose()


async def test_a_connection_lost_in_its_transaction_is_discarded_not_pooled(
    platform_stack: Any,
) -> None:
    """The server ends the session mid-transaction (a restart, a failover): the rollback cannot
    reach it, and the pool's only connection is dropped, so the next transaction gets a fresh
    one and succeeds rather than failing on a dead or half-open one."""
    engine = await _table(platform_stack)
    try:
        with pytest.raises(asyncpg.InterfaceError):
            async with driver_transaction(engine) as conn:
                driver = await driver_of(conn)
                lost = await driver.fetchval("SELECT pg_backend_pid()")
                await driver.execute("INSERT INTO dt VALUES (1)")
                await _terminate(platform_stack, lost)
                raise RuntimeError("the work failed")
        async with driver_transaction(engine) as conn:
            driver = await driver_of(conn)
            assert await driver.fetchval("SELECT pg_backend_pid()") != lost
            await driver.execute("INSERT INTO dt VALUES (2)")
        assert await _rows(engine) == [2]
    finally:
        await engine.dispose()


async def _terminate(platform_stack: Any, pid: int) -> None:
    admin = await asyncpg.connect(plain_dsn(platform_stack.database_url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)
    finally:
        await admin.close()


async def test_fetch_takes_named_parameters_and_reads_in_the_held_transaction(
    platform_stack: Any,
) -> None:
    """`fetch` runs a `text()` statement on the driver: named parameters (one used twice, casts
    kept), rows read by attribute and by name, and the rows the transaction wrote so far."""
    engine = await _table(platform_stack)
    try:
        async with driver_transaction(engine) as conn:
            await conn.execute(text("INSERT INTO dt VALUES (1), (2), (3)"))
            statement = text(
                "SELECT n, n * :k AS scaled FROM dt"
                " WHERE n = ANY(CAST(:ns AS integer[])) OR n = :k ORDER BY n"
            )
            rows = await fetch(conn, statement, {"k": 3, "ns": [1]})
        assert [(r.n, r.scaled) for r in rows] == [(1, 3), (3, 9)]
        assert rows[0]._mapping["scaled"] == 3 and rows[1]["n"] == 3
        with pytest.raises(AttributeError):
            rows[0].missing  # noqa: B018
    finally:
        await engine.dispose()
