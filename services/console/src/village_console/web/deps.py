"""What the pages need from the app: settings and the services client (built in the lifespan)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from village_platform.errors import DomainError
from village_platform.settings import Settings

from ..reads import Viewer
from .config import WebSettings
from .services import ApiProblem, Services
from .session import Me

# (token, incident id) -> the console's own timeline entries, newest first, or None
OwnTimeline = Callable[[str, str], Awaitable[list[dict[str, Any]] | None]]


@dataclass
class ConsoleWeb:
    settings: Settings
    web: WebSettings
    services: Services
    oidc: Any = None  # the OIDC client when production sign-in is configured
    timeline: OwnTimeline | None = None


async def console_web(request: Request) -> ConsoleWeb:
    return request.app.state.console_web


Console = Annotated[ConsoleWeb, Depends(console_web)]


async def session_viewer(request: Request, me: Me) -> Viewer:
    """The signed-in party as the egress rule knows a reader, from its token verified again (an
    expired token or a rotated key: sign in again)."""
    try:
        principal = await request.app.state.authenticator.principal(me.token)
    except DomainError as exc:
        raise ApiProblem(401, "Sign in again", exc.detail) from exc
    return Viewer.of(principal)


SessionViewer = Annotated[Viewer, Depends(session_viewer)]
