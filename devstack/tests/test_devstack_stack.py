import asyncio
import shutil
import socket
import tempfile
import time
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from village_devstack.broker import TansuBroker
from village_devstack.postgres import EmbeddedPostgres
from village_devstack.stack import Stack, _ephemeral_low
from village_devstack.testing import free_port, run_sql


async def test_postgres_answers_on_tcp(stack):
    conn = await asyncpg.connect(stack.database_url)
    try:
        assert await conn.fetchval("select 1") == 1
        if stack.postgres is not None:
            assert int(await conn.fetchval("show max_connections")) >= 300
            assert await conn.fetchval("show server_encoding") == "UTF8"
    finally:
        await conn.close()


async def test_session_databases_are_unique_and_usable(stack):
    name = stack.database_name("devstack-check")
    assert name.startswith("village_devstack_check_t") and stack.run_id in name
    run_sql(stack.database_url, f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(stack.database("devstack-check"))
    try:
        assert await conn.fetchval("select current_database()") == name
    finally:
        await conn.close()
    settings = stack.settings("devstack-check")
    assert settings.service_database_url.endswith(f"/{name}")


def test_embedded_postgres_keeps_data_and_adopts_a_running_server():
    # Not under pytest's tmp_path: as root the server runs as `embedded_postgres`, and every
    # pytest start resets /tmp/pytest-of-root to 0700, locking that user out mid-test.
    tmp_path = Path(tempfile.mkdtemp(prefix="village-pg-test-"))
    pg = EmbeddedPostgres(tmp_path / "pgdata", port=free_port(), settings={"fsync": "off"})
    pg.start()
    try:
        run_sql(pg.url, "CREATE TABLE kept (v int)", "INSERT INTO kept VALUES (42)")
        again = EmbeddedPostgres(tmp_path / "pgdata", port=1).start()
        assert again.adopted and again.port == pg.port
        pg.stop()
        assert not pg.is_running()
        pg.start()

        async def read():
            conn = await asyncpg.connect(pg.url)
            try:
                return await conn.fetchval("SELECT v FROM kept")
            finally:
                await conn.close()

        assert asyncio.run(read()) == 42
    finally:
        pg.stop()
    assert not pg.is_running()
    shutil.rmtree(tmp_path, ignore_errors=True)


async def test_broker_topics_headers_groups_manual_commit(stack):
    topic = f"devstack-check-{stack.run_id}"
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
        [described] = await admin.describe_topics([topic])
        assert len(described["partitions"]) == 6
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(12):
            await producer.send_and_wait(
                topic,
                f"v{i}".encode(),
                key=f"k{i % 4}".encode(),
                headers=[("ce_id", str(i).encode())],
            )
    finally:
        await producer.stop()

    group = f"devstack-check-{stack.run_id}"

    async def consume(expected: int) -> list:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=stack.kafka_bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # tansu: a rejoin waits ~session timeout for the old member
            session_timeout_ms=2000,
            rebalance_timeout_ms=1000,
            heartbeat_interval_ms=300,
        )
        await consumer.start()
        got = []
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for messages in batch.values():
                    got.extend(messages)
                if batch:
                    await consumer.commit()
                if expected and len(got) >= expected:
                    break
                if not expected and consumer.assignment() and not batch:
                    break
        finally:
            await consumer.stop()
        return got

    got = await consume(12)
    assert sorted(m.value for m in got) == sorted(f"v{i}".encode() for i in range(12))
    assert all(dict(m.headers)["ce_id"] == m.value[1:] for m in got)
    # a new member of the same group resumes after the committed offsets
    assert await consume(0) == []


def test_an_embedded_server_takes_the_settings_it_is_given(stack, monkeypatch, tmp_path):
    # `make bench --pg-setting` measures server settings (group commit) this way.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", stack.kafka_bootstrap)  # no second broker
    own = Stack.start(
        tmp_path,
        durable=True,
        postgres_settings={"commit_delay": "200", "commit_siblings": "2"},
    )
    try:
        assert own.postgres is not None and own.broker is None
        rows = run_sql(own.database_url, "SHOW fsync", "SHOW commit_delay", "SHOW commit_siblings")
        assert [r[0][0] for r in rows] == ["on", "200", "2"]
    finally:
        own.close()
    assert not own.postgres.is_running()


def test_a_free_port_is_never_one_the_kernel_gives_outgoing_connections():
    # Picked from the ephemeral range, a port could become a connection's source port in the
    # seconds before its server binds it (CI saw a replica's bind fail so).
    low = _ephemeral_low()
    ports = [free_port() for _ in range(50)]
    assert all(10_000 <= port < low - 100 for port in ports), ports
    assert len(set(ports)) > 40  # spread, so two callers rarely pick one
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[0]))  # and free


@pytest.mark.parametrize(("setting", "runs"), [(None, b"1"), ("2", b"2")])
def test_the_embedded_broker_runs_one_runtime_thread(monkeypatch, tmp_path, setting, runs):
    # A second runtime thread cost the surge a tenth of the broker's CPU in wake-ups; more is a
    # setting away. (Its threads cannot tell: tokio names its blocking pool's as its workers.)
    if setting is None:
        monkeypatch.delenv("TOKIO_WORKER_THREADS", raising=False)
    else:
        monkeypatch.setenv("TOKIO_WORKER_THREADS", setting)
    broker = TansuBroker(port=free_port(), log_file=tmp_path / "tansu.log").start()
    try:
        assert broker.process is not None
        environ = Path(f"/proc/{broker.process.pid}/environ").read_bytes().split(b"\0")
        assert b"TOKIO_WORKER_THREADS=" + runs in environ
    finally:
        broker.stop()
