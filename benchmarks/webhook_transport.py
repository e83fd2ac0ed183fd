"""The webhook dispatcher's HTTP transport alone: requests/s and CPU per request through
`CheckedTransport` to a local receiver (uvicorn, in this process), over HTTP and over TLS, with
each answer read to its end (the dispatcher: the connection is kept for the next delivery) and
left unread (the connection is closed: a new TCP and TLS handshake per delivery).

    uv run python -m benchmarks.webhook_transport [--requests 1500] [--concurrency 16]

Not part of `make bench`: it measures a choice of the client, not a target. CPU is this
process's (client and receiver together).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import ssl
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from village_devstack.certificates import certificates
from village_devstack.webhook_receiver import Receiver, ReceiverServer
from village_webhooks.domain.targets import Address, parse_networks
from village_webhooks.pinning import CheckedTransport

BODY = b'{"type": "village.incident.opened.v1", "data": {"n": 1}}' * 8


class _Loopback:
    async def resolve(self, host: str, port: int) -> list[Address]:
        return [ipaddress.ip_address("127.0.0.1")]


async def _run(url: str, ctx: ssl.SSLContext | None, read: bool, n: int, concurrency: int):
    transport = CheckedTransport(
        _Loopback(),
        development=True,
        allowed=parse_networks("127.0.0.0/8"),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        ssl_context=ctx,
    )
    async with httpx.AsyncClient(transport=transport) as client:
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate, client.stream("POST", url, content=BODY) as response:
                if read:
                    async for _ in response.aiter_bytes():
                        pass

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.perf_counter() - started), (time.process_time() - cpu) / n * 1000


async def main(n: int, concurrency: int, rounds: int) -> None:
    certfile, keyfile, cafile = certificates(Path(tempfile.mkdtemp()), "hooks.bench.test")
    tls = ssl.create_default_context(cafile=cafile)
    results: dict[str, list[tuple[float, float]]] = {}
    plain, secure = Receiver(keep=False), Receiver(keep=False)
    async with (
        ReceiverServer(plain) as http_url,
        ReceiverServer(secure, certfile=certfile, keyfile=keyfile) as https_url,
    ):
        urls = {
            "http": http_url.replace("127.0.0.1", "hooks.bench.test"),
            "https": https_url.replace("127.0.0.1", "hooks.bench.test"),
        }
        for _ in range(rounds):  # alternated, so a noisy moment hits every variant alike
            for scheme, url in urls.items():
                for read in (False, True):
                    key = f"{scheme}, answer {'read (kept alive)' if read else 'unread (closed)'}"
                    ctx = tls if scheme == "https" else None
                    results.setdefault(key, []).append(await _run(url, ctx, read, n, concurrency))
    print(f"{n} requests × {rounds} rounds, {concurrency} at a time; medians")
    for key, runs in results.items():
        rate = statistics.median(r for r, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"  {key:<34} {rate:7.0f} requests/s  {cpu:5.2f} ms CPU per request")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=1500)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    asyncio.run(main(a.requests, a.concurrency, a.rounds))
