"""Provider outages against a real PostgreSQL (escalation_world.py): the incidents service's
`outage_linked` / `outage_unlinked` consumed through the consumer's routing table take the
incident off the ladder and put it back (its queue, its path, its policy timer), an SLA warning
decides nothing meanwhile, a resolution meanwhile is handed back to the partner tier on the
topic, and a state stored before outages loads."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import schema_check as sc
import sqlalchemy
from escalation_demo import PROFILES, RULES, T0, TIERS, warning, web_opened
from escalation_world import World
from sqlalchemy import text

from village_escalation.applying import ESCALATION_STREAM
from village_escalation.consumer import incident_routes, incident_states
from village_platform import cloudevent
from village_platform.applier import APPLIED, Applier, ConsumedEvent
from village_platform.clock import ManualClock

OUTAGE = "9d1e6f0a-3c2b-4e5d-8f7a-1b2c3d4e5f60"
QUEUE = f"outage:{OUTAGE}"


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


async def seed(world: World) -> None:
    """acme's and northwind's demo tiers and rules, and acme's profile of northwind."""
    for party in ("acme", "northwind"):
        for kind, docs in (("tiers", TIERS), ("rules", RULES)):
            assert await world.revise(party, party, kind, docs[party]) == 201
    assert await world.revise("acme", "northwind", "profile", PROFILES["northwind"]) == 201


async def consume(world: World, iid: str, name: str, at: datetime, data: dict[str, Any]) -> None:
    """An incident event through the escalation consumer's own routing table."""
    event = ConsumedEvent(
        id=str(uuid.uuid4()),
        type=f"village.incident.{name}.v1",
        source="/village/incidents",
        stream_id=iid,
        sequence=1,
        position=None,
        time=at,
        data={"incident_id": iid, **data},
        visibility="shared",
        parties=[],
        actor_party="acme",
        traceparent=None,
    )
    async with world.engine.begin() as conn:
        await incident_routes(world.process)[event.type](conn, event)


async def link(world: World, iid: str, at: datetime) -> None:
    data = {"outage_id": OUTAGE, "provider": "acme", "title": "Router firmware defect"}
    await consume(world, iid, "outage_linked", at, data)


async def unlink(world: World, iid: str, at: datetime) -> None:
    await consume(world, iid, "outage_unlinked", at, {"outage_id": OUTAGE, "reason": "not it"})


async def policy_timer(world: World, iid: str) -> datetime | None:
    async with world.engine.connect() as conn:
        return await conn.scalar(
            text("SELECT due_at FROM timers WHERE key = :k"), {"k": f"policy|{iid}"}
        )


async def test_linked_the_incident_waits_in_the_providers_outage_queue_until_unlinked(
    world: World,
) -> None:
    await seed(world)
    route = await world.open(web_opened("acme", "S3", "routers", incident_id="nw-1"))
    assert (route.to_party, route.to_tier) == ("northwind", "L1")
    assert await policy_timer(world, "nw-1") == T0 + timedelta(minutes=30)  # ack at L1
    await link(world, "nw-1", minutes(5))

    assert await world.queues("acme") == {("acme", QUEUE): 1}
    assert await world.queue("acme", QUEUE, "acme") == ["nw-1"]
    assert await world.queue("northwind", "L1", "northwind") == []
    assert ("northwind", "L1") not in await world.queues("northwind")
    path = await world.views.incident("nw-1", "northwind")
    assert path is not None
    assert (path["current"]["party"], path["current"]["tier"], path["current"]["since"]) == (
        "acme",
        QUEUE,
        minutes(5),
    )
    assert path["path"][-1] == {
        "party": "acme",
        "tier": QUEUE,
        "at": minutes(5).isoformat().replace("+00:00", "Z"),
        "decision_id": None,
    }
    assert await policy_timer(world, "nw-1") is None

    # An SLA warning past L1's threshold moves nothing while acme works it.
    sla = {**warning(90), "incident_id": "nw-1"}
    event = ConsumedEvent(
        id=str(uuid.uuid4()),
        type="village.sla.warning.v1",
        source="/village/sla-monitor",
        stream_id="nw-1",
        sequence=1,
        position=None,
        time=minutes(40),
        data=sla,
        visibility="restricted",
        parties=[],
        actor_party=None,
        traceparent=None,
    )
    async with world.engine.begin() as conn:
        await world.process.on_warning(conn, event)
    assert [d.kind for d in await world.decisions("nw-1")] == ["route"]

    await unlink(world, "nw-1", minutes(100))
    assert await world.queue("northwind", "L1", "northwind") == ["nw-1"]
    assert ("acme", QUEUE) not in await world.queues("acme")
    assert await policy_timer(world, "nw-1") == minutes(130)  # 30 minutes from the return
    path = await world.views.incident("nw-1", "acme")
    assert path is not None and path["current"]["since"] == minutes(100)
    assert [(p["party"], p["tier"]) for p in path["path"]] == [
        ("northwind", "L1"),
        ("acme", QUEUE),
        ("northwind", "L1"),
    ]


