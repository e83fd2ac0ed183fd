"""The provider incident's fan-out, exactly once. A command that posts an update (an update, a
status message, the resolution) writes, in its own transaction, the update (`outage_updates`)
and one delivery per incident linked now (`outage_deliveries`). The worker here takes one
delivery per transaction (`FOR UPDATE SKIP LOCKED`: workers on many instances never take the
same one), applies it to the incident through the incident's own decide/append path, and
deletes it in that transaction: a retried request queues nothing new (its Idempotency-Key
answers), a restart resumes with the deliveries left, and nothing is delivered twice (the
note's id, `uuid5(update_id, incident_id)`, would be refused again anyway).

The provider acts on the incident (its role decides what it may do), through this service: the
events' metadata says so (`actor_kind` service, `acting_for` the provider)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.auth import Principal
from village_platform.errors import DomainError
from village_platform.wakeups import wait_any
from village_platform.writes import WriteContext, Writes, stored

from . import batch, cancellation
from .domain import commands as c
from .handlers import MAX_ATTEMPTS, IncidentHandlers

log = logging.getLogger(__name__)
SERVICE_USER = "outage-fanout"
BATCH = 25  # deliveries (per lane) between two pauses for ordinary commands
# Deliveries applied in one transaction: one load, one append, one commit for all of them. Their
# incidents' rows stay locked until it commits (a command on one of them waits that long).
PER_TRANSACTION = 25
# Deliveries taken at once, each on a connection of its own (SKIP LOCKED keeps them apart): the
# commits' waits overlap; the rest of the pool stays the ordinary commands'. More lanes deliver
# faster but queue more of their work ahead of every request of the process (bench (j): four
# lanes without a real pause tripled an ordinary command's p99; two with 50 ms kept it under 2x).
LANES = 2
PAUSE_SECONDS = 0.05  # between rounds at least: the process and the database are the others'
# The most of the time a fan-out keeps the process busy: each full round is followed by a pause in
# proportion to how long it took, so a slower machine (or a busier moment) slows the fan-out too,
# instead of leaving the ordinary commands less (bench (j): at 0.65 one run in three more than
# doubled an ordinary command's p99; at 0.5 none of five did, and 5,000 took 15-21 s).
BUSY_SHARE = 0.5
POLL_SECONDS = 5.0  # a delivery queued by an instance that died waits at most this


@dataclass(frozen=True)
class ActingFor(WriteContext):
    """The provider acting on a linked incident through the fan-out: its party decides, the
    audit says a service did it for the provider, as part of which update."""

    outage_id: str = ""
    update_id: str = ""
    purpose: str = "note"  # note, resolve or reminder: what the rebuild re-derives links from

    def event_metadata(self) -> dict[str, Any]:
        return {
            **super().event_metadata(),
            "actor_kind": "service",
            "actor_user": SERVICE_USER,
            "acting_for": self.principal.party,
            "outage_id": self.outage_id,
            "update_id": self.update_id,
            "fanout": self.purpose,
        }


def acting_for(provider: str, outage_id: str, update_id: str, purpose: str) -> ActingFor:
    who = Principal(provider, "provider", SERVICE_USER, frozenset({"service"}))
    return ActingFor(
        who, None, update_id, outage_id=outage_id, update_id=update_id, purpose=purpose
    )


def note_id_for(update_id: str, incident_id: str) -> str:
    return str(uuid.uuid5(uuid.UUID(update_id), incident_id))


def status_update_id(outage_id: str, version: int) -> str:
    """A status change's update: one per version of the outage that said it."""
    return str(uuid.uuid5(uuid.UUID(outage_id), f"status:{version}"))


def resolution_update_id(outage_id: str) -> str:
    return str(uuid.uuid5(uuid.UUID(outage_id), "resolution"))


def cancellation_update_id(outage_id: str) -> str:
    return str(uuid.uuid5(uuid.UUID(outage_id), "cancellation"))


# --------------------------------------------------------------------------- queueing

_UPDATE = text(
    "INSERT INTO outage_updates (update_id, outage_id, kind, body, audience, total,"
    " resolution_code, resolution_notes, posted_at)"
    " VALUES (:update, :outage, :kind, :body, :audience, :total, :code, :notes, :at)"
)
_QUEUE = text(
    "INSERT INTO outage_deliveries (update_id, incident_id, kind, created_at)"
    " SELECT :update, incident_id, :delivery, :at FROM provider_incident_links"
    " WHERE outage_id = :outage AND unlinked_at IS NULL"
)


