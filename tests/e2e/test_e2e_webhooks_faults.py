"""Webhooks under faults: receivers that fail, throttle, refuse, hang or hold a request while
the dispatcher is killed; secret rotation; an endpoint failing past the maximum age, parked and
replayed. Real receivers (HTTP servers started here), the dispatcher as a subprocess."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import Api, open_incident

from village_devstack.testing import WEBHOOKS, WEBHOOKS_TEST_ENV
from village_devstack.waiting import eventually
from village_devstack.webhook_receiver import Arrival, Receiver, ReceiverServer

TYPES = [
    "village.incident.opened.v1",
    "village.incident.acknowledged.v1",
    "village.incident.note_added.v1",
]


@pytest.fixture(scope="module")
def short_lived(stack: Any, incidents_service: Any, sla_service: Any) -> Iterator[Any]:
    """A second dispatcher (own database and consumer groups) that gives up on an endpoint
    after 1.5 s of failures instead of a day."""
    service = stack.start_service(
        WEBHOOKS,
        instance="short-lived",
        INCIDENTS_URL=incidents_service.url,
        SLA_MONITOR_URL=sla_service.url,
        WEBHOOKS_CONSUMER_PREFIX="webhooks-short-lived",
        **{**WEBHOOKS_TEST_ENV, "WEBHOOKS_MAX_AGE_SECONDS": "1.5"},
    )
    yield service
    service.close()


async def register(client: Any, url: str, receiver: Receiver, **body: Any) -> dict[str, Any]:
    r = await client.post(
        "/endpoints", json={"url": url, "event_types": ["village.incident.*"], **body}
    )
    assert r.status_code == 201, r.text
    receiver.secrets.append(r.json()["secret"])
    return r.json()


async def three_events(api: Api) -> str:
    """An incident of northwind's: opened, acknowledged, a shared note."""
    northwind = api("northwind")
    iid = (await open_incident(northwind))["id"]
    assert (await northwind.post(f"/incidents/{iid}/acknowledge", json={})).status_code == 200
    r = await northwind.post(
        f"/incidents/{iid}/notes", json={"body": "on it", "visibility": "shared"}
    )
    assert r.status_code == 200
    return iid


async def deliveries(
    client: Any, endpoint: dict[str, Any], subject: str, **params: Any
) -> list[dict[str, Any]]:
    r = await client.get(f"/endpoints/{endpoint['id']}/deliveries", params=params)
    assert r.status_code == 200, r.text
    return sorted(
        (d for d in r.json()["items"] if d["subject"] == subject), key=lambda d: d["event_time"]
    )


async def recorded(
    client: Any, endpoint: dict[str, Any], subject: str, count: int
) -> list[dict[str, Any]]:
    """The subject's deliveries once `count` of them have an outcome: the dispatcher records
    outcomes just after the receiver answered (group commit), so a test that saw the arrivals
    waits for them."""
    return await eventually(
        lambda: deliveries(client, endpoint, subject),
        lambda found: sum(d["status"] != "pending" for d in found) >= count,
        timeout=30,
        what=f"{count} outcomes recorded",
    )


async def test_receiver_failing_five_times_then_recovering_gets_everything_once_in_order(
    api, hooks
) -> None:
    def ours() -> list[Arrival]:
        return [a for a in receiver.arrivals if a.verified]

    def respond(arrival: Arrival) -> int:
        # Not signed with this endpoint's secret: another endpoint's delivery, left by an
        # earlier test whose receiver had this port. Refused for good, and not counted.
        if not arrival.verified:
            return 410
        return 500 if len(ours()) <= 5 else 204

    receiver = Receiver(respond=respond)
    async with ReceiverServer(receiver) as url:
        endpoint = await register(hooks("northwind", "admin"), url, receiver)
        iid = await three_events(api)
        await eventually(
            lambda: receiver.types(iid), lambda t: len(t) == 3, timeout=60, what="all three events"
        )
        assert receiver.types(iid) == TYPES
        accepted = [a.id for a in ours() if 200 <= a.status < 300]
        assert len(accepted) == len(set(accepted)) == 3  # each accepted once
        assert [a.status for a in ours()[:5]] == [500] * 5
        assert all(a.verified for a in receiver.arrivals if a.event.get("subject") == iid)
        found = await recorded(hooks("northwind"), endpoint, iid, 3)
        assert [d["status"] for d in found] == ["delivered"] * 3
        assert [d["attempts"] for d in found] == [6, 1, 1] and found[0]["response_status"] == 204


