"""Fixtures for the platform's integration tests: real PostgreSQL, real Kafka-protocol broker.

`stack` comes from the `village_devstack.testing` plugin when it is registered; without it the
tests use DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS (a local PostgreSQL and a tansu broker).
The one way to the infrastructure: `kafka_bootstrap`, and `new_database(**engine_options)` (a
fresh copy of a template database with the platform tables and the read model, as an engine).
Each test gets an *owner* (its own database with the platform tables, an EventStore, a Relay
publishing to a fresh topic, and its feed served by uvicorn on a free port) and a *consumer*
database holding a tiny read model, `applied`, without unique keys so a double apply shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from village_devstack.waiting import eventually
from village_platform.applier import ConsumedEvent
from village_platform.auth import Authenticator, KnownParties
from village_platform.clock import ManualClock
from village_platform.cloudevent import to_kafka
from village_platform.consumer import ConsumerRunner
from village_platform.errors import install_problem_handlers
from village_platform.eventstore import EventStore, NewEvent, StoredEvent
from village_platform.feed import feed_router
from village_platform.feedclient import FeedClient
from village_platform.kafka import ensure_topics, make_producer
from village_platform.relay import Relay
from village_platform.settings import Settings
from village_platform.storage_schema import UPGRADE

EVENT = "village.test.happened.v1"
READ_MODEL = """
CREATE TABLE applied (
    n          bigserial PRIMARY KEY,
    consumer   text NOT NULL,
    event_id   uuid NOT NULL,
    stream_id  text NOT NULL,
    sequence   integer NOT NULL,
    type       text NOT NULL,
    data       jsonb NOT NULL
)
"""


@pytest.fixture(name="eventually")
def eventually_fixture() -> Callable[..., Awaitable[Any]]:
    """`await eventually(condition, what=...)`: await a condition, never a fixed sleep."""
    return eventually


@dataclass
class _EnvStack:
    database_url: str
    kafka_bootstrap: str


@pytest.fixture(scope="session")
def platform_stack(request: pytest.FixtureRequest) -> Any:
    try:
        return request.getfixturevalue("stack")
    except pytest.FixtureLookupError:
        return _EnvStack(
            os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
            os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        )


@pytest.fixture(scope="session")
def kafka_bootstrap(platform_stack: Any) -> str:
    """The broker's bootstrap servers (the stack's, else env KAFKA_BOOTSTRAP_SERVERS)."""
    return platform_stack.kafka_bootstrap


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(clock: ManualClock) -> EventStore:
    return EventStore(clock)


def _dsn(stack: Any, database: str | None = None, drivername: str = "postgresql") -> str:
    """The stack's PostgreSQL server (or one `database` on it) as a URL for `drivername`."""
    url = make_url(stack.database_url).set(drivername=drivername)
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def template_database(platform_stack: Any) -> AsyncIterator[str]:
    """A database with the platform tables and the test read model, copied for every test."""
    name = f"village_ptest_tmpl_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_dsn(platform_stack))
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(_dsn(platform_stack, name))
    try:
        for statement in [*UPGRADE, READ_MODEL]:
            await conn.execute(statement)
    finally:
        await conn.close()
    yield name
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


NewDatabase = Callable[..., Awaitable[AsyncEngine]]


@pytest.fixture
async def new_database(platform_stack: Any, template_database: str) -> AsyncIterator[NewDatabase]:
    """`await new_database(**engine_options)`: an engine (pool_size 5 unless given) on a fresh
    copy of the template database (platform tables + read model); dropped at teardown."""
    admin = await asyncpg.connect(_dsn(platform_stack))
    made: list[tuple[str, AsyncEngine]] = []

    async def make(**engine_options: Any) -> AsyncEngine:
        name = f"village_ptest_{uuid.uuid4().hex[:12]}"
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        url = _dsn(platform_stack, name, "postgresql+asyncpg")
        engine = create_async_engine(url, **{"pool_size": 5, **engine_options})
        made.append((name, engine))
        return engine

    yield make
    for name, engine in made:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


