"""Typed dependencies of the knowledge routes, for what the lifespan (app.py) built: the
commands (`knowledge: KnowledgeCommands`) and what a caller may read (`access: ReadAccess`).
The platform's own (`Engine`, `AppClock`, ...) are in village_platform.deps."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .access import Access
from .handlers import Knowledge


async def _knowledge(request: Request) -> Knowledge:
    return request.app.state.knowledge


async def _access(request: Request) -> Access:
    return request.app.state.access


KnowledgeCommands = Annotated[Knowledge, Depends(_knowledge)]
ReadAccess = Annotated[Access, Depends(_access)]
