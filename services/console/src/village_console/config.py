"""The console's settings: the platform's, plus where a trace id links to and how often a live
timeline looks for entries committed by another instance."""

from __future__ import annotations

from pydantic import Field

from village_platform.settings import Settings

SERVICE = "console"
PORT = 8000


class ConsoleSettings(Settings):
    # A trace UI (Jaeger, Tempo, ...): an entry's trace id links to `<base>/trace/<trace id>`.
    trace_ui_url: str | None = Field(default=None, alias="CONSOLE_TRACE_UI_URL")
    # The consumers of this instance wake its live timelines at once; this bounds the wait for
    # entries another instance recorded, or that a transaction open elsewhere held back.
    live_poll_seconds: float = Field(default=0.5, gt=0, alias="CONSOLE_LIVE_POLL_SECONDS")


def settings_from_env() -> ConsoleSettings:
    return ConsoleSettings.for_service(SERVICE, PORT)
