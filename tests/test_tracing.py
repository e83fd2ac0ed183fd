"""One trace from the partner's HTTP request through the event store to the Kafka message.

The incidents service runs as a real subprocess exporting OTLP/HTTP to a real HTTP receiver
started here (the stand-in for the collector); the trace id the caller sent must come back
on the server span, the database spans, the relay's producer span, the event's metadata and
the Kafka message's `traceparent` header.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from village_devstack.services import ServiceProcess, with_database
from village_devstack.testing import INCIDENTS, free_port
from village_devstack.waiting import eventually


class OtlpReceiver:
    """A minimal OTLP/HTTP trace receiver: keeps every span it is sent."""

    def __init__(self) -> None:
        self.spans: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest.FromString(body)
                for resource_spans in request.resource_spans:
                    service = next(
                        (
                            a.value.string_value
                            for a in resource_spans.resource.attributes
                            if a.key == "service.name"
                        ),
                        "",
                    )
                    for scope in resource_spans.scope_spans:
                        for span in scope.spans:
                            receiver.spans.append(
                                {
                                    "trace_id": span.trace_id.hex(),
                                    "name": span.name,
                                    "kind": span.kind,
                                    "service": service,
                                }
                            )
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="module")
def traced_incidents(stack):
    receiver = OtlpReceiver()
    database = stack.database_name("incidents-traced")
    env = stack.env(
        INCIDENTS_DATABASE_URL=with_database(stack.database_url, database),
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
        OTEL_BSP_SCHEDULE_DELAY="50",
    )
    service = ServiceProcess(
        INCIDENTS, env=env, port=free_port(), log_file=stack.log_dir / "incidents-traced.log"
    )
    service.migrate()
    service.start()
    INCIDENTS.seed(service.url)
    yield service, receiver
    service.close()
    receiver.close()


async def test_one_trace_from_request_to_kafka(traced_incidents, stack, tokens):
    service, receiver = traced_incidents
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    async with httpx.AsyncClient(base_url=service.url) as client:
        response = await client.post(
            "/incidents",
            headers={"Authorization": f"Bearer {tokens('northwind')}", "traceparent": traceparent},
            json={"title": "Traced", "severity": "S2", "product": "routers", "customer": "initech"},
        )
        assert response.status_code == 201, response.text
        incident_id = response.json()["id"]

    consumer = AIOKafkaConsumer(
        "village.incidents.v1",
        bootstrap_servers=stack.kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=f"trace-{trace_id}",
    )
    await consumer.start()
    try:
        header = await asyncio.wait_for(_traceparent_of(consumer, incident_id), 20)
    finally:
        await consumer.stop()
    assert header.split("-")[1] == trace_id
    async with httpx.AsyncClient(base_url=service.url) as client:
        feed = await client.get(
            "/events",
            params={"stream_id": incident_id},
            headers={"Authorization": f"Bearer {tokens('northwind')}"},
        )
    stored = feed.json()["items"]  # published by now: the feed serves what the relay published
    assert stored and stored[0]["metadata"]["traceparent"].split("-")[1] == trace_id

    def kinds_seen() -> dict[str, bool]:
        ours = [s for s in list(receiver.spans) if s["trace_id"] == trace_id]
        return {
            "server": any(
                s["kind"] == 2 and "POST /incidents" in s["name"] for s in ours
            ),  # SERVER
            "database": any(
                s["kind"] == 3 and "INSERT" in s["name"].upper() for s in ours
            ),  # CLIENT
            "producer": any(
                s["kind"] == 4 and "village.incidents.v1" in s["name"] for s in ours
            ),  # PRODUCER
        }

    assert await eventually(
        kinds_seen,
        lambda seen: all(seen.values()),
        timeout=20,
        what="server, database and producer spans of the trace",
    )
    assert {s["service"] for s in receiver.spans if s["trace_id"] == trace_id} == {
        "village-incidents"
    }

    # The JSON log line of the command carries the same trace id and the incident id.
    lines = [
        json.loads(line)
        for line in (stack.log_dir / "incidents-traced.log").read_text().splitlines()
        if line.startswith("{")
    ]
    appended = [
        entry
        for entry in lines
        if entry.get("message") == "events appended" and entry.get("incident_id") == incident_id
    ]
    assert appended and appended[0]["trace_id"] == trace_id
    assert appended[0]["event_types"] == ["village.incident.opened.v1"]


async def _traceparent_of(consumer: AIOKafkaConsumer, incident_id: str) -> str:
    async for message in consumer:
        if message.key == incident_id.encode():
            return dict(message.headers)["traceparent"].decode()
    raise AssertionError("consumer stopped")