async def test_429_retry_after_is_honoured_and_400_is_not_retried(api, hooks) -> None:
    def throttle(arrival: Arrival) -> Any:
        return (429, {"Retry-After": "1"}) if len(throttled.arrivals) == 1 else 204

    def refuse_openings(arrival: Arrival) -> int:
        return 400 if arrival.event["type"].endswith("opened.v1") else 204

    throttled, refusing = Receiver(respond=throttle), Receiver(respond=refuse_openings)
    async with ReceiverServer(throttled) as u1, ReceiverServer(refusing) as u2:
        admin = hooks("northwind", "admin")
        await register(admin, u1, throttled)
        endpoint = await register(admin, u2, refusing)
        iid = await three_events(api)
        await eventually(lambda: throttled.types(iid), lambda t: len(t) == 3, timeout=60)
        first, second = throttled.arrivals[0], throttled.arrivals[1]
        assert first.status == 429 and first.id == second.id
        # Waited as told, up to the retry cap (0.5 s here: WEBHOOKS_TEST_ENV), not the 50 ms
        # backoff.
        assert second.at - first.at >= 0.45
        assert throttled.types(iid) == TYPES

        await eventually(lambda: refusing.types(iid), lambda t: len(t) == 2, timeout=60)
        assert refusing.types(iid) == TYPES[1:]  # the refused one does not hold the others back
        assert [a.event["type"] for a in refusing.arrivals].count(TYPES[0]) == 1  # not retried
        found = await recorded(hooks("northwind"), endpoint, iid, 3)
        assert [(d["status"], d["attempts"], d["response_status"]) for d in found] == [
            ("failed", 1, 400),
            ("delivered", 1, 204),
            ("delivered", 1, 204),
        ]
        assert (await admin.get(f"/endpoints/{endpoint['id']}")).json()["status"] == "active"


async def test_slow_endpoint_delays_no_other(api, hooks) -> None:
    release = asyncio.Event()

    async def hang(arrival: Arrival) -> int:
        await release.wait()
        return 204

    slow, fast = Receiver(respond=hang), Receiver()
    async with ReceiverServer(slow) as u1, ReceiverServer(fast) as u2:
        admin = hooks("northwind", "admin")
        await register(admin, u1, slow)
        await register(admin, u2, fast)
        iid = await three_events(api)
        await eventually(lambda: fast.types(iid), lambda t: len(t) == 3, timeout=60)
        # All of it reached the fast endpoint while the slow one still holds its first request.
        assert slow.arrivals and all(a.status == 0 for a in slow.arrivals)
        assert fast.types(iid) == TYPES
        release.set()
        await eventually(lambda: slow.types(iid), lambda t: len(t) == 3, timeout=60)
        assert slow.types(iid) == TYPES


async def test_secret_rotation_with_overlap_never_fails_verification(api, hooks) -> None:
    receiver = Receiver()
    async with ReceiverServer(receiver) as url:
        admin = hooks("northwind", "admin")
        endpoint = await register(admin, url, receiver)
        northwind = api("northwind")
        iid = (await open_incident(northwind))["id"]
        await eventually(lambda: receiver.types(iid), lambda t: len(t) == 1, timeout=60)

        async def note(text: str, count: int) -> None:
            r = await northwind.post(
                f"/incidents/{iid}/notes", json={"body": text, "visibility": "shared"}
            )
            assert r.status_code == 200
            await eventually(
                lambda: receiver.types(iid), lambda t: len(t) == count, timeout=60, what=text
            )

        r = await admin.post(
            f"/endpoints/{endpoint['id']}/rotate-secret", json={"overlap_seconds": 3600}
        )
        assert r.status_code == 200 and r.json()["endpoint"]["previous_secret_expires_at"]
        second = r.json()["secret"]
        await note("during the overlap, receiver still on the first secret", 2)
        assert (
            len(receiver.arrivals[-1].headers["webhook-signature"].split()) == 2
        )  # both secrets sign
        receiver.secrets = [second]  # the receiver switches during the overlap
        await note("during the overlap, receiver on the second secret", 3)
        r = await admin.post(
            f"/endpoints/{endpoint['id']}/rotate-secret", json={"overlap_seconds": 0}
        )
        receiver.secrets = [r.json()["secret"]]
        await note("after a rotation without overlap", 4)
        assert len(receiver.arrivals[-1].headers["webhook-signature"].split()) == 1
        assert receiver.arrivals and all(
            a.verified for a in receiver.arrivals
        )  # zero failed verifications


