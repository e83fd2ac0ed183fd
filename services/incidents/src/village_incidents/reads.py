"""The reads of one incident: its view, its notes, its timeline. Each loads the state as a
command does (the latest snapshot and the events after it) and pages what it shows, filtered by
the egress rule before the page's limit: their cost does not grow with the incident."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import egress
from village_platform.auth import Principal
from village_platform.cursors import Cursor
from village_platform.errors import DomainError
from village_platform.eventstore import EventStore, StoredEvent

from . import readmodel, snapshots
from .domain import commands as c
from .domain.incident import Incident
from .domain.rules import role_of
from .notes import NoteBook
from .paging import WINDOW, windowed
from .views import present, present_notes, present_provenance

VIEW_NOTES = 20  # the latest notes the incident view (and every command's answer) carries
VIEW_PARTS = 20  # the newest parts it lists
MAX_VERSION = 2**31 - 1  # stream versions are PostgreSQL integers


def _stream_version(value: Any) -> int:
    if type(value) is not int or not 0 <= value <= MAX_VERSION:
        raise ValueError("not a stream version")
    return value


# Notes and timeline pages: a version of the incident's stream (each item shows its own).
VERSION_CURSOR = Cursor("versions", _stream_version)


class IncidentReads:
    def __init__(self, store: EventStore, notes: NoteBook, window: int = WINDOW) -> None:
        self.store, self.notes = store, notes
        self.window = window  # versions one query of a page reads at most (paging.py)

    async def load(self, conn: AsyncConnection, incident_id: str) -> Incident | None:
        return (await snapshots.load(conn, self.store, incident_id)).state

    async def visible(
        self, conn: AsyncConnection, incident_id: str, principal: Principal
    ) -> Incident:
        """The incident, if `principal` is on it; else 404 (it may not learn that it exists)."""
        state = await self.load(conn, incident_id)
        if state is None or role_of(state, actor_of(principal)) is None:
            raise DomainError.not_found("no such incident")
        return state

    async def present(
        self, conn: AsyncConnection, state: Incident, principal: Principal, *, parts: bool = True
    ) -> dict[str, Any]:
        """The incident view with the latest page of notes, and where the older ones are; the
        newest parts `principal` is on, and where the others are. `parts=False`: the incident
        has none, so none are read (it was opened in this transaction, or the read model said
        so as the command projected it)."""
        parts_page = (
            await self.parts(conn, state, principal, None, VIEW_PARTS)
            if parts
            else {"items": [], "next_cursor": None}
        )
        parts_next = (
            f"/incidents/{state.id}/parts?cursor={parts_page['next_cursor']}"
            if parts_page["next_cursor"]
            else None
        )
        if not state.note_counts:  # none written: nothing to read
            return present(state, principal, parts=parts_page["items"], parts_next=parts_next)
        notes, older = await self.notes.page(conn, state, principal, VIEW_NOTES, newest_first=True)
        more = (
            f"/incidents/{state.id}/notes?order=desc&cursor={VERSION_CURSOR.encode(older)}"
            if older is not None
            else None
        )
        return present(
            state,
            principal,
            reversed(notes),
            more,
            parts=parts_page["items"],
            parts_next=parts_next,
        )

    async def parts(
        self,
        conn: AsyncConnection,
        state: Incident,
        principal: Principal,
        cursor: str | None,
        limit: int,
    ) -> dict[str, Any]:
        """A page of the parts of `state` that `principal` is on (the incident list's own rule:
        a party never learns of a part it is not on), newest first."""
        if state.parent_id is not None:  # a part has no parts
            return {"items": [], "next_cursor": None}
        only_parts = readmodel.IncidentFilter(parent_id=state.id)
        items, next_cursor = await readmodel.list_incidents(
            conn, principal, only_parts, cursor, limit
        )
        return {"items": items, "next_cursor": next_cursor}

    async def parts_page(
        self,
        conn: AsyncConnection,
        incident_id: str,
        principal: Principal,
        cursor: str | None,
        limit: int,
    ) -> dict[str, Any]:
        """`GET /incidents/{id}/parts`: of an incident `principal` is on."""
        state = await self.visible(conn, incident_id, principal)
        return await self.parts(conn, state, principal, cursor, limit)

    async def view(
        self, conn: AsyncConnection, incident_id: str, principal: Principal
    ) -> tuple[dict[str, Any], int]:
        """`GET /incidents/{id}`: the view and the version (its ETag)."""
        state = await self.visible(conn, incident_id, principal)
        return await self.present(conn, state, principal), state.version

    async def provenance(
        self, conn: AsyncConnection, incident_id: str, principal: Principal
    ) -> tuple[dict[str, Any], int]:
        """`GET /incidents/{id}/provenance`: the hops `principal` may see, and the version."""
        state = await self.visible(conn, incident_id, principal)
        return present_provenance(state, principal), state.version

    async def notes_page(
        self,
        conn: AsyncConnection,
        incident_id: str,
        principal: Principal,
        cursor: str | None,
        limit: int,
        newest_first: bool = False,
    ) -> dict[str, Any]:
        """`GET /incidents/{id}/notes`: a page of the notes `principal` may see."""
        state = await self.visible(conn, incident_id, principal)
        notes, following = await self.notes.page(
            conn, state, principal, limit, cursor=_version_cursor(cursor), newest_first=newest_first
        )
        next_cursor = VERSION_CURSOR.encode(following) if following is not None else None
        return {"items": present_notes(state, principal, notes), "next_cursor": next_cursor}

    async def timeline(
        self,
        conn: AsyncConnection,
        incident_id: str,
        principal: Principal,
        cursor: str | None = None,
        limit: int = 100,
    ) -> dict[str, Any]:
        """`GET /incidents/{id}/timeline`: a page of what happened, as `principal` may see it:
        the egress rule in SQL before the LIMIT, and item by item (`for_recipient`)."""
        state = await self.visible(conn, incident_id, principal)
        recipient = egress.Recipient(principal.party, principal.kind)

        async def fetch(first: int, last: int, n: int) -> list[StoredEvent]:
            return await self.store.load(
                conn, state.id, after=first - 1, until=last, limit=n, recipient=recipient
            )

        stored = await windowed(
            fetch,
            head=state.version,
            cursor=_version_cursor(cursor),
            limit=limit,
            window=self.window,
        )
        stored, more = stored[:limit], len(stored) > limit
        items = []
        for s in stored:
            shown = egress.for_recipient(s.data, s.metadata, recipient)
            if shown is None:
                continue
            items.append(
                {
                    "version": s.stream_version,
                    "type": s.type,
                    "at": s.recorded_at.isoformat(),
                    "party": s.metadata.get("actor_party"),
                    "user": s.metadata.get("actor_user"),
                    "visibility": s.metadata.get("visibility"),
                    "trace_id": _trace_id(s.metadata.get("traceparent")),
                    "data": shown[0],
                }
            )
        # The cursor is the version of the last event shown: every item shows its own version.
        next_cursor = VERSION_CURSOR.encode(stored[-1].stream_version) if more else None
        return {"incident_id": state.id, "items": items, "next_cursor": next_cursor}


def actor_of(principal: Principal) -> c.Actor:
    """The principal as the rules know a caller."""
    return c.Actor(principal.party, principal.kind, principal.user)


def _version_cursor(cursor: str | None) -> int | None:
    return VERSION_CURSOR.decode_optional(cursor)


def _trace_id(traceparent: str | None) -> str | None:
    if traceparent and traceparent.count("-") == 3:
        return traceparent.split("-")[1]
    return None
