"""Pytest plugin: a real PostgreSQL and Kafka-protocol broker, and Village services as subprocesses.

Registered from the repository's root conftest.py (`pytest_plugins = ["village_devstack.testing"]`).

Fixtures (all lazy: a test that asks for none of them starts nothing):
- `stack` (session): `.database_url` (server URL, maintenance db), `.kafka_bootstrap`.
  `DATABASE_URL` / `KAFKA_BOOTSTRAP_SERVERS` in the environment point it at a real server /
  broker; otherwise an embedded PostgreSQL and a tansu broker start on free ports.
- `incidents_service` (session): the incidents service as a subprocess on its own database,
  migrated, healthy, demo parties seeded. A `ServiceProcess`.
- `sla_service` (session): the SLA monitor likewise, consuming `incidents_service`, demo
  contracts seeded.
- `escalation_village` (session): incidents, SLA monitor and escalation services of their own
  (`.incidents`, `.sla`, `.escalation`), demo data and escalation set seeded;
  `escalation_service` is its escalation service.
- `knowledge_service` (session): the knowledge service consuming `incidents_service`, demo
  knowledge base seeded.
- `tokens` (session): `tokens(party, role="agent") -> str`, a JWT for a demo party.
- `identity_provider`: a real JWKS endpoint on 127.0.0.1 with rotating RSA/EC keys and tokens
  it signs (`village_devstack.identity_provider.IdentityProvider`), closed after the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from . import demo
from .identity_provider import IdentityProvider
from .services import (
    CONSOLE,
    ESCALATION,
    INCIDENTS,
    KNOWLEDGE,
    SLA_MONITOR,
    WEBHOOKS,
    ServiceError,
    ServiceProcess,
    ServiceSpec,
)
from .stack import Stack, free_port, run_sql

# Tests ask for development mode explicitly: development tokens (HS256, the public development
# secrets) are accepted only then. A test of production identity sets its own settings.
os.environ.setdefault("VILLAGE_ENV", "development")

__all__ = [
    "CONSOLE",
    "ESCALATION",
    "INCIDENTS",
    "KNOWLEDGE",
    "SLA_MONITOR",
    "ServiceError",
    "ServiceProcess",
    "ServiceSpec",
    "Stack",
    "free_port",
    "run_sql",
    "token",
    "WEBHOOKS",
    "WEBHOOKS_TEST_ENV",
]


def token(party: str, role: str = "agent") -> str:
    """A JWT for a demo party (`acme`, `northwind`, `contoso`, `initech`, `umbrella`)."""
    return demo.token(party, role)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    result = Stack.start(tmp_path_factory.mktemp("village-stack"))
    try:
        yield result
    finally:
        result.close()


@pytest.fixture(scope="session")
def incidents_service(stack: Stack) -> Iterator[ServiceProcess]:
    """The incidents service: migrated, running, healthy, demo parties seeded."""
    service = stack.start_service(INCIDENTS)
    yield service
    service.close()


@pytest.fixture(scope="session")
def sla_service(stack: Stack, incidents_service: ServiceProcess) -> Iterator[ServiceProcess]:
    """The SLA monitor, consuming the incidents service above; demo contracts seeded."""
    service = stack.start_service(SLA_MONITOR, INCIDENTS_URL=incidents_service.url)
    yield service
    service.close()


@pytest.fixture(scope="session")
def knowledge_service(stack: Stack, incidents_service: ServiceProcess) -> Iterator[ServiceProcess]:
    """The knowledge service, consuming the incidents service above; demo knowledge base seeded."""
    service = stack.start_service(KNOWLEDGE, INCIDENTS_URL=incidents_service.url)
    yield service
    service.close()


@dataclass(frozen=True)
class EscalationVillage:
    incidents: ServiceProcess
    sla: ServiceProcess
    escalation: ServiceProcess


@pytest.fixture(scope="session")
def escalation_village(stack: Stack) -> Iterator[EscalationVillage]:
    """Incidents, SLA monitor and escalation services of their own (own databases, own topics):
    the escalation service assigns and escalates every incident it sees, which tests of the
    shared `incidents_service` must not find happening to theirs."""
    topics = {"KAFKA_TOPIC_PREFIX": "escalation-village."}
    incidents = stack.service(INCIDENTS, instance="escalation-village", **topics)
    sla = stack.service(
        SLA_MONITOR, instance="escalation-village", INCIDENTS_URL=incidents.url, **topics
    )
    escalation = stack.service(
        ESCALATION, INCIDENTS_URL=incidents.url, SLA_MONITOR_URL=sla.url, **topics
    )
    stack.start_all(incidents, sla, escalation)
    yield EscalationVillage(incidents, sla, escalation)
    for service in (escalation, sla, incidents):
        service.close()


@pytest.fixture(scope="session")
def escalation_service(escalation_village: EscalationVillage) -> ServiceProcess:
    """The escalation service of `escalation_village`; demo escalation set seeded."""
    return escalation_village.escalation


# Test receivers listen on loopback; retries are quick so tests wait seconds, not hours.
WEBHOOKS_TEST_ENV = {
    "WEBHOOKS_ALLOWED_NETWORKS": "127.0.0.0/8",
    "WEBHOOKS_RETRY_BASE_SECONDS": "0.05",
    "WEBHOOKS_RETRY_CAP_SECONDS": "0.5",
    "WEBHOOKS_TIMEOUT_SECONDS": "2",
    "WEBHOOKS_LEASE_SECONDS": "4",
    "WEBHOOKS_POLL_SECONDS": "0.2",
}


@pytest.fixture(scope="session")
def webhooks_service(
    stack: Stack, incidents_service: ServiceProcess, sla_service: ServiceProcess
) -> Iterator[ServiceProcess]:
    """The webhook dispatcher on the shared incidents service and SLA monitor's topics, with
    loopback targets allowed and quick retries (`WEBHOOKS_TEST_ENV`)."""
    service = stack.start_service(
        WEBHOOKS,
        INCIDENTS_URL=incidents_service.url,
        SLA_MONITOR_URL=sla_service.url,
        **WEBHOOKS_TEST_ENV,
    )
    yield service
    service.close()


@dataclass(frozen=True)
class FullVillage:
    incidents: ServiceProcess
    sla: ServiceProcess
    escalation: ServiceProcess
    knowledge: ServiceProcess
    webhooks: ServiceProcess
    topic_prefix: str
    console: ServiceProcess


@pytest.fixture(scope="session")
def full_village(stack: Stack) -> Iterator[FullVillage]:
    """All six services of their own (own databases, own topics), as `make run` wires them: the
    escalation service routes every incident, knowledge suggests, webhooks deliver (to loopback
    receivers, `WEBHOOKS_TEST_ENV`)."""
    prefix = "full-village."
    topics, instance = {"KAFKA_TOPIC_PREFIX": prefix}, "full-village"
    # A requester still waiting to confirm an outage's resolution is reminded within the run
    # (the leak matrix reads the reminder); long enough for the tests that answer at once.
    incidents = stack.service(
        INCIDENTS, instance=instance, OUTAGE_CONFIRM_REMINDER_SECONDS="20", **topics
    )
    sla = stack.service(SLA_MONITOR, instance=instance, INCIDENTS_URL=incidents.url, **topics)
    urls = {"INCIDENTS_URL": incidents.url, "SLA_MONITOR_URL": sla.url}
    escalation = stack.service(ESCALATION, instance=instance, **urls, **topics)
    knowledge = stack.service(KNOWLEDGE, instance=instance, INCIDENTS_URL=incidents.url, **topics)
    webhooks = stack.service(
        WEBHOOKS,
        instance=instance,
        **urls,
        ESCALATION_URL=escalation.url,
        KNOWLEDGE_URL=knowledge.url,
        **topics,
        **WEBHOOKS_TEST_ENV,
    )
    console = stack.service(
        CONSOLE,
        instance=instance,
        **urls,
        ESCALATION_URL=escalation.url,
        KNOWLEDGE_URL=knowledge.url,
        WEBHOOKS_URL=webhooks.url,
        **topics,
    )
    stack.start_all(incidents, sla, escalation, knowledge, webhooks, console)
    yield FullVillage(incidents, sla, escalation, knowledge, webhooks, prefix, console)
    for service in (console, webhooks, knowledge, escalation, sla, incidents):
        service.close()


@pytest.fixture
def identity_provider() -> Iterator[IdentityProvider]:
    with IdentityProvider() as provider:
        yield provider


@pytest.fixture(scope="session")
def tokens() -> Callable[..., str]:
    """`tokens(party, role="agent") -> str`."""
    return token
