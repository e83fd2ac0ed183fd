"""`make bench`: throughput and latency of the incidents service and the event store.

Run with `uv run python -m benchmarks` (see `--help`). It starts its own stack (embedded
PostgreSQL with default durability, the tansu broker, the incidents service as a subprocess),
measures three things side by side in one run, prints a table and rewrites the results block
of docs/benchmarks.md. Not part of `make test`: timings belong here, never in tests.
"""
