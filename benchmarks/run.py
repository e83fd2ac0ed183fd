"""Entry point of `make bench` (`uv run python -m benchmarks`)."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import signal
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import (
    escalation,
    incident_scale,
    knowledge,
    outage_fanout,
    report,
    sla,
    sla_timers,
    surge,
    surge_report,
    war_room,
    webhooks,
    workloads,
)
from .cpu import CpuMeter, postmaster_pid
from .stack import BenchStack

ROOT = Path(__file__).resolve().parent.parent


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--sequences", type=int, default=300, help="(a) open→ack→note sequences")
    p.add_argument("--concurrency", type=int, default=16, help="(a) concurrent clients")
    p.add_argument("--warmup", type=int, default=32, help="(a) sequences before measuring")
    p.add_argument("--rate", type=float, default=100.0, help="(b) incidents opened per second")
    p.add_argument("--duration", type=float, default=20.0, help="(b) seconds of paced load")
    p.add_argument(
        "--low-rate",
        type=float,
        default=25.0,
        help="(b) also measure at this rate first (pipeline latency below saturation); 0 = skip",
    )
    p.add_argument(
        "--fetch-max-wait-ms",
        type=int,
        default=10,
        help="(b, e) the consumer's fetch_max_wait_ms (aiokafka default 500: tansu then "
        "answers a fetch only when the wait expires)",
    )
    p.add_argument("--appends", type=int, default=5000, help="(c) appends (and inserts) per round")
    p.add_argument("--writers", type=int, default=8, help="(c) concurrent writers")
    p.add_argument("--rounds", type=int, default=3, help="(c) rounds of each, interleaved")
    p.add_argument(
        "--no-diagnose",
        action="store_true",
        help="(c) skip the two diagnostic rounds (store without NOTIFY, raw with NOTIFY)",
    )
    p.add_argument(
        "--rebuild-events",
        type=int,
        default=100_000,
        help="(d) incident events in the history the SLA read model is rebuilt from",
    )
    p.add_argument(
        "--rebuild-repeats",
        type=int,
        default=2,
        help="(d) rebuilds after the first (facts already stored); the median is reported",
    )
    p.add_argument(
        "--page-size", type=int, default=1000, help="(d) rebuild page size (the feed's maximum)"
    )
    p.add_argument(
        "--apply-events",
        type=int,
        default=5000,
        help="(d) events applied as the live consumer does; 0 = skip",
    )
    p.add_argument(
        "--apply-batch",
        type=int,
        default=100,
        help="(d) apply path: events per transaction (a fetch: the consumer takes up to 100 "
        "records of a partition at once); 1 = one transaction per event, as before issue 17",
    )
    p.add_argument(
        "--clocks", type=int, default=10_000, help="(e) open SLA clocks (two per incident)"
    )
    p.add_argument(
        "--timer-rate",
        type=float,
        default=50.0,
        help="(e) steady: thresholds falling due per second, on average",
    )
    p.add_argument(
        "--timer-spread",
        type=float,
        default=30.0,
        help="(e) steady: seconds over which the first thresholds fall due (the last 30 s later)",
    )
    p.add_argument(
        "--timer-burst",
        type=int,
        default=1000,
        help=(
            "(e) burst: thresholds falling due at the same instant "
            "(four times, as the clocks run on)"
        ),
    )
    p.add_argument(
        "--timer-lead",
        type=float,
        default=25.0,
        help=(
            "(e) seconds from opening the incidents to the first due time "
            "(the setup runs meanwhile)"
        ),
    )
    p.add_argument(
        "--escalation-incidents",
        type=int,
        default=10_000,
        help="(f) incidents opened in the burst (one route decision each)",
    )
    p.add_argument(
        "--escalation-concurrency", type=int, default=32, help="(f) concurrent clients opening them"
    )
    p.add_argument(
        "--escalation-warmup",
        type=int,
        default=20,
        help="(f) incidents opened and applied before the burst (not measured)",
    )
    p.add_argument(
        "--webhook-events", type=int, default=2000, help="(g) backlog of incidents opened"
    )
    p.add_argument(
        "--webhook-endpoints", type=int, default=2, help="(g) endpoints each backlog event goes to"
    )
    p.add_argument(
        "--webhook-rate", type=float, default=100.0, help="(g) steady: incidents opened per second"
    )
    p.add_argument(
        "--webhook-duration", type=float, default=20.0, help="(g) steady: seconds of paced load"
    )
    p.add_argument(
        "--knowledge-articles", type=int, default=50_000, help="(h) generated articles searched"
    )
    p.add_argument(
        "--knowledge-queries", type=int, default=500, help="(h) searches, one after another"
    )
    p.add_argument(
        "--knowledge-incidents", type=int, default=200, help="(h) incidents opened for suggestions"
    )
    p.add_argument(
        "--knowledge-rate", type=float, default=10.0, help="(h) incidents opened per second"
    )
    p.add_argument(
        "--scale-notes",
        type=int,
        default=10_000,
        help="(i) notes of the large incident (the small one has 10)",
    )
    p.add_argument(
        "--scale-rounds", type=int, default=50, help="(i) measured rounds of every request"
    )
    p.add_argument(
        "--fanout-incidents", type=int, default=5000, help="(j) incidents linked to the outage"
    )
    p.add_argument(
        "--fanout-lanes", type=int, default=None, help="(j) OUTAGE_FANOUT_LANES (the default: 4)"
    )
    p.add_argument(
        "--fanout-clients", type=int, default=4, help="(j) clients issuing ordinary commands"
    )
    p.add_argument(
        "--fanout-commands",
        type=int,
        default=100,
        help="(j) ordinary commands per client without fan-out",
    )
    p.add_argument(
        "--warroom-entries", type=int, default=500, help="(k) notes on the war room's incident"
    )
    p.add_argument("--warroom-loads", type=int, default=10, help="(k) measured page loads")
    p.add_argument(
        "--warroom-notes", type=int, default=20, help="(k) notes posted to the open war room"
    )
    p.add_argument(
        "--surge-incidents",
        type=int,
        default=5000,
        help="(l) incidents opened by northwind and contoso, paced evenly over --surge-seconds",
    )
    p.add_argument(
        "--surge-seconds", type=float, default=60.0, help="(l) seconds the incidents land within"
    )
    p.add_argument(
        "--surge-replicas",
        type=_counts,
        default=[1, 2],
        help="(l) processes of each service, one surge per count, side by side (e.g. 1,2)",
    )
    p.add_argument(
        "--only",
        choices=["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"],
        action="append",
        help="run only these measurements (repeatable)",
    )
    p.add_argument(
        "--fsync-off",
        action="store_true",
        help="embedded PostgreSQL with fsync/full_page_writes/synchronous_commit off "
        "(NOT the default; labelled in the report)",
    )
    p.add_argument(
        "--pg-setting",
        type=_setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a server setting for the embedded PostgreSQL, e.g. commit_delay=100 (repeatable; "
        "shown in the report)",
    )
    p.add_argument("--no-uvloop", action="store_true", help="plain asyncio loop in the client")
    p.add_argument(
        "--docs",
        type=Path,
        default=ROOT / "docs" / "benchmarks.md",
        help="results file to update (its results block only)",
    )
    p.add_argument("--no-docs", action="store_true", help="print only, do not touch the docs")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="abort (and clean up) after this many seconds (default 900, plus (f)'s allowance)",
    )
    args = p.parse_args(argv)
    if args.pg_setting and os.environ.get("DATABASE_URL"):
        p.error("--pg-setting configures the embedded PostgreSQL; set it on your own server")
    return args


def _counts(text: str) -> list[int]:
    counts = [int(x) for x in text.split(",") if x.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("replica counts of at least 1, e.g. 1,2")
    return counts


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError("NAME=VALUE, e.g. commit_delay=100")
    return name.strip(), value.strip()


class Aborted(Exception):
    pass


STOPS = (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM)


def _abort(signum: int, _frame: object) -> None:
    raise Aborted(f"stopped by {signal.Signals(signum).name}")


def run_stoppable(measure: Callable[[], Coroutine[Any, Any, None]], *, uvloop: bool) -> None:
    """Run `measure()` in an event loop that a SIGTERM, SIGHUP or the time limit's SIGALRM stops:
    the signal cancels the measurement (its `finally` blocks stop what it started) and Aborted is
    raised here. A Python signal handler cannot do this inside a running loop: the exception it
    raises lands in whatever callback runs, and the loop logs it and carries on (uvloop, and
    asyncio for callbacks other than tasks)."""
    stopped: list[str] = []

    async def stoppable() -> None:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        assert task is not None

        def stop(signum: int) -> None:
            stopped.append(f"stopped by {signal.Signals(signum).name}")
            task.cancel()  # again on every signal: a measurement that swallowed one gets the next

        for sig in STOPS:
            loop.add_signal_handler(sig, stop, sig)
        try:
            await measure()
        finally:
            for sig in STOPS:
                loop.remove_signal_handler(sig)

    try:
        if uvloop:
            import uvloop as uv

            with asyncio.Runner(loop_factory=uv.new_event_loop) as runner:
                runner.run(stoppable())
        else:
            asyncio.run(stoppable())
    except asyncio.CancelledError:
        if not stopped:
            raise
    finally:
        for sig in STOPS:  # the loop put the default (fatal) handlers back
            signal.signal(sig, _abort)
    if stopped:
        raise Aborted(stopped[0])


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # (l) is opt-in: a full surge on 1 and 2 replicas takes longer than the rest together.
    only = set(args.only or ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"])
    # No exporter during the benchmark, and nothing leaves 127.0.0.1.
    os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    for sig in STOPS:
        signal.signal(sig, _abort)
    if args.time_limit is None:
        args.time_limit = (
            900
            + (escalation.allowance(args.escalation_incidents) if "f" in only else 0)
            + (300 + args.webhook_events * args.webhook_endpoints / 20 if "g" in only else 0)
            + (600 if "h" in only else 0)
            + (600 if "i" in only else 0)
            + (args.fanout_incidents / 5 + 900 if "j" in only else 0)
            + (1200 if "k" in only else 0)
            + (
                surge.allowance(args.surge_incidents, args.surge_seconds, args.surge_replicas)
                if "l" in only
                else 0
            )
        )
    signal.alarm(int(args.time_limit))
    began = time.perf_counter()
    run = uuid.uuid4().hex[:8]
    stack = BenchStack(fsync=not args.fsync_off, postgres_settings=dict(args.pg_setting))
    a = b = b_low = c = d = e = f = g = h = i = j = k = None
    surges: list[surge_report.SurgeResult] = []
    try:
        print("bench: starting PostgreSQL and the broker ...", flush=True)
        stack.start()
        server = stack.server_facts()
        print(
            f"bench: PostgreSQL {server['server_version']} on {stack.database_url} "
            f"fsync={server['fsync']} synchronous_commit={server['synchronous_commit']} "
            f"commit_delay={server['commit_delay']}; "
            f"Kafka {stack.kafka_bootstrap}",
            flush=True,
        )
        if only & {"a", "b"}:
            service = stack.start_incidents()
            stack.wait_topic(workloads.TOPIC)
            print(
                f"bench: incidents service pid {service.pid} on {service.url} "
                f"(log {service.log_file})",
                flush=True,
            )
        appends_db = stack.migrate_database("appends") if "c" in only else None
        meter = CpuMeter(
            {
                "service": stack.service.pid if stack.service else None,
                "broker": stack.broker.process.pid
                if stack.broker and stack.broker.process
                else None,
            },
            {"postgres": postmaster_pid(stack.postgres.data_dir) if stack.postgres else None},
        )
        load_before = os.getloadavg()

        from village_devstack.demo import token

        northwind = token("northwind")

        async def measure() -> None:
            nonlocal a, b, b_low, c, d, e, f, g, h, i, j, k, surges
            if "a" in only:
                print(
                    f"bench: (a) {args.sequences} × open→ack→note, {args.concurrency} clients ...",
                    flush=True,
                )
                a = await asyncio.wait_for(
                    workloads.command_sequences(
                        service.url,
                        northwind,
                        sequences=args.sequences,
                        concurrency=args.concurrency,
                        warmup=args.warmup,
                        run=run,
                        meter=meter,
                    ),
                    timeout=180,
                )
            if "b" in only and args.low_rate > 0:
                count = int(args.low_rate * 8)
                print(
                    f"bench: (b) {count} incidents at {args.low_rate:.0f}/s first ...", flush=True
                )
                b_low = await asyncio.wait_for(
                    workloads.end_to_end(
                        service.url,
                        northwind,
                        stack.kafka_bootstrap,
                        rate=args.low_rate,
                        count=count,
                        drain_seconds=10,
                        run=run + "low",
                        meter=meter,
                        fetch_max_wait_ms=args.fetch_max_wait_ms,
                    ),
                    timeout=120,
                )
            if "b" in only:
                count = int(args.rate * args.duration)
                print(
                    f"bench: (b) {count} incidents at {args.rate:.0f}/s, POST → Kafka consumer ...",
                    flush=True,
                )
                b = await asyncio.wait_for(
                    workloads.end_to_end(
                        service.url,
                        northwind,
                        stack.kafka_bootstrap,
                        rate=args.rate,
                        count=count,
                        drain_seconds=10,
                        run=run,
                        meter=meter,
                        fetch_max_wait_ms=args.fetch_max_wait_ms,
                    ),
                    timeout=args.duration * 3 + 60,
                )
            if "c" in only:
                print(
                    f"bench: (c) {args.rounds} rounds × {args.appends} EventStore.append vs raw "
                    f"INSERT, {args.writers} writers ...",
                    flush=True,
                )
                c = await asyncio.wait_for(
                    workloads.appends(
                        appends_db,
                        writers=args.writers,
                        count=args.appends,
                        rounds=args.rounds,
                        warmup=max(args.appends // 10, args.writers),
                        run=run,
                        diagnose=not args.no_diagnose,
                        meter=meter,
                    ),
                    timeout=240,
                )
            if "d" in only:
                print(
                    f"bench: (d) SLA rebuild of {args.rebuild_events:,} incident events "
                    f"×{1 + args.rebuild_repeats}, "
                    f"then {args.apply_events:,} through the consumer's apply path ...",
                    flush=True,
                )
                d = await asyncio.wait_for(
                    sla.projection(
                        stack,
                        events=args.rebuild_events,
                        apply_events=args.apply_events,
                        repeats=args.rebuild_repeats,
                        page_size=args.page_size,
                        run=run,
                        apply_batch=args.apply_batch,
                    ),
                    timeout=180
                    + (1 + args.rebuild_repeats) * args.rebuild_events / 500
                    + args.apply_events / 2,
                )
            if "e" in only:
                print(f"bench: (e) timer-firing lag, {args.clocks:,} open clocks ...", flush=True)
                e = await asyncio.wait_for(
                    sla_timers.timer_lag(
                        stack,
                        clocks=args.clocks,
                        rate=args.timer_rate,
                        spread=args.timer_spread,
                        burst=args.timer_burst,
                        lead=args.timer_lead,
                        run=run,
                        fetch_max_wait_ms=args.fetch_max_wait_ms,
                    ),
                    timeout=args.timer_lead
                    + args.timer_spread
                    + 3 * sla_timers.RESPOND_SECONDS
                    + 200,
                )
            if "f" in only:
                print(
                    f"bench: (f) escalation: burst of {args.escalation_incidents:,} incidents "
                    "opened, decided and applied ...",
                    flush=True,
                )
                f = await asyncio.wait_for(
                    escalation.burst(
                        stack,
                        incidents=args.escalation_incidents,
                        concurrency=args.escalation_concurrency,
                        warmup=args.escalation_warmup,
                        run=run,
                        fetch_max_wait_ms=args.fetch_max_wait_ms,
                    ),
                    timeout=escalation.allowance(args.escalation_incidents),
                )
            if "g" in only:
                print(
                    f"bench: (g) webhooks: backlog of {args.webhook_events:,} events × "
                    f"{args.webhook_endpoints} endpoints, "
                    f"then {args.webhook_rate:.0f} events/s ...",
                    flush=True,
                )
                g = await asyncio.wait_for(
                    webhooks.measure(
                        stack,
                        events=args.webhook_events,
                        endpoints=args.webhook_endpoints,
                        rate=args.webhook_rate,
                        duration=args.webhook_duration,
                        run=run,
                    ),
                    timeout=300 + args.webhook_events * args.webhook_endpoints / 20,
                )
            if "h" in only:
                print(
                    f"bench: (h) knowledge: search over {args.knowledge_articles:,} articles, "
                    f"suggestions for {args.knowledge_incidents} incidents ...",
                    flush=True,
                )
                h = await asyncio.wait_for(
                    knowledge.measure(
                        stack,
                        articles=args.knowledge_articles,
                        searches=args.knowledge_queries,
                        incidents=args.knowledge_incidents,
                        rate=args.knowledge_rate,
                        run=run,
                        fetch_max_wait_ms=args.fetch_max_wait_ms,
                    ),
                    timeout=600 + args.knowledge_incidents / 2,
                )
            if "i" in only:
                print(
                    f"bench: (i) one incident after 10 and after {args.scale_notes:,} notes, "
                    f"{args.scale_rounds} rounds ...",
                    flush=True,
                )
                i = await asyncio.wait_for(
                    incident_scale.measure(
                        stack,
                        small=10,
                        large=args.scale_notes,
                        rounds=args.scale_rounds,
                        warmup=3,
                        run=run,
                    ),
                    timeout=600,
                )

            if "j" in only:
                print(
                    f"bench: (j) outage fan-out: one update to {args.fanout_incidents:,} linked "
                    "incidents ...",
                    flush=True,
                )
                j = await asyncio.wait_for(
                    outage_fanout.measure(
                        stack,
                        linked=args.fanout_incidents,
                        concurrency=16,
                        clients=args.fanout_clients,
                        commands=args.fanout_commands,
                        run=run,
                        lanes=args.fanout_lanes,
                    ),
                    timeout=args.fanout_incidents / 5 + 900,
                )

            if "k" in only:
                print(
                    f"bench: (k) war room of {args.warroom_entries} entries in chromium ...",
                    flush=True,
                )
                k = await asyncio.wait_for(
                    war_room.measure(
                        stack,
                        entries=args.warroom_entries,
                        loads=args.warroom_loads,
                        notes=args.warroom_notes,
                        run=run,
                    ),
                    timeout=1200,  # the console may take 600 s to record them on a loaded machine
                )

            if "l" in only:
                print(
                    f"bench: (l) surge: {args.surge_incidents:,} incidents within "
                    f"{args.surge_seconds:.0f} s, all services, replicas "
                    f"{', '.join(map(str, args.surge_replicas))} ...",
                    flush=True,
                )
                surges = await asyncio.wait_for(
                    surge.measure(
                        stack,
                        incidents=args.surge_incidents,
                        seconds=args.surge_seconds,
                        replicas=args.surge_replicas,
                        run=run,
                        fetch_max_wait_ms=args.fetch_max_wait_ms,
                    ),
                    timeout=surge.allowance(
                        args.surge_incidents, args.surge_seconds, args.surge_replicas
                    ),
                )

        run_stoppable(measure, uvloop=not args.no_uvloop)
        load_after = os.getloadavg()
    finally:
        signal.alarm(0)
        for sig in STOPS:  # cleaning up is not cut short by another signal
            signal.signal(sig, signal.SIG_IGN)
        print("bench: stopping the stack ...", flush=True)
        stack.close()
        for sig in STOPS:
            signal.signal(sig, _abort)
    elapsed = time.perf_counter() - began

    table = (
        report.rows(a, b, c, b_low, d=d, e=e, f=f)
        + (webhooks.rows(g) if g is not None else [])
        + knowledge.rows(h)
        + incident_scale.rows(i)
        + outage_fanout.rows(j)
        + war_room.rows(k)
        + surge_report.rows(surges)
    )
    print()
    print(report.console_table(table))
    print(
        f"load average (1/5/15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after: {' '.join(f'{x:.2f}' for x in load_after)}"
    )
    failures = [
        x for r in (a, b, e, f, g, h, i, j, k, *surges) if r is not None for x in r.errors[:3]
    ]
    for x in failures:
        print(f"bench: error: {x}")
    if not args.no_docs:
        durability = (
            "default durability"
            if not args.fsync_off
            else "**fsync, full_page_writes and synchronous_commit OFF**"
        )
        where = (
            "external PostgreSQL (DATABASE_URL)"
            if stack.external_database
            else f"embedded PostgreSQL, {durability}"
        )
        where += "; " + (
            "external Kafka (KAFKA_BOOTSTRAP_SERVERS)"
            if stack.external_kafka
            else "tansu broker (memory storage)"
        )
        where += (
            "; incidents service as a subprocess (uvicorn); client "
            + ("asyncio" if args.no_uvloop else "uvloop")
            + " in the benchmark process"
        )
        if "d" in only:
            where += (
                "; (d) incidents feed from an incidents service subprocess, SLA rebuild and apply "
                "path in the benchmark process"
            )
        if "e" in only:
            where += "; (e) SLA monitor as a subprocess (uvicorn, timer poll 1 s)"
        if "f" in only:
            where += (
                "; (f) incidents and escalation services as subprocesses (uvicorn) "
                "on databases of their own"
            )
        if "g" in only:
            where += (
                "; (g) incidents and webhooks services as subprocesses (uvicorn) on databases of "
                "their own, the receiver (uvicorn, verifying signatures) in the benchmark process"
            )
        if "h" in only:
            where += (
                "; (h) incidents and knowledge services as subprocesses (uvicorn) "
                "on databases of their own"
            )
        if "i" in only:
            where += "; (i) an incidents service as a subprocess (uvicorn) on a database of its own"
        if "j" in only:
            where += "; (j) an incidents service as a subprocess (uvicorn) on a database of its own"
        if "k" in only:
            where += (
                "; (k) incidents, SLA monitor, escalation, knowledge and console services as"
                " subprocesses (uvicorn) on databases of their own, Debian's chromium (headless,"
                " Playwright) on the same machine"
            )
        if "l" in only:
            where += (
                "; (l) incidents, SLA monitor, escalation, knowledge and webhooks services as"
                " subprocesses (uvicorn) on databases of their own, "
                + " and ".join(str(n) for n in args.surge_replicas)
                + " processes of each (shared port, consumer groups), two webhook receivers"
                " (uvicorn, verifying signatures) in the benchmark process"
            )
        command = (
            "make bench"
            if argv is None and sys.argv[1:] == []
            else "uv run python -m benchmarks "
            + " ".join(shlex.quote(x) for x in (argv or sys.argv[1:]))
        )
        names = {
            "a": ("sequences", "concurrency", "warmup"),
            "b": ("rate", "duration", "low_rate", "fetch_max_wait_ms"),
            "c": ("appends", "writers", "rounds"),
            "d": ("rebuild_events", "rebuild_repeats", "page_size", "apply_events", "apply_batch"),
            "e": (
                "clocks",
                "timer_rate",
                "timer_spread",
                "timer_burst",
                "timer_lead",
                "fetch_max_wait_ms",
            ),
            "f": (
                "escalation_incidents",
                "escalation_concurrency",
                "escalation_warmup",
                "fetch_max_wait_ms",
            ),
            "g": ("webhook_events", "webhook_endpoints", "webhook_rate", "webhook_duration"),
            "h": (
                "knowledge_articles",
                "knowledge_queries",
                "knowledge_incidents",
                "knowledge_rate",
            ),
            "i": ("scale_notes", "scale_rounds"),
            "j": ("fanout_incidents", "fanout_lanes", "fanout_clients", "fanout_commands"),
            "k": ("warroom_entries", "warroom_loads", "warroom_notes"),
            "l": ("surge_incidents", "surge_seconds", "surge_replicas", "fetch_max_wait_ms"),
        }
        keys = dict.fromkeys(
            key for m in "abcdefghijkl" if m in only for key in names[m]
        )  # ordered, once each
        settings = {k: getattr(args, k) for k in keys}
        block = report.markdown_block(
            table=table,
            facts=report.machine(),
            server=server,
            command=command,
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            settings=settings,
            stack=where,
            elapsed=elapsed,
            load=(load_before, load_after),
        )
        report.write_docs(args.docs, block)
        print(f"\nbench: results written to {args.docs}")
    missed = any(r.verdict == "FAIL" for r in table)
    if missed:
        print("bench: a target was missed (see the table)")
    return 1 if missed and args.strict else 0
