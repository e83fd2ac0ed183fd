"""CPU seconds used per process group during a measurement, from /proc (Linux only).

Throughput on a shared 2-core machine depends on what else runs; CPU time per command does
not (much). So each measurement also reports the CPU the service, PostgreSQL, the broker and
the benchmark client spent, and how busy the whole machine was (the rest is other processes).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(ppid, own cpu seconds, reaped children's cpu seconds)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    ppid = int(fields[1])
    own = (int(fields[11]) + int(fields[12])) / _TICK
    children = (int(fields[13]) + int(fields[14])) / _TICK
    return ppid, own, children


def process_cpu(pid: int) -> float:
    """CPU seconds process `pid` has used so far (0 once it is gone)."""
    st = _stat(pid)
    return st[1] if st else 0.0


def _tree_cpu(root: int) -> float:
    """CPU of `root`, its live children and its reaped children (PostgreSQL backends)."""
    top = _stat(root)
    if top is None:
        return 0.0
    total = top[1] + top[2]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st is not None and st[0] == root:
                total += st[1]
    return total


def _machine_busy() -> float:
    """Busy CPU seconds of the whole machine (all cores) since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / _TICK


@dataclass
class CpuSample:
    wall: float
    parts: dict[str, float]
    machine: float


@dataclass
class CpuUsage:
    wall: float
    parts: dict[str, float]  # CPU seconds per group
    machine: float  # busy CPU seconds of the whole machine

    @property
    def others(self) -> float:
        return max(self.machine - sum(self.parts.values()), 0.0)

    def per(self, n: int) -> dict[str, float]:
        """CPU milliseconds per unit of work, per group."""
        return {k: v * 1000 / n for k, v in self.parts.items()} if n else {}

    def summary(self, n: int, unit: str) -> str:
        per = ", ".join(f"{k} {v:.1f}" for k, v in self.per(n).items())
        cores = os.cpu_count() or 1
        return (
            f"CPU ms per {unit}: {per}; other processes used {self.others / self.wall:.2f} of "
            f"{cores} cores"
        )


class CpuMeter:
    def __init__(
        self, pids: dict[str, int | None], tree: dict[str, int | None] | None = None
    ) -> None:
        self.pids = {k: v for k, v in pids.items() if v}
        self.tree = {k: v for k, v in (tree or {}).items() if v}

    def sample(self) -> CpuSample:
        parts = {"client": time.process_time()}
        for name, pid in self.pids.items():
            st = _stat(pid)
            parts[name] = st[1] if st else 0.0
        for name, pid in self.tree.items():
            parts[name] = _tree_cpu(pid)
        return CpuSample(time.perf_counter(), parts, _machine_busy())

    @staticmethod
    def usage(before: CpuSample, after: CpuSample) -> CpuUsage:
        parts = {k: max(after.parts.get(k, 0.0) - v, 0.0) for k, v in before.parts.items()}
        return CpuUsage(after.wall - before.wall, parts, after.machine - before.machine)


def postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
