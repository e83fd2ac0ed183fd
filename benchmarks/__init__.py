"""`make bench`: throughput and latency of the incidents service, the event store, the SLA monitor
and the escalation service.

Run with `uv run python -m benchmarks` (see `--help`). It starts its own stack (embedded
PostgreSQL with default durability, the tansu broker, the services as subprocesses), measures
six things side by side in one run ((a)-(c) in workloads.py, (d) and (e) in sla.py and
sla_timers.py, (f) in escalation.py), prints a
table and rewrites the results block of docs/benchmarks.md. Not part of `make test`: timings
belong here, never in tests.
"""
