"""Typed dependencies of the webhooks routes, for what the lifespan (app.py) built: the commands
(`webhooks: WebhookCommands`). The platform's own (`Engine`, `AppClock`, ...) are in
village_platform.deps."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .handlers import Webhooks


async def _webhooks(request: Request) -> Webhooks:
    return request.app.state.webhooks


WebhookCommands = Annotated[Webhooks, Depends(_webhooks)]
