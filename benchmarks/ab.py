"""(a) on two versions of the incidents service at once: this checkout's and another commit's,
side by side on one stack, under the same load at the same moments.

    uv run python -m benchmarks.ab --base HEAD~1 [--sequences 1500] [--concurrency 16] [--rounds 3]

On a shared machine whose speed drifts by a fifth between runs (the client's own CPU per command,
same code, moved from 1.2 to 1.7 ms across (a) runs alternated one after the other), a change
worth a few per cent of CPU is lost in the noise of separate runs. Here both services run at the
same time: `--base` in a git worktree with its own environment (`uv sync --frozen`), each on a
database of its own, migrated and seeded by its own code; each gets `--concurrency` clients
running open → acknowledge → note (the (a) workload) during the same window, and the CPU each
process used in that window is divided by the commands it answered. Rounds repeat that, and
the medians and the per-round ratios are printed.

Not part of `make bench`: it compares code, it measures no target.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import uvloop

from village_devstack.demo import token
from village_devstack.services import INCIDENTS, ServiceSpec

from . import workloads
from .cpu import CpuMeter
from .stack import BenchStack

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class _Elsewhere(ServiceSpec):
    """The incidents service as another environment's console script runs it."""

    bin: Path = Path()

    def command(self, *args: str) -> list[str]:
        return [str(self.bin / self.script), *args]


def _checkout(rev: str, into: Path) -> Path:
    """`rev` in a worktree at `into`, with its own environment; its bin directory."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(into), rev],
        check=True,
        capture_output=True,
    )
    uv = shutil.which("uv") or str(Path.home() / ".local/bin/uv")
    subprocess.run([uv, "sync", "--frozen", "--quiet"], cwd=into, check=True)
    return into / ".venv" / "bin"


async def _round(services: dict[str, str], args: argparse.Namespace, n: int) -> dict[str, tuple]:
    northwind = token("northwind")
    meters = {name: CpuMeter({"service": pid}) for name, (_, pid) in services.items()}
    runs = await asyncio.gather(
        *(
            workloads.command_sequences(
                url,
                northwind,
                sequences=args.sequences,
                concurrency=args.concurrency,
                warmup=args.warmup,
                run=f"ab{n}{name}{uuid.uuid4().hex[:6]}",
                meter=meters[name],
            )
            for name, (url, _) in services.items()
        )
    )
    out = {}
    for name, result in zip(services, runs, strict=True):
        if result.errors:
            raise RuntimeError(f"{name}: {result.errors[:3]}")
        assert result.cpu is not None
        cpu = result.cpu.per(result.commands)["service"]
        out[name] = (cpu, result.per_second, result.latency().p99_ms)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare with (e.g. HEAD~1)")
    parser.add_argument("--sequences", type=int, default=1500, help="per service and round")
    parser.add_argument("--concurrency", type=int, default=16, help="clients per service")
    parser.add_argument("--warmup", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("VILLAGE_ENV", "development")  # the demo parties' tokens
    base_dir = Path(tempfile.mkdtemp(prefix="village-ab-")) / "base"
    stack = BenchStack()
    try:
        print(f"ab: {args.base} in {base_dir} (uv sync) ...", flush=True)
        base_bin = _checkout(args.base, base_dir)
        stack.start()
        assert stack.stack is not None
        spec = _Elsewhere(**{**INCIDENTS.__dict__, "bin": base_bin})
        # Topics of their own: the two relays and consumers never meet.
        head = stack.stack.service(INCIDENTS, instance="head", KAFKA_TOPIC_PREFIX="abhead.")
        base = stack.stack.service(spec, instance="base", KAFKA_TOPIC_PREFIX="abbase.")
        stack.stack.start_all(head, base)
        services = {"base": (base.url, base.pid), "head": (head.url, head.pid)}
        print(f"ab: base pid {base.pid}, head pid {head.pid}", flush=True)
        rounds = []
        for n in range(args.rounds):
            rounds.append(uvloop.run(_round(services, args, n)))
            r = rounds[-1]
            print(
                f"  round {n + 1}: service CPU ms per command base {r['base'][0]:.2f}, "
                f"head {r['head'][0]:.2f} (head/base {r['head'][0] / r['base'][0]:.3f}); "
                f"commands/s {r['base'][1]:.0f} / {r['head'][1]:.0f}",
                flush=True,
            )
        print(
            f"(a) side by side, {args.rounds} rounds of {args.sequences} sequences × "
            f"{args.concurrency} clients per service, medians:"
        )
        for name in ("base", "head"):
            cpu = statistics.median(r[name][0] for r in rounds)
            rate = statistics.median(r[name][1] for r in rounds)
            p99 = statistics.median(r[name][2] for r in rounds)
            print(
                f"  {name:<5} {cpu:5.2f} ms service CPU per command, {rate:4.0f} commands/s,"
                f" p99 {p99:.0f} ms"
            )
        ratio = statistics.median(r["head"][0] / r["base"][0] for r in rounds)
        print(f"  head / base, service CPU per command (median of the rounds' ratios): {ratio:.3f}")
    finally:
        stack.close()
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_dir)],
            capture_output=True,
        )
        shutil.rmtree(base_dir.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
