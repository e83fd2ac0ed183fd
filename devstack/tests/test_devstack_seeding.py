"""Seeding waits out a service that answers 503 (its database busy) and tries again; a real
HTTP server in the test plays that service."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from village_devstack import demo


class Busy(http.server.BaseHTTPRequestHandler):
    """Answers the first `busy` POSTs with a 503 problem, then 201; records what it took."""

    busy = 2
    taken: list[str] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Busy.busy:
            Busy.busy -= 1
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/problem+json")
            self.end_headers()
            self.wfile.write(b'{"title": "Service unavailable", "status": 503}')
            return
        Busy.taken.append(body["id"])
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def busy_service() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_seeding_tries_again_after_a_503_and_registers_each_contract_once(
    busy_service: str,
) -> None:
    Busy.busy, Busy.taken = 2, []
    demo.seed_contracts(busy_service)
    assert Busy.busy == 0  # both 503s were answered, then tried again
    assert Busy.taken == [c["id"] for c in demo.CONTRACTS]
