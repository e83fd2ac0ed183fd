"""Village services as real subprocesses: migrate, serve, wait for health, stop, kill, restart."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from . import demo
from ._proc import die_with_parent


@dataclass(frozen=True)
class ServiceSpec:
    """One Village service as the dev stack runs it.

    Every service is a console script `village-<name>` (module `village_<name>.cli`) with
    `migrate` and `serve` subcommands, configured from the environment
    (`Settings.for_service(name, port)`).
    """

    name: str  # e.g. "incidents", "sla-monitor"
    port: int  # default port, also `<NAME>_PORT`
    # runs once the service is healthy: seed(base_url) -> None
    seed: Callable[[str], None] | None = None
    # a module run with `python -m` instead of the service's console script (the dev stack's own
    # processes, such as the demo webhook receiver)
    main_module: str = ""

    @property
    def env_prefix(self) -> str:
        return self.name.upper().replace("-", "_")

    @property
    def module(self) -> str:
        return f"village_{self.name.replace('-', '_')}.cli"

    @property
    def script(self) -> str:
        return f"village-{self.name}"

    @property
    def default_database(self) -> str:
        return f"village_{self.name.replace('-', '_')}"

    def command(self, *args: str) -> list[str]:
        """The service's CLI, from the running interpreter's environment (no `uv run` needed)."""
        if self.main_module:
            return [sys.executable, "-m", self.main_module, *args]
        script = Path(sys.executable).parent / self.script
        if script.exists():
            return [str(script), *args]
        found = shutil.which(self.script)
        if found:
            return [found, *args]
        return [sys.executable, "-c", f"from {self.module} import main; main()", *args]


def with_database(server_url: str, database: str) -> str:
    """`server_url` pointing at `database`, as a plain libpq `postgresql://` URL."""
    url = make_url(server_url).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def redacted(url: str) -> str:
    """`url` with its password hidden, for what is printed (as it came, if it is no URL)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url


class ServiceError(RuntimeError):
    pass


class ServiceProcess:
    """A service running as a subprocess, output appended to `log_file`.

    `env` is the full environment the service sees. `database_url` is the service's own
    database (plain `postgresql://`): `<NAME>_DATABASE_URL` when set, else `village_<name>` on
    the `DATABASE_URL` server.

    A replica (`replica` set, e.g. "incidents-2") shares `port` with the service's other
    replicas (SO_REUSEPORT) and answers on `instance_port` too, where its own health is checked.
    """

    def __init__(
        self,
        spec: ServiceSpec,
        *,
        env: Mapping[str, str],
        log_file: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        cwd: Path | None = None,
        startup_timeout: float = 60,
        new_session: bool = True,
        replica: str = "",
        instance_port: int | None = None,
    ) -> None:
        self.spec = spec
        self.port = port if port is not None else spec.port
        self.replica, self.instance_port = replica, instance_port
        self.host = host
        self.log_file = Path(log_file)
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.new_session = new_session
        self.env: dict[str, str] = dict(env)
        self.env[f"{spec.env_prefix}_PORT"] = str(self.port)
        self.env.setdefault("VILLAGE_HOST", host)
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        if replica:
            self.env["VILLAGE_REUSE_PORT"] = "1"
        if instance_port is not None:
            self.env["VILLAGE_INSTANCE_PORT"] = str(instance_port)
        self.process: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None

    @property
    def name(self) -> str:
        return self.replica or self.spec.name

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def instance_url(self) -> str:
        """This process's own address (a replica's, not the one it shares)."""
        return f"http://{self.host}:{self.instance_port or self.port}"

    @property
    def database_url(self) -> str:
        own = self.env.get(f"{self.spec.env_prefix}_DATABASE_URL")
        if own:
            return with_database(own, make_url(own).database or self.spec.default_database)
        server = self.env.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres")
        return with_database(server, self.spec.default_database)

    @property
    def where(self) -> str:
        if self.instance_port is None:
            return self.url
        return f"{self.url} (shared) and {self.instance_url} (its own)"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- lifecycle -----------------------------------------------------------------------

    def migrate(self, timeout: float = 120) -> None:
        """`village-<name> migrate`: create the database if missing, migrate to head."""
        self._open_log()
        self._note(f"$ {self.spec.script} migrate")
        try:
            proc = subprocess.run(
                self.spec.command("migrate"),
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                start_new_session=self.new_session,
            )
        except subprocess.TimeoutExpired as exc:
            raise ServiceError(
                self._failure(f"{self.name} migrate timed out after {timeout:.0f}s")
            ) from exc
        except OSError as exc:
            raise ServiceError(self._failure(f"{self.name} migrate could not run: {exc}")) from exc
        if proc.returncode != 0:
            raise ServiceError(
                self._failure(f"{self.name} migrate failed (exit {proc.returncode})")
            )

    def start(self, timeout: float | None = None) -> ServiceProcess:
        """`village-<name> serve` on this port and database; returns once /healthz is 200."""
        if self.running():
            return self
        self.launch()
        return self.healthy(timeout)

    def launch(self) -> None:
        """`village-<name> serve`, without waiting for it (`healthy()` does): the replicas of a
        service start side by side."""
        if self.running():
            return
        self._open_log()
        # A replica may share its port with the others (they listen with SO_REUSEPORT too),
        # never with anything else.
        taken = [
            port
            for port, shared in ((self.port, bool(self.replica)), (self.instance_port, False))
            if port is not None and not _port_free(self.host, port, reuse_port=shared)
        ]
        if taken:
            raise ServiceError(
                self._failure(
                    f"{self.name}: port {self.host}:{taken[0]} is already in use (another "
                    f"{self.spec.name}?); set {self.spec.env_prefix}_PORT or stop it"
                )
            )
        also = f", own port {self.instance_port}" if self.instance_port else ""
        self._note(f"$ {self.spec.script} serve  (port {self.port}{also})")
        try:
            self.process = subprocess.Popen(
                self.spec.command("serve"),
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=self.new_session,
                preexec_fn=die_with_parent(),
            )
        except OSError as exc:
            raise ServiceError(self._failure(f"{self.name} serve could not run: {exc}")) from exc

    def healthy(self, timeout: float | None = None) -> ServiceProcess:
        """Once the launched process answers /healthz; killed if it does not in time."""
        try:
            self.wait_healthy(timeout or self.startup_timeout)
        except ServiceError:
            self.kill()
            raise
        return self

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while True:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                raise ServiceError(
                    self._failure(f"{self.name} exited during startup (exit {code})")
                )
            try:
                with urllib.request.urlopen(f"{self.instance_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            if time.monotonic() > deadline:
                raise ServiceError(
                    self._failure(
                        f"{self.name} not healthy on {self.instance_url}/healthz after "
                        f"{timeout:.0f}s (last: {last})"
                    )
                )
            time.sleep(0.1)

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM and wait (SIGKILL after `timeout`); returns the exit code."""
        proc = self.process
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._note(f"{self.name} did not stop within {timeout:.0f}s; killing it")
                proc.kill()
                proc.wait()
        self._note(f"{self.name} exited with {proc.returncode}")
        return proc.returncode

    def kill(self) -> None:
        """SIGKILL, no goodbye (fault tests)."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
            self._note(f"{self.name} killed")

    def restart(self, timeout: float | None = None) -> ServiceProcess:
        self.stop()
        return self.start(timeout)

    def close(self) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 60) -> str:
        if self._log is not None:
            self._log.flush()
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no log: {exc})"

    # -- internals -----------------------------------------------------------------------

    def _open_log(self) -> None:
        if self._log is None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_file, "ab", buffering=0)

    def _note(self, line: str) -> None:
        if self._log is not None:
            self._log.write(f"--- {time.strftime('%H:%M:%S')} {line}\n".encode())

    def _failure(self, message: str) -> str:
        return f"{message}\n--- tail of {self.log_file} ---\n{self.log_tail()}\n--- end of log ---"

    def __repr__(self) -> str:
        return f"<ServiceProcess {self.name} {self.url} pid={self.pid}>"


