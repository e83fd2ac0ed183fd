"""`/healthz` (the process is alive) and `/readyz` (database and broker reachable)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Liveness",
    responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database and broker",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "status": "ready",
                        "database": "ok",
                        "broker": "ok",
                        "relay": {
                            "unpublished": 0,
                            "oldest_seconds": None,
                            "publishing_here": True,
                        },
                    }
                }
            }
        },
        503: {
            "description": "not ready: the database or the broker is unreachable",
            "content": {
                "application/json": {
                    "example": {
                        "status": "not ready",
                        "database": "ok",
                        "broker": "unavailable: KafkaConnectionError",
                        "unavailable": ["broker"],
                    }
                }
            },
        },
    },
)
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = dict(
        zip(
            ("database", "broker"),
            await asyncio.gather(_check(_database(request)), _check(_broker(request))),
            strict=True,
        )
    )
    down = [name for name, state in checks.items() if state != "ok"]
    ready = not down
    body: dict[str, object] = {"status": "ready" if ready else "not ready", **checks}
    if down:
        body["unavailable"] = down
    relay = getattr(request.app.state, "relay", None)
    if relay is not None and checks["database"] == "ok":
        # Outbox lag: one transaction left open anywhere on the server holds publication back.
        try:
            lag = await asyncio.wait_for(relay.lag(), CHECK_SECONDS)
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            down_now = {
                "status": "not ready",
                "database": f"unavailable: {type(exc).__name__}",
                "unavailable": ["database"],
            }
            return JSONResponse({**body, **down_now}, status_code=503)
        body["relay"] = {
            "unpublished": lag.unpublished,
            "oldest_seconds": lag.oldest_seconds,
            "publishing_here": relay.leading,
        }
    return JSONResponse(body, status_code=200 if ready else 503)


CHECK_SECONDS = 2  # each check; readiness answers within this whatever a dependency does


async def _check(probe: Awaitable[None]) -> str:
    """`ok`, or why not: report, never raise (readiness is an answer, not an error)."""
    try:
        await asyncio.wait_for(probe, CHECK_SECONDS)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        return f"unavailable: {type(exc).__name__}"


async def _database(request: Request) -> None:
    # Checkout and connect included: a server that accepts but never answers hangs there.
    async with request.app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _broker(request: Request) -> None:
    producer: AIOKafkaProducer = request.app.state.producer
    await producer.client.fetch_all_metadata()