async def test_resolved_while_linked_it_is_handed_back_on_the_topic(world: World) -> None:
    await seed(world)
    await world.open(web_opened("acme", "S1", "routers", incident_id="nw-2"))  # northwind L2
    await link(world, "nw-2", minutes(5))
    resolution = {"from_status": "new", "resolution_code": "fixed", "resolution_notes": "ok"}
    await consume(world, "nw-2", "resolved", minutes(60), resolution)

    back = (await world.decisions("nw-2"))[-1]
    assert (back.kind, back.from_party, back.from_tier, back.to_party, back.to_tier) == (
        "hand_back",
        "acme",
        "",
        "northwind",
        "L2",
    )
    assert back.status == "pending" and OUTAGE in back.reason
    async with world.engine.connect() as conn:
        decided = (await world.store.load(conn, ESCALATION_STREAM.format("nw-2")))[-1]
    message = cloudevent.to_kafka(decided, "/village/escalation")
    data = sc.assert_valid_cloudevent(message.headers, message.key, message.value)
    assert data["from"] == {"party": "acme", "tier": ""} and data["kind"] == "hand_back"
    # The hold ended with the resolution: nothing is queued at acme's outage queue.
    assert ("acme", QUEUE) not in await world.queues("acme")


async def test_a_state_stored_before_outages_loads_and_is_held(world: World) -> None:
    await seed(world)
    await world.open(web_opened("acme", "S3", "routers", incident_id="nw-3"))
    async with world.engine.begin() as conn:
        await conn.execute(
            text("UPDATE incident_escalation SET state = state - 'outage' WHERE incident_id = :i"),
            {"i": "nw-3"},
        )
        assert (
            await conn.scalar(
                text("SELECT state ? 'outage' FROM incident_escalation WHERE incident_id = 'nw-3'")
            )
            is False
        )
    await link(world, "nw-3", minutes(5))
    assert await world.queue("acme", QUEUE, "acme") == ["nw-3"]


def story(iid: str, traceparent: str | None = None) -> list[ConsumedEvent]:
    """Opened (routed to northwind L1), assigned there (the route landed), acknowledged, linked
    to acme's outage, unlinked, severity raised, resolved: a decision and its event, a policy
    timer set, moved and cancelled."""
    steps: list[tuple[str, float, dict[str, Any]]] = [
        ("opened", 0, web_opened("acme", "S3", "routers", incident_id=iid)),
        ("assigned", 1, {"party": "northwind", "tier": "L1"}),
        ("acknowledged", 2, {"party": "northwind", "user": "nina"}),
        ("outage_linked", 5, {"outage_id": OUTAGE, "provider": "acme", "title": "Router"}),
        ("outage_unlinked", 10, {"outage_id": OUTAGE, "reason": "not it"}),
        ("severity_changed", 12, {"from_severity": "S3", "to_severity": "S1"}),
        ("resolved", 60, {"resolution_code": "fixed"}),
    ]
    return [
        ConsumedEvent(
            id=str(uuid.uuid4()),
            type=f"village.incident.{name}.v1",
            source="/village/incidents",
            stream_id=iid,
            sequence=i,
            position=None,
            time=minutes(at),
            data={"incident_id": iid, **data},
            visibility="shared",
            parties=[],
            actor_party="northwind",
            traceparent=traceparent,
        )
        for i, (name, at, data) in enumerate(steps, start=1)
    ]


