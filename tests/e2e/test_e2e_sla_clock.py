"""SLA clocks in simulated time: the incidents service and the SLA monitor in this process on
one ManualClock (simulated.py), talking through the real broker and the incidents feed."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from e2e_support import IncidentTopicReader
from schema_check import assert_valid_cloudevent, validate_event_data
from simulated import Village as Chain
from sqlalchemy import text

from village_devstack import demo
from village_devstack.waiting import eventually
from village_platform.clock import ManualClock
from village_platform.feedclient import FeedClient

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
PARTIES = len(demo.PARTIES)  # registered as the village starts: events on the directory's stream


@pytest.fixture
async def chain(stack: Any, process_globals: None) -> AsyncIterator[Chain]:
    env = Chain(stack, ManualClock(T0))
    await env.start()
    try:
        yield env
    finally:
        await env.close()


def _clock(view: dict[str, Any], name: str, kind: str = "customer_facing") -> dict[str, Any]:
    cov = next(c for c in view["contracts"] if c["kind"] == kind)
    return next(c for c in cov["clocks"] if c["clock"] == name)


async def _sla_events(
    chain: Chain, incident_id: str, at_least: int
) -> list[tuple[str, dict[str, Any]]]:
    """The incident's records on village.sla.v1, each checked against the envelope and its schema.
    The topic is acme's tooling channel: the clocks of northwind's own contract with initech come
    as their bare fact (`redacted`), read whole from the SLA monitor's feed as a service does."""
    async with IncidentTopicReader(
        chain.stack.kafka_bootstrap, chain.sla_settings.topic("village.sla.v1")
    ) as reader:
        records = (await reader.collect({incident_id: at_least}))[incident_id]
    found = []
    async with FeedClient.for_consumer(
        "http://sla", chain.sla_settings, "reader", transport=chain.sla_transport
    ) as feed:
        for r in records:
            data = assert_valid_cloudevent(r.headers, r.key, r.value)
            headers = dict(r.headers)
            parties = headers["ce_parties"].decode().split()
            if headers.get("ce_redacted") == b"true":
                assert data == {"incident_id": incident_id} and "acme" not in parties
                whole = [
                    e
                    for e in await feed.stream_events(incident_id)
                    if e.id == headers["ce_id"].decode()
                ]
                data = whole[0].data
                validate_event_data(headers["ce_type"].decode(), data)
            assert sorted(parties) == sorted(
                [data["owing_party"], data["owed_party"]]
            )  # the contract's two only
            found.append((headers["ce_type"].decode().split(".")[2], data))
    return found


async def test_unacknowledged_s1_warns_at_50_75_90_and_breaches_at_15_minutes_once_across_a_restart(
    chain: Chain,
) -> None:
    iid = await chain.open(severity="S1")
    view = await chain.sla_view(iid)
    assert _clock(view, "respond")["due_at"] == (T0 + timedelta(minutes=15)).isoformat()

    await chain.move_to(T0 + timedelta(minutes=7, seconds=29))  # just short of 50 %
    await chain.move_to(T0 + timedelta(minutes=7, seconds=30))
    await eventually(
        lambda: chain.sla_view(iid), lambda v: _clock(v, "respond")["warnings_fired"] == [50]
    )
    await chain.move_to(T0 + timedelta(minutes=11, seconds=15))
    await eventually(
        lambda: chain.sla_view(iid), lambda v: _clock(v, "respond")["warnings_fired"] == [50, 75]
    )

    # The SLA monitor goes away between the warnings and the breach; the timers are in its database.
    await chain.restart_sla()
    await chain.move_to(
        T0 + timedelta(minutes=16)
    )  # 90 % and the breach fall due while it was away
    view = await eventually(lambda: chain.sla_view(iid), lambda v: _clock(v, "respond")["breached"])
    respond = _clock(view, "respond")
    assert respond["warnings_fired"] == [50, 75, 90]
    assert respond["breached_at"] == (T0 + timedelta(minutes=15)).isoformat()

    # On the topic: each threshold exactly once, dated at its own instant, keyed by the incident.
    events = await _sla_events(
        chain, iid, 2 + 4 + 1
    )  # 2 clocks started, 3 warnings + breach, breach credit
    respond_events = [(name, data) for name, data in events if data.get("clock") == "respond"]
    fired = [
        (name, data.get("percent"), data["at"])
        for name, data in respond_events
        if name in ("warning", "breached")
    ]
    assert fired == [
        ("warning", 50, (T0 + timedelta(minutes=7, seconds=30)).isoformat()),
        ("warning", 75, (T0 + timedelta(minutes=11, seconds=15)).isoformat()),
        ("warning", 90, (T0 + timedelta(minutes=13, seconds=30)).isoformat()),
        ("breached", None, (T0 + timedelta(minutes=15)).isoformat()),
    ]
    # Nothing more fires later: no second breach, no repeated warning.
    await chain.move_to(T0 + timedelta(hours=1))
    counts = Counter(
        name for name, data in await _sla_events(chain, iid, 7) if data.get("clock") == "respond"
    )
    assert counts["warning"] == 3 and counts["breached"] == 1
    # The per-breach credit of the demo contract: 250 EUR.
    credits = [d for n, d in events if n == "credit_accrued"]
    assert [(c["rule"], Decimal(c["amount"]), c["currency"]) for c in credits] == [
        ("breach", Decimal(250), "EUR")
    ]


