"""The Kafka consumer runner every service uses: at-least-once delivery, effects exactly once.

A service gives a routing table (event type -> `async def handler(conn, event)`), its topics and
the owners' feeds. Each record is applied through `Applier` (one transaction: read-model change,
`handled_events`, `stream_positions`); its offset is committed only after that commit. A crash
between the two redelivers the record, and the handled record makes the redelivery a no-op.
Poison messages go to the dead-letter path in dlq.py after bounded retries; infrastructure
faults (database, the owner's feed) are retried until they clear or `stop` is set.

Wiring, in a service's lifespan (the routing table lives in the service's consumer.py):

    ROUTES = {"village.incident.opened.v1": on_opened, "village.incident.resolved.v1": on_resolved}
    feed = FeedClient.for_consumer(incidents_url, settings, "sla-monitor", source="incidents")
    runner = ConsumerRunner("sla-monitor", engine, settings, ["village.incidents.v1"], ROUTES,
                            {"village.incidents.v1": feed}, SystemClock())
    task = asyncio.create_task(runner.run(stop))      # on shutdown: stop.set(); await task

Rebuild a read model: declare `READ_MODEL = ReadModel("sla-monitor", ROUTES, reset)` and run
`village-rebuild village_sla.consumer:READ_MODEL --service sla-monitor --feed <owner URL>`
(rebuild.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine

from .applier import Applier, BatchScope, ConsumedEvent, GapNotHealed, Handler, HandlerError, Routes
from .clock import Clock
from .cloudevent import consumed, consumed_to_kafka
from .dlq import park, publish_dead_letter, record_dead_letter
from .feedclient import FeedClient, NotInFeedYet
from .kafka import (
    IDLE_POLL_MS,
    ensure_topics,
    make_producer,
    pace_fetches,
    stop_consumer,
    when_reachable,
)
from .settings import Settings
from .telemetry import extract_headers, incident_id_var
from .wakeups import wait_any

__all__ = ["ConsumedEvent", "ConsumerRunner", "GapNotHealed", "Handler", "HandlerError", "Routes"]

log = logging.getLogger(__name__)

# Between asks for a fetch's redacted events its owner's feed does not show yet (seconds).
WHOLE_PAUSES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
# A partition's records in a fetch, and their events.
_Part = tuple[list[ConsumerRecord], list[ConsumedEvent]]
tracer = trace.get_tracer("village.consumer")


class ConsumerRunner:
    """Kafka consumer group `name` applying `routes`; `run(stop)` until stop is set."""

    def __init__(
        self,
        name: str,
        engine: AsyncEngine,
        settings: Settings,
        topics: Sequence[str],
        routes: Routes,
        feeds: Mapping[str, FeedClient],
        clock: Clock,
        max_retries: int = 3,
        *,
        retry_backoff: float = 0.05,
        infra_backoff_max: float = 5.0,
        after_commit: Callable[[], None] | None = None,
        batch: bool = False,
        batch_scope: BatchScope | None = None,
        resolve_redacted: bool = False,
        fetch_busy_wait_ms: int = 0,
        **consumer_options: Any,
    ) -> None:
        self.name, self.settings, self.topics, self.feeds = name, settings, list(topics), feeds
        self.applier = Applier(
            name,
            engine,
            routes,
            clock,
            max_retries=max_retries,
            retry_backoff=retry_backoff,
            after_commit=after_commit,
            batch_scope=batch_scope,
        )
        self.infra_backoff_max = infra_backoff_max
        # Each fetch of a partition applied in one transaction (Applier.apply_many), falling back
        # to one by one: for consumers whose per-event work is small next to a commit.
        # `batch_scope` (Applier) lets its handlers write the fetch's changes once.
        self.batch = batch
        # The topic carries an event its provider may not see as its bare fact: consumers that
        # act for other parties too (escalation, webhooks) read the whole event from the feed.
        self.resolve_redacted = resolve_redacted
        self.consumer_options = consumer_options  # e.g. session_timeout_ms, passed to aiokafka
        # While records come, each fetch waits this long at most (0: always its own wait): less
        # latency per hop on tansu, smaller batches (kafka.pace_fetches).
        self.fetch_busy_wait_ms = fetch_busy_wait_ms
        self.group = settings.group(name)  # the Kafka group; `name` keys handled_events
        self.consumer: AIOKafkaConsumer | None = None
        self.processed = 0  # records applied or skipped (duplicates, replays)
        self.parked = 0  # events dead-lettered
        self.committed = 0  # records whose offset is committed
        self.batches = 0  # fetches applied in one transaction (batch mode)
        self.poll_ms = IDLE_POLL_MS  # how long the next poll waits for records

    async def serve(self, stop: asyncio.Event) -> None:
        """`run` once the broker answers (topics created); started again if it goes away."""
        if not await when_reachable(lambda: ensure_topics(self.settings, self.topics), stop):
            return
        while not stop.is_set():
            try:
                await self.run(stop)
            except Exception:  # the broker went away under the consumer
                log.exception("consumer %s stopped; starting it again", self.name)
                await wait_any(stop, timeout=1.0)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop`: the in-flight message is finished and committed first."""
        options = {**self.settings.group_options, **self.consumer_options}
        consumer = self.consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=self.group,
            client_id=f"village-{self.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **options,
        )
        idle_wait = options.get("fetch_max_wait_ms", 500)  # aiokafka's default
        producer = make_producer(self.settings)
        await producer.start()
        try:
            await consumer.start()
            stopping = asyncio.ensure_future(stop.wait())
            self.poll_ms = IDLE_POLL_MS
            try:
                while not stop.is_set():
                    fetch = asyncio.ensure_future(
                        consumer.getmany(timeout_ms=self.poll_ms, max_records=100)
                    )
                    await asyncio.wait([fetch, stopping], return_when=asyncio.FIRST_COMPLETED)
                    if not fetch.done():
                        fetch.cancel()  # uncommitted: redelivered after restart
                        break
                    self.poll_ms = pace_fetches(
                        consumer, bool(fetch.result()), self.fetch_busy_wait_ms, idle_wait
                    )
                    if not await self._apply_fetch(consumer, fetch.result(), producer, stop):
                        return
            finally:
                stopping.cancel()
        finally:
            await stop_consumer(consumer)
            await producer.stop()

    async def _apply_fetch(
        self,
        consumer: AIOKafkaConsumer,
        fetched: Mapping[TopicPartition, list[ConsumerRecord]],
        producer: AIOKafkaProducer,
        stop: asyncio.Event,
    ) -> bool:
        """One fetch, then one offset commit for all its partitions (a record redelivered after
        a crash is skipped by its handled record anyway); False if `stop` came mid-way. In batch
        mode a topic's records of every partition go in one transaction, whatever their number
        (a stream never spans partitions, so each stream's order is kept); a partition with a
        record that cannot be parsed, and all of a batch that cannot be applied whole, go one
        record at a time."""
        offsets: dict[TopicPartition, int] = {}
        done = 0
        try:
            if self.batch:
                topics: dict[str, dict[TopicPartition, _Part]] = {}
                for tp, records in fetched.items():
                    if records and (events := _parsed(records)) is not None:
                        topics.setdefault(tp.topic, {})[tp] = (records, events)
                for parts in topics.values():
                    if await self._consume_many(
                        [r for records, _ in parts.values() for r in records],
                        [e for _, events in parts.values() for e in events],
                    ):
                        offsets.update((tp, rs[-1].offset + 1) for tp, (rs, _) in parts.items())
                        done += sum(len(rs) for rs, _ in parts.values())
            for tp, records in fetched.items():
                if tp in offsets:
                    continue
                for record in records:
                    if stop.is_set() or not await self._consume(record, producer, stop):
                        return False
                    offsets[tp] = record.offset + 1
                    done += 1
        finally:
            if offsets:
                await self._commit(consumer, offsets)
                self.committed += done
        return True

    async def _consume_many(
        self, records: list[ConsumerRecord], parsed: list[ConsumedEvent]
    ) -> bool:
        """The records (of one topic) in one transaction; False if any needs the one-by-one
        path (a gap to heal, a handler that fails). One span, linked to each record's trace."""
        try:
            events = await self._wholes(parsed, records[0].topic)
        except Exception:
            return False
        links = [
            Link(trace.get_current_span(extract_headers(list(r.headers or []))).get_span_context())
            for r in records
        ]
        with tracer.start_as_current_span(
            f"{records[0].topic} process",
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": records[0].topic,
                "messaging.consumer.group.name": self.group,
                "messaging.batch.message_count": len(records),
            },
        ):
            try:
                if not await self.applier.apply_many(events):
                    return False
            except Exception:  # the database went away: the one-by-one path waits it out
                log.exception("consumer %s: batch of %d not applied", self.name, len(records))
                return False
        self.processed += len(records)
        self.batches += 1
        return True

    async def _whole(self, event: ConsumedEvent, topic: str) -> ConsumedEvent:
        [whole] = await self._wholes([event], topic)
        return whole

    async def _wholes(self, events: list[ConsumedEvent], topic: str) -> list[ConsumedEvent]:
        """The redacted ones read whole from the owner's feed (a consumer that acts for other
        parties), those a handler routes only: a type skipped anyway is not worth a read. Asked
        again for up to about a second while the owner's relay commits what it sent, so a fetch
        that raced the relay stays one transaction; then NotInFeedYet."""
        feed = self.feeds.get(topic)
        if not self.resolve_redacted or feed is None:
            return events
        needed = [e for e in events if e.redacted and e.type in self.applier.routes]
        if not needed:
            return events
        for pause in WHOLE_PAUSES:
            try:
                whole = await feed.whole_many(needed)
                break
            except NotInFeedYet:
                await asyncio.sleep(pause)
        else:
            whole = await feed.whole_many(needed)
        return [whole.get(e.id, e) for e in events]

    async def _commit(
        self, consumer: AIOKafkaConsumer, offsets: Mapping[TopicPartition, int]
    ) -> None:
        try:
            await consumer.commit(dict(offsets))
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            # Partition revoked by a rebalance, or the broker is away: the record is applied,
            # so whoever gets it next skips it (handled_events); a later commit covers it.
            log.warning("consumer %s: offset commit failed: %r", self.name, exc)

    async def _consume(
        self, record: ConsumerRecord, producer: AIOKafkaProducer, stop: asyncio.Event
    ) -> bool:
        """Process one record; False if `stop` came while waiting out an infrastructure fault."""
        headers = list(record.headers or [])
        try:
            event: ConsumedEvent | None = consumed(headers, record.key, record.value)
        except Exception as exc:  # unparseable: deterministic, so straight to the DLQ
            event, error = None, f"unparseable event: {exc!r}"
        if event is None:
            attempt = partial(self._park_unparseable, record, headers, producer, error)
        else:
            attempt = partial(self._process, record, headers, event, producer)
        token = incident_id_var.set(event.stream_id if event else None)
        try:
            with tracer.start_as_current_span(
                f"{record.topic} process",
                context=extract_headers(headers),
                kind=SpanKind.CONSUMER,
                attributes=_span_attributes(self.group, record, event),
            ):
                return await self._until_done(attempt, record, stop)
        finally:
            incident_id_var.reset(token)

    async def _until_done(
        self, attempt: Callable[[], Awaitable[None]], record: ConsumerRecord, stop: asyncio.Event
    ) -> bool:
        """`attempt` until it succeeds, backing off while the database, the broker or a feed is
        away (or a gap is not healed yet); False if `stop` came first."""
        delay = 0.1
        while True:
            try:
                await attempt()
                return True
            except NotInFeedYet as exc:  # expected now and then: the relay commits just after
                log.info("consumer %s: %s; retrying", self.name, exc)
            except Exception:
                log.exception(
                    "consumer %s: cannot process %s:%s@%s yet; retrying",
                    self.name, record.topic, record.partition, record.offset,
                )  # fmt: skip
            await wait_any(stop, timeout=delay)
            if stop.is_set():
                return False
            delay = min(delay * 2, self.infra_backoff_max)

    async def _process(
        self,
        record: ConsumerRecord,
        headers: list[tuple[str, bytes]],
        event: ConsumedEvent,
        producer: AIOKafkaProducer,
    ) -> None:
        whole = await self._whole(event, record.topic)
        park_failed = partial(self._park_failed, record, headers, event, producer)
        await self.applier.process(whole, self.feeds.get(record.topic), park_failed)
        self.processed += 1

    async def _park_failed(
        self,
        record: ConsumerRecord,
        headers: list[tuple[str, bytes]],
        event: ConsumedEvent,
        producer: AIOKafkaProducer,
        failed: ConsumedEvent,
        error: HandlerError,
    ) -> None:
        """A handler kept failing on `failed` (the record's event, or one fetched from a feed to
        heal a gap): to the DLQ topic and the parked table."""
        # The record itself keeps its own headers; an event fetched from a feed is re-encoded.
        if failed.id == event.id:
            failed_headers, value = headers, record.value
        else:
            message = consumed_to_kafka(failed)
            failed_headers, value = list(message.headers.items()), message.value
        key = failed.stream_id.encode()
        await publish_dead_letter(
            producer, self.name, record.topic, key, failed_headers, value, str(error)
        )
        if await park(self.applier, failed, str(error), record.topic, failed_headers, value):
            self.parked += 1

    async def _park_unparseable(
        self,
        record: ConsumerRecord,
        headers: list[tuple[str, bytes]],
        producer: AIOKafkaProducer,
        error: str,
    ) -> None:
        await publish_dead_letter(
            producer, self.name, record.topic, record.key, headers, record.value, error
        )
        async with self.applier.engine.begin() as conn:
            await record_dead_letter(
                conn, self.name, record.topic, headers, record.value, error, self.applier.clock
            )
        self.parked += 1


def _parsed(records: list[ConsumerRecord]) -> list[ConsumedEvent] | None:
    """The records' events, or None if one cannot be parsed (the one-by-one path parks it)."""
    try:
        return [consumed(r.headers or [], r.key, r.value) for r in records]
    except Exception:
        return None


def _span_attributes(
    group: str, record: ConsumerRecord, event: ConsumedEvent | None
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": record.topic,
        "messaging.destination.partition.id": str(record.partition),
        "messaging.consumer.group.name": group,
        "messaging.kafka.offset": record.offset,
    }
    if event is not None:
        attributes.update({
            "messaging.message.id": event.id,
            "messaging.kafka.message.key": event.stream_id,
            "cloudevents.event_type": event.type,
            "village.incident_id": event.stream_id,
        })  # fmt: skip
    return attributes
