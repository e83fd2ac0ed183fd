"""Typed dependencies of the incidents routes, declared like the platform's (`Engine`, `Write`):
`handlers: Handlers`, `reads: Reads`, `parties: Parties`, `supplies: Supplies`, `outages: Outages`,
`reads: OutageReader`. The lifespan (app.py) builds them; routes never look them up on
`request.app.state` themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .handlers import IncidentHandlers, PartyHandlers, SupplyHandlers
from .outage_reads import OutageReads
from .outages import OutageHandlers
from .reads import IncidentReads


async def _handlers(request: Request) -> IncidentHandlers:
    return request.app.state.handlers


async def _reads(request: Request) -> IncidentReads:
    return request.app.state.handlers.reads


async def _parties(request: Request) -> PartyHandlers:
    return request.app.state.parties


async def _supplies(request: Request) -> SupplyHandlers:
    return request.app.state.supplies


async def _outages(request: Request) -> OutageHandlers:
    return request.app.state.outages


async def _outage_reads(request: Request) -> OutageReads:
    return request.app.state.outages.reads


Handlers = Annotated[IncidentHandlers, Depends(_handlers)]
"""The incident command handlers."""
Reads = Annotated[IncidentReads, Depends(_reads)]
"""The reads of one incident: its view, its notes, its timeline."""
Parties = Annotated[PartyHandlers, Depends(_parties)]
"""The party directory's registration."""
Supplies = Annotated[SupplyHandlers, Depends(_supplies)]
"""The directory's supplies: registration and end."""
Outages = Annotated[OutageHandlers, Depends(_outages)]
"""The provider incident (outage) command handlers."""
OutageReader = Annotated[OutageReads, Depends(_outage_reads)]
"""The reads of provider incidents: list, view, links, candidates."""
