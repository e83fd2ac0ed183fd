"""What the incidents service's database tests share: a migrated database of their own on the test
stack, the command handlers with counting seams (events the store loads, note rows the notes
read model fetches), and shorthands for commands."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from village_devstack import demo
from village_incidents import readmodel
from village_incidents.domain import commands as c
from village_incidents.domain.incident import Party
from village_incidents.domain.rules import Limits
from village_incidents.handlers import IncidentHandlers
from village_incidents.notes import NoteBook
from village_platform.auth import Principal
from village_platform.clock import ManualClock
from village_platform.db import make_engine
from village_platform.eventstore import EventStore, StoredEvent
from village_platform.writes import WriteContext, Writes

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KINDS = {p.id: p.kind for p in demo.PARTIES} | {"village-escalation": "service"}


def fresh_settings(stack: Any) -> Any:
    """Settings of an incidents service with a database of its own on the test stack."""
    return stack.settings(f"incidents-{uuid.uuid4().hex[:8]}")


def principal(party: str) -> Principal:
    return Principal(party, KINDS[party], f"{party}-user", frozenset())  # type: ignore[arg-type]


def ctx(party: str) -> WriteContext:
    return WriteContext(principal(party))


class CountingStore(EventStore):
    """The event store, counting the events its loads return."""

    events_read = 0

    def events_of(self, rows: Any) -> list[StoredEvent]:
        events = super().events_of(rows)
        self.events_read += len(events)
        return events


class CountingNotes(NoteBook):
    """The notes read model, counting the rows its reads fetch."""

    rows_read = 0

    async def _rows(self, conn: Any, statement: Any, params: dict[str, Any]) -> list[Any]:
        rows = await super()._rows(conn, statement, params)
        self.rows_read += len(rows)
        return rows


@dataclass(frozen=True)
class Loads:
    """What one command or read loaded."""

    events: int
    note_rows: int


class World:
    """Handlers on a migrated database of their own, with counting seams and a manual clock."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.clock = ManualClock(T0)
        self.store = CountingStore(self.clock)
        self.notes = CountingNotes()
        self.writes = Writes(self.engine, self.clock, timedelta(hours=24))
        self.handlers = IncidentHandlers(self.writes, self.store, notes=self.notes)

    def but(self, *, limits: Limits | None = None, window: int | None = None) -> World:
        """The same world, its handlers with other limits or another page window."""
        other = World.__new__(World)
        other.__dict__.update(self.__dict__)
        if window is not None:
            other.notes = CountingNotes(window)
        other.handlers = IncidentHandlers(
            self.writes,
            self.store,
            limits=limits,
            notes=other.notes,
            **({"window": window} if window else {}),
        )
        return other

    async def seed_parties(self) -> None:
        async with self.engine.begin() as conn:
            for p in demo.PARTIES:
                await readmodel.upsert_party(
                    conn,
                    Party(
                        id=p.id,
                        kind=p.kind,
                        name=p.name,
                        provider=p.provider,
                        customers=tuple(p.customers),
                        partner=p.partner,
                    ),
                )

    async def open(self, by: str = "northwind", customer: str | None = "initech") -> str:
        iid = str(uuid.uuid4())
        self.clock.advance(timedelta(minutes=1))
        cmd = c.OpenIncident(iid, "VPN down", "flaps", "S2", "routers", customer=customer)
        await self.handlers.open(ctx(by), cmd)
        return iid

    async def do(self, by: str, iid: str, cmd: object) -> dict[str, Any]:
        self.clock.advance(timedelta(seconds=1))
        return (await self.handlers.execute(ctx(by), iid, cmd, None)).body

    async def note(
        self, by: str, iid: str, visibility: str = "shared", body: str | None = None
    ) -> str:
        note_id = str(uuid.uuid4())
        await self.do(by, iid, c.AddNote(note_id, body or f"{by} says ({visibility})", visibility))
        return note_id

    async def measure(self, action: Any) -> tuple[Loads, Any]:
        """What `action()` loaded, and what it returned."""
        self.store.events_read = self.notes.rows_read = 0
        result = await action()
        return Loads(self.store.events_read, self.notes.rows_read), result

    async def read(self, fn: Any, *args: Any) -> Any:
        async with self.engine.connect() as conn:
            return await fn(conn, *args)

    async def events(self, iid: str) -> list[StoredEvent]:
        async with self.engine.connect() as conn:
            return await EventStore.load(self.store, conn, iid)

    async def execute(self, sql: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text(sql))

    async def table(self, sql: str) -> list[tuple[Any, ...]]:
        async with self.engine.connect() as conn:
            return [tuple(r) for r in await conn.execute(text(sql))]

    async def close(self) -> None:
        await self.engine.dispose()


@contextmanager
def statements_of(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements `engine`'s connections run meanwhile: through SQLAlchemy (its cursor
    event) and on the driver (asyncpg's query logger, on each connection checked out)."""
    seen: list[str] = []
    drivers: list[Any] = []

    def through_sqlalchemy(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    def on_driver(record: Any) -> None:
        seen.append(record.query)

    def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        drivers.append(record.driver_connection)
        drivers[-1].add_query_logger(on_driver)

    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", through_sqlalchemy)
    event.listen(sync.pool, "checkout", checkout)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", through_sqlalchemy)
        event.remove(sync.pool, "checkout", checkout)
        for driver in drivers:
            driver.remove_query_logger(on_driver)
