"""`village-dev run --replicas 2` as a developer runs it (on the session's PostgreSQL server and
broker, with databases, topics and ports of its own): two processes of every service behind each
service's one port; a SIGKILLed replica is started again and says so, while the port keeps
answering; SIGTERM stops everything."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from village_devstack.services import SERVICES, _port_free
from village_devstack.testing import free_port
from village_devstack.waiting import eventually

REPLICA = re.compile(r"replica (\S+): pid (\d+), its own (http://\S+)")


def ports_for_replicas(count: int) -> int:
    """A free port whose replica ports (port + 10 * i) are free too."""
    while True:
        port = free_port()
        if port + 10 * count < 65536 and all(
            _port_free("127.0.0.1", port + 10 * i) for i in range(1, count + 1)
        ):
            return port


def healthz(url: str) -> int:
    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
        return response.status


class Output:
    """The lines a process prints, read as they come."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.mark.timeout(1200)  # thirteen processes to start first: minutes on a busy machine
async def test_run_with_two_replicas_restarts_a_killed_one(stack, tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=stack.database_url,
        KAFKA_BOOTSTRAP_SERVERS=stack.kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=f"dev-run-{stack.run_id}.",
        WEBHOOKS_CONSUMER_PREFIX=f"webhooks-dev-run-{stack.run_id}",
        VILLAGE_REPLICAS="2",
    )
    ports = {}
    for spec in SERVICES:
        ports[spec.name] = env[f"{spec.env_prefix}_PORT"] = str(ports_for_replicas(2))
        env[f"{spec.env_prefix}_DATABASE_URL"] = stack.database(f"{spec.name}-dev-run")
    receiver_port = free_port()
    run = subprocess.Popen(
        [sys.executable, "-m", "village_devstack.cli", "run"]
        + ["--webhook-receiver-port", str(receiver_port)],
        cwd=tmp_path,  # its .village/ (logs, receiver files) goes here
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = Output(run.stdout)
    try:
        await eventually(
            lambda: "Village is running." in out.text() or run.poll() is not None,
            timeout=600,
            what="the banner",
        )
        assert run.poll() is None, out.text()[-5000:]
        replicas = {name: (int(pid), url) for name, pid, url in REPLICA.findall(out.text())}
        assert sorted(replicas) == sorted(
            f"{spec.name}-{i}" for spec in SERVICES for i in (1, 2)
        ), out.text()[-3000:]
        for spec in SERVICES:
            assert f"  {spec.name:<12} http://127.0.0.1:{ports[spec.name]}\n" in out.text() + "\n"
            base = int(ports[spec.name])
            assert replicas[f"{spec.name}-2"][1] == f"http://127.0.0.1:{base + 20}"
        incidents = f"http://127.0.0.1:{ports['incidents']}"
        victim_pid, victim_url = replicas["incidents-2"]

        os.kill(victim_pid, signal.SIGKILL)
        await eventually(
            lambda: "incidents-2: restarted" in out.text(), timeout=180, what="the restart"
        )
        said = out.text()
        assert "incidents-2 exited (exit -9, SIGKILL); starting it again in 1 s" in said
        restarted = re.search(r"incidents-2: restarted \(pid (\d+), restart 1\)", said)
        assert restarted and int(restarted.group(1)) != victim_pid
        assert healthz(victim_url) == 200  # the new process, on the replica's own port
        assert healthz(incidents) == 200  # and the shared port answers still
        assert re.findall(r"^(\S+) exited \(", said, re.M) == ["incidents-2"]  # only that one
        log = (tmp_path / ".village" / "logs" / "incidents-2.log").read_text()
        assert log.count("$ village-incidents serve") == 2
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            code = run.wait(120)
        except subprocess.TimeoutExpired:
            run.kill()
            raise
    said = out.text()
    assert code == 0, said[-3000:]
    assert "SIGTERM: stopping ..." in said and said.rstrip().endswith("stopped.")
    for name in replicas:
        assert f"  {name} stopped" in said
    assert "  webhook receiver stopped" in said
