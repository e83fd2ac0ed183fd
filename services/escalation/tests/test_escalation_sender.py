"""The decision sender against a real PostgreSQL (escalation_world.py): decisions made by the
consumer's handler are sent to the incidents API's command routes, which here are an in-test
HTTP handler that holds each request until the test lets it answer. A decision made while
another is in flight goes out at once; answers are recorded together, as one at a time would
record them; an incident whose row a consumer transaction holds is recorded after it commits."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from escalation_demo import opened_data
from escalation_world import World
from sqlalchemy import text
from test_escalation_outages_store import seed

from village_devstack.waiting import eventually
from village_escalation.applying import (
    ESCALATION_STREAM,
    OUTCOME_NAMESPACE,
    DecisionSender,
    IncidentsApi,
)
from village_platform.clock import Clock, SystemClock

REFUSED = {
    "type": "https://village.example/problems/conflict",
    "title": "Conflict",
    "detail": "the incident is closed",
}
IN_FLIGHT = {  # as the incidents service answers a key whose first request is still running
    "type": "/problems/request-in-flight",
    "title": "Conflict",
    "status": 409,
    "detail": "a request with this Idempotency-Key is still being processed; retry later",
}


class Incidents:
    """The incidents API's batch route (`POST /incident-commands`) as the sender calls it: each
    command is held until its incident's gate opens (open unless the test closes it), and the
    request answers once all of its commands may; each is answered with its incident's status
    (204, as its route answers with `Prefer: return=minimal`, unless set), or the next of its
    `answers`; a request is answered with the next of `batch_answers` instead, if any."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str]] = []  # (incident, route, Idempotency-Key)
        self.batches: list[list[str]] = []  # each request's incidents
        self.gates: dict[str, asyncio.Event] = {}
        self.status: dict[str, int] = {}
        self.answers: dict[str, list[httpx.Response]] = {}  # answered first, in turn
        self.batch_answers: list[httpx.Response] = []
        self._arrived: dict[str, asyncio.Event] = {}

    def arrived(self, incident_id: str) -> asyncio.Event:
        return self._arrived.setdefault(incident_id, asyncio.Event())

    async def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/incident-commands"
        commands = json.loads(request.content)["commands"]
        self.batches.append([c["incident_id"] for c in commands])
        for c in commands:
            self.requests.append((c["incident_id"], c["action"], c["idempotency_key"]))
            self.arrived(c["incident_id"]).set()
        for c in commands:
            gate = self.gates.get(c["incident_id"])
            if gate is not None:
                await gate.wait()
        if self.batch_answers:
            return self.batch_answers.pop(0)
        return httpx.Response(200, json={"results": [self._answer(c) for c in commands]})

    def _answer(self, command: dict[str, Any]) -> dict[str, Any]:
        incident_id = command["incident_id"]
        if self.answers.get(incident_id):
            answer = self.answers[incident_id].pop(0)
            problem = answer.json() if answer.content else {}
            return {"status": answer.status_code, "problem": problem}
        status = self.status.get(incident_id, 204)
        if status >= 400:
            return {"status": status, "problem": {**REFUSED, "status": status}}
        return {"status": status, "etag": '"2"', "replayed": False}


@pytest.fixture
async def incidents() -> Incidents:
    return Incidents()


@asynccontextmanager
async def sending(
    world: World,
    stack: Any,
    incidents: Incidents,
    concurrency: int = 4,
    poll_seconds: float = 0.2,
    clock: Clock | None = None,
) -> AsyncIterator[Any]:
    """The sender running, as the service runs it; yields it, with `groups`: how many
    transactions recorded outcomes."""
    settings = stack.settings("escalation-sender", INCIDENTS_URL="http://incidents")
    api = IncidentsApi(settings, transport=httpx.MockTransport(incidents.handle))
    groups: list[int] = []
    sender = DecisionSender(
        world.engine,
        world.store,
        api,
        clock or world.process.clock,
        on_refused=world.process.refused,
        concurrency=concurrency,
        poll_seconds=poll_seconds,
        on_recorded=lambda: groups.append(1),
    )
    sender.groups = groups  # type: ignore[attr-defined]
    stop = sender.stop_event = asyncio.Event()  # type: ignore[attr-defined]
    task = asyncio.create_task(sender.run(stop))
    try:
        yield sender
    finally:
        for gate in incidents.gates.values():
            gate.set()
        stop.set()
        await asyncio.wait_for(task, 30)
        await api.aclose()


