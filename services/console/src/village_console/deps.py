"""Typed dependencies of the console's routes, for what the lifespan (app.py) built. The
platform's own (`Engine`, `AppClock`, ...) are in village_platform.deps."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .live import Live
from .reads import Timeline


async def _timeline(request: Request) -> Timeline:
    return request.app.state.timeline


async def _live(request: Request) -> Live:
    return request.app.state.live


Timelines = Annotated[Timeline, Depends(_timeline)]
LiveTimelines = Annotated[Live, Depends(_live)]
