"""A cancelled provider incident announces itself through the fan-out: each incident linked when
it was cancelled gets the provider's cancellation message as a `shared` note (its customer
learns why the provider let go of it) and is unlinked, reason `outage_cancelled`, on both
streams, so that it leaves the provider's `outage:<id>` queue and goes back to its escalation
ladder (the escalation service handles `outage_unlinked`). Exactly once, as updates are: the
delivery is taken in the transaction that appends both.

`Unlinks` is the provider incident's side of one batch: each cancelled outage is read (not
locked) before any incident is touched, its `unlinked` events are collected as the incidents'
jobs are decided and appended once, at the version read, after the incidents' (the one lock
order: the incidents' streams, then the outage; a link or unlink committed in between makes the
append a conflict, and the batch is decided again on fresh state)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.errors import DomainError
from village_platform.eventstore import EventStore
from village_platform.writes import WriteContext

from . import outage_readmodel, outage_state
from .domain import events as e
from .domain import outage_rules as rules
from .domain.incident import Incident
from .domain.provider_incident import ProviderIncident, describe, evolve, stream_of
from .reads import actor_of

CANCELLED = "outage_cancelled"
Unlink = Callable[[Incident], list[e.IncidentEvent]]
NOTE = (
    "{provider} cancelled the provider incident this incident was linked to: {reason}. The"
    " incident is no longer linked to it and is back with its support tier."
)


def note_body(provider: str, reason: str) -> str:
    return NOTE.format(provider=provider, reason=reason)


class Unlinks:
    """The cancelled outages of one batch (one transaction: made afresh for each attempt)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.outages: dict[str, ProviderIncident] = {}
        self.unlinked: dict[str, list[tuple[e.OutageUnlinked, Incident, WriteContext]]] = {}

    async def load(self, conn: AsyncConnection, outage_ids: Iterable[str]) -> None:
        for outage_id in sorted(set(outage_ids)):
            outage = await outage_state.load(conn, self.store, outage_id)
            if outage is not None:
                self.outages[outage_id] = outage

    def then(
        self, outage_id: str, ctx: WriteContext
    ) -> Callable[[Incident], list[e.IncidentEvent]]:
        """A job's unlink: the incident's `outage_unlinked`; the outage's `unlinked` kept for
        `append` (only once the job is accepted: the last thing decided)."""

        def unlink(incident: Incident) -> list[e.IncidentEvent]:
            outage = self.outages.get(outage_id)
            if outage is None:
                raise DomainError.not_found("no such provider incident")
            events, incident_events = rules.unlink(
                outage, incident, actor_of(ctx.principal), CANCELLED
            )
            [event] = events
            assert isinstance(event, e.OutageUnlinked)
            self.unlinked.setdefault(outage_id, []).append((event, incident, ctx))
            return incident_events

        return unlink

    async def append(self, conn: AsyncConnection, now: datetime) -> None:
        """Each outage's `unlinked` events, described by their incidents (the provider and the
        parties working each), in one append; the links ended in the read model."""
        for outage_id, unlinked in self.unlinked.items():
            outage = after = self.outages[outage_id]
            new = []
            for event, incident, _ in unlinked:
                after = evolve(after, event, now)
                new.append(event.new(describe(after, event, (), incident)))
            metadata = unlinked[0][2].event_metadata()  # the cancellation's: one update
            stream = stream_of(outage_id)
            await self.store.append(conn, stream, outage.version, new, metadata, recorded_at=now)
            await outage_readmodel.project(conn, after)
            for (event, _, _), appended in zip(unlinked, new, strict=True):
                await outage_readmodel.project_link(conn, event, appended.metadata, now)
