"""Each provider's own tooling channel, against a real PostgreSQL and broker: the relay puts every
event on the bus (Village's services) and each that names a provider on that provider's topic
too, as the topic may carry it; an event of no provider goes to no provider's topic."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncEngine
from test_relay import NewDatabase, TopicReader, header

from village_platform.clock import ManualClock
from village_platform.egress import describe
from village_platform.eventstore import EventStore, NewEvent, StoredEvent
from village_platform.kafka import ensure_topics, make_producer
from village_platform.relay import Relay
from village_platform.settings import Settings
from village_platform.topics import ProviderTopics

BUS = "village.incidents.v1"
PARTITIONS = 3  # not the broker's own default, so a topic it made up by itself would show


@pytest.fixture
def settings(kafka_bootstrap: str) -> Settings:
    return Settings(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_PARTITIONS=PARTITIONS,
        KAFKA_TOPIC_PREFIX=f"pt{uuid.uuid4().hex[:8]}.",
    )


@pytest.fixture
async def producer(settings: Settings) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(settings)
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
async def relay(
    new_database: NewDatabase, settings: Settings, producer: AIOKafkaProducer, clock: ManualClock
) -> Relay:
    engine: AsyncEngine = await new_database()
    await ensure_topics(settings, [settings.topic(BUS)])  # what Relay.serve does first
    return Relay(
        engine,
        producer,
        settings.topic(BUS),
        "village-test",
        clock,
        provider_topics=ProviderTopics(settings, BUS),
    )


async def append(relay: Relay, store: EventStore, stream: str, *events: NewEvent) -> list:
    async with relay.engine.begin() as conn:
        return await store.append(conn, stream, 0, list(events), {"actor_party": "northwind"})


def incident(provider: str, type: str, data: dict) -> NewEvent:
    audience = describe(parties={provider, "northwind", "initech"}, provider=provider)
    return NewEvent(f"village.incident.{type}.v1", data, metadata=audience)


def opened(provider: str, title: str) -> NewEvent:
    return incident(provider, "opened", {"title": title})


async def records(settings: Settings, producer: AIOKafkaProducer, name: str) -> list:
    async with TopicReader(settings.kafka_bootstrap_servers, settings.topic(name)) as reader:
        return sorted(await reader.drain(producer), key=lambda r: (r.partition, r.offset))


def ids(found: list[ConsumerRecord]) -> list[str]:
    return [header(r, "ce_id") for r in found]


def event_ids(*stored: StoredEvent) -> list[str]:
    return [str(e.event_id) for e in stored]


async def our_topics(settings: Settings) -> dict[str, int]:
    """This test's topics (by its prefix) and their partition counts."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(settings.kafka_topic_prefix)]
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    return {t["topic"]: len(t["partitions"]) for t in described}


async def test_each_event_goes_to_the_bus_and_its_providers_own_topic(
    relay: Relay, store: EventStore, settings: Settings, producer: AIOKafkaProducer
) -> None:
    acme = await append(
        relay, store, "inc-a", opened("acme", "A"), incident("acme", "rated", {"score": 5})
    )
    globex = await append(relay, store, "inc-d", opened("globex", "D"))
    # A supply is its two parties' business: no provider's channel.
    supply = NewEvent(
        "village.directory.supply-registered.v1",
        {"supplier": "contoso", "buyer": "umbrella"},
        metadata=describe(parties={"contoso", "umbrella"}, provider=None, fact=()),
    )
    nobody = await append(relay, store, "directory", supply)
    assert await relay.publish_pending() == 4

    assert sorted(ids(await records(settings, producer, BUS))) == sorted(
        event_ids(*acme, *globex, *nobody)
    )
    on_acme = await records(settings, producer, "village.acme.incidents.v1")
    assert ids(on_acme) == event_ids(*acme)  # in the incident's order
    assert [header(r, "ce_sequence") for r in on_acme] == ["1", "2"]
    assert {(r.key, header(r, "ce_provider")) for r in on_acme} == {(b"inc-a", "acme")}
    on_globex = await records(settings, producer, "village.globex.incidents.v1")
    assert ids(on_globex) == event_ids(*globex)
    assert json.loads(on_globex[0].value) == {"title": "D"}
    # The bus and each provider's topic, created with the configured partitions; nothing else.
    prefix = settings.kafka_topic_prefix
    assert await our_topics(settings) == {
        f"{prefix}village.incidents.v1": PARTITIONS,
        f"{prefix}village.incidents.v1.dlq": PARTITIONS,
        f"{prefix}village.acme.incidents.v1": PARTITIONS,
        f"{prefix}village.globex.incidents.v1": PARTITIONS,
    }


async def test_an_event_its_provider_may_not_see_is_its_bare_fact_there_too(
    relay: Relay, store: EventStore, settings: Settings, producer: AIOKafkaProducer
) -> None:
    """A partner's internal note, and a field narrowed to parties the provider is not among: the
    provider's topic carries what the bus carries, the same message with the same id."""
    internal = NewEvent(
        "village.incident.note-added.v1",
        {"note_id": "n-1", "body": "our own margin"},
        metadata=describe(
            parties={"acme", "northwind"},
            visibility="internal",
            provider="acme",
            actor_party="northwind",
            fact=("note_id",),
        ),
    )
    narrowed = NewEvent(
        "village.incident.opened.v1",
        {"title": "E", "middle": "northwind"},
        metadata=describe(
            parties={"acme", "litware", "fabrikam"},
            provider="acme",
            narrowed={"middle": {"fabrikam"}},
        ),
    )
    await append(relay, store, "inc-n", internal)
    await append(relay, store, "inc-e", narrowed)
    assert await relay.publish_pending() == 2

    on_bus = {header(r, "ce_id"): r for r in await records(settings, producer, BUS)}
    on_acme = await records(settings, producer, "village.acme.incidents.v1")
    by_key = {r.key: r for r in on_acme}
    assert json.loads(by_key[b"inc-n"].value) == {"note_id": "n-1"}
    assert json.loads(by_key[b"inc-e"].value) == {"title": "E"}
    assert [header(r, "ce_redacted") for r in on_acme] == ["true", "true"]
    for record in on_acme:
        twin = on_bus[header(record, "ce_id")]
        assert (record.key, record.value, record.headers) == (twin.key, twin.value, twin.headers)


async def test_a_provider_met_later_gets_its_topic_with_its_first_event(
    relay: Relay, store: EventStore, settings: Settings, producer: AIOKafkaProducer
) -> None:
    """A provider registered after the relay started: its topic is created (with the configured
    partitions) before its first event goes out, and a tool subscribed to it reads that event."""
    await append(relay, store, "inc-1", opened("acme", "first"))
    assert await relay.publish_pending() == 1
    topic = settings.topic("village.initrode.incidents.v1")
    assert topic not in await our_topics(settings)

    [late] = await append(relay, store, "inc-2", opened("initrode", "later"))
    assert await relay.publish_pending() == 1
    assert (await our_topics(settings))[topic] == PARTITIONS
    tool = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=f"initrode-tool-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await tool.start()
    try:
        record = await asyncio.wait_for(tool.getone(), timeout=30)
    finally:
        await tool.stop()
    assert header(record, "ce_id") == str(late.event_id)
