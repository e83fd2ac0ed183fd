"""End-to-end helpers (fixtures in conftest.py) for the incidents service running as a
subprocess (`village_devstack.testing`): httpx clients per demo party, a plain Kafka reader
of `village.incidents.v1`, and `eventually`.

Nothing here sleeps for a fixed time: every wait polls a condition against a deadline.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from village_devstack.waiting import eventually

TOPIC = "village.incidents.v1"
PROBLEM_JSON = "application/problem+json"


# --------------------------------------------------------------------------- waiting


# --------------------------------------------------------------------------- HTTP


class Api:
    """Opens httpx clients on the running service, one per (party, role).

    `forgets`: a collection (the webhooks service's "/endpoints") whose members created through
    these clients are deleted again by `aclose`. A test's receiver stops with the test; an
    endpoint left behind on a session's service would be retried for the rest of the run."""

    def __init__(self, base_url: str, token: Callable[..., str], *, forgets: str = "") -> None:
        self.base_url, self.token, self.forgets = base_url, token, forgets
        self._clients: list[httpx.AsyncClient] = []
        self._created: list[tuple[str, str]] = []  # (Authorization, id)

    def __call__(
        self, party: str | None, role: str = "agent", *, token: str | None = None, **kwargs: Any
    ) -> httpx.AsyncClient:
        """A client as `party` (or with a raw bearer `token`; neither: unauthenticated)."""
        token = token or (self.token(party, role) if party else None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if self.forgets:
            kwargs.setdefault("event_hooks", {"response": [self._note_created]})
        client = httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30.0, **kwargs)
        self._clients.append(client)
        return client

    async def _note_created(self, response: httpx.Response) -> None:
        request = response.request
        if (request.method, request.url.path, response.status_code) == ("POST", self.forgets, 201):
            await response.aread()
            self._created.append((request.headers["authorization"], response.json()["id"]))

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30.0) as client:
            for authorization, id in self._created:
                gone = await client.delete(
                    f"{self.forgets}/{id}", headers={"Authorization": authorization}
                )
                assert gone.status_code in (204, 404), gone.text  # 404: the test deleted it


def unique(prefix: str = "T") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def incident_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Branch office VPN down",
        "description": "Site-to-site tunnel to Leeds dropped at 09:12.",
        "severity": "S2",
        "product": "routers",
        "impacted_service": "branch-vpn",
        "customer": "initech",
        "external_refs": [{"owner": "northwind", "type": "servicenow", "id": unique("INC")}],
    }
    body.update(overrides)
    return body


