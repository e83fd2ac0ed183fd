"""A partner's webhook receiver for the benchmarks, a process of its own on a free port:
`make run`'s demo receiver (demo_receiver.py), which verifies each delivery against the secrets
file, answers 204 (401 if it does not verify) and writes each arrival down as a JSON line, read
here as the file grows. In the benchmark's process a receiver shares the event loop of the
openers and consumers, and each answer waits for them (docs/benchmarks.md, "(l) surge")."""

from __future__ import annotations

import json
from typing import Any

from village_devstack.demo_receiver import receiver_process
from village_devstack.demo_webhooks import write_secrets
from village_devstack.stack import free_port

from .stack import BenchStack


class ReceiverProcess:
    """One receiver process; each endpoint delivers to a path of its own (`url(path)`)."""

    def __init__(self, stack: BenchStack, name: str) -> None:
        assert stack.stack is not None
        self.secrets = stack.log_dir / f"{name}-secrets.json"
        self.deliveries = stack.log_dir / f"{name}.jsonl"
        self.process = receiver_process(  # started by start()
            self.secrets,
            self.deliveries,
            env=stack.stack.env(),
            port=free_port(),
            log_file=stack.log_dir / f"{name}.log",
        )
        self.arrivals: list[dict[str, Any]] = []
        self._trusted: dict[str, dict[str, str]] = {}
        self._read = 0  # bytes of the file read so far

    def url(self, path: str) -> str:
        return f"{self.process.url}/{path}"

    def start(self) -> None:
        self.process.start()

    def trust(self, path: str, endpoint: str, secret: str) -> None:
        """The secret of the endpoint delivering to `path`, for the receiver to verify with (it
        reads the file again)."""
        self._trusted[path] = {"endpoint": endpoint, "secret": secret}
        write_secrets(self.secrets, self._trusted)

    def stop(self) -> None:
        self.process.close()  # (a receiver never started: nothing to stop)

    def read(self) -> list[dict[str, Any]]:
        """Every arrival so far (`at`, `path`, `webhook_id`, `type`, `subject`, `time`,
        `verified`); a line still being written waits for the next read."""
        try:
            with self.deliveries.open("rb") as f:
                f.seek(self._read)
                chunk = f.read()
        except FileNotFoundError:
            return self.arrivals
        whole = chunk[: chunk.rfind(b"\n") + 1]
        self._read += len(whole)
        self.arrivals += [json.loads(line) for line in whole.splitlines()]
        return self.arrivals
