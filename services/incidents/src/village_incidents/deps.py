"""Typed dependencies of the incidents routes, declared like the platform's (`Engine`, `Write`):
`handlers: Handlers`, `reads: Reads`, `parties: Parties`, `supplies: Supplies`. The lifespan
(app.py) builds them; routes never look them up on `request.app.state` themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .handlers import IncidentHandlers, PartyHandlers, SupplyHandlers
from .reads import IncidentReads


async def _handlers(request: Request) -> IncidentHandlers:
    return request.app.state.handlers


async def _reads(request: Request) -> IncidentReads:
    return request.app.state.handlers.reads


async def _parties(request: Request) -> PartyHandlers:
    return request.app.state.parties


async def _supplies(request: Request) -> SupplyHandlers:
    return request.app.state.supplies


Handlers = Annotated[IncidentHandlers, Depends(_handlers)]
"""The incident command handlers."""
Reads = Annotated[IncidentReads, Depends(_reads)]
"""The reads of one incident: its view, its notes, its timeline."""
Parties = Annotated[PartyHandlers, Depends(_parties)]
"""The party directory's registration."""
Supplies = Annotated[SupplyHandlers, Depends(_supplies)]
"""The directory's supplies: registration and end."""
