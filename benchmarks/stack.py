"""The benchmark's own stack: the dev stack's `Stack` with a durable PostgreSQL, the incidents
service, and the benchmark's extras (a bare migrated database, server facts, the topic).

`DATABASE_URL` / `KAFKA_BOOTSTRAP_SERVERS` in the environment point it at servers you run
yourself (its databases get unique names and are dropped afterwards); otherwise an embedded
PostgreSQL (default durability: fsync on, synchronous_commit on) and a tansu broker start on
free ports of 127.0.0.1 and are removed when the run ends, also after an error or Ctrl-C.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from village_devstack.broker import TansuBroker
from village_devstack.postgres import EmbeddedPostgres
from village_devstack.services import INCIDENTS, ServiceProcess
from village_devstack.stack import Stack, run_sql


class BenchStack:
    def __init__(self, *, fsync: bool = True, log_dir: Path | None = None) -> None:
        self.fsync = fsync
        self.root = Path(tempfile.mkdtemp(prefix="village-bench-"))
        self.log_dir = log_dir or self.root / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.stack: Stack | None = None
        self.service: ServiceProcess | None = None

    def start(self) -> BenchStack:
        self.stack = Stack.start(self.log_dir, durable=self.fsync, run_id=f"bench{uuid.uuid4().hex[:8]}")
        return self

    @property
    def database_url(self) -> str:
        return self.stack.database_url if self.stack else ""

    @property
    def kafka_bootstrap(self) -> str:
        return self.stack.kafka_bootstrap if self.stack else ""

    @property
    def postgres(self) -> EmbeddedPostgres | None:
        return self.stack.postgres if self.stack else None

    @property
    def broker(self) -> TansuBroker | None:
        return self.stack.broker if self.stack else None

    def start_incidents(self) -> ServiceProcess:
        """Migrate and start the incidents service on a free port and its own database; seed."""
        assert self.stack is not None
        self.service = self.stack.start_service(INCIDENTS)
        return self.service

    def migrate_database(self, name: str) -> str:
        """A fresh database with the incidents schema (event store included), no service on it."""
        assert self.stack is not None
        database = self.stack.database(f"bench-{name}")
        env = self.stack.env(INCIDENTS_DATABASE_URL=database)
        ServiceProcess(INCIDENTS, env=env, port=0, log_file=self.log_dir / f"migrate-{name}.log").migrate()
        return database

    def server_facts(self) -> dict[str, str]:
        names = ["server_version", "fsync", "synchronous_commit", "full_page_writes",
                 "wal_sync_method", "shared_buffers", "max_connections"]
        rows = run_sql(self.database_url, *(f"SHOW {n}" for n in names))
        return {n: str(r[0][0]) for n, r in zip(names, rows)}

    def close(self) -> None:
        """Stop everything this run started; best effort, never raises."""
        try:
            if self.stack is not None:
                self.stack.close()
        except BaseException as exc:  # noqa: BLE001 - keep cleaning up
            print(f"bench: could not stop the stack: {exc!r}")
        shutil.rmtree(self.root, ignore_errors=True)

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
