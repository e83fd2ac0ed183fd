"""A PostgreSQL server and a Kafka-protocol broker to run Village on: the ones named by
`DATABASE_URL` / `KAFKA_BOOTSTRAP_SERVERS`, else an embedded PostgreSQL and a tansu broker on
free ports of 127.0.0.1. Used by the test plugin and the benchmarks."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .broker import TansuBroker
from .postgres import EmbeddedPostgres
from .services import ServiceProcess, ServiceSpec, stack_env, start_side_by_side, with_database

# Throwaway servers need no durability; measurements do.
FAST_UNSAFE = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing is bound to, below the kernel's ephemeral range (with room for a
    replica's own ports, port + 10 * i, above it). A port from that range, which is what
    binding port 0 hands out, can be taken as an outgoing connection's source port in the
    seconds before a server starts and binds it: CI saw a replica's bind fail so."""
    low = _ephemeral_low()
    if low - 100 > 10_000:
        for _ in range(1000):
            port = random.randrange(10_000, low - 100)
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind((host, port))
                except OSError:
                    continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 49152  # IANA's dynamic range: what BSDs and macOS use


def run_sql(url: str, *statements: str) -> list[list[Any]]:
    """Run statements on `url` (autocommit) and return their rows, from a fresh thread so any
    running loop is fine."""
    import asyncpg

    results: list[list[Any]] = []

    async def go() -> None:
        conn = await asyncpg.connect(url)
        try:
            for statement in statements:
                results.append(await conn.fetch(statement))
        finally:
            await conn.close()

    error: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(go())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=target, name="village-run-sql")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return results


