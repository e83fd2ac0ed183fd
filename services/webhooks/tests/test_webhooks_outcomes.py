"""Delivery outcomes as events, on a real PostgreSQL with real receivers and the real dispatcher,
on a ManualClock: one event per attempt (delivered, attempt_failed, failed, parked), in the
webhooks service's store for its relay, each for its endpoint's owner only (the egress rule's
SQL twin, as GET /events applies it), valid against schemas/ as the topic carries it."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import timedelta
from typing import Any

import schema_check as sc
from sqlalchemy import text
from webhooks_support import SEALER, event, loopback_dispatcher

from village_devstack.waiting import eventually
from village_devstack.webhook_receiver import Receiver, ReceiverServer
from village_platform import egress
from village_platform.clock import ManualClock
from village_platform.cloudevent import to_kafka
from village_platform.eventstore import StoredEvent, stored_event
from village_webhooks import endpoints
from village_webhooks.app import SOURCE
from village_webhooks.dispatcher import Dispatcher
from village_webhooks.domain import events as ev
from village_webhooks.domain.retry import RetryPolicy
from village_webhooks.fanout import FanOut

PARTIES = {"northwind": "partner", "acme": "provider", "initech": "customer"}


async def _stored(engine: Any) -> list[StoredEvent]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM events ORDER BY id"))).mappings().all()
    return [stored_event(r) for r in rows]


async def _visible_to(engine: Any, party: str) -> set[uuid.UUID]:
    """What GET /events gives `party`: the egress rule's SQL twin, as the feed applies it."""
    recipient = egress.Recipient(party, PARTIES[party])
    async with engine.connect() as conn:
        found = await conn.execute(
            text(f"SELECT event_id FROM events WHERE {egress.VISIBLE_SQL}"),
            egress.sql_params(recipient),
        )
        return set(found.scalars())


async def test_one_event_per_attempt_outcome_for_the_owner_only(engine: Any) -> None:
    clock = ManualClock()
    northwind_answers = itertools.chain([503], itertools.repeat(204))
    receivers = {
        "northwind": Receiver(respond=lambda arrival: next(northwind_answers)),
        "acme": Receiver(respond=lambda arrival: 410),  # final: failed, not retried
        "initech": Receiver(respond=lambda arrival: 503),  # failing for ever: parked
    }
    policy = RetryPolicy(base_seconds=5, cap_seconds=5, max_age=timedelta(minutes=10))
    async with (
        ReceiverServer(receivers["northwind"]) as northwind_url,
        ReceiverServer(receivers["acme"]) as acme_url,
        ReceiverServer(receivers["initech"]) as initech_url,
    ):
        urls = {"northwind": northwind_url, "acme": acme_url, "initech": initech_url}
        owners = {}
        async with engine.begin() as conn:
            for party, kind in PARTIES.items():
                body = {"url": urls[party], "description": "", "filter": {}, "event_types": ["*"]}
                row, secret = await endpoints.create(conn, SEALER, party, kind, body, clock.now())
                receivers[party].secrets.append(secret)
                owners[str(row.endpoint_id)] = party
        rang: list[int] = []
        dispatcher = loopback_dispatcher(engine, clock, policy, recorded=lambda: rang.append(1))
        stop = asyncio.Event()
        running = asyncio.create_task(dispatcher.run(stop))
        try:
            clock.advance(timedelta(seconds=1))
            delivered = event("i-7", 1, clock)
            async with engine.begin() as conn:
                await FanOut(clock)(conn, delivered)
            dispatcher.wake()
            first = await eventually(
                lambda: _stored(engine), lambda e: len(e) == 3, timeout=20, what="3 outcomes"
            )
            # Past the retry (at most 5 s) and past the maximum age: northwind's second attempt
            # is delivered; initech's fails again and parks.
            clock.advance(timedelta(minutes=11))
            dispatcher.wake()
            stored = await eventually(
                lambda: _stored(engine), lambda e: len(e) == 5, timeout=20, what="5 outcomes"
            )
        finally:
            stop.set()
            await running
    assert stored[:3] == first
    outcomes = sorted(
        (owners[e.data["endpoint_id"]], e.data["attempt"], e.type.split(".")[2]) for e in stored
    )
    assert outcomes == [
        ("acme", 1, "failed"),
        ("initech", 1, "attempt_failed"),
        ("initech", 2, "parked"),
        ("northwind", 1, "attempt_failed"),
        ("northwind", 2, "delivered"),
    ]
    assert rang, "the relay's doorbell rings after outcomes are committed"
    by_type = {(owners[e.data["endpoint_id"]], e.type): e for e in stored}
    ok = by_type["northwind", "village.webhook.delivered.v1"].data
    assert ok["status_code"] == 204 and ok["latency_ms"] > 0
    assert ok["incident_id"] == "i-7" and ok["event_id"] == delivered.id
    assert ok["delivered_type"] == delivered.type
    retry = by_type["northwind", "village.webhook.attempt_failed.v1"].data
    assert retry["status_code"] == 503 and retry["reason"].startswith("HTTP 503")
    assert retry["next_attempt_at"] > retry["at"]
    assert by_type["acme", "village.webhook.failed.v1"].data["status_code"] == 410
    assert by_type["initech", "village.webhook.parked.v1"].data["parked"] == 1

    # One stream per (endpoint, incident), in attempt order; event ids from (delivery, attempt).
    for e in stored:
        assert e.stream_id == ev.stream_of(e.data["endpoint_id"], "i-7")
        assert e.stream_version == e.data["attempt"]
        assert e.event_id == ev.outcome_id(e.data["delivery_id"], e.data["attempt"])
        owner = owners[e.data["endpoint_id"]]
        assert e.metadata["parties"] == [owner]
        assert e.metadata.get("provider") == (owner if owner == "acme" else None)
        assert ev.CATALOG.load(e.type, e.data).to_data() == e.data  # round trip
        # As the topic carries it: whole for the provider's own endpoint, else the bare fact.
        message = to_kafka(e, SOURCE)
        data = sc.assert_valid_cloudevent(message.headers, e.stream_id, message.value)
        if owner == "acme":
            assert data == e.data
        else:
            assert set(data) == set(ev.FACT)

    # The feed's rule: each owner sees its own outcomes, nobody else's.
    for party in PARTIES:
        mine = {e.event_id for e in stored if owners[e.data["endpoint_id"]] == party}
        assert await _visible_to(engine, party) == mine


async def test_an_attempt_recorded_twice_is_one_event(engine: Any) -> None:
    """A dispatcher whose lease expired while it recorded: the same attempt's outcome again
    appends nothing (the event id is the delivery's and the attempt's)."""
    clock = ManualClock()
    async with engine.begin() as conn:
        body = {"url": "http://127.0.0.1:9/", "description": "", "filter": {}, "event_types": ["*"]}
        await endpoints.create(conn, SEALER, "northwind", "partner", body, clock.now())
        await FanOut(clock)(conn, event("i-8", 1, clock))
    dispatcher = Dispatcher(
        engine, clock, RetryPolicy(), SEALER, development=True, allowed=(), poll_seconds=0.05
    )
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT d.delivery_id, d.endpoint_id, d.event_id, d.payload, d.attempts,"
                    " d.queued_at, d.subject FROM deliveries d"
                )
            )
        ).one()
        target = (await conn.execute(text("SELECT party, party_kind FROM endpoints"))).one()
    for _ in range(2):
        await dispatcher._record(row, target, 503, "HTTP 503: busy", 12.5, None)
    stored = await _stored(engine)
    assert [e.type for e in stored] == ["village.webhook.attempt_failed.v1"]
    await dispatcher.http.aclose()
