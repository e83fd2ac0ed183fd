"""Provider incident (outage) command handlers: one unit of work each on the platform's write
path (`Writes.run`: the Idempotency-Key, the transaction, the retry on a concurrent append). The
work loads the provider incident (outage_state.py), decides (domain/outage_rules.py), appends
its events with their audience and projects the read model; a link or an unlink appends to the
incident's stream too, in the same transaction, each stream at the version it was read at (a
concurrent change to either is decided again on fresh state). Reads: outage_reads.py.

Locks, in one order on every path (so no two commands deadlock): the incident's stream (its
next version, taken by the append), then the outage's row (`FOR UPDATE`: commands on one
outage queue for it rather than race), then the outage's link rows. A command on the outage
alone takes its row first thing; one that changes a linked incident too (link, unlink, a
requester's rejection) does the incident's part first and takes the outage's row last, so
the queue of many partners linking at once waits only for each other's short outage part."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.auth import Principal
from village_platform.errors import DomainError
from village_platform.eventstore import ConcurrencyError, EventStore
from village_platform.idempotency import StoredResponse
from village_platform.writes import Work, WriteContext, Writes, Written, stored

from . import fanout, outage_readmodel, outage_state, snapshots
from .domain import commands as c
from .domain import events as e
from .domain import outage_rules as rules
from .domain.incident import Incident
from .domain.provider_incident import (
    ProviderIncident,
    describe,
    evolve,
    is_outage_stream,
    stream_of,
)
from .handlers import MAX_ATTEMPTS, IncidentHandlers, etag
from .outage_reads import OutageReads, present_swarm
from .reads import actor_of

Both = tuple[list[e.OutageEvent], list[e.IncidentEvent]]
"""A link's or an unlink's events: the outage's and the incident's."""


class OutageHandlers:
    def __init__(
        self,
        writes: Writes,
        store: EventStore,
        incidents: IncidentHandlers,
        *,
        committed: Callable[[], None] | None = None,
    ) -> None:
        """`committed`: called after a command committed (the fan-out worker's wake-up: it may
        have queued deliveries)."""
        self.writes, self.store, self.incidents = writes, store, incidents
        self.committed = committed
        self.clock = writes.clock
        self.reads = OutageReads(store)
        incidents.followers.append(self.follow)

    async def declare(self, ctx: WriteContext, cmd: c.DeclareOutage) -> Written:
        _may_speak_for_provider(ctx.principal)

        async def work(conn: AsyncConnection) -> StoredResponse:
            actor = actor_of(ctx.principal)
            supplies = await outage_readmodel.supplies_from(conn, actor.party)
            events = rules.declare(cmd, actor, supplies, self.clock.now())
            state = await self._append(conn, ctx, None, events)
            return await self._answer(conn, state, ctx.principal, 201)

        return await self._run(ctx, work)

    async def change_status(
        self,
        ctx: WriteContext,
        outage_id: str,
        cmd: c.ChangeOutageStatus,
        if_match: frozenset[int] | None,
    ) -> Written:
        _may_speak_for_provider(ctx.principal)

        async def work(conn: AsyncConnection) -> StoredResponse:
            state = await self._current(conn, outage_id, ctx.principal, if_match)
            after = await self._append(
                conn, ctx, state, rules.change_status(state, cmd, actor_of(ctx.principal))
            )
            # The provider's public message reaches every linked incident's customer too.
            await fanout.queue(
                conn,
                outage_id=after.id,
                update_id=fanout.status_update_id(after.id, after.version),
                kind="status",
                body=f"{cmd.status}: {cmd.message}",
                audience="customers",
                at=self.clock.now(),
            )
            return await self._answer(conn, after, ctx.principal)

        return await self._run(ctx, work)

    async def post_update(
        self, ctx: WriteContext, outage_id: str, cmd: c.PostOutageUpdate
    ) -> Written:
        """`update_posted`, and in the same transaction a delivery for every linked incident:
        the fan-out (fanout.py) notes it on each, once."""
        _may_speak_for_provider(ctx.principal)

        async def work(conn: AsyncConnection) -> StoredResponse:
            state = await self._current(conn, outage_id, ctx.principal, None)
            events = rules.post_update(state, cmd, actor_of(ctx.principal))
            await self._append(conn, ctx, state, events)
            await fanout.queue(
                conn,
                outage_id=state.id,
                update_id=cmd.update_id,
                kind="update",
                body=cmd.body,
                audience=cmd.audience,
                at=self.clock.now(),
            )
            view = await self.reads.update(conn, state.id, cmd.update_id)
            location = f"/provider-incidents/{state.id}/updates"
            return stored(201, view, {"Location": location})

        return await self._run(ctx, work)

    async def resolve(
        self,
        ctx: WriteContext,
        outage_id: str,
        cmd: c.ResolveOutage,
        if_match: frozenset[int] | None,
    ) -> Written:
        """`resolved`, and a delivery for every linked incident: the fan-out resolves each one
        still open as the provider, and asks its requester to confirm."""
        _may_speak_for_provider(ctx.principal)

        async def work(conn: AsyncConnection) -> StoredResponse:
            state = await self._current(conn, outage_id, ctx.principal, if_match)
            events = rules.resolve(state, cmd, actor_of(ctx.principal))
            after = await self._append(conn, ctx, state, events)
            await fanout.queue(
                conn,
                outage_id=after.id,
                update_id=fanout.resolution_update_id(after.id),
                kind="resolution",
                body=cmd.message,
                audience="customers",
                at=self.clock.now(),
                resolution=(cmd.resolution_code, cmd.resolution_notes),
            )
            return await self._answer(conn, after, ctx.principal)

        return await self._run(ctx, work)

    async def cancel(
        self,
        ctx: WriteContext,
        outage_id: str,
        cmd: c.CancelOutage,
        if_match: frozenset[int] | None,
    ) -> Written:
        _may_speak_for_provider(ctx.principal)

        async def work(conn: AsyncConnection) -> StoredResponse:
            state = await self._current(conn, outage_id, ctx.principal, if_match)
            events = rules.cancel(state, cmd, actor_of(ctx.principal))
            after = await self._append(conn, ctx, state, events)
            # Every linked incident is told why and unlinked, back to its ladder (fan-out).
            await fanout.queue(
                conn,
                outage_id=after.id,
                update_id=fanout.cancellation_update_id(after.id),
                kind="cancellation",
                body=cmd.reason,
                audience="customers",
                at=self.clock.now(),
                delivery="cancel",
            )
            return await self._answer(conn, after, ctx.principal)

        return await self._run(ctx, work)

    async def link(
        self,
        ctx: WriteContext,
        outage_id: str,
        cmd: c.LinkIncident,
        if_match: frozenset[int] | None,
    ) -> Written:
        async def work(conn: AsyncConnection) -> StoredResponse:
            outage = await outage_state.load(conn, self.store, outage_id)
            partners = await self._partners(conn, outage)
            loaded = await snapshots.load(conn, self.store, cmd.incident_id)
            actor = actor_of(ctx.principal)

            def decide(now: ProviderIncident | None) -> Both:
                return rules.link(now, loaded.state, actor, partners)

            return await self._both(conn, ctx, outage_id, loaded, decide, if_match)

        return await self._run(ctx, work)

    async def unlink(
        self,
        ctx: WriteContext,
        outage_id: str,
        cmd: c.UnlinkIncident,
        if_match: frozenset[int] | None,
    ) -> Written:
        async def work(conn: AsyncConnection) -> StoredResponse:
            loaded = await snapshots.load(conn, self.store, cmd.incident_id)
            actor = actor_of(ctx.principal)
            left = await outage_readmodel.unlinked(conn, outage_id, cmd.incident_id)

            def decide(now: ProviderIncident | None) -> Both:
                return rules.unlink(now, loaded.state, actor, cmd.reason, unlinked_before=left)

            return await self._both(conn, ctx, outage_id, loaded, decide, if_match)

        return await self._run(ctx, work)

    async def invite_to_swarm(
        self,
        ctx: WriteContext,
        outage_id: str,
        cmd: c.InviteToSwarm,
        if_match: frozenset[int] | None,
    ) -> Written:
        """A hop of the outage's swarm; answers the provenance as the inviter sees it."""
        _may_speak_for_provider(ctx.principal)

        async def work(conn: AsyncConnection) -> StoredResponse:
            state, _, partners = await self.reads.visible(conn, outage_id, ctx.principal, lock=True)
            _at(state, if_match)
            events = rules.invite_to_swarm(state, cmd, actor_of(ctx.principal), partners)
            after = await self._append(conn, ctx, state, events)
            location = {"Location": f"/provider-incidents/{after.id}/provenance"}
            return stored(201, present_swarm(after, ctx.principal), {**_etag(after), **location})

        return await self._run(ctx, work)

    async def revoke_swarm_hop(
        self,
        ctx: WriteContext,
        outage_id: str,
        cmd: c.RevokeSwarmHop,
        if_match: frozenset[int] | None,
    ) -> Written:
        """Revoke a hop and every live hop below it, in one transaction."""
        _may_speak_for_provider(ctx.principal)

        async def work(conn: AsyncConnection) -> StoredResponse:
            state, _, partners = await self.reads.visible(conn, outage_id, ctx.principal, lock=True)
            _at(state, if_match)
            events = rules.revoke_swarm_hop(state, cmd, actor_of(ctx.principal), partners)
            after = await self._append(conn, ctx, state, events)
            return stored(200, present_swarm(after, ctx.principal), _etag(after))

        return await self._run(ctx, work)

    async def follow(
        self,
        conn: AsyncConnection,
        ctx: WriteContext,
        incident: Incident,
        events: list[e.IncidentEvent],
    ) -> Incident:
        """A linked incident the outage resolved (its link `waiting`): closed, its requester
        confirmed the resolution; reopened by its requester, rejected it: the incident leaves
        the outage in the same transaction (`rejected`) and goes back to the ladder. Reopened
        by another party (the provider, the owning partner of a customer's incident), the link
        stays as it is, waiting for the requester's answer (rules.rejects). The incident's
        stream is taken already (appended), the outage's row after it: the one lock order."""
        answered = any(isinstance(ev, (e.IncidentClosed, e.IncidentReopened)) for ev in events)
        if incident.outage_id is None or not answered:
            return incident
        outage_id = incident.outage_id
        if not await outage_readmodel.waiting(conn, outage_id, incident.id):
            return incident
        actor = actor_of(ctx.principal)
        if any(isinstance(ev, e.IncidentClosed) for ev in events):
            await outage_readmodel.set_resolution(conn, outage_id, incident.id, "confirmed")
        elif rules.rejects(incident, actor):
            outage = await outage_state.load(conn, self.store, outage_id, lock=True)
            assert outage is not None
            loaded = await snapshots.load(conn, self.store, incident.id)
            assert loaded.state is not None
            unlinked, incident_events = rules.reject(outage, loaded.state, actor)
            await self._append(conn, ctx, outage, unlinked, loaded.state)
            await outage_readmodel.set_resolution(conn, outage_id, incident.id, "rejected")
            return await self.incidents.record(conn, ctx, loaded, incident_events)
        return incident

    async def _both(
        self,
        conn: AsyncConnection,
        ctx: WriteContext,
        outage_id: str,
        loaded: snapshots.Loaded,
        decide: Callable[[ProviderIncident | None], Both],
        if_match: frozenset[int] | None,
    ) -> StoredResponse:
        """A link's or an unlink's two appends, one transaction, in the one lock order: decided
        on the outage as it stands (a refusal writes nothing), the incident's events appended,
        then the outage's row locked and the command decided again on the outage as the lock
        leaves it (another command may have moved it meanwhile: resolved, or a version If-Match
        no longer names), and the outage's events appended. The row is held from there to the
        commit only: linking many incidents at once, each waits for the others' outage part,
        not for their incident's."""
        before = await outage_state.load(conn, self.store, outage_id)
        _, incident_events = decide(before)
        assert before is not None and loaded.state is not None
        _at(before, if_match)
        await self.incidents.record(conn, ctx, loaded, incident_events)
        outage = await outage_state.load(conn, self.store, outage_id, lock=True)
        events, _ = decide(outage)
        assert outage is not None
        _at(outage, if_match)
        after = await self._append(conn, ctx, outage, events, loaded.state)
        return await self._answer(conn, after, ctx.principal)

    async def _append(
        self,
        conn: AsyncConnection,
        ctx: WriteContext,
        state: ProviderIncident | None,
        events: list[e.OutageEvent],
        incident: Incident | None = None,
    ) -> ProviderIncident:
        """Append `events` after `state`, each with its audience (the provider's partners now,
        or for a link the parties working `incident`), and project them."""
        now = self.clock.now()
        partners: list[str] = []
        if incident is None:  # a link's audience is its incident's; any other, the partners'
            provider = state.provider if state else events[0].provider  # type: ignore[attr-defined]
            partners = await outage_readmodel.partners(conn, provider)
        after, new = state, []
        for event in events:
            after = evolve(after, event, now)
            new.append(event.new(describe(after, event, partners, incident)))
        assert after is not None
        metadata = ctx.event_metadata()
        await self.store.append(
            conn, stream_of(after.id), state.version if state else 0, new, metadata, recorded_at=now
        )
        await outage_readmodel.project(conn, after)
        for event, appended in zip(events, new, strict=True):
            await outage_readmodel.project_link(conn, event, appended.metadata, now)
        return after

    async def _current(
        self,
        conn: AsyncConnection,
        outage_id: str,
        principal: Principal,
        if_match: frozenset[int] | None,
    ) -> ProviderIncident:
        """The provider incident, if `principal` may see it (else 404), at a version `if_match`
        names (else 412)."""
        state, _, _ = await self.reads.visible(conn, outage_id, principal, lock=True)
        _at(state, if_match)
        return state

    async def _partners(self, conn: AsyncConnection, outage: ProviderIncident | None) -> list[str]:
        return await outage_readmodel.partners(conn, outage.provider) if outage else []

    async def _answer(
        self,
        conn: AsyncConnection,
        state: ProviderIncident,
        principal: Principal,
        status: int = 200,
    ) -> StoredResponse:
        view = await self.reads.present(conn, state, principal)
        headers = {"ETag": etag(state.version)}
        if status == 201:
            headers["Location"] = f"/provider-incidents/{state.id}"
        return stored(status, view, headers)

    async def _run(self, ctx: WriteContext, work: Work) -> Written:
        """Commands on one provider incident queue for its row, so a concurrent append can only
        be to a linked incident's stream: decided again on fresh state (If-Match checked again),
        409 when it keeps losing."""
        try:
            written = await self.writes.run(ctx, work, attempts=MAX_ATTEMPTS)
        except ConcurrencyError as err:
            what = "provider incident" if is_outage_stream(err.stream_id) else "incident"
            raise DomainError(
                409, "concurrent-update", f"the {what} changed concurrently; reload and retry"
            ) from err
        if self.committed is not None and not written.replayed:
            self.committed()
        return written


def _at(state: ProviderIncident, if_match: frozenset[int] | None) -> None:
    if if_match is not None and state.version not in if_match:
        named = ", ".join(str(v) for v in sorted(if_match))
        raise DomainError(
            412,
            "stale-version",
            f"the provider incident is at version {state.version}, not {named}",
            current_version=state.version,
        )


def _etag(state: ProviderIncident) -> dict[str, str]:
    return {"ETag": etag(state.version)}


def _may_speak_for_provider(principal: Principal) -> None:
    """A provider's agents and admins declare and update its provider incidents."""
    if principal.kind == "provider" and not (
        principal.has_role("agent") or principal.has_role("admin")
    ):
        raise DomainError.forbidden("only the provider's agents and admins do this")


def new_outage_id() -> str:
    return str(uuid.uuid4())


def new_update_id() -> str:
    return str(uuid.uuid4())
