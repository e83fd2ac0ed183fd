"""RFC 9457 problem details for every error a Village API returns."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

# Raised everywhere, answered here; imported from here too.
from .problems import TITLES, DomainError, Problem

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


def as_problem(error: DomainError) -> Problem:
    if isinstance(error, Problem):
        return error
    return Problem(error.status, error.kind, error.detail, **error.extensions)


def problem_response(problem: DomainError, instance: str | None = None) -> JSONResponse:
    problem = as_problem(problem)
    return JSONResponse(
        problem.body(instance),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )


PROBLEM_SCHEMA = {
    "description": "RFC 9457 problem detail",
    "content": {
        PROBLEM_JSON: {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                },
                "required": ["type", "title", "status"],
            },
            "example": {
                "type": "/problems/invalid-transition",
                "title": "Conflict",
                "status": 409,
                "detail": "cannot acknowledge an incident that is resolved",
            },
        }
    },
}


_EXAMPLES = {
    400: ("invalid-cursor", "cursor is not one this API issued"),
    401: ("unauthorized", "a bearer token is required"),
    403: ("forbidden", "only the partner, collaborators or the provider acknowledge"),
    404: ("not-found", "no such incident"),
    409: ("invalid-transition", "cannot acknowledge an incident that is resolved"),
    412: ("stale-version", "the incident is at version 4, not 3"),
    422: ("validation-error", "body.severity: Input should be 'S1', 'S2', 'S3' or 'S4'"),
    503: ("unavailable", "the database is not reachable"),
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these problem statuses, each with an example of its own."""
    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        kind, detail = _EXAMPLES[code]
        responses[code] = {
            "description": TITLES.get(code, "Error"),
            "content": {
                PROBLEM_JSON: {
                    "schema": PROBLEM_SCHEMA["content"][PROBLEM_JSON]["schema"],
                    "example": {
                        "type": f"/problems/{kind}",
                        "title": TITLES.get(code, "Error"),
                        "status": code,
                        "detail": detail,
                    },
                }
            },
        }
    return responses


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _problem(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "location": list(e.get("loc", ())),
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"location": [], "message": "invalid request"}
        where = ".".join(str(p) for p in first["location"])
        problem = Problem(422, "validation-error", f"{where}: {first['message']}", errors=errors)
        return problem_response(problem, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}.get(
            exc.status_code, "http-error"
        )
        problem = Problem(exc.status_code, kind, str(exc.detail), headers=dict(exc.headers or {}))
        return problem_response(problem, request.url.path)

    @app.exception_handler(asyncpg.exceptions.DataError)
    @app.exception_handler(sqlalchemy.exc.DataError)
    async def _unstorable(request: Request, exc: Exception) -> JSONResponse:
        # A value PostgreSQL refuses (a NUL character, a number out of range): the caller's
        # input, not our fault; the transaction rolled back, so nothing changed.
        return problem_response(
            Problem(
                422,
                "invalid-value",
                "a value cannot be stored as sent (NUL characters are not allowed)",
            ),
            request.url.path,
        )

    from .outage import install_outage_handlers  # it builds on this module's problems

    install_outage_handlers(app)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem_response(
            Problem(500, "internal-error", "an unexpected error occurred"), request.url.path
        )