async def open_incident(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """POST /incidents and return the created body (asserting 201)."""
    response = await client.post("/incidents", json=incident_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def etag_version(response: httpx.Response) -> int:
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"'), etag
    return int(etag.strip('"'))


def assert_ok(
    response: httpx.Response, status: int = 200, version: int | None = None
) -> dict[str, Any]:
    """The response has `status`, `ETag` = the body's version (= `version` when given)."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    body = response.json()
    assert etag_version(response) == body["version"], (
        response.headers.get("ETag"),
        body["version"],
    )
    if version is not None:
        assert body["version"] == version, body
    return body


def assert_problem(
    response: httpx.Response, status: int, kind: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem detail with `status` (and type ending in `kind`)."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers[
        "content-type"
    ]
    body = response.json()
    for field in ("type", "title", "status", "detail"):
        assert field in body, (field, body)
    assert body["status"] == status
    assert body["detail"], body
    if kind is not None:
        assert body["type"].endswith("/" + kind), body
    return body


def assert_shape(example: dict[str, Any], real: dict[str, Any]) -> None:
    """An OpenAPI example has the shape the route answers with. FastAPI leaves nulls out of
    examples: each key shown is real, each real value shown."""
    assert {k for k, v in real.items() if v is not None} <= set(example) <= set(real)


async def feed(client: httpx.AsyncClient, stream_id: str | None) -> list[dict[str, Any]]:
    """Every published event (of one incident, or all) the caller may see, page after page."""
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        params: dict[str, Any] = {"after": after, "limit": 1000}
        if stream_id is not None:
            params["stream_id"] = stream_id
        response = await client.get("/events", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if not page["items"]:
            return items
        after = page["next_after"]


def service_token() -> str:
    """A service principal's token (sees every published event), like the escalation service's."""
    from village_platform.auth import mint_token
    from village_platform.settings import Settings

    return mint_token(Settings(), "escalation", "service", roles=["service"])


async def wait_published(
    client: httpx.AsyncClient, incident_id: str, count: int, timeout: float = 20.0
) -> list[dict[str, Any]]:
    """Wait until exactly `count` events of the incident are on `client`'s feed; return them.
    Fails at once if more show up."""

    async def exactly() -> list[dict[str, Any]] | None:
        items = await feed(client, incident_id)
        if len(items) > count:  # not an AssertionError: fail now, do not poll on
            raise RuntimeError(
                f"{len(items)} events of {incident_id} on the feed, expected {count}: "
                f"{[i['type'] for i in items]}"
            )
        return items if len(items) == count else None

    return await eventually(
        exactly, timeout=timeout, what=f"{count} events of {incident_id} on the feed"
    )


async def current_version(client: httpx.AsyncClient, incident_id: str) -> int:
    response = await client.get(f"/incidents/{incident_id}")
    return assert_ok(response)["version"]


# --------------------------------------------------------------------------- Kafka


class IncidentTopicReader:
    """A plain AIOKafkaConsumer (no group, no commits) on every partition of the incidents
    topic, from the beginning; collects records whose key is one of the wanted incident ids."""

    def __init__(self, bootstrap: str, topic: str = TOPIC) -> None:
        self.topic = topic
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            group_id=None,
            client_id=f"e2e-reader-{uuid.uuid4().hex[:6]}",
        )
        self.records: dict[str, list[ConsumerRecord]] = defaultdict(list)
        self.tps: list[TopicPartition] = []

    async def __aenter__(self) -> IncidentTopicReader:
        await self.consumer.start()

        async def partitions() -> set[int] | None:
            await self.consumer.topics()
            return self.consumer.partitions_for_topic(self.topic)

        found = await eventually(partitions, timeout=30, what=f"topic {self.topic} to exist")
        self.tps = [TopicPartition(self.topic, p) for p in sorted(found)]
        self.consumer.assign(self.tps)
        await self.consumer.seek_to_beginning(*self.tps)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def poll(self) -> None:
        batches = await self.consumer.getmany(*self.tps, timeout_ms=100)
        for tp in self.tps:
            for record in batches.get(tp, []):
                key = record.key.decode() if isinstance(record.key, bytes) else record.key
                self.records[key].append(record)

    async def collect(
        self, expected: dict[str, int], timeout: float = 30.0
    ) -> dict[str, list[ConsumerRecord]]:
        """Wait until each incident id has at least its expected number of records."""

        async def enough() -> bool:
            await self.poll()
            return all(len(self.records[i]) >= n for i, n in expected.items())

        await eventually(
            enough,
            timeout=timeout,
            what=f"events {expected} (have { ({i: len(self.records[i]) for i in expected}) })",
        )
        return {i: self.records[i] for i in expected}

    async def settle(self) -> None:
        """Read everything currently on the topic (up to its end offsets)."""
        end = await self.consumer.end_offsets(self.tps)

        async def at_end() -> bool:
            await self.poll()
            positions = [await self.consumer.position(tp) for tp in self.tps]
            return all(pos >= end[tp] for pos, tp in zip(positions, self.tps, strict=True))

        await eventually(at_end, timeout=30, what="the topic read to its end")


def header_map(record: ConsumerRecord) -> dict[str, bytes]:
    headers: dict[str, bytes] = {}
    for key, value in record.headers:
        assert key not in headers, f"duplicate header {key}"
        headers[key] = value
    return headers


def decode_cloudevent(record: ConsumerRecord) -> Any:
    """Parse with the `cloudevents` SDK's Kafka binary binding (only `ce_*` + content-type)."""
    from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
    from cloudevents.core.formats.json import JSONFormat

    headers = {k: v for k, v in record.headers if k.startswith("ce_") or k == "content-type"}
    return from_binary(
        KafkaMessage(headers=headers, key=record.key, value=record.value), JSONFormat()
    )
