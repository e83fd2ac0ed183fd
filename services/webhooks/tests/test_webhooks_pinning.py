"""Where deliveries go, for real: the dispatcher on a real PostgreSQL and a ManualClock,
delivering to real HTTP(S) receivers on loopback addresses, through the Resolver port.

127.0.0.2 plays a public address (the only network allowed) and 127.0.0.1 an internal one: a
receiver listens on each, on the same port, so a connection that follows a rebound DNS answer
would reach the internal one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from webhooks_support import SEALER, RebindingResolver, event, register

from village_devstack.certificates import certificates
from village_devstack.stack import free_port
from village_devstack.waiting import eventually
from village_devstack.webhook_receiver import Arrival, Receiver, ReceiverServer
from village_platform.clock import ManualClock
from village_webhooks.dispatcher import Dispatcher
from village_webhooks.domain.retry import RetryPolicy
from village_webhooks.domain.targets import TargetRefused, parse_networks
from village_webhooks.fanout import FanOut
from village_webhooks.pinning import CheckedTransport, PinnedResolver, Resolver

PUBLIC = parse_networks("127.0.0.2/32")


async def delivery(engine: Any, event_id: str) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text("SELECT * FROM deliveries WHERE event_id = :e"), {"e": event_id}
            )
        ).one()


async def publish(
    engine: Any, clock: ManualClock, dispatcher: Dispatcher, subject: str, sequence: int
) -> str:
    e = event(subject, sequence, clock)
    async with engine.begin() as conn:
        await FanOut(clock)(conn, e)
    dispatcher.wake()
    return e.id


@pytest.fixture
async def running() -> AsyncIterator[Any]:
    """`await running(dispatcher)` runs it until the test ends."""
    stop, tasks = asyncio.Event(), []

    async def start(dispatcher: Dispatcher) -> asyncio.Task[None]:
        tasks.append(asyncio.create_task(dispatcher.run(stop)))
        return tasks[-1]

    yield start
    stop.set()
    await asyncio.gather(*tasks)


def dispatcher_for(
    engine: Any, clock: ManualClock, resolver: Resolver, **options: Any
) -> Dispatcher:
    return Dispatcher(
        engine,
        clock,
        options.pop("policy", RetryPolicy(base_seconds=1, cap_seconds=60)),
        SEALER,
        development=True,
        allowed=options.pop("allowed", PUBLIC),
        resolver=resolver,
        poll_seconds=0.05,
        timeout_seconds=5,
        **options,
    )


async def test_a_rebinding_name_never_reaches_the_internal_receiver(
    engine: Any, running: Any
) -> None:
    clock = ManualClock()
    public, internal = Receiver(), Receiver()
    public_server = ReceiverServer(public, host="127.0.0.2")
    async with public_server, ReceiverServer(internal, host="127.0.0.1", port=public_server.port):
        host = f"hooks.rebind.test:{public_server.port}"
        # The first answer (the check) is the public address; every later one is loopback. A
        # client that resolves again to connect would reach the internal receiver.
        resolver = RebindingResolver({"hooks.rebind.test": ["127.0.0.2", "127.0.0.1"]})
        _, secret = await register(engine, clock, f"http://{host}/hooks")
        public.secrets.append(secret)
        dispatcher = dispatcher_for(engine, clock, resolver)
        await running(dispatcher)

        first = await publish(engine, clock, dispatcher, "i-1", 1)
        await eventually(
            public.events, lambda found: len(found) == 1, timeout=20, what="the first delivery"
        )
        assert resolver.queries == ["hooks.rebind.test"]  # once for the delivery: the check
        arrival = public.arrivals[0]
        assert arrival.id == first and arrival.verified and arrival.headers["host"] == host
        assert not internal.arrivals

        # The name now answers loopback: the next delivery is refused before any connection (a
        # kept-alive one to the public address included), without echoing the answer.
        second = await publish(engine, clock, dispatcher, "i-1", 2)
        row = await eventually(
            lambda: delivery(engine, second),
            lambda r: r.attempts >= 1,
            timeout=20,
            what="the second delivery tried",
        )
        assert row.status == "pending" and row.response_status is None
        assert row.last_error == (
            "target refused: hooks.rebind.test resolves to a loopback address:"
            " not an allowed target"
        )
        assert resolver.queries == ["hooks.rebind.test"] * 2
        assert not internal.arrivals and len(public.arrivals) == 1


async def test_every_address_a_name_resolves_to_is_checked(engine: Any, running: Any) -> None:
    """A name with a public and an internal address is refused: the connection could use either."""
    clock = ManualClock()
    internal = Receiver()
    async with ReceiverServer(internal, host="127.0.0.1") as url:
        port = url.split(":")[2].split("/")[0]

        class Both:
            async def resolve(self, host: str, port: int) -> list[Any]:
                return [ipaddress.ip_address("127.0.0.2"), ipaddress.ip_address("127.0.0.1")]

        await register(engine, clock, f"http://both.rebind.test:{port}/hooks")
        dispatcher = dispatcher_for(engine, clock, Both())
        await running(dispatcher)
        sent = await publish(engine, clock, dispatcher, "i-2", 1)
        row = await eventually(
            lambda: delivery(engine, sent), lambda r: r.attempts >= 1, timeout=20
        )
        assert (
            "loopback address: not an allowed target" in row.last_error
            and "127.0.0" not in row.last_error
        )
        assert not internal.arrivals


async def test_deliveries_to_an_endpoint_share_one_kept_alive_connection(
    engine: Any, running: Any
) -> None:
    """Each answer is read to its end, accepted or refused, so the connection stays open for the
    next delivery: no TCP (or TLS) handshake per delivery. One the receiver closed is not
    reused: the next delivery goes on a new one, first time."""
    clock = ManualClock()
    answers = iter([(200, {"content-type": "text/plain"}), 204, 503])
    receiver = Receiver(respond=lambda arrival: next(answers))
    server = ReceiverServer(receiver, host="127.0.0.2")
    async with server:
        url = f"http://hooks.keep.test:{server.port}/hooks"
        _, secret = await register(engine, clock, url)
        receiver.secrets.append(secret)
        resolver = RebindingResolver({"hooks.keep.test": ["127.0.0.2"]})
        dispatcher = dispatcher_for(engine, clock, resolver)
        await running(dispatcher)
        for sequence in (1, 2, 3):  # one queue: each goes once the one before is answered
            await publish(engine, clock, dispatcher, "i-keep", sequence)
        await eventually(
            lambda: receiver.arrivals, lambda found: len(found) == 3, timeout=20, what="3 arrivals"
        )
        assert [a.status for a in receiver.arrivals] == [200, 204, 503]
        assert all(a.verified for a in receiver.arrivals)
        assert len({a.client for a in receiver.arrivals}) == 1

    restarted = Receiver(secrets=[secret])  # its predecessor closed the kept connection
    async with ReceiverServer(restarted, host="127.0.0.2", port=server.port):
        sent = await publish(engine, clock, dispatcher, "i-keep-2", 1)
        row = await eventually(
            lambda: delivery(engine, sent),
            lambda r: r.status == "delivered",
            timeout=20,
            what="the delivery after the restart",
        )
        assert row.attempts == 1 and [a.id for a in restarted.arrivals] == [sent]
        assert restarted.arrivals[0].client not in {a.client for a in receiver.arrivals}


async def test_a_receiver_that_cannot_be_reached_is_named_but_not_its_address(
    engine: Any, running: Any
) -> None:
    """Nothing listens on the endpoint's port: the owner reads that the connection failed, for
    the name they registered, never the address it resolved to."""
    clock = ManualClock()
    port = free_port("127.0.0.2")
    await register(engine, clock, f"http://hooks.down.test:{port}/hooks")
    dispatcher = dispatcher_for(
        engine, clock, RebindingResolver({"hooks.down.test": ["127.0.0.2"]})
    )
    await running(dispatcher)
    sent = await publish(engine, clock, dispatcher, "i-down", 1)
    row = await eventually(lambda: delivery(engine, sent), lambda r: r.attempts >= 1, timeout=20)
    assert row.status == "pending" and row.response_status is None
    assert row.last_error.startswith("ConnectError: ")
    assert f"hooks.down.test:{port}" in row.last_error and "127.0.0.2" not in row.last_error


async def test_the_http_client_connects_to_nothing_unchecked() -> None:
    """The pool's resolver knows only what was checked for the request in progress."""
    receiver = Receiver()
    async with ReceiverServer(receiver) as url:
        port = int(url.split(":")[2].split("/")[0])
        with pytest.raises(OSError, match="not checked"):
            await PinnedResolver().resolve("localhost", port)
        transport = CheckedTransport(RebindingResolver({}), development=True, allowed=PUBLIC)
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(
                TargetRefused, match="loopback"
            ):  # an address in the URL is checked too
                await client.post(url, content=b"{}")
            with pytest.raises(TargetRefused, match="does not resolve"):
                await client.post(f"http://nowhere.rebind.test:{port}/hooks", content=b"{}")
        assert not receiver.arrivals


