"""The service engine (make_engine): a failed statement's log and error carry no parameter
values (note bodies, secrets), and its timeouts come from the settings."""

from __future__ import annotations

import io
import logging
import traceback
from typing import Any

import pytest
from sqlalchemy import text

from village_platform.db import make_engine
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