class Stack:
    """Where the PostgreSQL server and the Kafka broker are, and what was started on them."""

    @classmethod
    def start(
        cls,
        log_dir: Path,
        *,
        durable: bool = False,
        run_id: str | None = None,
        postgres_settings: Mapping[str, str] | None = None,
    ) -> Stack:
        """The servers from the environment, or embedded ones started now (`close()` stops them).
        `postgres_settings` go to an embedded server only, over the durability defaults."""
        database_url = os.environ.get("DATABASE_URL")
        kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        stack = cls(
            database_url or "",
            kafka or "",
            external_database=bool(database_url),
            external_kafka=bool(kafka),
            run_id=run_id or uuid.uuid4().hex[:10],
            log_dir=log_dir,
        )
        try:
            if not database_url:
                # short path: the unix socket lives in the data directory
                root = Path(tempfile.mkdtemp(prefix="village-pg-"))
                settings = {**({} if durable else FAST_UNSAFE), **(postgres_settings or {})}
                stack.postgres = EmbeddedPostgres(
                    root / "data", port=free_port(), settings=settings
                )
                stack.postgres.start()
                stack.database_url = stack.postgres.url
            if not kafka:
                stack.broker = TansuBroker(port=free_port(), log_file=log_dir / "tansu.log").start()
                stack.kafka_bootstrap = stack.broker.bootstrap
        except BaseException:
            stack.close()
            raise
        return stack

    def __init__(
        self,
        database_url: str,
        kafka_bootstrap: str,
        *,
        external_database: bool,
        external_kafka: bool,
        run_id: str,
        log_dir: Path,
    ) -> None:
        self.database_url = database_url
        self.kafka_bootstrap = kafka_bootstrap
        self.external_database = external_database
        self.external_kafka = external_kafka
        self.run_id = run_id  # unique per session: database names, topics, consumer groups
        self.log_dir = log_dir
        self.postgres: EmbeddedPostgres | None = None
        self.broker: TansuBroker | None = None
        self._databases: list[str] = []
        self._services: list[ServiceProcess] = []

    # -- databases -----------------------------------------------------------------------

    def database_name(self, service: str) -> str:
        """A database name unique to this session (created by the service's `migrate`)."""
        name = f"village_{service.replace('-', '_')}_t{self.run_id}"
        if name not in self._databases:
            self._databases.append(name)
        return name

    def database(self, service: str) -> str:
        """Plain `postgresql://` URL of this session's database for `service`."""
        return with_database(self.database_url, self.database_name(service))

    def settings(self, service: str, port: int = 0, **overrides: Any):
        """In-process `Settings` for `service` on this stack and this session's database."""
        from village_platform.settings import Settings

        values: dict[str, Any] = {
            "DATABASE_URL": self.database(service),
            "database_is_own": True,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "VILLAGE_ENV": "development",
        }
        values.update(overrides)
        return Settings(service=service, port=port, **values)

    def drop_databases(self) -> None:
        for name in reversed(self._databases):
            try:
                run_sql(self.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001 - cleanup is best effort
                print(f"village devstack: could not drop database {name}: {exc}")
        self._databases.clear()

    # -- services ------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        # Development mode unless the caller says otherwise (a test of production identity).
        return stack_env(
            self.database_url, self.kafka_bootstrap, **{"VILLAGE_ENV": "development", **extra}
        )

    def start_service(
        self, spec: ServiceSpec, *, seed: bool = True, instance: str = "", **extra_env: str
    ) -> ServiceProcess:
        """Migrate and start `spec` on a free port and its own session database; seed it.
        `instance` names a second copy of a service (its own database and log)."""
        service = self.service(spec, instance=instance, **extra_env)
        self.start_all(service, seed=seed)
        return service

    def start_replicas(
        self,
        spec: ServiceSpec,
        count: int,
        *,
        seed: bool = True,
        instance: str = "",
        **extra_env: str,
    ) -> list[ServiceProcess]:
        """`count` processes of `spec` on one database, sharing one free port (each also on a
        port of its own, `instance_port`); migrated and seeded once. Their shared address is
        any one's `url`."""
        replicas = self.replicas(spec, count, instance=instance, **extra_env)
        self.start_all(replicas, seed=seed)
        return replicas

    def service(self, spec: ServiceSpec, *, instance: str = "", **extra_env: str) -> ServiceProcess:
        """`spec` on a free port and its own session database, not started yet (`start_all`)."""
        name, env = self._instance(spec, instance, extra_env)
        service = ServiceProcess(
            spec, env=env, port=free_port(), log_file=self.log_dir / f"{name}.log"
        )
        self._services.append(service)
        return service

    def replicas(
        self, spec: ServiceSpec, count: int, *, instance: str = "", **extra_env: str
    ) -> list[ServiceProcess]:
        """`count` processes of `spec` as `start_replicas` makes them, not started yet."""
        name, env = self._instance(spec, instance, extra_env)
        port, replicas = free_port(), []
        for number in range(1, count + 1):
            replica = ServiceProcess(
                spec,
                env=env,
                port=port,
                log_file=self.log_dir / f"{name}-{number}.log",
                replica=f"{name}-{number}",
                instance_port=free_port(),
            )
            self._services.append(replica)
            replicas.append(replica)
        return replicas

    def _instance(
        self, spec: ServiceSpec, instance: str, extra_env: Mapping[str, str]
    ) -> tuple[str, dict[str, str]]:
        """The name of this copy of `spec` (its database and log) and its environment."""
        name = f"{spec.name}-{instance}" if instance else spec.name
        return name, self.env(
            **{f"{spec.env_prefix}_DATABASE_URL": self.database(name)}, **extra_env
        )

    def start_all(
        self, *services: ServiceProcess | list[ServiceProcess], seed: bool = True
    ) -> None:
        """Start services made by `service` / `replicas` side by side (their addresses are
        known already, so a later one may name an earlier one's), seeded in the order given."""
        start_side_by_side(
            [group if isinstance(group, list) else [group] for group in services], seed=seed
        )

    def close(self) -> None:
        for service in reversed(self._services):
            service.close()
        self._services.clear()
        if self.external_database:
            self.drop_databases()
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()
            shutil.rmtree(self.postgres.data_dir.parent, ignore_errors=True)

    def __repr__(self) -> str:
        return f"<Stack db={self.database_url} kafka={self.kafka_bootstrap}>"