async def test_pending_customer_pauses_the_resolution_clock_and_on_hold_does_not(
    chain: Chain,
) -> None:
    iid = await chain.open(severity="S1")
    await chain.sla_view(iid)
    await chain.move_to(T0 + timedelta(minutes=5))
    await chain.command("northwind", iid, "acknowledge", {})
    await chain.command(
        "northwind", iid, "status", {"status": "pending_customer", "reason": "need logs"}
    )
    paused = await eventually(
        lambda: chain.sla_view(iid), lambda v: _clock(v, "resolve")["state"] == "paused"
    )
    assert _clock(paused, "resolve")["elapsed_seconds"] == 300
    await chain.move_to(T0 + timedelta(hours=2, minutes=5))  # two hours waiting on the customer
    assert _clock(await chain.sla_view(iid), "resolve")["elapsed_seconds"] == 300
    await chain.command("initech", iid, "notes", {"body": "logs attached", "visibility": "shared"})
    await chain.command("northwind", iid, "status", {"status": "in_progress"})
    running = await eventually(
        lambda: chain.sla_view(iid), lambda v: _clock(v, "resolve")["state"] == "running"
    )
    resolve = _clock(running, "resolve")
    assert resolve["due_at"] == (T0 + timedelta(hours=6)).isoformat()  # 4 h target + 2 h paused
    assert resolve["original_due_at"] == (T0 + timedelta(hours=4)).isoformat()
    held = {(h["party"]): h["business_seconds"] for h in running["contracts"][0]["held"]}
    assert held["initech"] == 7200 and held["northwind"] == 300

    await chain.move_to(T0 + timedelta(hours=3))
    await chain.command(
        "northwind", iid, "status", {"status": "on_hold", "reason": "waiting for a spare part"}
    )
    await chain.move_to(T0 + timedelta(hours=4))
    view = await eventually(
        lambda: chain.sla_view(iid), lambda v: _clock(v, "resolve")["elapsed_seconds"] == 300 + 6900
    )
    assert (
        _clock(view, "resolve")["state"] == "running"
    )  # on hold is the partner's own: the clock runs


