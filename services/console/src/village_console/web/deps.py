"""What the pages need from the app: settings and the services client (built in the lifespan)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from village_platform.settings import Settings

from .config import WebSettings
from .services import Services


@dataclass
class ConsoleWeb:
    settings: Settings
    web: WebSettings
    services: Services
    oidc: Any = None  # the OIDC client when production sign-in is configured


async def console_web(request: Request) -> ConsoleWeb:
    return request.app.state.console_web


Console = Annotated[ConsoleWeb, Depends(console_web)]
