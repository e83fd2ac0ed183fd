"""The benchmark's own stack: PostgreSQL, the tansu broker and the incidents service.

Reuses the dev stack's classes. `DATABASE_URL` / `KAFKA_BOOTSTRAP_SERVERS` in the environment
point it at servers you run yourself (their databases are created with a unique name and
dropped afterwards); otherwise an embedded PostgreSQL (default durability: fsync on,
synchronous_commit on) and a tansu broker start on free ports of 127.0.0.1 and are removed
when the run ends, also after an error or Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from village_devstack import demo
from village_devstack.broker import TansuBroker
from village_devstack.postgres import EmbeddedPostgres
from village_devstack.services import ServiceProcess, ServiceSpec, stack_env, with_database

INCIDENTS = ServiceSpec("incidents", 8001, seed=lambda url: demo.seed_parties(url))
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _sql(url: str, *statements: str) -> list:
    """Run statements on `url` from a fresh event loop (this module is used outside one)."""

    async def go() -> list:
        conn = await asyncpg.connect(url)
        try:
            return [await conn.fetch(s) for s in statements]
        finally:
            await conn.close()

    return asyncio.run(go())


class BenchStack:
    def __init__(self, *, fsync: bool = True, log_dir: Path | None = None) -> None:
        self.run_id = uuid.uuid4().hex[:8]
        self.fsync = fsync
        self.root = Path(tempfile.mkdtemp(prefix="village-bench-"))
        self.log_dir = log_dir or self.root / "logs"
        self.database_url = os.environ.get("DATABASE_URL", "")
        self.kafka_bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
        self.external_database = bool(self.database_url)
        self.external_kafka = bool(self.kafka_bootstrap)
        self.postgres: EmbeddedPostgres | None = None
        self.broker: TansuBroker | None = None
        self.service: ServiceProcess | None = None
        self.databases: list[str] = []

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> BenchStack:
        if not self.database_url:
            settings = {} if self.fsync else {
                "fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}
            # the unix socket lives in the data directory: keep its path short
            self.postgres = EmbeddedPostgres(self.root / "pg", port=free_port(), settings=settings)
            self.postgres.start()
            self.database_url = self.postgres.url
        if not self.kafka_bootstrap:
            self.broker = TansuBroker(port=free_port(), log_file=self.log_dir / "tansu.log").start()
            self.kafka_bootstrap = self.broker.bootstrap
        return self

    def start_incidents(self) -> ServiceProcess:
        """Migrate and start the incidents service on a free port and its own database; seed."""
        database = self.database("incidents")
        env = stack_env(self.database_url, self.kafka_bootstrap, INCIDENTS_DATABASE_URL=database)
        self.service = ServiceProcess(INCIDENTS, env=env, port=free_port(),
                                      log_file=self.log_dir / "incidents.log")
        self.service.migrate()
        self.service.start()
        INCIDENTS.seed(self.service.url)  # type: ignore[misc]
        return self.service

    def migrate_database(self, name: str) -> str:
        """A fresh database with the incidents schema (event store included), no service on it."""
        database = self.database(name)
        env = stack_env(self.database_url, self.kafka_bootstrap, INCIDENTS_DATABASE_URL=database)
        ServiceProcess(INCIDENTS, env=env, port=0, log_file=self.log_dir / f"migrate-{name}.log").migrate()
        return database

    def database(self, name: str) -> str:
        db = f"village_bench_{name}_{self.run_id}"
        if db not in self.databases:
            self.databases.append(db)
        return with_database(self.database_url, db)

    def server_facts(self) -> dict[str, str]:
        names = ["server_version", "fsync", "synchronous_commit", "full_page_writes",
                 "wal_sync_method", "shared_buffers", "max_connections"]
        rows = _sql(self.database_url, *(f"SHOW {n}" for n in names))
        return {n: str(r[0][0]) for n, r in zip(names, rows)}

    def close(self) -> None:
        """Stop everything this run started; best effort, never raises."""
        steps = []
        if self.service is not None:
            steps.append(("incidents service", self.service.close))
        if self.external_database and self.databases:
            steps.append(("benchmark databases", self._drop_databases))
        if self.broker is not None:
            steps.append(("tansu broker", self.broker.stop))
        if self.postgres is not None:
            steps.append(("PostgreSQL", self.postgres.stop))
        for what, step in steps:
            try:
                step()
            except BaseException as exc:  # noqa: BLE001 - keep cleaning up
                print(f"bench: could not stop {what}: {exc!r}")
        if not self.external_database:
            shutil.rmtree(self.root, ignore_errors=True)

    def _drop_databases(self) -> None:
        _sql(self.database_url, *(f'DROP DATABASE IF EXISTS "{d}" WITH (FORCE)' for d in self.databases))

    def wait_topic(self, topic: str, timeout: float = 30) -> None:
        """The service creates its topic in the background after /healthz answers."""
        from aiokafka.admin import AIOKafkaAdminClient

        async def topics() -> set[str]:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka_bootstrap)
            await admin.start()
            try:
                return set(await admin.list_topics())
            finally:
                await admin.close()

        deadline = time.monotonic() + timeout
        while topic not in asyncio.run(topics()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"topic {topic} not created after {timeout:.0f}s")
            time.sleep(0.2)
