"""The outage fan-out survives a crash: an incidents service of its own (small batches, a pause
between them, so that the fan-out is still running when it dies) has an outage with many linked
incidents; acme posts an update (and retries the request), the service is SIGKILLed mid-fan-out
and started again, and every linked incident ends with the update exactly once."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import Api, assert_ok, open_incident

from village_devstack.testing import INCIDENTS, ServiceProcess
from village_devstack.waiting import eventually

LINKED = 40
OUTAGE = {
    "title": "Router firmware 7.2 drops IPsec tunnels",
    "description": "Tunnels drop after rekeying.",
    "products": ["routers"],
    "severity": "S1",
}


@pytest.fixture(scope="module")
def slow_fanout(stack: Any) -> Iterator[ServiceProcess]:
    service = stack.start_service(
        INCIDENTS,
        instance="fanout",
        KAFKA_TOPIC_PREFIX="fanout.",
        OUTAGE_FANOUT_BATCH="2",
        OUTAGE_FANOUT_LANES="1",
        OUTAGE_FANOUT_PAUSE_SECONDS="0.25",
    )
    yield service
    service.close()


def body_of(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def progress(acme: Any, oid: str) -> dict[str, Any]:
    [update] = body_of(await acme.get(f"/provider-incidents/{oid}/updates"))["items"]
    return update


async def test_a_sigkill_mid_fan_out_loses_and_repeats_nothing(
    slow_fanout: ServiceProcess, tokens: Any
) -> None:
    api = Api(slow_fanout.url, tokens)
    try:
        acme, northwind = api("acme"), api("northwind")
        oid = assert_ok(await acme.post("/provider-incidents", json=OUTAGE), 201)["id"]
        incidents = []
        for _ in range(LINKED):
            iid = (await open_incident(northwind, product="routers"))["id"]
            link = {"incident_id": iid}
            assert_ok(await northwind.post(f"/provider-incidents/{oid}/links", json=link))
            incidents.append(iid)
        update = {"body": "Fixed firmware 7.2.1 is rolling out", "audience": "partners"}
        key = {"Idempotency-Key": "fanout-kill-1"}
        posted = await acme.post(f"/provider-incidents/{oid}/updates", json=update, headers=key)
        first = body_of(posted, 201)
        assert (first["total"], first["kind"]) == (LINKED, "update")
        again = await acme.post(f"/provider-incidents/{oid}/updates", json=update, headers=key)
        assert again.headers.get("Idempotent-Replayed") == "true"

        # Mid-way: some delivered, not all. Then no goodbye.
        await eventually(lambda: _between(acme, oid), timeout=60, what="the fan-out under way")
        assert slow_fanout.pid is not None
        os.kill(slow_fanout.pid, signal.SIGKILL)
        slow_fanout.process.wait()  # type: ignore[union-attr]
        slow_fanout.start()
        done = await eventually(
            lambda: _all(acme, oid), timeout=120, what="every linked incident noted"
        )
        assert (done["delivered"], done["total"]) == (LINKED, LINKED)
        for iid in incidents:
            view = assert_ok(await northwind.get(f"/incidents/{iid}"))
            from_acme = [n for n in view["notes"] if n["author_party"] == "acme"]
            assert [n["body"] for n in from_acme] == [update["body"]], iid
            assert from_acme[0]["visibility"] == "restricted"
        # One update, still: the retry posted nothing.
        listed = body_of(await acme.get(f"/provider-incidents/{oid}/updates"))["items"]
        assert [u["update_id"] for u in listed] == [first["update_id"]]
    finally:
        await api.aclose()


async def _between(acme: Any, oid: str) -> dict[str, Any] | None:
    seen = await progress(acme, oid)
    return seen if 0 < seen["delivered"] < LINKED // 2 else None


async def _all(acme: Any, oid: str) -> dict[str, Any] | None:
    seen = await progress(acme, oid)
    return seen if seen["delivered"] == LINKED else None
