"""The surge measurement (l): `incidents` incidents opened within `seconds` by both partners, with
the SLA monitor, escalation, knowledge and webhooks services all running, on 1 and N replicas.

The village as `make run` wires it, on databases of its own and topics under a per-run prefix
(one set per replica count): incidents, SLA monitor, escalation, knowledge and webhooks, each
seeded as `make run` seeds it (the demo parties and supplies, contracts, escalation set and
articles). With N replicas every service runs as N processes on its one database, sharing a port
(`Stack.start_replicas`, as `village-dev run --replicas N` does) and its consumer groups.

northwind (for initech) and contoso (for umbrella) each subscribe one webhook endpoint to
`village.incident.*`, each on a receiver of its own: a process per partner, as a partner's
system is one (`make run`'s demo receiver: uvicorn, every signature verified, each arrival
written down and read here as it grows). Until 2026-12-05 the receivers ran in this process, on
the event loop of the openers and the topic consumer, which held each delivery's answer while
the opens went on (docs/benchmarks.md, "(l) surge").

The incidents are opened open loop, paced evenly over `seconds`, rotating the partner/product
pairs and severities of (f) so the demo rules assign some to a partner tier and escalate others
to acme. A plain consumer of the incidents, escalations, SLA and knowledge topics stamps each
record on receipt (`time.time()`); each effect's lag is measured from its incident's `opened`
event time (the CloudEvent `time`, the incidents service's clock on this machine).

Before the surge, `WARMUP` incidents are opened and every one of their effects awaited: the
surge starts on a village whose consumers have joined their groups and are running (the
services are started one after another, the webhooks service last, just before the surge; its
consumers would still be joining when the first incidents come). They count nowhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from typing import Any

import httpx

from village_devstack import demo
from village_devstack.services import ESCALATION, INCIDENTS, KNOWLEDGE, SLA_MONITOR, WEBHOOKS
from village_devstack.stack import run_sql
from village_platform.http import service_client

from . import escalation as routing
from .cpu import CpuMeter
from .receivers import ReceiverProcess
from .stack import BenchStack
from .stats import epoch
from .surge_report import EFFECTS, Applied, SurgeResult

TOPICS = (
    "village.incidents.v1",
    "village.escalations.v1",
    "village.sla.v1",
    "village.knowledge.v1",
)
PARTNERS = ("northwind", "contoso")
RETRIES = 5  # an open answered 503 (the database did not answer in time) or cut off
SERVICES = (INCIDENTS, SLA_MONITOR, ESCALATION, KNOWLEDGE, WEBHOOKS)
WARMUP = 30  # incidents opened, and every effect awaited, before the surge (they count nowhere)
WARMUP_SECONDS = 120  # the most the warm-up's effects are awaited


def settle_seconds(incidents: int) -> float:
    """How long the effects may trail the last open before the run gives up on them."""
    return 120 + incidents * 0.1


def allowance_each(incidents: int, seconds: float) -> float:
    """One replica count's budget: the stack, the warm-up (`WARMUP_SECONDS` at most), the opens
    (at 4/s at worst: on a loaded 2-core machine the incidents service takes far fewer than the
    surge offers) and `settle_seconds`."""
    return 300 + WARMUP_SECONDS + max(2 * seconds, incidents / 4) + settle_seconds(incidents)


def allowance(incidents: int, seconds: float, replicas: list[int]) -> float:
    """(l)'s whole budget."""
    return 60 + len(replicas) * allowance_each(incidents, seconds)


async def measure(
    stack: BenchStack,
    *,
    incidents: int,
    seconds: float,
    replicas: list[int],
    run: str,
    fetch_max_wait_ms: int,
) -> list[SurgeResult]:
    out = []
    for count in replicas:
        print(f"  (l) {count} replica(s) of each service ...", flush=True)
        try:
            out.append(
                await asyncio.wait_for(
                    surge(
                        stack,
                        incidents=incidents,
                        seconds=seconds,
                        replicas=count,
                        run=run,
                        fetch_max_wait_ms=fetch_max_wait_ms,
                    ),
                    timeout=allowance_each(incidents, seconds),
                )
            )
        except TimeoutError:  # reported, and the other counts still run
            failed = SurgeResult(count, incidents, seconds)
            failed.errors.append(f"{count} replica(s): not done within its allowance")
            out.append(failed)
    return out


