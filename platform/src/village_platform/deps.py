"""Typed FastAPI dependencies for what every service's routes use: `engine: Engine`,
`clock: AppClock`, `settings: AppSettings`, `store: Store` (the service's own collaborators are
declared the same way next to its routes). `Runtime.serving` puts them on the app; routes never
look them up on `request.app.state` themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from .clock import Clock
from .eventstore import EventStore
from .settings import Settings


async def _engine(request: Request) -> AsyncEngine:
    return request.app.state.engine


async def _clock(request: Request) -> Clock:
    return request.app.state.clock


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _store(request: Request) -> EventStore:
    return request.app.state.store


Engine = Annotated[AsyncEngine, Depends(_engine)]
AppClock = Annotated[Clock, Depends(_clock)]
AppSettings = Annotated[Settings, Depends(_settings)]
Store = Annotated[EventStore, Depends(_store)]