async def decision(world: World, incident_id: str) -> Any:
    """The incident's (only) decision row."""
    (row,) = await world.decisions(incident_id)
    return row


async def outcomes(world: World, incident_id: str) -> list[Any]:
    """The outcome events on the incident's escalation stream."""
    async with world.engine.connect() as conn:
        events = await world.store.load(conn, ESCALATION_STREAM.format(incident_id))
    return [e for e in events if not e.type.endswith("decided.v1")]


async def open_(world: World, incident_id: str) -> None:
    await world.consume("opened", incident_id, opened_data(incident_id, "S3", "routers"))


async def test_a_decision_made_while_another_is_in_flight_is_sent_without_waiting_for_it(
    world: World, stack: Any, incidents: Incidents
) -> None:
    await seed(world)
    await open_(world, "slow-1")
    incidents.gates["slow-1"] = asyncio.Event()  # the incidents service is slow to answer it
    async with sending(world, stack, incidents) as sender:
        await asyncio.wait_for(incidents.arrived("slow-1").wait(), 10)
        await open_(world, "quick-1")
        sender.wake()  # as the consumer's commit does
        # Sent and recorded while the first is still in flight: no batch to wait for.
        await asyncio.wait_for(incidents.arrived("quick-1").wait(), 10)
        quick = await eventually(
            lambda: decision(world, "quick-1"), lambda d: d.status != "pending", timeout=10
        )
        assert quick.status == "applied"
        assert (await decision(world, "slow-1")).status == "pending"
        incidents.gates["slow-1"].set()
        slow = await eventually(
            lambda: decision(world, "slow-1"), lambda d: d.status != "pending", timeout=10
        )
        assert slow.status == "applied"
    assert [(i, route) for i, route, _ in incidents.requests] == [
        ("slow-1", "assign"),
        ("quick-1", "assign"),
    ]


async def test_answers_are_recorded_together_each_as_one_at_a_time_would_record_it(
    world: World, stack: Any, incidents: Incidents
) -> None:
    await seed(world)
    ids = [f"inc-{n}" for n in range(12)]
    gate = asyncio.Event()
    for n, iid in enumerate(ids):
        await open_(world, iid)
        incidents.gates[iid] = gate  # all answer at once
        if n % 3 == 0:
            incidents.status[iid] = 409  # refused: final
    async with sending(world, stack, incidents) as sender:
        for iid in ids:
            await asyncio.wait_for(incidents.arrived(iid).wait(), 10)
        gate.set()
        rows = await eventually(
            lambda: asyncio.gather(*(decision(world, i) for i in ids)),
            lambda rs: all(r.status != "pending" for r in rs),
            timeout=10,
        )
        assert len(sender.groups) < len(ids)  # together, not one transaction each
    for iid, row in zip(ids, rows, strict=True):
        refused = incidents.status.get(iid) == 409
        assert (row.status, row.attempts, row.last_error) == (
            "failed" if refused else "applied",
            1,
            None,
        )
        assert row.problem == ({"status": 409, **REFUSED} if refused else None)
        (event,) = await outcomes(world, iid)
        outcome = "failed" if refused else "applied"
        assert event.type == f"village.escalation.{outcome}.v1"
        assert event.event_id == uuid.uuid5(OUTCOME_NAMESPACE, f"{row.decision_id}|{outcome}")
        assert event.data["decision_id"] == str(row.decision_id)
        assert event.data["to"] == {"party": row.to_party, "tier": row.to_tier}
        assert sorted(event.metadata["parties"]) == ["acme", "northwind"]
        assert event.metadata["provider"] == "acme"
        if refused:
            assert event.data["problem"]["detail"] == REFUSED["detail"]
        async with world.engine.connect() as conn:
            state = await world.escalations.load(conn, iid)
        # A refusal drops the pending decision (so later triggers may decide again).
        assert (state.pending is None) == refused
    # Each sent once, with its decision id as the key.
    assert sorted(key for _, _, key in incidents.requests) == sorted(
        str(r.decision_id) for r in rows
    )


