"""The benchmark's own stack: the dev stack's `Stack` with a durable PostgreSQL, the incidents
service, and the benchmark's extras (bare migrated databases, services on them, server facts,
the topic).

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
from typing import Any

from village_devstack.broker import TansuBroker
from village_devstack.postgres import EmbeddedPostgres
from village_devstack.services import INCIDENTS, ServiceProcess, ServiceSpec
from village_devstack.stack import Stack, free_port, run_sql

from .cpu import CpuMeter, postmaster_pid


class BenchStack:
    def __init__(
        self,
        *,
        fsync: bool = True,
        log_dir: Path | None = None,
        postgres_settings: dict[str, str] | None = None,
    ) -> None:
        self.fsync = fsync
        self.postgres_settings = postgres_settings or {}
        self.root = Path(tempfile.mkdtemp(prefix="village-bench-"))
        self.log_dir = log_dir or self.root / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.stack: Stack | None = None
        self.service: ServiceProcess | None = None
        self.others: list[ServiceProcess] = []  # started on databases of the benchmark's own

    def start(self) -> BenchStack:
        self.stack = Stack.start(
            self.log_dir,
            durable=self.fsync,
            run_id=f"bench{uuid.uuid4().hex[:8]}",
            postgres_settings=self.postgres_settings,
        )
        return self

    @property
    def database_url(self) -> str:
        return self.stack.database_url if self.stack else ""

    @property
    def kafka_bootstrap(self) -> str:
        return self.stack.kafka_bootstrap if self.stack else ""

    @property
    def external_database(self) -> bool:
        return bool(self.stack and self.stack.external_database)

    @property
    def external_kafka(self) -> bool:
        return bool(self.stack and self.stack.external_kafka)

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

    @property
    def postgres_pid(self) -> int | None:
        return postmaster_pid(self.postgres.data_dir) if self.postgres else None

    def meter(self, **services: int | None) -> CpuMeter:
        """CPU of these processes (by name), the broker and PostgreSQL (with its backends)."""
        broker = self.broker.process.pid if self.broker and self.broker.process else None
        return CpuMeter({**services, "broker": broker}, {"postgres": self.postgres_pid})

    def plain_consumer(self, client_id: str, fetch_max_wait_ms: int) -> Any:
        """A consumer without a group (the benchmark assigns partitions itself), not started."""
        from aiokafka import AIOKafkaConsumer

        return AIOKafkaConsumer(
            bootstrap_servers=self.kafka_bootstrap,
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=fetch_max_wait_ms,
            max_partition_fetch_bytes=4 << 20,
            client_id=client_id,
        )

    async def ensure_topics(self, prefix: str, topics: list[str]) -> None:
        """`topics` under `prefix`, created now if no service has yet."""
        from village_platform.kafka import ensure_topics
        from village_platform.settings import Settings

        settings = Settings(
            service="bench",
            port=0,
            KAFKA_BOOTSTRAP_SERVERS=self.kafka_bootstrap,
            KAFKA_TOPIC_PREFIX=prefix,
        )
        await ensure_topics(settings, topics)

    def migrate_database(self, name: str, spec: ServiceSpec = INCIDENTS) -> str:
        """A fresh database with `spec`'s schema (event store included), no service on it."""
        assert self.stack is not None
        database = self.stack.database(f"bench-{name}")
        env = self.stack.env(**{f"{spec.env_prefix}_DATABASE_URL": database})
        ServiceProcess(
            spec, env=env, port=0, log_file=self.log_dir / f"migrate-{name}.log"
        ).migrate()
        return database

    def start_on(self, spec: ServiceSpec, database: str, name: str, **env: str) -> ServiceProcess:
        """`spec` as a subprocess (uvicorn, its own settings) on `database`, migrated before; not
        seeded."""
        assert self.stack is not None
        service = ServiceProcess(
            spec,
            env=self.stack.env(**{f"{spec.env_prefix}_DATABASE_URL": database}, **env),
            port=free_port(),
            log_file=self.log_dir / f"{name}.log",
        )
        self.others.append(service)
        return service.start()

    def stop(self, service: ServiceProcess) -> None:
        service.close()
        if service in self.others:
            self.others.remove(service)

    def server_facts(self) -> dict[str, str]:
        names = [
            "server_version",
            "fsync",
            "synchronous_commit",
            "full_page_writes",
            "wal_sync_method",
            "commit_delay",
            "commit_siblings",
            "shared_buffers",
            "max_connections",
        ]
        rows = run_sql(self.database_url, *(f"SHOW {n}" for n in names))
        return {n: str(r[0][0]) for n, r in zip(names, rows, strict=True)}

    def close(self) -> None:
        """Stop everything this run started; best effort, never raises."""
        try:
            for service in reversed(self.others):
                service.close()
            self.others.clear()
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
