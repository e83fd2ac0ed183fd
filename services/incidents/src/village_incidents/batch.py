"""Commands to many incidents in one transaction (the outage fan-out's batch), on the caller's
connection: the incidents loaded in one query, each job decided in order on its incident as
loaded and as the batch's earlier jobs left it, then one append for every stream (each at the
version it was read at: a racing command makes the whole batch a conflict, decided again on
fresh state), and the read model, the notes and the snapshots each in one pipelined statement.

A job is one or more commands to one incident, all or nothing: a job refused (a DomainError,
e.g. the incident was closed meanwhile) appends nothing and holds up no other job. What a job's
events change elsewhere (`IncidentHandlers.followers`) runs once the batch is appended."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.auth import Principal
from village_platform.errors import DomainError, Problem, as_problem
from village_platform.eventstore import ConcurrencyError, NewEvent
from village_platform.idempotency import IdempotencyKey, StoredResponse
from village_platform.writes import WriteContext, Written, stored

from . import readmodel, snapshots
from .domain import commands as c
from .domain import events as e
from .domain.incident import Incident, Note
from .domain.rules import decide
from .handlers import MAX_ATTEMPTS, MINIMAL_APPLIED, IncidentHandlers, etag, evolved
from .reads import actor_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    ctx: WriteContext
    incident_id: str
    commands: tuple[object, ...]
    # A command refused is skipped rather than refusing the job (a courtesy note).
    best_effort: bool = False
    # Events decided elsewhere on the incident as the commands left it (a provider incident's
    # unlink), appended after theirs; a DomainError refuses the job.
    then: Callable[[Incident], list[e.IncidentEvent]] | None = None


@dataclass(frozen=True)
class Command:
    """One command of `execute_many`: its context, its own key and its incident."""

    ctx: WriteContext
    incident_id: str
    command: object

    @property
    def key(self) -> IdempotencyKey:
        assert self.ctx.key is not None  # the batch route makes one for every command
        return self.ctx.key


@dataclass
class _Stream:
    """One incident within the batch: as loaded, as its accepted jobs leave it."""

    loaded: snapshots.Loaded
    state: Incident
    notes: dict[str, Note]
    new: list[NewEvent] = dataclasses.field(default_factory=list)
    touched: dict[str, Note] = dataclasses.field(default_factory=dict)


async def apply_many(
    handlers: IncidentHandlers, conn: AsyncConnection, jobs: list[Job]
) -> list[Incident | DomainError]:
    """Each job's incident after it, or why it was refused; in the order of `jobs`."""
    ids = list(dict.fromkeys(job.incident_id for job in jobs))
    loaded = await snapshots.load_many(conn, ids)
    named = {
        (job.incident_id, cmd.note_id)
        for job in jobs
        for cmd in job.commands
        if isinstance(cmd, (c.AddNote, c.EditNote, c.DeleteNote))
    }
    found = await handlers.notes.find_many(conn, (p for p in named if p[0] in loaded))
    streams: dict[str, _Stream] = {}
    for iid, one in loaded.items():
        assert one.state is not None
        notes = {note: found[(i, note)] for (i, note) in found if i == iid}
        streams[iid] = _Stream(one, one.state, notes)

    now = handlers.clock.now()
    results: list[Incident | DomainError] = []
    accepted: list[tuple[Job, list[e.IncidentEvent]]] = []
    for job in jobs:
        stream = streams.get(job.incident_id)
        try:
            if stream is None:
                raise DomainError.not_found("no such incident")
            outcome = await _decide(handlers, conn, job, stream, now)
        except DomainError as refused:
            results.append(refused)
            continue
        state, new, touched, events = outcome
        stream.state, stream.new = state, stream.new + new
        stream.notes.update(touched)
        stream.touched.update(touched)
        accepted.append((job, events))
        results.append(state)

    changed = [s for s in streams.values() if s.new]
    await handlers.store.append_at(
        conn, [(s.state.id, s.loaded.state.version, s.new) for s in changed], recorded_at=now
    )
    await readmodel.project_many(conn, [s.state for s in changed])
    await handlers.notes.save_many(
        conn, ((s.state, note) for s in changed for note in s.touched.values())
    )
    due = [
        s.state
        for s in changed
        if s.state.version - s.loaded.snapshot_version >= handlers.snapshot_every
    ]
    await snapshots.save_many(conn, due)
    if changed:
        log.info(
            "events appended",
            extra={"incidents": len(changed), "events": sum(len(s.new) for s in changed)},
        )
    for job, events in accepted:
        for follow in handlers.followers:
            await follow(conn, job.ctx, streams[job.incident_id].state, events)
    return results


async def execute_many(
    handlers: IncidentHandlers, principal: Principal, commands: list[Command]
) -> list[Written | Problem]:
    """Each command to its incident, as its own route would with `Prefer: return=minimal` and its
    key, all in one transaction: 204 with the incident's new version, the answer stored for its
    key, or its refusal (not stored). The village's services send their commands this way, many
    at once (the escalation service's decisions in a surge)."""

    async def work(conn: AsyncConnection, todo: list[int]) -> list[StoredResponse | Problem]:
        jobs = [Job(commands[i].ctx, commands[i].incident_id, (commands[i].command,)) for i in todo]
        return [
            as_problem(r)
            if isinstance(r, DomainError)
            else stored(204, None, {"ETag": etag(r.version), **MINIMAL_APPLIED})
            for r in await apply_many(handlers, conn, jobs)
        ]

    keys = [cmd.key for cmd in commands]
    try:
        return await handlers.writes.run_many(principal, keys, work, attempts=MAX_ATTEMPTS)
    except ConcurrencyError as err:  # as one command's route answers it
        raise DomainError(
            409, "concurrent-update", f"incident {err.stream_id} changed concurrently; retry"
        ) from err


async def _decide(
    handlers: IncidentHandlers, conn: AsyncConnection, job: Job, stream: _Stream, now: Any
) -> tuple[Incident, list[NewEvent], dict[str, Note], list[e.IncidentEvent]]:
    """The job's commands decided in turn on the stream as the batch has it; nothing is kept
    of a job refused half-way."""
    state, notes = stream.state, dict(stream.notes)
    actor = actor_of(job.ctx.principal)
    origin = job.ctx.event_metadata()
    new: list[NewEvent] = []
    touched: dict[str, Note] = {}
    decided: list[e.IncidentEvent] = []
    for cmd in [*job.commands, job.then]:
        if cmd is None:
            continue
        if cmd is job.then:
            events = job.then(state)
        else:
            directory = await handlers.parties_named(conn, cmd)
            try:
                events = decide(state, cmd, actor, now, directory, notes, handlers.limits)
            except DomainError as refused:
                if not job.best_effort:
                    raise
                log.info("command skipped", extra={"incident": state.id, "why": refused.detail})
                continue
        state, described, touched_now = evolved(state, events, notes, now)
        new += [dataclasses.replace(d, metadata={**origin, **d.metadata}) for d in described]
        touched.update(touched_now)
        decided.extend(events)
    return state, new, touched, decided
