"""The knowledge consumer's fetch in progress. The platform applies a fetch of incident events in
one transaction (`Applier.apply_many`); inside it (`Streams.applying_many`) the handlers keep
here what they change, and it is written once at the fetch's end, a statement per table: the
incidents' facts and the events appended to incidents' knowledge streams. Per task, so that the
API (other tasks) writes as before."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from village_platform.eventstore import NewEvent


@dataclass
class Fetch:
    facts: list[dict[str, Any]] = field(default_factory=list)  # incident upserts, in order
    events: dict[str, list[NewEvent]] = field(default_factory=dict)  # per incident, in order


current: ContextVar[Fetch | None] = ContextVar("knowledge-fetch", default=None)