def start_side_by_side(
    groups: Sequence[Sequence[ServiceProcess]],
    *,
    seed: bool = True,
    say: Callable[[str], None] = lambda message: None,
) -> None:
    """Start services as pods start: every address is known beforehand, so every database is
    migrated at once, every process launched, and only the seeding keeps the groups' order (a
    seed may need the services before it). A group is one service's replicas: one database,
    migrated once, seeded once."""
    for group in groups:
        say(f"{group[0].spec.name}: migrating {redacted(group[0].database_url)} ...")
    with ThreadPoolExecutor(len(groups)) as pool:
        for done in [pool.submit(group[0].migrate) for group in groups]:
            done.result()
    for group in groups:
        for service in group:
            say(f"{service.name}: starting on {service.where} (log {service.log_file}) ...")
            service.launch()
    for group in groups:
        for service in group:
            service.healthy()
        if seed and group[0].spec.seed is not None:
            say(f"{group[0].spec.name}: seeding the demo data ...")
            group[0].spec.seed(group[0].url)


def _port_free(host: str, port: int, *, reuse_port: bool = False) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def stack_env(database_url: str, kafka_bootstrap: str, **extra: str) -> dict[str, str]:
    """The environment every service gets: this process's, pointed at the stack."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        VILLAGE_ENV=env.get("VILLAGE_ENV", "development"),
    )
    env.update(extra)
    return env


# Every Village service the dev stack knows, in start order. Adding a service is one entry:
# ServiceSpec(name, default port, seed=callable(base_url) run once it is healthy).
# A service started later finds the earlier ones at `<NAME>_URL` (e.g. INCIDENTS_URL).
def _seed_directory(url: str) -> None:
    demo.seed_parties(url)
    demo.seed_supplies(url)


INCIDENTS = ServiceSpec("incidents", 8001, seed=_seed_directory)
SLA_MONITOR = ServiceSpec("sla-monitor", 8003, seed=lambda url: demo.seed_contracts(url))
# After the SLA monitor: it reads the SLA feed (SLA_MONITOR_URL) as well as the incidents'.
ESCALATION = ServiceSpec("escalation", 8002, seed=lambda url: demo.seed_escalation(url))
# Last: it consumes every other service's topic (and reads their feeds to heal gaps).
WEBHOOKS = ServiceSpec("webhooks", 8005)
# After the incidents service: it reads the party directory and the incidents feed (INCIDENTS_URL).
KNOWLEDGE = ServiceSpec("knowledge", 8004, seed=lambda url: demo.seed_knowledge(url))
# After every other: it reads every topic, and every owner's feed to heal gaps (`make run`
# prints its URL first all the same: it is where people start).
CONSOLE = ServiceSpec("console", 8000)
SERVICES: list[ServiceSpec] = [
    INCIDENTS,
    SLA_MONITOR,
    ESCALATION,
    KNOWLEDGE,
    WEBHOOKS,
    CONSOLE,
]
# Not a Village service: `make run`'s demo webhook receiver (demo_receiver.py), started before
# them; the demo providers' endpoints deliver to it.
WEBHOOK_RECEIVER = ServiceSpec(
    "webhook-receiver", 8009, main_module="village_devstack.demo_receiver"
)
