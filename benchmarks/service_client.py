"""The client side of a call between services: this process's CPU per request with httpx's own
connection pool and with `village_platform.http.service_client` (httpx on aiohttp's pool), side
by side, at several requests in flight.

    uv run python -m benchmarks.service_client [--requests 3000] [--rounds 3]

The server is `benchmarks.floor_app` (FastAPI alone) in a subprocess, so the CPU measured here is
the client's only. Both clients carry the OpenTelemetry instrumentation as the services install it
(sampling off). Not part of `make bench`: it measures a choice of the client, not a target.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx
import uvloop
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from village_platform.http import service_client

from .floor import _BODY, _start_app

CLIENTS = {
    "httpx's own pool (before)": lambda url: httpx.AsyncClient(
        base_url=url, timeout=30, limits=httpx.Limits(max_connections=100)
    ),
    "service_client: httpx on aiohttp": lambda url: service_client(base_url=url, timeout=30),
}


async def _round(make, url: str, n: int, concurrency: int) -> tuple[float, float]:
    async with make(url) as client:
        for _ in range(concurrency):  # connections open before the clock starts
            (await client.post("/incidents", json=_BODY)).raise_for_status()
        left = iter(range(n))

        async def worker() -> None:
            for _ in left:
                (await client.post("/incidents", json=_BODY)).raise_for_status()

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return n / (time.perf_counter() - started), (time.process_time() - cpu) / n * 1000


async def main(n: int, rounds: int, levels: list[int]) -> None:
    HTTPXClientInstrumentor().instrument()  # as telemetry.instrument does in every service
    process, port = _start_app("fastapi")
    url = f"http://127.0.0.1:{port}"
    results: dict[tuple[int, str], list[tuple[float, float]]] = {}
    try:
        for _ in range(rounds):  # alternated, so a noisy moment hits both alike
            for concurrency in levels:
                for name, make in CLIENTS.items():
                    run = await _round(make, url, n, concurrency)
                    results.setdefault((concurrency, name), []).append(run)
    finally:
        process.terminate()
        process.wait()
    print(f"{n} requests × {rounds} rounds; medians; CPU is the client's")
    for (concurrency, name), runs in results.items():
        rate = statistics.median(r for r, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"  {concurrency:3d} in flight, {name:<34} {rate:6.0f} /s  {cpu:5.3f} ms CPU/request")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=3000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--in-flight", type=int, nargs="+", default=[1, 8, 32])
    a = p.parse_args()
    uvloop.run(main(a.requests, a.rounds, a.in_flight))
