"""A Standard Webhooks receiver on a local port: what the end-to-end tests and the benchmark
deliver to (a real HTTP server, uvicorn, in the caller's event loop).

It verifies each request with the `standardwebhooks` verifier against the secrets it holds,
records what arrived, and answers what `respond(arrival)` says: a status, or (status, headers),
or an awaitable of either (to hold a request open). The demo's long-running receiver
(demo_receiver.py) keeps nothing (`keep=False`): its `respond` writes each arrival down.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Arrival:
    id: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() on arrival
    verified: bool
    status: int = 0
    client: tuple[str, int] | None = None  # the sender's address and port: one per connection

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    respond: Callable[[Arrival], Any] = lambda arrival: 204
    arrivals: list[Arrival] = field(default_factory=list)
    keep: bool = True  # False: `arrivals` stays empty (a receiver that runs for days)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        arrival = Arrival(
            headers.get("webhook-id", ""),
            headers,
            body,
            time.time(),
            self._verify(body, headers),
            client=tuple(scope["client"]) if scope.get("client") else None,
        )
        if self.keep:
            self.arrivals.append(arrival)
        answer = self.respond(arrival)
        if inspect.isawaitable(answer):
            answer = await answer
        status, extra = answer if isinstance(answer, tuple) else (answer, {})
        arrival.status = status
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), str(v).encode()) for k, v in extra.items()],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    def _verify(self, body: bytes, headers: dict[str, str]) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                return True
            except WebhookVerificationError:
                continue
        return False

    # -- what arrived ---------------------------------------------------------------------

    def accepted(self) -> list[Arrival]:
        """Requests answered 2xx, in arrival order."""
        return [a for a in self.arrivals if 200 <= a.status < 300]

    def accepted_ids(self) -> list[str]:
        return [a.id for a in self.accepted()]

    def events(self) -> list[dict[str, Any]]:
        """Each accepted event once (receivers deduplicate on webhook-id), in arrival order."""
        seen: dict[str, dict[str, Any]] = {}
        for arrival in self.accepted():
            seen.setdefault(arrival.id, arrival.event)
        return list(seen.values())

    def types(self, subject: str | None = None) -> list[str]:
        return [e["type"] for e in self.events() if subject is None or e["subject"] == subject]


class ReceiverServer:
    """`async with ReceiverServer(receiver) as url:` serves it on 127.0.0.1, a free port (or
    `host`, `port`); over TLS with `certfile` and `keyfile` (PEM files)."""

    def __init__(
        self,
        app: Receiver,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
    ) -> None:
        self.app, self.host, self.port = app, host, port
        self.certfile, self.keyfile = certfile, keyfile
        self.server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        port = self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            backlog=2048,
            ssl_certfile=self.certfile,
            ssl_keyfile=self.keyfile,
        )
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._task = asyncio.create_task(self.server.serve(sockets=[sock]))
        while not self.server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.005)
        return f"{'https' if self.certfile else 'http'}://{self.host}:{port}/hooks"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None and self._task is not None
        self.server.should_exit = True
        await asyncio.wait([self._task], timeout=5)