async def test_dispatcher_killed_mid_delivery_resumes_without_loss(
    api, hooks, webhooks_service
) -> None:
    release = asyncio.Event()

    async def hold_first(arrival: Arrival) -> int:
        if len(receiver.arrivals) == 1:
            await release.wait()
        return 204

    receiver = Receiver(respond=hold_first)
    async with ReceiverServer(receiver) as url:
        await register(hooks("northwind", "admin"), url, receiver)
        northwind = api("northwind")
        iid = (await open_incident(northwind))["id"]
        await eventually(lambda: receiver.arrivals, timeout=60, what="the first delivery, held")
        webhooks_service.kill()  # mid-request: its outcome is never recorded
        release.set()
        assert (await northwind.post(f"/incidents/{iid}/acknowledge", json={})).status_code == 200
        r = await northwind.post(
            f"/incidents/{iid}/notes", json={"body": "while it was down", "visibility": "shared"}
        )
        assert r.status_code == 200
        await asyncio.to_thread(webhooks_service.start)
        await eventually(lambda: receiver.types(iid), lambda t: len(t) == 3, timeout=60)
        assert receiver.types(iid) == TYPES  # none missing, in order
        ids = [a.id for a in receiver.arrivals if a.event["subject"] == iid]
        assert ids[0] == ids[1] and len(set(ids)) == 3  # the held one again, same webhook-id
        assert all(a.verified for a in receiver.arrivals)


async def test_failing_past_max_age_parks_then_replay_by_event_id_and_time_range(
    api, short_lived, tokens
) -> None:
    healthy = False

    def respond(arrival: Arrival) -> int:
        return 204 if healthy else 503

    receiver = Receiver(respond=respond)
    client = Api(short_lived.url, tokens)
    try:
        async with ReceiverServer(receiver) as url:
            admin = client("northwind", "admin")
            endpoint = await register(admin, url, receiver)
            path = f"/endpoints/{endpoint['id']}"
            iid = await three_events(api)
            await eventually(
                lambda: admin.get(path),
                lambda r: r.json()["status"] == "failing",
                timeout=60,
                what="the endpoint failing",
            )
            parked = await eventually(
                lambda: deliveries(admin, endpoint, iid, status="parked"),
                lambda found: len(found) == 3,
                timeout=30,
            )
            assert parked[0]["attempts"] >= 2 and parked[0]["response_status"] == 503
            healthy = True
            r = await admin.post(f"{path}/replay", json={"event_ids": [parked[0]["event_id"]]})
            assert r.status_code == 202 and r.json() == {"requeued": 1}
            assert (await admin.get(path)).json()[
                "status"
            ] == "active"  # replaying resumes the endpoint
            await eventually(lambda: receiver.types(iid), lambda t: len(t) == 1, timeout=30)
            assert receiver.types(iid) == TYPES[:1]
            await eventually(
                lambda: deliveries(admin, endpoint, iid, status="delivered"),
                lambda found: found,
                timeout=30,
                what="the replayed delivery recorded",
            )
            window = {"from": parked[0]["event_time"], "to": "2100-01-01T00:00:00Z"}
            r = await admin.post(f"{path}/replay", json=window)
            assert r.status_code == 202 and r.json()["requeued"] == 3  # the replayed one again too
            await eventually(lambda: receiver.types(iid), lambda t: len(t) == 3, timeout=30)
            assert receiver.types(iid) == TYPES
            assert [a.id for a in receiver.accepted()].count(
                parked[0]["event_id"]
            ) == 2  # same webhook-id
            assert all(a.verified for a in receiver.arrivals)
            # Outcomes are recorded just after the receiver answered (group commit): wait for them.
            found = await eventually(
                lambda: deliveries(admin, endpoint, iid),
                lambda found: [d["status"] for d in found] == ["delivered"] * 3,
                timeout=30,
                what="all three recorded delivered",
            )
            assert [d["attempts"] for d in found if d["event_id"] == parked[0]["event_id"]][0] >= 4
            bad = await admin.post(
                f"{path}/replay",
                json={"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            )
            assert bad.status_code == 422
            assert (await admin.patch(path, json={"disabled": True})).json()["status"] == "disabled"
            assert (
                await admin.post(f"{path}/replay", json=window)
            ).status_code == 409  # enable first
            assert (await admin.post(f"{path}/enable", json={})).json()["status"] == "active"
    finally:
        await client.aclose()