async def stored(world: World, iid: str) -> list[str]:
    """Everything the escalation service keeps of the incident, as JSON, its id (and the ids
    derived from it) made neutral, so that two incidents' can be compared."""
    queries = [
        "SELECT row_to_json(i) FROM incident_escalation i WHERE incident_id = :i",
        "SELECT row_to_json(d) FROM (SELECT kind, trigger, from_party, from_tier, to_party,"
        " to_tier, basis, reason, decided_at, status, next_attempt_at, traceparent"
        " FROM decisions WHERE incident_id = :i ORDER BY seq) d",
        "SELECT row_to_json(e) FROM (SELECT stream_version, type, data, metadata FROM events"
        " WHERE stream_id = :i ORDER BY stream_version) e",
        "SELECT row_to_json(t) FROM (SELECT key, due_at, payload FROM timers"
        " WHERE key = 'policy|' || :i) t",
    ]
    found: list[str] = []
    async with world.engine.connect() as conn:
        for sql in queries:
            found += [json.dumps(r) for r in await conn.scalars(text(sql), {"i": iid})]
    uuids = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    return [uuids.sub("<uuid>", row.replace(iid, "<incident>")) for row in found]


def batched_applier(world: World, routes: Any) -> Applier:
    """The consumer's applier: a fetch in one transaction, its states read at its start."""
    return Applier(
        "escalation",
        world.engine,
        routes,
        ManualClock(T0),
        batch_scope=partial(world.escalations.applying_many, reads=incident_states(routes)),
    )


async def test_a_fetch_applied_in_one_transaction_equals_one_by_one(world: World) -> None:
    """The consumer's batch (`applying_many`: states, decisions, events and timers kept for the
    fetch and written once) stores exactly what one transaction per event does: two incidents
    interleaved in one fetch, one of them begun before it."""
    await seed(world)
    routes = incident_routes(world.process)
    one_by_one = Applier("escalation", world.engine, routes, ManualClock(T0))
    for event in story("nw-one") + story("nw-two")[:5]:
        assert await one_by_one.apply(event) == APPLIED
    whole, part = await stored(world, "nw-one"), await stored(world, "nw-two")
    assert any('"kind": "route"' in row for row in whole)
    assert any(row.startswith('{"key": "policy|') for row in part)  # a timer to compare

    batched = batched_applier(world, routes)
    a, b = story("nw-a"), story("nw-b")[:5]
    assert await batched.apply(a[0]) == APPLIED  # stored before the fetch
    interleaved = [e for pair in zip(a[1:], b, strict=False) for e in pair] + a[1 + len(b) :]
    assert await batched.apply_many(interleaved)
    assert await stored(world, "nw-a") == whole
    assert await stored(world, "nw-b") == part

    # Each handler runs in its event's trace: the decision continues the incident's trace.
    trace = "0af7651916cd43dd8448eb211c80319c"
    traced = story("nw-c", f"00-{trace}-b7ad6b7169203331-01")[:2]
    assert await batched.apply_many(traced)
    route = (await world.decisions("nw-c"))[0]
    assert route.traceparent is not None and route.traceparent.split("-")[1] == trace


async def test_a_fetch_reads_its_incidents_and_the_documents_in_force_once(world: World) -> None:
    """The states a fetch's handlers read are read (and locked) in one statement, and the
    documents a new incident pins once per partner and provider, whatever the fetch holds."""
    await seed(world)
    routes = incident_routes(world.process)
    batched = batched_applier(world, routes)
    begun = [story(f"nw-begun-{n}") for n in range(3)]
    assert await batched.apply_many([e for s in begun for e in s[:2]])  # stored before the fetch
    fetch = [s[2] for s in begun] + [story(f"nw-new-{n}")[0] for n in range(4)]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sqlalchemy.event.listen(world.engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await batched.apply_many(fetch)
    finally:
        sqlalchemy.event.remove(world.engine.sync_engine, "before_cursor_execute", count)
    reads = [s for s in statements if s.lstrip().startswith("SELECT")]
    assert sum("FROM incident_escalation" in s for s in reads) == 1
    assert sum("FROM config_versions" in s for s in reads) == 1
    for n in range(4):  # each new incident routed, as one at a time routes it
        assert [d.to_tier for d in await world.decisions(f"nw-new-{n}")] == ["L1"]
