"""What the surge measurement (l) found, per replica count, and its rows in the report."""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass, field

from .cpu import CpuUsage
from .report import Row
from .stats import Latency

DECISION_P99_TARGET_S = 1.0
SERVICE_P99_TARGET_S = 2.0
# The effect of each incident's `opened` event the measurement waits for, per service.
EFFECTS = {
    "escalation": "decision applied (village.escalations.v1 applied record received)",
    "sla-monitor": "first SLA clock started (village.sla.v1 clock_started received)",
    "knowledge": "suggestions made (village.knowledge.v1 public suggestions_made received)",
    "webhooks": "delivery answered (the opened event's webhook at the partner's receiver)",
}


@dataclass
class Applied:
    """A service's consumers as their own databases recorded them (handled_events)."""

    events: int = 0
    seconds: float = 0.0  # first -> last handled_at during the surge

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


@dataclass
class SurgeResult:
    replicas: int
    incidents: int
    seconds: float  # the window the incidents were meant to land in
    opened: int = 0  # 201 answers
    post_seconds: float = 0.0  # first POST sent -> last answered
    opened_at: dict[str, float] = field(default_factory=dict)  # incident -> opened event's time
    owner: dict[str, str] = field(default_factory=dict)  # incident -> owning partner
    expected_route: dict[str, tuple[str, str]] = field(default_factory=dict)
    # service -> incident -> when its effect was seen (time.time(), this process)
    effects: dict[str, dict[str, float]] = field(default_factory=dict)
    # service -> incident -> distinct effects seen (more than one: doubled)
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    routes: dict[str, tuple[str, str]] = field(default_factory=dict)  # incident -> decided to
    decided_at: dict[str, float] = field(default_factory=dict)  # incident -> decided received
    # escalation.failed records by their problem ("409 /problems/request-in-flight")
    refusals: Counter[str] = field(default_factory=Counter)
    duplicate_records: int = 0  # one CloudEvent id received twice on a topic
    leaked: int = 0  # an opened event delivered to the other partner's endpoint
    unverified: int = 0  # a webhook whose signature did not verify
    incident_events: int = 0  # every incident event published during the surge
    applied: dict[str, Applied] = field(default_factory=dict)
    processes: dict[str, list[str]] = field(default_factory=dict)  # service -> its CPU parts
    cpu: CpuUsage | None = None
    load: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    retries: int = 0  # opens sent again after a 503 or a dropped connection
    settle_seconds: float = 0.0  # last open answered -> every effect seen (or gave up)
    errors: list[str] = field(default_factory=list)

    def lags(self, service: str) -> list[float]:
        seen = self.effects.get(service, {})
        return [seen[i] - t for i, t in self.opened_at.items() if i in seen]

    def decision_split(self) -> tuple[list[float], list[float]]:
        """Escalation's lags in two: opened → decided, decided → applied (both received)."""
        applied = self.effects.get("escalation", {})
        both = [i for i in self.opened_at if i in self.decided_at and i in applied]
        return (
            [self.decided_at[i] - self.opened_at[i] for i in both],
            [applied[i] - self.decided_at[i] for i in both],
        )

    def lost(self, service: str) -> int:
        seen = self.effects.get(service, {})
        return sum(1 for i in self.owner if i not in seen)

    def doubled(self, service: str) -> int:
        return sum(n - 1 for n in self.counts.get(service, Counter()).values() if n > 1)

    def window(self, service: str) -> float:
        """First opened event -> last effect of `service`, seconds."""
        seen = self.effects.get(service, {}).values()
        first = min(self.opened_at.values(), default=math.nan)
        return max(seen) - first if seen else math.nan

    @property
    def wrong_route(self) -> int:
        return sum(1 for i, to in self.routes.items() if to != self.expected_route.get(i))

    def cpu_ms(self, part: str) -> float:
        if self.cpu is None or not self.opened:
            return math.nan
        return self.cpu.parts.get(part, 0.0) * 1000 / self.opened


def _s(seconds_ms: float) -> str:
    return "n/a" if math.isnan(seconds_ms) else f"{seconds_ms / 1000:.2f} s"


def _refusals(r: SurgeResult) -> str:
    """0, or the count and each problem's: "2 (409 /problems/request-in-flight: 2)"."""
    total = sum(r.refusals.values())
    if not total:
        return "0"
    return f"{total} ({', '.join(f'{p}: {n}' for p, n in r.refusals.most_common())})"


def _cpu(r: SurgeResult, parts: list[str]) -> str:
    """A service's CPU ms per incident: the sum of its processes, and each when more than one."""
    per = [r.cpu_ms(p) for p in parts]
    return f"{sum(per):.1f}" + (f" ({' + '.join(f'{x:.1f}' for x in per)})" if len(per) > 1 else "")