def _start(stack: BenchStack, replicas: int, run: str) -> dict[str, list[Any]]:
    """Every service, `replicas` processes each, on databases and topics of this run."""
    assert stack.stack is not None
    s, instance = stack.stack, f"l{run}r{replicas}"
    env = {
        "KAFKA_TOPIC_PREFIX": f"bench{run}l{replicas}.",
        "WEBHOOKS_ALLOWED_NETWORKS": "127.0.0.0/8",
        "WEBHOOKS_POLL_SECONDS": "0.2",  # as (g)
    }
    started: dict[str, list[Any]] = {}
    for spec in SERVICES:
        if replicas == 1:
            started[spec.name] = [s.start_service(spec, instance=instance, **env)]
        else:
            started[spec.name] = s.start_replicas(spec, replicas, instance=instance, **env)
        env[f"{spec.env_prefix}_URL"] = started[spec.name][0].url  # the later ones call it
    return started


def _part(process: Any) -> str:
    """`escalation`, or `escalation-2` for a service's second replica."""
    name = process.spec.name
    return f"{name}-{process.replica.rsplit('-', 1)[1]}" if process.replica else name


async def surge(
    stack: BenchStack,
    *,
    incidents: int,
    seconds: float,
    replicas: int,
    run: str,
    fetch_max_wait_ms: int,
) -> SurgeResult:
    from aiokafka import TopicPartition

    result = SurgeResult(replicas, incidents, seconds)
    prefix = f"bench{run}l{replicas}."
    processes: dict[str, list[Any]] = {}
    consumer = stack.plain_consumer(f"village-bench-{run}-surge", fetch_max_wait_ms)
    await consumer.start()
    stop = asyncio.Event()
    consuming: asyncio.Task[None] | None = None
    receivers = {p: ReceiverProcess(stack, f"receiver-{p}-{run}l{replicas}") for p in PARTNERS}
    try:
        # Started through the dev stack (which stops them at the latest when the run ends).
        processes = await asyncio.to_thread(_start, stack, replicas, run)
        urls = {name: procs[0].url for name, procs in processes.items()}
        pids = ", ".join(f"{_part(p)} {p.pid}" for procs in processes.values() for p in procs)
        print(f"  (l) {pids}; topics {prefix}*", flush=True)
        await stack.ensure_topics(prefix, list(TOPICS))
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(prefix + t, p)
            for t in TOPICS
            for p in sorted(consumer.partitions_for_topic(prefix + t) or [])
        ]
        if {tp.topic for tp in tps} != {prefix + t for t in TOPICS}:
            raise RuntimeError(f"some of {TOPICS} have no partitions under {prefix}")
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)
        warm = SurgeResult(replicas, WARMUP, WARMUP / 10)
        observed = [warm]  # what the topic consumer records into: the surge's after the warm-up
        consuming = asyncio.create_task(_consume(consumer, observed, stop))
        for receiver in receivers.values():
            await asyncio.to_thread(receiver.start)
        async with service_client(
            timeout=httpx.Timeout(120.0, pool=None),  # open loop: queued opens wait their turn
            connections=64,
        ) as http:
            for partner, receiver in receivers.items():
                r = await http.post(
                    f"{urls['webhooks']}/endpoints",
                    headers={"Authorization": f"Bearer {demo.token(partner, 'admin')}"},
                    json={"url": receiver.url(partner), "event_types": ["village.incident.*"]},
                )
                r.raise_for_status()
                receiver.trust(partner, r.json()["id"], r.json()["secret"])
            warming = time.time()
            await _open(http, urls["incidents"], WARMUP, warm.seconds, run, replicas, warm, "warm")
            await _settle(warm, receivers, consuming, deadline=time.time() + WARMUP_SECONDS)
            print(
                f"  (l) warm-up: {warm.opened} incidents, every effect seen in "
                f"{time.time() - warming:.1f} s"
                if all(not warm.lost(s) for s in EFFECTS)
                else f"  (l) warm-up: effects missing: {[warm.lost(s) for s in EFFECTS]}",
                flush=True,
            )
            observed[0] = result
            parts = {name: [_part(p) for p in procs] for name, procs in processes.items()}
            result.processes = parts
            meter = CpuMeter(
                {_part(p): p.pid for procs in processes.values() for p in procs}
                | {f"receiver-{p}": r.process.pid for p, r in receivers.items()}
                | {
                    "broker": stack.broker.process.pid
                    if stack.broker and stack.broker.process
                    else None
                },
                {"postgres": stack.postgres_pid},
            )
            load_before = os.getloadavg()
            began_wall = time.time()
            before = meter.sample()
            await _open(http, urls["incidents"], incidents, seconds, run, replicas, result)
            answered = time.time()
            print(
                f"  (l) {result.opened:,} opened in {result.post_seconds:.1f} s; waiting for the "
                "effects ...",
                flush=True,
            )
            await _settle(
                result, receivers, consuming, deadline=answered + settle_seconds(incidents)
            )
            result.settle_seconds = time.time() - answered
            result.cpu = meter.usage(before, meter.sample())
            result.load = (load_before, os.getloadavg())
        stop.set()
        await consuming
        for service in EFFECTS:
            database = processes[service][0].database_url
            result.applied[service] = await asyncio.to_thread(_applied, database, began_wall)
        result.counts["sla-monitor"] = await asyncio.to_thread(
            _doubled_clocks, processes["sla-monitor"][0].database_url
        )
        return result
    finally:
        stop.set()
        if consuming is not None and not consuming.done():
            consuming.cancel()
        await consumer.stop()
        for procs in reversed(list(processes.values())):
            for process in procs:
                await asyncio.to_thread(stack.stop, process)
        for receiver in receivers.values():  # stopped last: no delivery finds it gone
            await asyncio.to_thread(receiver.stop)


