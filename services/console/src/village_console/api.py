"""The console's routes (thin): each translates a request into a read of the timeline."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