def rows(results: list[SurgeResult]) -> list[Row]:
    """One block per service with the replica counts side by side, then lost/doubled and CPU."""
    if not results:
        return []
    out: list[Row] = []
    for r in results:
        n = f"{r.replicas}×"
        out.append(
            Row(
                f"(l) surge, {n}: {r.incidents:,} incidents by northwind and contoso (mixed "
                f"severities and products) meant to land within {r.seconds:.0f} s; opens/s "
                "achieved (first POST sent → last answered); incident events published; opens "
                "sent again (503, dropped); failed POSTs",
                f"{r.opened / r.post_seconds if r.post_seconds else 0:.1f} /s ({r.opened:,} in "
                f"{r.post_seconds:.1f} s); {r.incident_events:,}; {r.retries:,}; "
                f"{r.incidents - r.opened:,}",
                f"within {r.seconds:.0f} s",
                "pass"
                if r.opened == r.incidents and r.post_seconds <= r.seconds * 1.05
                else "FAIL",
            )
        )
    for service, effect in EFFECTS.items():
        target = DECISION_P99_TARGET_S if service == "escalation" else SERVICE_P99_TARGET_S
        for r in results:
            lat = Latency.of(r.lags(service))
            applied = r.applied.get(service, Applied())
            parts = r.processes.get(service, [])
            cpu = _cpu(r, parts)
            out.append(
                Row(
                    f"(l) {service}, {r.replicas}×: opened → {effect} p50 / p99; events/s applied "
                    "(handled_events, all its consumers); CPU ms per incident",
                    f"{_s(lat.p50_ms)} / {_s(lat.p99_ms)} (max {_s(lat.max_ms)}); "
                    f"{applied.per_second:,.0f} /s ({applied.events:,} in "
                    f"{applied.seconds:.1f} s); {cpu}",
                    f"p99 ≤ {target:.0f} s",
                    "pass"
                    if lat.n and lat.p99_ms <= target * 1000 and not r.lost(service)
                    else "FAIL",
                )
            )
        if service == "escalation":
            for r in results:
                decide, apply = (Latency.of(lags) for lags in r.decision_split())
                out.append(
                    Row(
                        f"(l)   escalation, {r.replicas}×: split p50 / p99: opened → decided "
                        "(the decided record received) | decided → applied (the command to the "
                        "incidents service answered and recorded)",
                        f"{_s(decide.p50_ms)} / {_s(decide.p99_ms)} | {_s(apply.p50_ms)} / "
                        f"{_s(apply.p99_ms)}",
                    )
                )
    for r in results:
        lost = {s: r.lost(s) for s in EFFECTS}
        doubled = {s: r.doubled(s) for s in EFFECTS}
        ok = (
            not any(lost.values())
            and not any(doubled.values())
            and not r.refusals
            and not r.wrong_route
            and not r.leaked
            and not r.unverified
            and not r.duplicate_records
            and r.opened == r.incidents
        )
        out.append(
            Row(
                f"(l)   {r.replicas}×: effects missing when the run stopped waiting (escalation, "
                "SLA, knowledge, webhooks); doubled (the same); refused decisions (by problem); "
                "wrong routes; opened events delivered to the other partner; unverified "
                "signatures; duplicate topic records",
                f"{', '.join(str(v) for v in lost.values())}; "
                f"{', '.join(str(v) for v in doubled.values())}; {_refusals(r)}; {r.wrong_route}; "
                f"{r.leaked}; {r.unverified}; {r.duplicate_records}",
                "all 0",
                "pass" if ok else "FAIL",
            )
        )
    for r in results:
        if r.cpu is None:
            continue
        parts = r.cpu.parts
        others = "; ".join(
            [f"incidents {_cpu(r, r.processes.get('incidents', []))}"]
            + [f"{p} {r.cpu_ms(p):.1f}" for p in ("postgres", "broker", "client") if p in parts]
            + [f"receivers {_cpu(r, [p for p in parts if p.startswith('receiver-')])}"]
        )
        load = (
            f"; load average {r.load[0][0]:.2f} → {r.load[1][0]:.2f}" if r.load is not None else ""
        )
        out.append(
            Row(
                f"(l)   {r.replicas}×: CPU ms per incident, the rest (client = the benchmark: "
                "openers, topic consumer; receivers = the two partners' webhook receivers); "
                "other processes; settle",
                f"{others}; other processes used {r.cpu.others / r.cpu.wall:.2f} of "
                f"{os.cpu_count() or 1} cores over {r.cpu.wall:.0f} s{load}; last open → all "
                f"effects {r.settle_seconds:.1f} s",
            )
        )
    return out