async def queue(
    conn: AsyncConnection,
    *,
    outage_id: str,
    update_id: str,
    kind: str,
    body: str,
    audience: str,
    at: datetime,
    resolution: tuple[str, str] | None = None,
    delivery: str | None = None,
) -> int:
    """The update and a delivery for each incident linked now (in the caller's transaction,
    which holds the outage's row: no link comes or goes meanwhile); how many. `delivery`: what
    it does to each incident (a note, the resolution's `resolve`, a cancellation's `cancel`)."""
    delivery = delivery or ("resolve" if resolution else "note")
    params = {"update": update_id, "outage": outage_id, "delivery": delivery, "at": at}
    total = (await conn.execute(_QUEUE, params)).rowcount or 0
    code, notes = resolution or (None, None)
    await conn.execute(
        _UPDATE,
        {
            "update": update_id,
            "outage": outage_id,
            "kind": kind,
            "body": body,
            "audience": audience,
            "total": total,
            "code": code,
            "notes": notes,
            "at": at,
        },
    )
    return total


# --------------------------------------------------------------------------- delivering

# The oldest deliveries no other worker holds, up to `:n`, taken (deleted) in this transaction;
# with what their update says and whether each incident is still linked to its outage.
_TAKE = text(
    "DELETE FROM outage_deliveries d USING outage_updates u, provider_incidents p"
    " WHERE (d.update_id, d.incident_id) IN (SELECT update_id, incident_id"
    "   FROM outage_deliveries ORDER BY created_at LIMIT :n FOR UPDATE SKIP LOCKED)"
    " AND u.update_id = d.update_id AND p.id = u.outage_id"
    " RETURNING d.update_id, d.incident_id, d.kind, d.created_at, u.seq, u.outage_id, u.body,"
    " u.audience, u.resolution_code, u.resolution_notes, p.provider,"
    " (SELECT i.outage_id FROM incidents i WHERE i.id = d.incident_id) AS linked_to"
)
_BEHIND = text(
    "UPDATE outage_deliveries"
    " SET created_at = (SELECT max(created_at) FROM outage_deliveries) + interval '1 microsecond'"
    " WHERE update_id = :update AND incident_id = :incident"
)
_WAITING = text(
    "UPDATE provider_incident_links SET resolution = 'waiting', resolved_at = :at"
    " WHERE outage_id = :outage AND incident_id = :incident AND unlinked_at IS NULL"
)
CONFIRM = (
    "{provider} resolved this incident with its outage ({code}): {notes}. Please confirm by"
    " closing it, or reopen it with a reason if the problem remains."
)


# The oldest link the outage resolved whose requester has not answered within the quiet period
# and was not reminded yet, its incident still resolved (another party may have reopened it,
# keeping the link waiting). Not locked: the note goes to the incident's stream first, the link
# row after (the one lock order); two workers racing append one note (its id is derived).
_DUE = text(
    "SELECT l.outage_id, l.incident_id, p.provider FROM provider_incident_links l"
    " JOIN provider_incidents p ON p.id = l.outage_id"
    " JOIN incidents i ON i.id = l.incident_id AND i.status = 'resolved'"
    " WHERE l.resolution = 'waiting' AND l.reminded_at IS NULL AND l.unlinked_at IS NULL"
    " AND l.resolved_at <= :cutoff ORDER BY l.resolved_at LIMIT 1"
)
# What the loop looks at when woken or polling: one read, instead of a write transaction per lane
# and one for the reminders.
_WORK = text(
    "SELECT EXISTS (SELECT 1 FROM outage_deliveries) AS deliveries,"
    " EXISTS (SELECT 1 FROM provider_incident_links l"
    "  JOIN incidents i ON i.id = l.incident_id AND i.status = 'resolved'"
    "  WHERE l.resolution = 'waiting' AND l.reminded_at IS NULL AND l.unlinked_at IS NULL"
    "  AND l.resolved_at <= :cutoff) AS reminders"
)
_REMINDED = text(
    "UPDATE provider_incident_links SET reminded_at = :at"
    " WHERE outage_id = :outage AND incident_id = :incident"
)
REMINDER = (
    "Reminder: {provider} resolved this incident with its outage. Please confirm by closing it,"
    " or reopen it with a reason if the problem remains."
)
REMIND_AFTER_SECONDS = 86400


