"""The client the services call each other with (`http.service_client`), against a real HTTP
server: requests share kept connections, carry the caller's trace, and a service that cannot be
reached is one of httpx's transport errors (the escalation service backs off on those)."""

from __future__ import annotations

import secrets

import httpx
import pytest
from opentelemetry import trace

from village_devstack.stack import free_port
from village_devstack.webhook_receiver import Receiver, ReceiverServer
from village_platform.http import service_client
from village_platform.telemetry import context_from_traceparent


async def test_requests_share_a_kept_connection_and_carry_the_callers_trace() -> None:
    receiver = Receiver()
    trace_id = secrets.token_hex(16)
    parent = context_from_traceparent(f"00-{trace_id}-{secrets.token_hex(8)}-01")
    async with ReceiverServer(receiver) as url, service_client(timeout=5) as client:
        with trace.get_tracer(__name__).start_as_current_span("apply", context=parent):
            for n in range(3):
                response = await client.post(url, json={"n": n})
                assert response.status_code == 204
    assert [a.event["n"] for a in receiver.arrivals] == [0, 1, 2]
    assert len({a.client for a in receiver.arrivals}) == 1  # one connection, kept
    assert all(a.headers["traceparent"].split("-")[1] == trace_id for a in receiver.arrivals)


async def test_a_service_that_cannot_be_reached_is_a_transport_error() -> None:
    async with service_client(timeout=5) as client:
        with pytest.raises(httpx.TransportError):
            await client.get(f"http://127.0.0.1:{free_port()}/readyz")
