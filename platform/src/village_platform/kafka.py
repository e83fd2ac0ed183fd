"""Kafka clients with the settings DESIGN.md asks for (aiokafka's defaults are weaker)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.protocol.group import LeaveGroupRequest

from .settings import Settings
from .wakeups import wait_any

log = logging.getLogger(__name__)


def make_producer(settings: Settings, **overrides: object) -> AIOKafkaProducer:
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "acks": "all",
        "enable_idempotence": settings.kafka_enable_idempotence,
        "linger_ms": 0,
        "client_id": f"village-{settings.service}",
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


async def stop_consumer(consumer: AIOKafkaConsumer, leave_timeout: float = 5.0) -> None:
    """Stop `consumer`, leaving its group first, so its partitions go to the other members (or a
    restarted service) at once rather than once its session has timed out.

    aiokafka leaves a group only from generation 1 on, Kafka's first; tansu, the embedded
    broker, numbers a group's first generation 0. So a member of the first generation that
    stopped kept its partitions for its whole session: a restarted service waited 18 s for
    them, and the rebalance after it, instead of the 5 s of tansu's join window (measured).
    From generation 1 on, and on Kafka, `stop` leaves by itself. This reaches into aiokafka's
    group coordinator (pinned in uv.lock); test_consumer's leave tests fail if it changes."""
    coordinator = getattr(consumer, "_coordinator", None)  # None until started
    try:
        if coordinator is not None and coordinator.generation == 0 and coordinator.member_id:
            await _leave(coordinator, leave_timeout)
    finally:  # stopped even if the leave was cancelled (a shutdown out of grace)
        await consumer.stop()


async def _leave(coordinator: Any, timeout: float) -> None:
    # No heartbeat after leaving: its answer (an unknown member) would start a rejoin.
    # (Waited for, not awaited: a task cancelled before its first step raises.)
    if (heartbeat := coordinator._heartbeat_task) is not None:
        heartbeat.cancel()
        await asyncio.wait([heartbeat])
    try:
        async with asyncio.timeout(timeout):
            await coordinator._send_req(
                LeaveGroupRequest(coordinator.group_id, coordinator.member_id)
            )
    except (KafkaError, TimeoutError) as exc:  # best effort, as aiokafka's own leave
        log.warning("leaving group %s failed: %r", coordinator.group_id, exc)


# How long a poll waits for records (ms); after records, with short fetch waits, a short poll:
# a trickle of events would otherwise keep the short waits going a second after each.
IDLE_POLL_MS, BUSY_POLL_MS = 1000, 100


def pace_fetches(consumer: AIOKafkaConsumer, fetched: bool, busy_ms: int, idle_ms: int) -> int:
    """Set how long `consumer`'s next fetches wait for records: `busy_ms` after a poll that
    brought records, `idle_ms` (the consumer's own wait) after one that found none; `busy_ms`
    0 leaves it at `idle_ms`. Returns how long the next poll waits (BUSY_POLL_MS while busy).

    A fetch that finds nothing waits; tansu looks again after half the wait, then half the
    rest, and a record that arrives meanwhile waits for the next look. So the wait is latency
    on every hop, and a short one costs fetches and smaller batches: idle, a 10 ms wait costs
    the consumer and the broker about 5 % of a core each; in the surge, every consumer at
    10 ms took 13 % more CPU per incident than at its own wait, and missed lags it had met
    (docs/benchmarks.md). A consumer that sends to the parties (webhooks) takes it; the
    projections keep their batches. aiokafka reads the wait from its fetcher for each request."""
    busy = fetched and busy_ms > 0
    fetcher = getattr(consumer, "_fetcher", None)  # None until started
    if fetcher is not None and busy_ms > 0:
        fetcher._fetch_max_wait_ms = min(busy_ms, idle_ms) if busy else idle_ms
    return BUSY_POLL_MS if busy else IDLE_POLL_MS


async def ensure_topics(
    settings: Settings, topics: list[str], *, dead_letters: bool = True
) -> None:
    """Create topics (and, unless told otherwise, their dead-letter topics) if missing."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        names = [(name, f"{name}.dlq") if dead_letters else (name,) for name in topics]
        wanted = [t for pair in names for t in pair if t not in existing]
        if not wanted:
            return
        configs = {}
        if settings.kafka_replication_factor > 1:
            configs = {"min.insync.replicas": str(settings.kafka_min_insync_replicas)}
        new = [
            NewTopic(
                name=t,
                num_partitions=settings.kafka_partitions,
                replication_factor=settings.kafka_replication_factor,
                topic_configs=configs,
            )
            for t in wanted
        ]
        try:
            await admin.create_topics(new)
        except TopicAlreadyExistsError:
            pass  # another instance won the race
        log.info("created topics", extra={"topics": wanted})
    finally:
        await admin.close()


async def when_reachable(start: Callable[[], Awaitable[object]], stop: asyncio.Event) -> bool:
    """Run `start` (create topics, start a client) until the broker answers, backing off while it
    is away; False if `stop` came first. Services start before the broker is up, and keep
    serving HTTP meanwhile."""
    delay = 0.2
    while not stop.is_set():
        try:
            await start()
            return True
        except Exception as exc:
            log.warning("broker not reachable yet: %s", exc)
            await wait_any(stop, timeout=delay)
            delay = min(delay * 2, 5.0)
    return False