class FanOut:
    """The worker: woken by the outage commands of its process (`OutageHandlers.committed`),
    which queue the deliveries; every `poll` seconds it looks anyway (another instance's
    deliveries left by a crash, reminders falling due)."""

    def __init__(
        self,
        writes: Writes,
        incidents: IncidentHandlers,
        *,
        batch: int = BATCH,
        pause_seconds: float = PAUSE_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        remind_after_seconds: float = REMIND_AFTER_SECONDS,
        lanes: int = LANES,
        per_transaction: int = PER_TRANSACTION,
        busy_share: float = BUSY_SHARE,
    ) -> None:
        self.lanes = max(1, lanes)
        self.busy_share = min(1.0, max(0.05, busy_share))
        self.per_transaction = max(1, per_transaction)
        self.writes, self.incidents = writes, incidents
        self.remind_after = timedelta(seconds=remind_after_seconds)
        self.batch, self.pause, self.poll = batch, pause_seconds, poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def deliver_one(self) -> bool:
        """Take and apply the oldest delivery; False when none was left to take, or when it
        failed (it is then put behind the others, so one that keeps failing holds up no
        other)."""
        return await self.deliver(1) == 1

    async def deliver(self, limit: int) -> int:
        """Take up to `limit` of the oldest deliveries and apply them in one transaction (one
        load, one append, one commit for all: `batch.apply_many`); how many it took and
        applied or dropped (0: none left, or the one taken failed). A refusal (the incident
        closed or cancelled meanwhile) drops its own delivery only. A batch that fails is taken
        again one by one, so that the delivery that fails goes behind the others alone."""
        taken: list[tuple[str, str]] = []

        async def work(conn: AsyncConnection) -> Any:
            taken.clear()  # a retried transaction takes afresh
            rows = sorted(
                (await conn.execute(_TAKE, {"n": limit})).all(),
                key=lambda r: (r.created_at, r.seq),  # oldest update first, per incident too
            )
            if not rows:
                return stored(204, 0)
            taken.extend((r.update_id, r.incident_id) for r in rows)
            linked = [r for r in rows if r.linked_to == r.outage_id]
            unlinks = cancellation.Unlinks(self.incidents.store)
            await unlinks.load(conn, (r.outage_id for r in linked if r.kind == "cancel"))
            jobs = [_job(r, unlinks) for r in linked]
            results = await batch.apply_many(self.incidents, conn, jobs)
            await unlinks.append(conn, self.writes.clock.now())
            for row, result in zip(linked, results, strict=True):
                if isinstance(result, DomainError):  # nothing to add: dropped
                    log.info(
                        "outage delivery skipped",
                        extra={"incident": row.incident_id, "why": result.detail},
                    )
                elif row.kind == "resolve":
                    params = {"outage": row.outage_id, "incident": row.incident_id}
                    await conn.execute(_WAITING, {**params, "at": result.resolved_at})
            return stored(200, len(rows))

        try:
            written = await self.writes.run(WriteContext(_WORKER), work, attempts=MAX_ATTEMPTS)
        except Exception:
            if not taken:
                raise
            if len(taken) > 1:
                log.warning(
                    "outage delivery batch failed; taking it again one by one",
                    exc_info=True,
                    extra={"deliveries": len(taken)},
                )
                return sum([await self.deliver(1) for _ in taken])
            update_id, incident_id = taken[-1]
            log.exception(
                "outage delivery failed; it waits behind the others",
                extra={"incident": incident_id, "update": update_id},
            )
            async with self.writes.engine.begin() as conn:
                params = {"update": update_id, "incident": incident_id}
                await conn.execute(_BEHIND, params)
            return 0
        return int(written.body)

    async def remind_one(self) -> bool:
        """Remind one requester still waiting after the quiet period (a shared note from the
        provider, once per incident); False when none is due."""
        now = self.writes.clock.now()

        async def work(conn: AsyncConnection) -> Any:
            row = (await conn.execute(_DUE, {"cutoff": now - self.remind_after})).first()
            if row is None:
                return stored(204, None)
            reminder = str(uuid.uuid5(uuid.UUID(row.outage_id), f"reminder:{row.incident_id}"))
            ctx = acting_for(row.provider, row.outage_id, reminder, "reminder")
            note = c.AddNote(note_id_for(reminder, row.incident_id), _reminder(row), "shared")
            at = now
            try:
                async with conn.begin_nested():
                    at = (
                        await self.incidents.apply(conn, ctx, row.incident_id, note)
                    ).state.updated_at
            except DomainError as refused:  # closed meanwhile: no one to remind
                log.info(
                    "reminder skipped", extra={"incident": row.incident_id, "why": refused.detail}
                )
            params = {"outage": row.outage_id, "incident": row.incident_id, "at": at}
            await conn.execute(_REMINDED, params)
            return stored(200, None)

        written = await self.writes.run(WriteContext(_WORKER), work, attempts=MAX_ATTEMPTS)
        return written.status_code == 200

    async def remind(self, limit: int | None = None) -> int:
        reminded = 0
        while reminded < (limit or self.batch) and await self.remind_one():
            reminded += 1
        return reminded

    async def drain(self, limit: int | None = None) -> int:
        """Deliver up to `limit` (a batch by default), `per_transaction` at a time; how many
        were taken."""
        limit = limit or self.batch
        taken = 0
        while taken < limit:
            done = await self.deliver(min(self.per_transaction, limit - taken))
            if not done:
                break
            taken += done
        return taken

    async def _work(self) -> tuple[bool, bool]:
        """Whether deliveries wait, and whether a reminder is due."""
        cutoff = self.writes.clock.now() - self.remind_after
        async with self.writes.engine.connect() as conn:
            row = (await conn.execute(_WORK, {"cutoff": cutoff})).one()
        return row.deliveries, row.reminders

    def pause_after(self, busy: float) -> float:
        """The pause after a full round that took `busy` seconds: at least `pause`, and long
        enough that the fan-out keeps the process busy `busy_share` of the time at most."""
        return max(self.pause, busy * (1 - self.busy_share) / self.busy_share)

    async def run(self, stop: asyncio.Event) -> None:
        """From the start (a restart resumes the deliveries left), then whenever woken; a round
        that delivered is followed by a short pause, so ordinary commands keep their share, and
        another look."""
        while not stop.is_set():
            self._wake.clear()
            try:
                deliveries, reminders = await self._work()
                taken, began = 0, time.monotonic()
                if deliveries:
                    taken = sum(await asyncio.gather(*(self.drain() for _ in range(self.lanes))))
                busy = time.monotonic() - began
                if reminders:
                    await self.remind()
            except Exception:
                log.exception("outage fan-out failed; retrying after the poll interval")
                taken = 0
            if taken:  # more may wait (a batch was full, or one was put behind): look again
                await wait_any(stop, timeout=self.pause_after(busy))
                continue
            await wait_any(stop, self._wake, timeout=self.poll)