async def test_an_incident_a_consumer_holds_is_recorded_once_it_has_committed(
    world: World, stack: Any, incidents: Incidents
) -> None:
    await seed(world)
    await open_(world, "held-1")
    await open_(world, "free-1")
    async with world.engine.connect() as holder:
        await holder.execute(
            text("SELECT 1 FROM incident_escalation WHERE incident_id = 'held-1' FOR UPDATE")
        )
        async with sending(world, stack, incidents) as sender:
            free = await eventually(
                lambda: decision(world, "free-1"), lambda d: d.status != "pending", timeout=10
            )
            assert free.status == "applied"
            # Answered, and put back by the recorder: its incident is locked.
            await eventually(
                lambda: [row.incident_id for row, _ in sender._answers],
                lambda waiting: waiting == ["held-1"],
                timeout=10,
            )
            assert (await decision(world, "held-1")).status == "pending"
            await holder.commit()  # the consumer's transaction ends
            held = await eventually(
                lambda: decision(world, "held-1"), lambda d: d.status != "pending", timeout=10
            )
            assert held.status == "applied"
    assert [e.type for e in await outcomes(world, "held-1")] == ["village.escalation.applied.v1"]
    assert [i for i, _, _ in incidents.requests].count("held-1") == 1


async def test_a_stopping_sender_records_what_is_in_flight_and_sends_nothing_more(
    world: World, stack: Any, incidents: Incidents
) -> None:
    await seed(world)
    await open_(world, "first-1")
    incidents.gates["first-1"] = asyncio.Event()
    async with sending(world, stack, incidents, concurrency=1) as sender:
        await asyncio.wait_for(incidents.arrived("first-1").wait(), 10)
        await open_(world, "second-1")
        sender.wake()
        await eventually(lambda: len(sender._claimed), lambda n: n == 1, timeout=10)
        assert [row.incident_id for row in sender._claimed] == ["second-1"]  # waits for a slot
        sender.stop_event.set()  # the service stops while the first is in flight
        incidents.gates["first-1"].set()
    assert (await decision(world, "first-1")).status == "applied"  # its answer recorded
    second = await decision(world, "second-1")
    assert second.status == "pending" and second.attempts == 0  # never sent: its claim expires
    assert [i for i, _, _ in incidents.requests] == ["first-1"]


async def test_a_key_still_in_flight_is_tried_again_not_refused(
    world: World, stack: Any, incidents: Incidents
) -> None:
    """A try that timed out here may still be running at the incidents service: the next try
    with the same key is answered 409 request-in-flight, which says "retry later"."""
    await seed(world)
    await open_(world, "busy-1")
    incidents.answers["busy-1"] = [
        httpx.Response(503),  # the database did not answer in time
        httpx.Response(409, json=IN_FLIGHT, headers={"Retry-After": "1"}),
    ]
    async with sending(world, stack, incidents) as sender:

        async def tried(attempts: int) -> Any:
            return await eventually(
                lambda: decision(world, "busy-1"), lambda d: d.attempts == attempts, timeout=10
            )

        first = await tried(1)
        assert first.status == "pending" and "503" in first.last_error
        world.process.clock.advance(timedelta(minutes=5))  # past the backoff
        sender.wake()
        second = await tried(2)
        assert second.status == "pending" and "409" in second.last_error  # not refused
        world.process.clock.advance(timedelta(minutes=5))
        sender.wake()
        row = await tried(3)
    assert (row.status, row.problem) == ("applied", None)
    assert [e.type for e in await outcomes(world, "busy-1")] == ["village.escalation.applied.v1"]
    keys = [key for i, _, key in incidents.requests if i == "busy-1"]
    assert keys == [str(row.decision_id)] * 3  # the same key each time


HOUR = 3600.0  # a poll that never comes within a test: what happens, a wake or a retry made


async def test_a_retry_goes_when_it_falls_due_though_the_poll_is_an_hour(
    world: World, stack: Any, incidents: Incidents
) -> None:
    """The sender keeps the retry times it set: it looks again then, without asking the
    database when the next decision falls due (it runs on the real clock here: the backoff of a
    first retry is 0.5 to 1 s)."""
    await seed(world)
    await open_(world, "later-1")
    incidents.answers["later-1"] = [httpx.Response(503)]
    async with sending(world, stack, incidents, poll_seconds=HOUR, clock=SystemClock()):
        row = await eventually(
            lambda: decision(world, "later-1"), lambda d: d.status == "applied", timeout=10
        )
    assert row.attempts == 2 and [i for i, _, _ in incidents.requests] == ["later-1"] * 2