def _settings(stack: Any, service: str) -> Settings:
    return Settings(
        service=service,
        database_url=stack.database_url,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        kafka_partitions=3,
        VILLAGE_ENV="development",
    )


@dataclass
class Owner:
    """The owning side: event store, relay to `topic`, feed served at `feed_url`."""

    engine: AsyncEngine
    store: EventStore
    relay: Relay
    producer: AIOKafkaProducer
    settings: Settings
    topic: str
    feed_url: str
    source: str = "owner"
    versions: dict[str, int] = field(default_factory=dict)

    async def append(
        self, stream_id: str, *datas: dict[str, Any], type: str = EVENT, **metadata: Any
    ) -> list[StoredEvent]:
        meta = {
            "parties": ["acme", "northwind", "village"],
            "visibility": "shared",
            "actor_party": "northwind",
            **metadata,
        }
        version = self.versions.get(stream_id, 0)
        async with self.engine.begin() as conn:
            stored = await self.store.append(
                conn, stream_id, version, [NewEvent(type, d) for d in datas], meta
            )
        self.versions[stream_id] = version + len(datas)
        return stored

    async def publish(self) -> int:
        """Run the relay until every appended event is out.

        A batch may come back short while a transaction anywhere on the server is open (xids
        are cluster-wide: other tests, other sessions), so poll until nothing is pending.
        """
        total = 0

        async def all_out() -> bool:
            nonlocal total
            total += await self.relay.publish_pending()
            return (await self.relay.lag()).unpublished == 0

        await eventually(all_out, timeout=60, what="the relay to publish everything")
        return total

    async def published(self, stream_id: str) -> list[StoredEvent]:
        async with self.engine.connect() as conn:
            return await self.store.load(conn, stream_id)

    async def send_raw(self, topic: str, *events: StoredEvent) -> None:
        """Put events on `topic` directly (duplicates, replays, out-of-order delivery)."""
        for event in events:
            message = to_kafka(event, self.source)
            await self.producer.send_and_wait(
                topic,
                key=event.stream_id.encode(),
                value=message.value,
                headers=list(message.headers.items()),
            )

    def feed(self, consumer: str, **options: Any) -> FeedClient:
        return FeedClient.for_consumer(
            self.feed_url, self.settings, consumer, source=self.source, **options
        )


# The parties the feed tests call as (their kinds, as a directory would say).
PARTY_KINDS = KnownParties(
    {
        "village": "provider",
        "northwind": "partner",
        "contoso": "partner",
        "umbrella": "partner",
        "acme": "customer",
        "initech": "customer",
    }
)


def feed_app(engine: AsyncEngine, store: EventStore, settings: Settings) -> FastAPI:
    app = FastAPI(title="owner")
    app.state.engine, app.state.store, app.state.settings = engine, store, settings
    app.state.authenticator = Authenticator(settings, PARTY_KINDS)
    install_problem_handlers(app)
    app.include_router(feed_router())
    return app


