"""The console's settings: the platform's, plus where a trace id links to."""

from __future__ import annotations

from pydantic import Field

from village_platform.settings import Settings

SERVICE = "console"
PORT = 8000


class ConsoleSettings(Settings):
    # A trace UI (Jaeger, Tempo, ...): an entry's trace id links to `<base>/trace/<trace id>`.
    trace_ui_url: str | None = Field(default=None, alias="CONSOLE_TRACE_UI_URL")


def settings_from_env() -> ConsoleSettings:
    return ConsoleSettings.for_service(SERVICE, PORT)
