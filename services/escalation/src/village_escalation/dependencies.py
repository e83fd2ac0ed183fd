"""What the escalation routes use, as typed FastAPI dependencies (`process: Process`, ...); the
lifespan (app.py) puts each on the app once, and no route looks it up itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .configuration import Configuration
from .handlers import EscalationProcess
from .views import EscalationViews


async def _process(request: Request) -> EscalationProcess:
    return request.app.state.process


async def _configuration(request: Request) -> Configuration:
    return request.app.state.configuration


async def _views(request: Request) -> EscalationViews:
    return request.app.state.views


Process = Annotated[EscalationProcess, Depends(_process)]
Configurations = Annotated[Configuration, Depends(_configuration)]
Views = Annotated[EscalationViews, Depends(_views)]
