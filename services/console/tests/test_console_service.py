"""The console runs as the dev stack runs it: migrated, live and ready on its own database."""

from __future__ import annotations

import httpx

from village_devstack.testing import CONSOLE


def test_the_console_is_live_and_ready(stack, incidents_service):
    console = stack.start_service(CONSOLE, INCIDENTS_URL=incidents_service.url)
    try:
        assert httpx.get(f"{console.url}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{console.url}/readyz", timeout=10).json()
        assert (ready["status"], ready["database"], ready["broker"]) == ("ready", "ok", "ok")
    finally:
        console.close()
