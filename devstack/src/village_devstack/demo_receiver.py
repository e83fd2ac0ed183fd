"""`make run`'s demo webhook receiver: a process on 127.0.0.1 where each demo provider's endpoint
delivers (`POST /<provider>`, demo_webhooks.py). Each delivery is verified with the
`standardwebhooks` library (webhook_receiver.Receiver) against that provider's secret, and
written down as one JSON line: when, the path, `webhook-id`, the CloudEvent's type, subject and
time, verified or not. A verified delivery is answered 204, any other 401 (as a receiver should).

The secrets are read from the seed's file (0600), again whenever it changes.

    python -m village_devstack.demo_receiver serve
      WEBHOOK_RECEIVER_PORT, WEBHOOK_RECEIVER_SECRETS (file), WEBHOOK_RECEIVER_DELIVERIES (file)
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from .demo_webhooks import read_secrets
from .services import WEBHOOK_RECEIVER, ServiceProcess
from .webhook_receiver import Arrival, Receiver

HOST = "127.0.0.1"  # for this machine only, whatever VILLAGE_HOST says


class DeliveryLog:
    """The receiver's ASGI app: a `Receiver` per provider in the secrets file (any other path: a
    passing one with no secret, so nothing it gets is verified), and `GET /healthz`."""

    def __init__(self, secrets_file: Path, deliveries_file: Path) -> None:
        self.secrets_file, self.deliveries_file = secrets_file, deliveries_file
        self._receivers: dict[str, Receiver] = {}
        self._read: tuple[int, int] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/healthz":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        self._reload()
        party = scope["path"].strip("/")
        receiver = self._receivers.get(party) or self._receiver(party)
        await receiver(scope, receive, send)

    def _receiver(self, party: str) -> Receiver:
        return Receiver(respond=partial(self._record, path=f"/{party}"), keep=False)

    def _reload(self) -> None:
        """The secrets as the file says now (a stat per request: it changes when seeded)."""
        try:
            stat = self.secrets_file.stat()
        except FileNotFoundError:
            return
        if self._read == (stat.st_mtime_ns, stat.st_size):
            return
        self._read = (stat.st_mtime_ns, stat.st_size)
        secrets = read_secrets(self.secrets_file)
        for party in {*self._receivers, *secrets}:
            receiver = self._receivers.setdefault(party, self._receiver(party))
            receiver.secrets[:] = [secrets[party]["secret"]] if party in secrets else []

    def _record(self, arrival: Arrival, *, path: str) -> int:
        try:
            event = json.loads(arrival.body)
        except ValueError:
            event = None
        event = event if isinstance(event, dict) else {}
        line = {
            "at": datetime.fromtimestamp(arrival.at, UTC).isoformat(),
            "path": path,
            "webhook_id": arrival.id,
            "type": event.get("type"),
            "subject": event.get("subject"),
            "time": event.get("time"),  # the event's own instant: `at` minus it is the lag
            "verified": arrival.verified,
        }
        with self.deliveries_file.open("a") as out:
            out.write(json.dumps(line) + "\n")
        return 204 if arrival.verified else 401


def receiver_process(
    secrets_file: Path,
    deliveries_file: Path,
    *,
    env: Mapping[str, str],
    log_file: Path,
    port: int = WEBHOOK_RECEIVER.port,
    cwd: Path | None = None,
) -> ServiceProcess:
    """The receiver as a subprocess (`start()`, `close()`), not yet started."""
    return ServiceProcess(
        WEBHOOK_RECEIVER,
        env={
            **env,
            "WEBHOOK_RECEIVER_SECRETS": str(secrets_file),
            "WEBHOOK_RECEIVER_DELIVERIES": str(deliveries_file),
        },
        port=port,
        host=HOST,
        log_file=log_file,
        cwd=cwd,
    )


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["serve"]):
        sys.exit(f"usage: python -m {WEBHOOK_RECEIVER.main_module} [serve]")
    app = DeliveryLog(
        Path(os.environ["WEBHOOK_RECEIVER_SECRETS"]),
        Path(os.environ["WEBHOOK_RECEIVER_DELIVERIES"]),
    )
    port = int(os.environ.get("WEBHOOK_RECEIVER_PORT", WEBHOOK_RECEIVER.port))
    uvicorn.run(app, host=HOST, port=port, lifespan="off", access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
