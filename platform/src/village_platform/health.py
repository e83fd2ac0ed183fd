"""`/healthz` (the process is alive) and `/readyz` (database and broker reachable)."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness", responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database and broker",
            responses={200: {"content": {"application/json": {"example": {
                "status": "ready", "database": "ok", "broker": "ok",
                "relay": {"unpublished": 0, "oldest_seconds": None, "publishing_here": True}}}}},
                503: {"description": "not ready: the database or the broker is unreachable",
                      "content": {"application/json": {"example": {
                          "status": "not ready", "database": "ok", "broker": "unavailable: KafkaConnectionError"}}}}})
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        async with request.app.state.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), 2)
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise: readiness is an answer, not an error
        checks["database"] = f"unavailable: {type(exc).__name__}"
    producer: AIOKafkaProducer = request.app.state.producer
    try:
        await asyncio.wait_for(producer.client.fetch_all_metadata(), 2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"unavailable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "not ready", **checks}
    relay = getattr(request.app.state, "relay", None)
    if relay is not None and checks["database"] == "ok":
        # Outbox lag: one transaction left open anywhere on the server holds publication back.
        lag = await relay.lag()
        body["relay"] = {"unpublished": lag.unpublished, "oldest_seconds": lag.oldest_seconds,
                         "publishing_here": relay.leading}
    return JSONResponse(body, status_code=200 if ready else 503)
