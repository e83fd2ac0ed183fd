"""What the webhooks service's tests share: the development sealer, events as the consumer
hands them over, settings with a database of their own (the `engine` fixture: conftest.py),
and a rebinding DNS behind the Resolver port (TLS certificates: village_devstack.certificates)."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from village_platform.applier import ConsumedEvent
from village_platform.clock import ManualClock
from village_webhooks import endpoints
from village_webhooks.config import WebhookSettings
from village_webhooks.dispatcher import Dispatcher
from village_webhooks.domain.retry import RetryPolicy
from village_webhooks.domain.targets import Address, TargetRefused, parse_networks
from village_webhooks.sealing import DEV_SECRET_KEY, Sealer

SEALER = Sealer([DEV_SECRET_KEY])


async def register(
    engine: Any, clock: ManualClock, url: str, party: str = "northwind", kind: str = "partner"
) -> tuple[Any, str]:
    """An endpoint of `party` at `url` for every event type, registered now: (row, secret)."""
    async with engine.begin() as conn:
        return await endpoints.create(
            conn,
            SEALER,
            party,
            kind,
            {"url": url, "description": "", "filter": {}, "event_types": ["*"]},
            clock.now(),
        )


def loopback_dispatcher(
    engine: Any, clock: ManualClock, policy: RetryPolicy, **options: Any
) -> Dispatcher:
    """A dispatcher to receivers on this machine that looks for due work every 50 ms (the
    tests move the clock)."""
    return Dispatcher(
        engine,
        clock,
        policy,
        SEALER,
        development=True,
        allowed=parse_networks("127.0.0.0/8"),
        **{"poll_seconds": 0.05, "timeout_seconds": 5, **options},
    )


def fresh_settings(stack: Any, **values: Any) -> WebhookSettings:
    """Settings of a webhooks service with a database of its own on the test stack."""
    return WebhookSettings(
        service="webhooks",
        port=0,
        DATABASE_URL=stack.database(f"wh_{uuid.uuid4().hex[:8]}"),
        database_is_own=True,
        KAFKA_BOOTSTRAP_SERVERS=stack.kafka_bootstrap,
        **values,
    )


def event(
    subject: str,
    sequence: int,
    clock: ManualClock,
    *,
    visibility: str = "shared",
    parties: tuple[str, ...] = ("acme", "northwind", "initech"),
    actor: str = "northwind",
    type: str = "village.incident.note_added.v1",
) -> ConsumedEvent:
    return ConsumedEvent(
        id=str(uuid.uuid4()),
        type=type,
        source="/village/incidents",
        stream_id=subject,
        sequence=sequence,
        position=None,
        time=clock.now(),
        data={"n": sequence},
        visibility=visibility,
        parties=list(parties),
        actor_party=actor,
        traceparent=None,
    )


class RebindingResolver:
    """An attacker's DNS, as the Resolver port: each name answers its addresses in turn, one
    per query, the last one for good (a TTL of 0 lets it change its answer at every query)."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.queries: list[str] = []

    async def resolve(self, host: str, port: int) -> list[Address]:
        asked = sum(1 for q in self.queries if q == host)
        self.queries.append(host)
        if host not in self.answers:
            raise TargetRefused(f"{host} does not resolve")
        answers = self.answers[host]
        return [ipaddress.ip_address(answers[min(asked, len(answers) - 1)])]