async def _open(
    http: httpx.AsyncClient,
    base: str,
    count: int,
    seconds: float,
    run: str,
    replicas: int,
    result: SurgeResult,
    name: str = "surge",
) -> None:
    """`count` incidents paced evenly over `seconds` (open loop: a slow answer delays no open)."""
    tokens = {p: demo.token(p) for p in PARTNERS}
    step = max(count // 5, 1)

    async def one(i: int) -> None:
        partner, body, expected = routing.plan(i)
        headers = {
            "Authorization": f"Bearer {tokens[partner]}",
            "Idempotency-Key": f"{run}-{name}{replicas}-{i}",
        }
        response = None
        for attempt in range(RETRIES + 1):
            try:
                response = await http.post(f"{base}/incidents", json=body, headers=headers)
            except httpx.HTTPError as exc:  # a dropped connection or a timeout
                if attempt == RETRIES:
                    result.errors.append(f"open {i}: {exc!r}")
                    return
            else:
                if response.status_code not in (429, 503) or attempt == RETRIES:
                    break
            # As the problem says ("retry later"), with the same key, as a partner would.
            result.retries += 1
            await asyncio.sleep(1 + attempt)
        assert response is not None
        if response.status_code != 201:
            result.errors.append(f"open {i}: {response.status_code} {response.text[:200]}")
            return
        incident = response.json()["id"]
        result.owner[incident], result.expected_route[incident] = partner, expected
        result.opened += 1
        if result.opened % step == 0 and name == "surge":
            print(f"  (l)   {result.opened:,} opened", flush=True)

    started, tasks = time.perf_counter(), []
    for i in range(count):
        await asyncio.sleep(max(0.0, started + i * seconds / count - time.perf_counter()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    result.post_seconds = time.perf_counter() - started


def _seen(result: SurgeResult, service: str, incident: str, at: float) -> None:
    result.effects.setdefault(service, {}).setdefault(incident, at)
    result.counts.setdefault(service, Counter())[incident] += 1


async def _consume(consumer: Any, observed: list[SurgeResult], stop: asyncio.Event) -> None:
    """Records into `observed[0]` (the warm-up's, then the surge's)."""
    ids: set[str] = set()
    while not stop.is_set():
        batches = await consumer.getmany(timeout_ms=50, max_records=5000)
        received, result = time.time(), observed[0]
        for messages in batches.values():
            for msg in messages:
                headers = {k: v.decode() for k, v in msg.headers if k.startswith("ce_")}
                kind, subject = headers.get("ce_type", ""), headers.get("ce_subject", "")
                if headers.get("ce_id", "") in ids:
                    result.duplicate_records += 1
                    continue
                ids.add(headers.get("ce_id", ""))
                if kind.startswith("village.incident."):
                    result.incident_events += 1
                    if kind == "village.incident.opened.v1":
                        result.opened_at[subject] = epoch(headers["ce_time"])
                elif kind == "village.escalation.decided.v1":
                    data = json.loads(msg.value)
                    result.routes.setdefault(subject, (data["to"]["party"], data["to"]["tier"]))
                    result.decided_at.setdefault(subject, received)
                elif kind == "village.escalation.applied.v1":
                    _seen(result, "escalation", subject, received)
                elif kind == "village.escalation.failed.v1":
                    problem = json.loads(msg.value).get("problem") or {}
                    result.refusals[f"{problem.get('status')} {problem.get('type')}"] += 1
                elif kind == "village.sla.clock_started.v1":
                    # The first clock of the incident (a bus record may be redacted: the SLA
                    # monitor's own store says whether a clock started twice, `_doubled_clocks`).
                    result.effects.setdefault("sla-monitor", {}).setdefault(subject, received)
                elif kind == "village.knowledge.suggestions_made.v1":
                    if json.loads(msg.value).get("audience") == "public":
                        _seen(result, "knowledge", subject, received)


def _webhooks(result: SurgeResult, receivers: dict[str, ReceiverProcess]) -> None:
    """The opened events' deliveries: at the owner's endpoint once each, never at the other's."""
    effects: dict[str, float] = {}
    counts: Counter[str] = Counter()
    leaked = unverified = 0
    for partner, receiver in receivers.items():
        delivered: set[str] = set()
        for arrival in receiver.read():
            if not arrival["verified"]:  # answered 401: sent again, and counted
                unverified += 1
                continue
            if arrival["type"] != "village.incident.opened.v1":
                continue
            incident = arrival["subject"] or ""
            if result.owner.get(incident, partner) != partner:
                leaked += 1
                continue
            if arrival["webhook_id"] in delivered:
                counts[incident] += 1  # the same event delivered twice
                continue
            delivered.add(arrival["webhook_id"])
            effects.setdefault(incident, epoch(arrival["at"]))
            counts[incident] += 1
    result.effects["webhooks"], result.counts["webhooks"] = effects, counts
    result.leaked, result.unverified = leaked, unverified


async def _settle(
    result: SurgeResult,
    receivers: dict[str, ReceiverProcess],
    consuming: asyncio.Task[None],
    *,
    deadline: float,
) -> None:
    """Until every opened incident has every effect, or nothing moved for 60 s, or `deadline`."""

    def counts() -> tuple[int, ...]:
        _webhooks(result, receivers)
        return tuple(
            sum(1 for i in result.owner if i in result.effects.get(s, {})) for s in EFFECTS
        )

    last, moved, reported = (), time.time(), time.time()
    while min(n := counts()) < result.opened:
        if consuming.done():
            consuming.result()  # the topic consumer failed: say why now
            raise RuntimeError("the topic consumer stopped")
        now = time.time()
        if n != last:
            last, moved = n, now
        if now > deadline or now - moved > 60:
            return
        if now - reported > 10:
            done = ", ".join(f"{s} {k:,}" for s, k in zip(EFFECTS, n, strict=True))
            print(f"  (l)   of {result.opened:,}: {done}", flush=True)
            reported = now
        await asyncio.sleep(0.5)


def _applied(database: str, since: float) -> Applied:
    """Events the service's consumers applied from `since` (its handled_events)."""
    rows = run_sql(
        database,
        "SELECT count(*), extract(epoch FROM max(handled_at) - min(handled_at))"
        f" FROM handled_events WHERE handled_at >= to_timestamp({since})",
    )[0]
    return Applied(int(rows[0][0]), float(rows[0][1] or 0.0))


def _doubled_clocks(database: str) -> Counter[str]:
    """Incident -> clocks started more than once (the same contract, clock and round), from the
    SLA monitor's store: each such clock counts once per extra start."""
    rows = run_sql(
        database,
        "SELECT data->>'incident_id', count(*) FROM events"
        " WHERE type = 'village.sla.clock_started.v1'"
        " GROUP BY 1, data->>'contract_id', data->>'clock', data->>'round' HAVING count(*) > 1",
    )[0]
    doubled: Counter[str] = Counter()
    for incident, count in rows:
        doubled[str(incident)] = doubled.get(str(incident), 1) + int(count) - 1
    return doubled
