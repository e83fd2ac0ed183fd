"""The incidents service's measurement (j): one provider incident with many linked incidents
(5,000 by default) and one update fanned out to all of them.

An incidents service subprocess on a database of its own, the demo directory seeded. northwind
opens `linked` incidents for initech (HTTP, `concurrency` clients), acme declares an outage of
routers and northwind links every incident. Then, first without fan-out and then while it runs,
`clients` clients each issue ordinary commands one after another (a shared note on an incident
of their own, not linked), timed by the client from request to response. acme posts one update
(audience customers); the run ends when `GET .../updates` says every linked incident has it.
Per incident: the time from the update's posting to its note's event (`recorded_at`, both the
service's clock, from its database); total: to the last one.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from village_devstack import demo
from village_devstack.services import INCIDENTS

from .stack import BenchStack
from .stats import Latency

BODY = "Tunnel to Leeds flaps every 30 s; IKE rekey fails. Waiting for the fixed firmware."


@dataclass
class FanoutResult:
    linked: int
    clients: int
    setup_seconds: float = 0.0
    total_seconds: float = float("nan")
    per_incident: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    during: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    link_retries: int = 0  # links answered 503 (the outage's row lock waited past the timeout)


async def _pool(count: int, concurrency: int, work: Any) -> list[Any]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)
    out: list[Any] = [None] * count

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            out[n] = await work(n)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return out


async def measure(
    stack: BenchStack,
    *,
    linked: int,
    concurrency: int,
    clients: int,
    commands: int,
    run: str,
    lanes: int | None = None,
) -> FanoutResult:
    result = FanoutResult(linked, clients)
    database = await asyncio.to_thread(stack.migrate_database, f"fanout{run}")
    service = await asyncio.to_thread(
        stack.start_on,
        INCIDENTS,
        database,
        "incidents-fanout",
        KAFKA_TOPIC_PREFIX=f"bench{run}j.",
        **({"OUTAGE_FANOUT_LANES": str(lanes)} if lanes else {}),
    )
    await asyncio.to_thread(demo.seed_parties, service.url)
    nw = {"Authorization": f"Bearer {demo.token('northwind')}"}
    acme = {"Authorization": f"Bearer {demo.token('acme')}"}
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=120, trust_env=False) as client:
            began = time.perf_counter()
            outage = {"title": "Router firmware 7.2", "products": ["routers"], "severity": "S1"}
            r = await client.post("/provider-incidents", json=outage, headers=acme)
            oid = r.json()["id"]

            async def open_one(_: int) -> str:
                body = {"title": "VPN down", "severity": "S2", "product": "routers"}
                r = await client.post(
                    "/incidents", json={**body, "customer": "initech"}, headers=nw
                )
                return r.json()["id"]

            async def link_one(n: int) -> None:
                link = {"incident_id": ids[n]}
                # Links queue for the outage's row: a 503 is retried as its Retry-After asks (at
                # most a second, jittered so the retries do not come back together).
                for _ in range(10):
                    r = await client.post(f"/provider-incidents/{oid}/links", json=link, headers=nw)
                    if r.status_code != 503:
                        break
                    result.link_retries += 1
                    wait = min(float(r.headers.get("Retry-After", 1)), 1.0)
                    await asyncio.sleep(wait * random.uniform(0.5, 1.0))
                if r.status_code != 200:
                    result.errors.append(f"link: {r.status_code} {r.text[:200]}")

            print(f"  (j) opening and linking {linked:,} incidents ...", flush=True)
            ids = await _pool(linked, concurrency, open_one)
            await _pool(linked, concurrency, link_one)
            own = await _pool(clients, clients, open_one)  # the ordinary commands' incidents
            result.setup_seconds = time.perf_counter() - began

            async def ordinary(iid: str, into: list[float], until: Any) -> None:
                done = 0
                while not until(done):
                    t = time.perf_counter()
                    r = await client.post(
                        f"/incidents/{iid}/notes",
                        json={"body": BODY, "visibility": "shared"},
                        headers=nw,
                    )
                    into.append(time.perf_counter() - t)
                    done += 1
                    if r.status_code != 200:
                        result.errors.append(f"note: {r.status_code} {r.text[:200]}")

            print(f"  (j) ordinary commands without fan-out ({clients} clients) ...", flush=True)
            await asyncio.gather(
                *(ordinary(i, result.baseline, lambda n: n >= commands) for i in own)
            )
            print("  (j) one update to all of them, ordinary commands meanwhile ...", flush=True)
            finished = asyncio.Event()
            update = {"body": "Fixed firmware 7.2.1 is rolling out", "audience": "customers"}
            t0 = time.perf_counter()
            r = await client.post(f"/provider-incidents/{oid}/updates", json=update, headers=acme)
            update_id = r.json()["update_id"]
            load = [
                asyncio.create_task(ordinary(i, result.during, lambda _: finished.is_set()))
                for i in own
            ]
            while True:
                r = await client.get(f"/provider-incidents/{oid}/updates", headers=acme)
                seen = r.json()["items"][0]
                if seen["delivered"] == seen["total"]:
                    break
                await asyncio.sleep(0.05)
            result.total_seconds = time.perf_counter() - t0
            finished.set()
            await asyncio.gather(*load)
        result.per_incident = await _delays(service.database_url, update_id)
        if len(result.per_incident) != linked:
            result.errors.append(f"{len(result.per_incident)} notes for {linked} incidents")
        return result
    finally:
        await asyncio.to_thread(stack.stop, service)


async def _delays(database_url: str, update_id: str) -> list[float]:
    """Seconds from the update's posting to each linked incident's note (the service's clock)."""
    url = database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT extract(epoch FROM e.recorded_at - u.posted_at) AS s FROM events e"
                    " JOIN outage_updates u ON u.update_id = e.metadata->>'update_id'"
                    " WHERE u.update_id = :u AND e.type = 'village.incident.note_added.v1'"
                ),
                {"u": update_id},
            )
            return [float(r.s) for r in rows]
    finally:
        await engine.dispose()


def rows(j: FanoutResult | None) -> list[Any]:
    from .report import Row, _ms

    if j is None:
        return []
    each, base, during = Latency.of(j.per_incident), Latency.of(j.baseline), Latency.of(j.during)
    ratio = during.p99_ms / base.p99_ms if base.p99_ms else float("nan")
    return [
        Row(
            f"(j) one update to {j.linked:,} linked incidents: all delivered",
            f"{j.total_seconds:.1f} s (setup {j.setup_seconds:.0f} s, {j.link_retries} links"
            " retried after a 503)",
            "≤ 30 s",
            "pass" if j.total_seconds <= 30 and not j.errors else "FAIL",
        ),
        Row(
            "(j)   per incident, posting → note, p50 / p99",
            f"{_ms(each.p50_ms)} / {_ms(each.p99_ms)}",
        ),
        Row(
            f"(j)   ordinary command (a note, {j.clients} clients) p50 / p99: without │ during",
            f"{_ms(base.p50_ms)} / {_ms(base.p99_ms)} │ {_ms(during.p50_ms)} / "
            f"{_ms(during.p99_ms)} (n={during.n})",
            "p99 ≤ 2× without",
            "pass" if ratio <= 2 else "FAIL",
        ),
    ]