async def test_tls_is_verified_for_the_host_name_on_the_pinned_connection(tmp_path: Path) -> None:
    certfile, keyfile, cafile = certificates(tmp_path, "hooks.tls.test")
    receiver = Receiver()
    server = ReceiverServer(receiver, certfile=certfile, keyfile=keyfile)
    async with server:
        resolver = RebindingResolver(
            {"hooks.tls.test": ["127.0.0.1"], "other.tls.test": ["127.0.0.1"]}
        )
        transport = CheckedTransport(
            resolver,
            development=False,
            allowed=parse_networks("127.0.0.0/8"),
            ssl_context=ssl.create_default_context(cafile=cafile),
        )
        async with httpx.AsyncClient(transport=transport) as client:
            r = await client.post(f"https://hooks.tls.test:{server.port}/hooks", content=b"{}")
            assert r.status_code == 204
            assert receiver.arrivals[0].headers["host"] == f"hooks.tls.test:{server.port}"
            # Same address, another name: the certificate is checked for the name, not the address.
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.post(f"https://other.tls.test:{server.port}/hooks", content=b"{}")
            with pytest.raises(TargetRefused, match="https"):  # outside development
                await client.post(f"http://hooks.tls.test:{server.port}/hooks", content=b"{}")
        async with httpx.AsyncClient(
            transport=CheckedTransport(
                resolver, development=False, allowed=parse_networks("127.0.0.0/8")
            )
        ) as client:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):  # not our CA
                await client.post(f"https://hooks.tls.test:{server.port}/hooks", content=b"{}")
        assert len(receiver.arrivals) == 1