def _job(row: Any, unlinks: cancellation.Unlinks) -> batch.Job:
    """What a delivery does to its incident: the update as a note from the provider; the
    resolution resolves it as the provider and asks its requester to confirm; the cancellation
    says why (if the incident still takes notes) and unlinks it."""
    ctx = acting_for(row.provider, row.outage_id, row.update_id, row.kind)
    note_id = note_id_for(row.update_id, row.incident_id)
    if row.kind == "cancel":
        why = c.AddNote(note_id, cancellation.note_body(row.provider, row.body), "shared")
        then = unlinks.then(row.outage_id, ctx)
        return batch.Job(ctx, row.incident_id, (why,), best_effort=True, then=then)
    if row.kind == "note":
        visibility = "restricted" if row.audience == "partners" else "shared"
        return batch.Job(ctx, row.incident_id, (c.AddNote(note_id, row.body, visibility),))
    resolve = c.ChangeStatus("resolved", None, row.resolution_code, row.resolution_notes)
    ask = CONFIRM.format(
        provider=row.provider, code=row.resolution_code, notes=row.resolution_notes
    )
    return batch.Job(ctx, row.incident_id, (resolve, c.AddNote(note_id, ask, "shared")))


def _reminder(row: Any) -> str:
    return REMINDER.format(provider=row.provider)


_WORKER = Principal("incidents-fanout", "service", SERVICE_USER, frozenset({"service"}))
