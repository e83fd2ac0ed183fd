"""Typed FastAPI dependencies for the SLA monitor's own collaborators (the platform's, `Engine`,
`AppClock`, `Write`, ..., are in village_platform.deps and .writes). The lifespan (app.py) puts
them on the app; routes declare what they use: `book: Book`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .contractbook import ContractBook
from .handlers.contracts import ContractCommands
from .handlers.incident_events import IncidentEventHandlers


async def _book(request: Request) -> ContractBook:
    return request.app.state.book


async def _contracts(request: Request) -> ContractCommands:
    return request.app.state.contracts


async def _sla(request: Request) -> IncidentEventHandlers:
    return request.app.state.projection


Book = Annotated[ContractBook, Depends(_book)]
Contracts = Annotated[ContractCommands, Depends(_contracts)]
Sla = Annotated[IncidentEventHandlers, Depends(_sla)]
"""The incidents' SLA states (`load`) and their projector."""