async def test_huge_or_garbage_retry_after_is_clamped_and_never_stops_the_dispatcher(
    engine: Any, running: Any
) -> None:
    cap = timedelta(seconds=60)
    answers: list[Any] = [
        (429, {"Retry-After": "1" + "0" * 30}),  # 10^30 seconds
        (503, {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}),
        (429, {"Retry-After": "-5"}),
        (503, {"Retry-After": "soon"}),
        (429, {"Retry-After": "9" * 400}),
        (503, {"Retry-After": "\u00b2"}),
        204,
    ]

    def respond(arrival: Arrival) -> Any:
        return answers[len(receiver.arrivals) - 1]

    clock = ManualClock()
    receiver = Receiver(respond=respond)
    async with ReceiverServer(receiver) as url:
        _, secret = await register(engine, clock, url)
        receiver.secrets.append(secret)
        dispatcher = dispatcher_for(
            engine,
            clock,
            RebindingResolver({}),
            allowed=parse_networks("127.0.0.1/32"),
            policy=RetryPolicy(base_seconds=1, cap_seconds=cap.total_seconds()),
        )
        task = await running(dispatcher)
        sent = await publish(engine, clock, dispatcher, "i-3", 1)
        for attempts in range(1, len(answers)):
            row = await eventually(
                lambda: delivery(engine, sent),
                lambda r, attempts=attempts: r.attempts == attempts,
                timeout=20,
                what=f"attempt {attempts} recorded",
            )
            assert row.status == "pending" and row.response_status == answers[attempts - 1][0]
            assert clock.now() <= row.next_attempt_at <= clock.now() + cap, (
                attempts,
                row.next_attempt_at,
            )
            clock.advance(cap)
            dispatcher.wake()
        row = await eventually(
            lambda: delivery(engine, sent), lambda r: r.status == "delivered", timeout=20
        )
        assert row.attempts == len(answers) and not task.done()
        assert all(a.verified and a.id == sent for a in receiver.arrivals)
