"""Server-rendered pages: Jinja2 templates with the signed-in party, the CSRF token, and a fresh
Idempotency-Key for every form rendered."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from .services import ApiProblem
from .session import csrf_token

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def duration(seconds: float | int | None) -> str:
    """1 h 05 min, 4 min 10 s, -3 min (overdue): what a person reads at a glance."""
    if seconds is None:
        return "—"
    sign, s = ("-" if seconds < 0 else ""), int(abs(seconds))
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours} h {minutes:02d} min"
    if minutes:
        return f"{sign}{minutes} min {secs:02d} s"
    return f"{sign}{secs} s"


def when(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return value


def clock_state(clock: dict[str, Any]) -> str:
    """The clock's state in words (colour is never the only signal)."""
    if clock.get("breached"):
        return "breached"
    if clock.get("outcome") == "met":
        return "met"
    if clock.get("state") == "paused":
        return "paused"
    if clock.get("state") == "stopped":
        return "stopped"
    if clock.get("warnings_fired"):
        return f"warning ({max(clock['warnings_fired'])} %)"
    return "on track"


templates.env.filters.update(duration=duration, when=when)
templates.env.globals.update(new_key=lambda: str(uuid.uuid4()), clock_state=clock_state)


def render(
    request: Request,
    name: str,
    status_code: int = 200,
    problem: ApiProblem | None = None,
    **context: Any,
) -> Response:
    context.setdefault("me", getattr(request.state, "me", None))
    context.update(csrf_token=csrf_token(request), problem=problem)
    return templates.TemplateResponse(request, name, context, status_code=status_code)
