"""A dependency that does not answer (the database, the broker) is a 503 problem with
`Retry-After`, not a 500 after a minute: the engine's connect, pool and statement timeouts
(db.py) bound how long a request waits; these handlers name what failed."""

from __future__ import annotations

import logging

import asyncpg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .errors import Problem, problem_response

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_SECONDS = 5
# SQLSTATE classes of a server that cannot serve now: connection exceptions, insufficient
# resources (too many connections), operator intervention (statement timeout, shutdown).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")


def failed_dependency(exc: BaseException) -> str | None:
    """The dependency `exc` says is unavailable ("database" or "a dependency"), or None when
    `exc` is an error of another kind (a bug, a constraint): those stay 500s."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlalchemy.exc.TimeoutError):  # no pool connection in time
            return "database"
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return "database"
        if isinstance(current, (asyncpg.InterfaceError, asyncpg.PostgresConnectionError)):
            return "database"
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES:
            return "database"
        if isinstance(current, (TimeoutError, ConnectionError)):
            return _raised_in(current)
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


# Where a bare timeout or connection error was raised names the dependency it was waiting for.
_DRIVERS = {"asyncpg": "database", "sqlalchemy": "database", "aiokafka": "broker"}


def _raised_in(exc: BaseException) -> str:
    tb = exc.__traceback__
    found = "a dependency"
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", "")).split(".", 1)[0]
        found = _DRIVERS.get(module, found)
        tb = tb.tb_next
    return found


def unavailable(request: Request, dependency: str) -> JSONResponse:
    settings = getattr(request.app.state, "settings", None)
    retry = getattr(settings, "retry_after_seconds", DEFAULT_RETRY_AFTER_SECONDS)
    the = dependency if dependency == "a dependency" else f"the {dependency}"
    problem = Problem(
        503,
        "unavailable",
        f"{the} did not answer in time; retry later",
        headers={"Retry-After": str(retry)},
        dependency=dependency,
    )
    return problem_response(problem, request.url.path)


def install_outage_handlers(app: FastAPI) -> None:
    """503 + Retry-After for dependency failures; anything else these classes cover stays a
    logged 500, as the catch-all handler would answer."""

    async def _dependency_failed(request: Request, exc: Exception) -> JSONResponse:
        dependency = failed_dependency(exc)
        if dependency is None:
            log.exception("unhandled error", exc_info=exc)
            return problem_response(
                Problem(500, "internal-error", "an unexpected error occurred"), request.url.path
            )
        # One line, no traceback: an outage makes every request fail the same way.
        log.warning(
            "dependency unavailable: %s (%s: %s)",
            dependency,
            type(exc).__name__,
            str(exc).splitlines()[0][:200] if str(exc) else "",
        )
        return unavailable(request, dependency)

    for exc_class in (
        TimeoutError,
        ConnectionError,
        sqlalchemy.exc.TimeoutError,
        sqlalchemy.exc.DBAPIError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
    ):
        app.add_exception_handler(exc_class, _dependency_failed)
