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
from datetime import UTC, datetime
from pathlib import Path

from . import report, workloads
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
    p.add_argument("--low-rate", type=float, default=25.0,
                   help="(b) also measure at this rate first (pipeline latency below saturation); 0 = skip")
    p.add_argument("--fetch-max-wait-ms", type=int, default=10,
                   help="(b) the consumer's fetch_max_wait_ms (aiokafka default 500: tansu then "
                        "answers a fetch only when the wait expires)")
    p.add_argument("--appends", type=int, default=5000, help="(c) appends (and inserts) per round")
    p.add_argument("--writers", type=int, default=8, help="(c) concurrent writers")
    p.add_argument("--rounds", type=int, default=3, help="(c) rounds of each, interleaved")
    p.add_argument("--no-diagnose", action="store_true",
                   help="(c) skip the two diagnostic rounds (store without NOTIFY, raw with NOTIFY)")
    p.add_argument("--only", choices=["a", "b", "c"], action="append",
                   help="run only these measurements (repeatable)")
    p.add_argument("--fsync-off", action="store_true",
                   help="embedded PostgreSQL with fsync/full_page_writes/synchronous_commit off "
                        "(NOT the default; labelled in the report)")
    p.add_argument("--no-uvloop", action="store_true", help="plain asyncio loop in the client")
    p.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks.md",
                   help="results file to update (its results block only)")
    p.add_argument("--no-docs", action="store_true", help="print only, do not touch the docs")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--time-limit", type=float, default=600, help="abort (and clean up) after this")
    return p.parse_args(argv)


class Aborted(Exception):
    pass


def _abort(signum: int, _frame: object) -> None:
    raise Aborted(f"stopped by {signal.Signals(signum).name}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    only = set(args.only or ["a", "b", "c"])
    # No exporter during the benchmark, and nothing leaves 127.0.0.1.
    os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sig, _abort)
    signal.alarm(int(args.time_limit))
    began = time.perf_counter()
    run = uuid.uuid4().hex[:8]
    stack = BenchStack(fsync=not args.fsync_off)
    a = b = b_low = c = None
    try:
        print("bench: starting PostgreSQL and the broker ...", flush=True)
        stack.start()
        server = stack.server_facts()
        print(f"bench: PostgreSQL {server['server_version']} on {stack.database_url} fsync={server['fsync']} "
              f"synchronous_commit={server['synchronous_commit']}; Kafka {stack.kafka_bootstrap}", flush=True)
        if only & {"a", "b"}:
            service = stack.start_incidents()
            stack.wait_topic(workloads.TOPIC)
            print(f"bench: incidents service pid {service.pid} on {service.url} "
                  f"(log {service.log_file})", flush=True)
        appends_db = stack.migrate_database("appends") if "c" in only else None
        meter = CpuMeter(
            {"service": stack.service.pid if stack.service else None,
             "broker": stack.broker.process.pid if stack.broker and stack.broker.process else None},
            {"postgres": postmaster_pid(stack.postgres.data_dir) if stack.postgres else None},
        )
        load_before = os.getloadavg()

        from village_devstack.demo import token

        northwind = token("northwind")

        async def measure() -> None:
            nonlocal a, b, b_low, c
            if "a" in only:
                print(f"bench: (a) {args.sequences} × open→ack→note, {args.concurrency} clients ...", flush=True)
                a = await asyncio.wait_for(workloads.command_sequences(
                    service.url, northwind, sequences=args.sequences, concurrency=args.concurrency,
                    warmup=args.warmup, run=run, meter=meter), timeout=180)
            if "b" in only and args.low_rate > 0:
                count = int(args.low_rate * 8)
                print(f"bench: (b) {count} incidents at {args.low_rate:.0f}/s first ...", flush=True)
                b_low = await asyncio.wait_for(workloads.end_to_end(
                    service.url, northwind, stack.kafka_bootstrap, rate=args.low_rate, count=count,
                    drain_seconds=10, run=run + "low", meter=meter,
                    fetch_max_wait_ms=args.fetch_max_wait_ms), timeout=120)
            if "b" in only:
                count = int(args.rate * args.duration)
                print(f"bench: (b) {count} incidents at {args.rate:.0f}/s, POST → Kafka consumer ...", flush=True)
                b = await asyncio.wait_for(workloads.end_to_end(
                    service.url, northwind, stack.kafka_bootstrap, rate=args.rate, count=count,
                    drain_seconds=10, run=run, meter=meter,
                    fetch_max_wait_ms=args.fetch_max_wait_ms), timeout=args.duration * 3 + 60)
            if "c" in only:
                print(f"bench: (c) {args.rounds} rounds × {args.appends} EventStore.append vs raw "
                      f"INSERT, {args.writers} writers ...", flush=True)
                c = await asyncio.wait_for(workloads.appends(
                    appends_db, writers=args.writers, count=args.appends, rounds=args.rounds,
                    warmup=max(args.appends // 10, args.writers), run=run,
                    diagnose=not args.no_diagnose, meter=meter), timeout=240)

        if args.no_uvloop:
            asyncio.run(measure())
        else:
            import uvloop

            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(measure())
        load_after = os.getloadavg()
    finally:
        signal.alarm(0)
        print("bench: stopping the stack ...", flush=True)
        stack.close()
    elapsed = time.perf_counter() - began

    table = report.rows(a, b, c, b_low)
    print()
    print(report.console_table(table))
    print(f"load average (1/5/15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after: {' '.join(f'{x:.2f}' for x in load_after)}")
    failures = [e for r in (a, b) if r is not None for e in r.errors[:3]]
    for e in failures:
        print(f"bench: error: {e}")
    if not args.no_docs:
        durability = ("default durability" if not args.fsync_off
                      else "**fsync, full_page_writes and synchronous_commit OFF**")
        where = ("external PostgreSQL (DATABASE_URL)" if stack.external_database
                 else f"embedded PostgreSQL, {durability}")
        where += "; " + ("external Kafka (KAFKA_BOOTSTRAP_SERVERS)" if stack.external_kafka
                         else "tansu broker (memory storage)")
        where += "; incidents service as a subprocess (uvicorn); client " + (
            "asyncio" if args.no_uvloop else "uvloop") + " in the benchmark process"
        command = "make bench" if argv is None and sys.argv[1:] == [] else \
            "uv run python -m benchmarks " + " ".join(shlex.quote(x) for x in (argv or sys.argv[1:]))
        settings = {k: getattr(args, k) for k in
                    ("sequences", "concurrency", "warmup", "rate", "duration", "low_rate", "fetch_max_wait_ms", "appends",
                     "writers", "rounds")}
        block = report.markdown_block(
            table=table, facts=report.machine(), server=server, command=command,
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), settings=settings,
            stack=where, elapsed=elapsed, load=(load_before, load_after))
        report.write_docs(args.docs, block)
        print(f"\nbench: results written to {args.docs}")
    missed = any(r.verdict == "FAIL" for r in table)
    if missed:
        print("bench: a target was missed (see the table)")
    return 1 if missed and args.strict else 0
