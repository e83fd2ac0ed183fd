"""The floor under every rate in this benchmark: what an HTTP request and a database round trip
cost on this machine before any of Village's own work, measured side by side in one run.

    uv run python -m benchmarks.floor [--requests 4000] [--statements 10000] [--rounds 3]

- **HTTP**: the smallest command a service could answer (`benchmarks.floor_app`: a pydantic body
  in, JSON out, no database) in a subprocess served as the services are, 16 clients at a time:
  FastAPI alone, with the OpenTelemetry instrumentation, and on `service_app` (everything a
  service wraps a route in). The server's CPU per request.
- **PostgreSQL** (embedded, default durability): one statement after another on one connection,
  the client's CPU (this process: the event loop included) and the backend's CPU per statement.
  A bare `SELECT $1` on asyncpg over TCP and over the server's Unix socket; the same through
  SQLAlchemy (`text()` on an AsyncConnection in a transaction, as the services run theirs); and
  a write transaction (BEGIN, INSERT, COMMIT) on asyncpg and through SQLAlchemy.

Not part of `make bench`: it has no target. It says how much of a target's CPU budget is gone
before a command does anything (docs/benchmarks.md, "The CPU budget on two cores").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import uvloop
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from village_devstack.postgres import EmbeddedPostgres
from village_devstack.stack import free_port

from .cpu import process_cpu

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {
    "fastapi": "FastAPI alone",
    "otel": "FastAPI + OpenTelemetry (sampling off)",
    "native": "FastAPI's own tracing (sampling off)",
    "context": "the caller's trace context only (no span built)",
    "village": "service_app (limits, problems, health, feed, telemetry)",
}


# -- HTTP ------------------------------------------------------------------------------------------


def _start_app(variant: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "FLOOR_VARIANT": variant, "VILLAGE_ENV": "development"}
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env.get('PYTHONPATH', '')}"
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.floor_app", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.post(f"http://127.0.0.1:{port}/incidents", json=_BODY).status_code == 201:
                return process, port
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"floor app ({variant}) exited with {process.returncode}")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"floor app ({variant}) did not answer")


_BODY = {"title": "Checkout down for every store", "severity": "S1"}


async def _http_round(port: int, pid: int, n: int, concurrency: int) -> float:
    """Server CPU ms per request."""
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as client:
        for _ in range(200):  # warm: connections, caches
            await client.post("/incidents", json=_BODY)
        left = iter(range(n))

        async def worker() -> None:
            for _ in left:
                response = await client.post("/incidents", json=_BODY)
                assert response.status_code == 201, response.text

        before = process_cpu(pid)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return (process_cpu(pid) - before) * 1000 / n


async def http_floor(n: int, concurrency: int, rounds: int) -> dict[str, list[float]]:
    apps = {variant: _start_app(variant) for variant in VARIANTS}
    try:
        results: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for _ in range(rounds):  # alternated: a noisy moment hits every variant alike
            for variant, (process, port) in apps.items():
                results[variant].append(await _http_round(port, process.pid, n, concurrency))
        return results
    finally:
        for process, _ in apps.values():
            process.terminate()
            process.wait(10)


# -- PostgreSQL ------------------------------------------------------------------------------------

Step = Callable[[int], Awaitable[object]]


async def _db_round(step: Step, backend: int, n: int) -> tuple[float, float]:
    """(client, backend) CPU µs per step."""
    for i in range(200):
        await step(i)
    client, server = time.process_time(), process_cpu(backend)
    for i in range(n):
        await step(i)
    return (time.process_time() - client) * 1e6 / n, (process_cpu(backend) - server) * 1e6 / n


async def db_floor(
    pg: EmbeddedPostgres, n: int, rounds: int
) -> dict[str, list[tuple[float, float]]]:
    tcp = await asyncpg.connect(pg.url)
    unix = await asyncpg.connect(host=str(pg.socket_dir), port=pg.port, user="postgres")
    await tcp.execute("CREATE TABLE IF NOT EXISTS floor (id bigint, body text)")
    # One connection each, kept for the whole run: the backend measured is always the same.
    url = pg.url.replace("postgresql://", "postgresql+asyncpg://")
    reader, writer = (create_async_engine(url, pool_size=1, max_overflow=0) for _ in range(2))
    conn = await reader.connect()
    await conn.begin()  # the services' statements run in a transaction
    async with writer.connect() as c:
        written_by = (await c.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    backends = {
        "tcp": await tcp.fetchval("SELECT pg_backend_pid()"),
        "unix": await unix.fetchval("SELECT pg_backend_pid()"),
        "sqla": (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one(),
        "sqla-write": written_by,
    }
    select = text("SELECT CAST(:v AS integer)")
    insert = text("INSERT INTO floor VALUES (:i, :b)")

    async def asyncpg_write(i: int) -> None:
        async with tcp.transaction():
            await tcp.execute("INSERT INTO floor VALUES ($1, $2)", i, "x" * 200)

    async def sqlalchemy_write(i: int) -> None:
        async with writer.begin() as c:
            await c.execute(insert, {"i": i, "b": "x" * 200})

    steps: dict[str, tuple[Step, str, int]] = {
        "SELECT $1, asyncpg, TCP": (lambda i: tcp.fetchval("SELECT $1::integer", i), "tcp", n),
        "SELECT $1, asyncpg, Unix socket": (
            lambda i: unix.fetchval("SELECT $1::integer", i),
            "unix",
            n,
        ),
        "SELECT :v, SQLAlchemy text(), TCP": (
            lambda i: conn.scalar(select, {"v": i}),
            "sqla",
            n,
        ),
        "BEGIN, INSERT, COMMIT, asyncpg": (asyncpg_write, "tcp", n // 2),
        "BEGIN, INSERT, COMMIT, SQLAlchemy": (sqlalchemy_write, "sqla-write", n // 2),
    }
    try:
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in steps}
        for _ in range(rounds):
            for name, (step, backend, count) in steps.items():
                results[name].append(await _db_round(step, backends[backend], count))
        return results
    finally:
        await conn.close()
        for engine in (reader, writer):
            await engine.dispose()
        await tcp.close()
        await unix.close()


def main(requests: int, statements: int, rounds: int, concurrency: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="village-floor-"))
    pg = EmbeddedPostgres(root / "pg", port=free_port()).start()
    try:
        db = uvloop.run(db_floor(pg, statements, rounds))
    finally:
        pg.stop()
    http = uvloop.run(http_floor(requests, concurrency, rounds))
    print(f"CPU per unit of work, median of {rounds} rounds alternated ({os.cpu_count()} cores)")
    print(f"HTTP: POST of a small JSON body, {requests} requests, {concurrency} at a time")
    for variant, label in VARIANTS.items():
        print(f"  {label:<58} server {statistics.median(http[variant]):5.2f} ms per request")
    print(f"PostgreSQL: {statements} statements one after another (writes: half as many)")
    for name, runs in db.items():
        client = statistics.median(c for c, _ in runs)
        backend = statistics.median(b for _, b in runs)
        print(f"  {name:<58} client {client:5.0f} µs, backend {backend:5.0f} µs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--statements", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    main(args.requests, args.statements, args.rounds, args.concurrency)