async def test_an_incidents_next_decision_goes_once_the_one_before_is_recorded(
    world: World, stack: Any, incidents: Incidents
) -> None:
    """Each incident's decisions go in order: the next one is due only once the one before it
    is recorded, and that record is what wakes the sender for it (the poll is an hour)."""
    await seed(world)
    await open_(world, "twice-1")
    incidents.gates["twice-1"] = asyncio.Event()
    async with sending(world, stack, incidents, poll_seconds=HOUR) as sender:
        await asyncio.wait_for(incidents.arrived("twice-1").wait(), 10)
        first = await decision(world, "twice-1")
        async with world.engine.begin() as conn:  # another decision on it, made meanwhile
            second_id = await conn.scalar(
                text(
                    "INSERT INTO decisions (decision_id, incident_id, kind, trigger, from_party,"
                    " from_tier, to_party, to_tier, basis, reason, decided_at, status,"
                    " next_attempt_at) SELECT gen_random_uuid(), incident_id, kind, trigger,"
                    " from_party, from_tier, to_party, to_tier, basis, reason, decided_at,"
                    " 'pending', decided_at FROM decisions WHERE decision_id = :d"
                    " RETURNING decision_id"
                ),
                {"d": first.decision_id},
            )
        sender.wake()  # as the consumer's commit does: not due yet, the first is in flight
        incidents.gates["twice-1"].set()
        rows = await eventually(
            lambda: world.decisions("twice-1"),
            lambda rs: [r.status for r in rs] == ["applied", "applied"],
            timeout=10,
        )
    keys = [key for _, _, key in incidents.requests]
    assert keys == [str(first.decision_id), str(second_id)] == [str(r.decision_id) for r in rows]


async def test_decisions_that_waited_for_a_slot_go_together_in_one_request(
    world: World, stack: Any, incidents: Incidents
) -> None:
    """While the incidents service is slow, the decisions made meanwhile queue; the next free
    slot takes them all in one request, each still answered and recorded on its own."""
    await seed(world)
    await open_(world, "slow-1")
    incidents.gates["slow-1"] = asyncio.Event()
    waiting = [f"wait-{n}" for n in range(5)]
    async with sending(world, stack, incidents, concurrency=1) as sender:
        await asyncio.wait_for(incidents.arrived("slow-1").wait(), 10)
        for iid in waiting:
            await open_(world, iid)
            incidents.status[iid] = 409 if iid == "wait-2" else 204
        sender.wake()
        await eventually(lambda: len(sender._claimed), lambda n: n == len(waiting), timeout=10)
        incidents.gates["slow-1"].set()
        rows = await eventually(
            lambda: asyncio.gather(*(decision(world, i) for i in waiting)),
            lambda rs: all(r.status != "pending" for r in rs),
            timeout=10,
        )
    assert incidents.batches == [["slow-1"], waiting]
    assert [r.status for r in rows] == ["applied", "applied", "failed", "applied", "applied"]


async def test_a_batch_the_service_cannot_take_is_tried_again_each_decision_once(
    world: World, stack: Any, incidents: Incidents
) -> None:
    """A request answered 503 (or an incidents service that does not know the batch route yet)
    leaves every decision in it pending with its backoff; the next try applies each once."""
    await seed(world)
    ids = ["again-1", "again-2"]
    for iid in ids:
        await open_(world, iid)
    incidents.batch_answers = [httpx.Response(503, json={"title": "Service Unavailable"})]
    async with sending(world, stack, incidents) as sender:
        rows = await eventually(
            lambda: asyncio.gather(*(decision(world, i) for i in ids)),
            lambda rs: all(r.attempts == 1 for r in rs),
            timeout=10,
        )
        assert all(r.status == "pending" and "503" in r.last_error for r in rows)
        world.process.clock.advance(timedelta(minutes=5))  # past the backoff
        sender.wake()
        rows = await eventually(
            lambda: asyncio.gather(*(decision(world, i) for i in ids)),
            lambda rs: all(r.status == "applied" for r in rs),
            timeout=10,
        )
    assert [r.attempts for r in rows] == [2, 2]
    for iid in ids:
        assert [e.type for e in await outcomes(world, iid)] == ["village.escalation.applied.v1"]
    assert incidents.batches == [ids, ids]