async def test_business_hours_clock_skips_the_weekend_and_the_holiday(chain: Chain) -> None:
    # umbrella <- contoso runs Mon-Fri 08:00-18:00 New York; Thursday 2026-11-26 is a holiday.
    wednesday_5pm = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # 17:00 EST
    await chain.move_to(wednesday_5pm)
    iid = await chain.open(
        "contoso",
        severity="S1",
        customer="umbrella",
        external_refs=[{"owner": "contoso", "type": "jira", "id": uuid.uuid4().hex}],
    )
    view = await chain.sla_view(iid, "contoso")
    # 15 business minutes: Wednesday 17:00-17:15.
    assert (
        _clock(view, "respond")["due_at"] == datetime(2026, 11, 25, 22, 15, tzinfo=UTC).isoformat()
    )
    # 240 minutes: 1 h on Wednesday, none on Thanksgiving, 3 h on Friday from 08:00 EST.
    assert (
        _clock(view, "resolve")["due_at"] == datetime(2026, 11, 27, 16, 0, tzinfo=UTC).isoformat()
    )
    await chain.move_to(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # Saturday: nothing runs
    await chain.command("contoso", iid, "acknowledge", {})
    view = await eventually(
        lambda: chain.sla_view(iid, "contoso"), lambda v: _clock(v, "respond")["state"] == "stopped"
    )
    assert _clock(view, "respond")["elapsed_seconds"] == 3600 + 10 * 3600  # Wed 17-18, Fri 08-18
    assert _clock(view, "respond")["outcome"] == "breached"


async def test_duplicate_and_replayed_incident_events_change_nothing(chain: Chain) -> None:
    iid = await chain.open(severity="S1")
    await chain.command("northwind", iid, "acknowledge", {})
    view = await eventually(
        lambda: chain.sla_view(iid), lambda v: _clock(v, "respond")["state"] == "stopped"
    )
    runner = chain.sla.state.runner
    async with FeedClient.for_consumer(
        "http://incidents", chain.sla_settings, "replayer", transport=chain.incidents_transport
    ) as feed:
        history = await feed.stream_events(iid)

    async def parked(*_: Any) -> None:
        raise AssertionError("a replayed event was dead-lettered")

    before = await _sla_events(chain, iid, 3)
    for event in (
        history * 3
    ):  # every event again, three times over, through the consumer's apply path
        await runner.applier.process(event, None, parked)
    assert await chain.sla_view(iid) == view
    after = await _sla_events(chain, iid, len(before))
    assert len(after) == len(before)


async def test_the_read_model_rebuilds_from_the_incidents_feed_to_the_same_state(
    chain: Chain,
) -> None:
    from village_platform.db import make_engine
    from village_platform.eventstore import EventStore
    from village_sla_monitor import rebuild as rebuild_module
    from village_sla_monitor.batch import Batch
    from village_sla_monitor.rebuild import rebuild

    iid = await chain.open(severity="S1")
    await chain.sla_view(iid)
    await chain.move_to(T0 + timedelta(minutes=20))  # respond breached
    await chain.command("northwind", iid, "acknowledge", {})
    await chain.command(
        "northwind",
        iid,
        "escalate",
        {"to_party": "acme", "to_tier": "TAC L2", "reason": "vendor bug"},
    )
    await chain.command(
        "northwind", iid, "status", {"status": "pending_customer", "reason": "need logs"}
    )
    await chain.move_to(T0 + timedelta(hours=1))
    await chain.command("northwind", iid, "status", {"status": "in_progress"})
    await chain.command("acme", iid, "acknowledge", {})
    await chain.move_to(T0 + timedelta(hours=6))  # resolve breached too
    await chain.command(
        "acme",
        iid,
        "status",
        {"status": "resolved", "resolution_code": "fixed", "resolution_notes": "patched"},
    )
    before = await eventually(
        lambda: chain.sla_view(iid, contracts=2),
        lambda v: all(c["state"] == "stopped" for k in v["contracts"] for c in k["clocks"]),
    )
    engine = make_engine(chain.sla_settings)
    count_events = text("SELECT count(*) FROM events WHERE stream_id = :i")
    async with engine.connect() as conn:
        events_before = await conn.scalar(count_events, {"i": iid})
        clocks_before = (
            await conn.execute(text("SELECT * FROM sla_clocks ORDER BY 1, 2, 3"))
        ).all()
        credits_before = (
            await conn.execute(text("SELECT key, amount FROM credits ORDER BY key"))
        ).all()
        timers_before = (
            await conn.execute(text("SELECT key, due_at FROM timers ORDER BY key"))
        ).all()
    assert credits_before, "the breaches accrued credits"
    assert not any(key.startswith(iid) for key, _ in timers_before), "its clocks all stopped"

    assert chain.sla_exits is not None
    await chain.sla_exits.aclose()  # the consumer stops for the rebuild
    offered: list[int] = []  # events each append was given
    append_streams = EventStore.append_streams

    async def counted(store: EventStore, conn: Any, appends: Any, *args: Any) -> int:
        offered.append(sum(map(len, appends.values())))
        return await append_streams(store, conn, appends, *args)

    async with FeedClient.for_consumer(
        "http://incidents", chain.sla_settings, "sla-monitor", transport=chain.incidents_transport
    ) as feed:
        # Once with the default page size (the feed's largest), once three events a page. The
        # feed holds the directory's registrations too, one per demo party.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(EventStore, "append_streams", counted)
            assert await rebuild(chain.sla_settings, feed=feed, progress=False) == 7 + PARTIES
        # Every fact was stored by the live consumer, and the rebuild knew their ids: no event
        # was even built for them.
        assert sum(offered) == 0
        # ... and forgetting its cached states after every page (they are read back), holding
        # only one stored id: the append skips the others by id.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Batch, "MAX_CACHED", 0)
            patch.setattr(rebuild_module, "STORED_FACTS_HELD", 1)
            patch.setattr(EventStore, "append_streams", counted)
            offered.clear()
            read = await rebuild(chain.sla_settings, feed=feed, page_size=3, progress=False)
        assert sum(offered) > 0
    assert read == 7 + PARTIES  # opened, 2 acks, escalated, 2 status changes, resolved
    async with engine.connect() as conn:
        assert (
            await conn.scalar(count_events, {"i": iid}) == events_before
        )  # nothing published twice
        assert (
            await conn.execute(text("SELECT * FROM sla_clocks ORDER BY 1, 2, 3"))
        ).all() == clocks_before
        assert (
            await conn.execute(text("SELECT key, amount FROM credits ORDER BY key"))
        ).all() == credits_before
        # Three events a page, written every page: timers scheduled by early pages are
        # cancelled by later ones, not left behind.
        assert (
            await conn.execute(text("SELECT key, due_at FROM timers ORDER BY key"))
        ).all() == timers_before
    await engine.dispose()
    await chain.start_sla()
    assert await chain.sla_view(iid, contracts=2) == before


async def test_the_contract_report_counts_attainment_downtime_credits_and_satisfaction(
    chain: Chain,
) -> None:
    # initech <- northwind: per breach 250, per late hour 100, 10 % of a 12,000 fee for a month
    # below 99.9 % availability (30-day November: 2,592 s of downtime allowed), cap 3,000.
    iid = await chain.open(severity="S1")
    await chain.sla_view(iid)
    await chain.command("northwind", iid, "impact/start", {"started_at": T0.isoformat()})
    await chain.move_to(T0 + timedelta(minutes=20))  # respond breached at 15 min
    await chain.command("northwind", iid, "acknowledge", {})
    await chain.move_to(
        T0 + timedelta(hours=2)
    )  # update breached at 1 h 20 min (nothing said for an hour)
    await chain.command("northwind", iid, "impact/end", {})
    await chain.move_to(T0 + timedelta(hours=6))  # resolve breached at 4 h
    await chain.command(
        "northwind",
        iid,
        "status",
        {
            "status": "resolved",
            "resolution_code": "fixed",
            "resolution_notes": "replaced the stack master",
        },
    )
    await chain.command("initech", iid, "rating", {"rating": 4})
    await chain.caught_up()
    names = {name for name, _ in await _sla_events(chain, iid, 24)}
    assert {"availability_missed", "credit_accrued", "breached", "clock_stopped"} <= names
    assert "target_met" not in names  # every target here was missed
    async with chain.sla_as("northwind") as northwind:
        report = (
            await northwind.get(
                "/contracts/initech-northwind/report",
                params={"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
            )
        ).json()
    assert report["incidents"] == 1
    assert report["attainment"]["respond"] == {
        "clocks": 1,
        "met": 0,
        "breached": 1,
        "open": 0,
        "attainment_percent": 0.0,
    }
    assert report["attainment"]["resolve"]["breached"] == 1
    assert report["mtta_seconds"] == 20 * 60
    assert report["mttr_seconds"] == 6 * 3600
    assert [(b["clock"], b["breached_at"]) for b in report["breaches"]] == [
        ("respond", (T0 + timedelta(minutes=15)).isoformat()),
        ("update", (T0 + timedelta(hours=1, minutes=20)).isoformat()),
        ("resolve", (T0 + timedelta(hours=4)).isoformat()),
    ]
    (november,) = report["downtime"]
    assert november["month"] == "2026-11" and november["downtime_seconds"] == 7200
    assert november["allowed_seconds"] == 2592 and november["met"] is False
    by_rule = {(c["rule"]): Decimal(c["amount"]) for c in report["credits"]["by_month"]}
    # three breaches, two started hours late, the availability miss
    assert by_rule == {
        "breach": Decimal(750),
        "late_hours": Decimal(200),
        "availability": Decimal(1200),
    }
    assert Decimal(report["credits"]["total"]) == Decimal(2150)
    assert report["satisfaction"] == [{"partner": "northwind", "average_rating": 4.0, "ratings": 1}]
    # The customer reads the same report on its own contract; acme may not.
    async with chain.sla_as("initech") as initech, chain.sla_as("acme") as acme:
        assert (await initech.get("/contracts/initech-northwind/report")).status_code == 200
        assert (await acme.get("/contracts/initech-northwind/report")).status_code == 404