@pytest.fixture
async def owner(platform_stack: Any, new_database: NewDatabase) -> AsyncIterator[Owner]:
    engine = await new_database()
    settings = _settings(platform_stack, "owner")
    topic = f"ptest.{uuid.uuid4().hex[:10]}"
    await ensure_topics(settings, [topic])
    producer = make_producer(settings)
    await producer.start()
    store = EventStore(ManualClock())
    relay = Relay(engine, producer, topic, "owner", ManualClock())

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(feed_app(engine, store, settings), log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await eventually(lambda: server.started, timeout=10, what="feed server")
    try:
        yield Owner(engine, store, relay, producer, settings, topic, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await serving
        sock.close()
        await producer.stop()


@dataclass
class ReadModel:
    """The consumer side: its database and a routing table writing the `applied` table."""

    engine: AsyncEngine
    settings: Settings
    attempts: dict[str, int] = field(default_factory=dict)
    poison_fixed: bool = False
    seen: list[ConsumedEvent] = field(default_factory=list)

    async def handle(self, conn: AsyncConnection, event: ConsumedEvent) -> None:
        self.attempts[event.id] = self.attempts.get(event.id, 0) + 1
        self.seen.append(event)
        if event.data.get("poison") and not self.poison_fixed:
            raise ValueError("poison event: cannot apply")
        await conn.execute(
            text(
                "INSERT INTO applied (consumer, event_id, stream_id, sequence, type, data)"
                " VALUES ('test', CAST(:id AS uuid), :s, :q, :t, CAST(:d AS jsonb))"
            ),
            {
                "id": event.id,
                "s": event.stream_id,
                "q": event.sequence,
                "t": event.type,
                "d": json.dumps(event.data),
            },
        )

    @property
    def routes(self) -> dict[str, Any]:
        return {EVENT: self.handle}

    async def rows(self) -> list[tuple[str, int, str]]:
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text("SELECT stream_id, sequence, CAST(event_id AS text) FROM applied ORDER BY n")
            )
            return [tuple(r) for r in result]

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return await conn.scalar(text(sql), params)

    async def reset(self, conn: AsyncConnection) -> None:
        await conn.execute(text("TRUNCATE applied"))


@pytest.fixture
async def read_model(platform_stack: Any, new_database: NewDatabase) -> ReadModel:
    return ReadModel(await new_database(), _settings(platform_stack, "reader"))


@pytest.fixture
async def runners(
    make_runner: Any,
) -> AsyncIterator[Callable[[Any], tuple[asyncio.Event, asyncio.Task[None]]]]:
    """`stop, task = runners(runner)`: run a ConsumerRunner; stopped at teardown, before
    `make_runner` closes their feed clients."""
    started: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    def start(runner: Any) -> tuple[asyncio.Event, asyncio.Task[None]]:
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        started.append((stop, task))
        return stop, task

    yield start
    for stop, task in started:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 30)


# tansu rebalances a restarted group member only after the session times out; keep it short.
# (Apache Kafka's group.min.session.timeout.ms is 6000: set VILLAGE_TEST_SESSION_TIMEOUT_MS.)
_SESSION_MS = int(os.environ.get("VILLAGE_TEST_SESSION_TIMEOUT_MS", "2000"))
GROUP_OPTIONS = {
    "session_timeout_ms": _SESSION_MS,
    "heartbeat_interval_ms": max(_SESSION_MS // 6, 100),
    "rebalance_timeout_ms": _SESSION_MS,
}


@pytest.fixture
async def make_runner() -> AsyncIterator[Callable[..., ConsumerRunner]]:
    """`make_runner(owner, read_model, topic=, name=, routes=, runner_class=, **options)`."""
    clients: list[FeedClient] = []

    def make(
        owner: Owner,
        model: ReadModel,
        *,
        topic: str | None = None,
        name: str | None = None,
        routes: dict[str, Any] | None = None,
        runner_class: type[ConsumerRunner] = ConsumerRunner,
        **options: Any,
    ) -> ConsumerRunner:
        name = name or f"reader-{uuid.uuid4().hex[:8]}"
        topic = topic or owner.topic
        feeds = {topic: owner.feed(name)}
        clients.append(feeds[topic])
        routes = routes if routes is not None else model.routes
        options = {**GROUP_OPTIONS, **options}
        clock = ManualClock()
        return runner_class(
            name, model.engine, model.settings, [topic], routes, feeds, clock, **options
        )

    yield make
    for client in clients:  # after the runners stopped (`runners` is set up after this)
        await client.aclose()


@pytest.fixture
def consume(
    make_runner: Callable[..., ConsumerRunner],
    runners: Callable[[Any], tuple[asyncio.Event, asyncio.Task[None]]],
) -> Callable[..., Awaitable[ConsumerRunner]]:
    """`runner = await consume(owner, read_model, records, **make_runner options)`: start a
    runner and wait until it has committed `records` records."""

    async def start(owner: Owner, model: ReadModel, records: int, **options: Any) -> ConsumerRunner:
        runner = make_runner(owner, model, **options)
        runners(runner)
        what = f"{records} record" + ("s" if records != 1 else "")
        await eventually(lambda: runner.committed == records, what=what)
        return runner

    return start
