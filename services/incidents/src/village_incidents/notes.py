"""The notes read model: each note as it stands, with the audience fixed when it was written (its
egress description, in `metadata`), projected in the command's transaction.

A command that names a note reads it here (the incident's state only counts notes); the
incident view and `GET /incidents/{id}/notes` read pages of it, filtered by the egress rule's
SQL twin before the LIMIT, so that a page holds only what the caller may see and its cursor (the
version of the last note shown) names nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import egress
from village_platform.auth import Principal
from village_platform.db import driver_in_transaction, fetch

from .domain.incident import Incident, Note
from .paging import WINDOW, windowed

_COLUMNS = (
    "note_id, version, author_party, author_user, visibility, body, created_at, edited_at,"
    " deleted, parties, metadata"
)
_FIND = text(
    f"SELECT {_COLUMNS} FROM incident_notes WHERE incident_id = :incident AND note_id = :note"
)
_UPSERT = (
    "INSERT INTO incident_notes (incident_id, note_id, version, author_party, author_user,"
    " visibility, body, created_at, edited_at, deleted, parties, metadata)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)"
    " ON CONFLICT (incident_id, note_id) DO UPDATE SET body = EXCLUDED.body,"
    " edited_at = EXCLUDED.edited_at, deleted = EXCLUDED.deleted"
)
# The same, with named parameters, for many notes at once (rebuilds, migrations).
UPSERT_SQL = text(
    "INSERT INTO incident_notes (incident_id, note_id, version, author_party, author_user,"
    " visibility, body, created_at, edited_at, deleted, parties, metadata)"
    " VALUES (:incident, :note, :version, :author_party, :author_user, :visibility, :body,"
    " :created_at, :edited_at, :deleted, :parties, CAST(:metadata AS jsonb))"
    " ON CONFLICT (incident_id, note_id) DO UPDATE SET body = EXCLUDED.body,"
    " edited_at = EXCLUDED.edited_at, deleted = EXCLUDED.deleted"
)


_FIND_MANY = text(
    f"SELECT incident_id, {_COLUMNS} FROM incident_notes"
    " WHERE (incident_id, note_id) IN"
    " (SELECT * FROM unnest(CAST(:incidents AS text[]), CAST(:notes AS text[])))"
)
# A page's window of versions, filtered by the egress rule's SQL twin before the LIMIT.
_PAGE = (
    f"SELECT {_COLUMNS} FROM incident_notes WHERE incident_id = :incident"
    f" AND version BETWEEN :first AND :last AND NOT deleted AND {egress.VISIBLE_SQL}"
)
_PAGE_ASC = text(_PAGE + " ORDER BY version LIMIT :limit")
_PAGE_DESC = text(_PAGE + " ORDER BY version DESC LIMIT :limit")


def row(incident: Incident, note: Note) -> dict[str, Any]:
    """`UPSERT_SQL`'s parameters for `note` of `incident`."""
    return {
        "incident": incident.id,
        "note": note.id,
        "version": note.version,
        "author_party": note.author_party,
        "author_user": note.author_user,
        "visibility": note.visibility,
        "body": note.body,
        "created_at": note.created_at,
        "edited_at": note.edited_at,
        "deleted": note.deleted,
        "parties": list(note.parties),
        "metadata": json.dumps(note.description(incident.provider)),
    }


def _note(r: Any) -> Note:
    return Note(
        id=r.note_id,
        author_party=r.author_party,
        author_user=r.author_user,
        visibility=r.visibility,
        body=r.body,
        created_at=r.created_at,
        parties=tuple(r.parties),
        edited_at=r.edited_at,
        deleted=r.deleted,
        version=r.version,
    )


def reader(principal: Principal, provider: str) -> egress.Recipient:
    """Whom the SQL twin filters for. Every note is sealed: a service (`egress.share`) has it
    whole only where the incident's provider may see it, so it reads as the provider."""
    if principal.kind == egress.SERVICE:
        return egress.Recipient(provider, "provider")
    return egress.Recipient(principal.party, principal.kind)


class NoteBook:
    """Reads and writes of the notes read model. Every read goes through `_rows`, so that a test
    can count the rows a command or a read fetches. `window`: the versions one query reads at
    most (paging.py)."""

    def __init__(self, window: int = WINDOW) -> None:
        self.window = window

    async def _rows(
        self, conn: AsyncConnection, statement: Any, params: dict[str, Any]
    ) -> list[Any]:
        return await fetch(conn, statement, params)  # on the driver: every command reads here

    async def find(self, conn: AsyncConnection, incident_id: str, note_id: str) -> Note | None:
        rows = await self._rows(conn, _FIND, {"incident": incident_id, "note": note_id})
        return _note(rows[0]) if rows else None

    async def find_many(
        self, conn: AsyncConnection, wanted: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Note]:
        """`find` for many (incident id, note id) pairs in one query; those found."""
        pairs = list(wanted)
        if not pairs:
            return {}
        params = {"incidents": [i for i, _ in pairs], "notes": [n for _, n in pairs]}
        rows = await self._rows(conn, _FIND_MANY, params)
        return {(r.incident_id, r.note_id): _note(r) for r in rows}

    async def save_many(
        self, conn: AsyncConnection, touched: Iterable[tuple[Incident, Note]]
    ) -> None:
        """`save` for many incidents' notes, one pipelined statement."""
        rows = [row(incident, note) for incident, note in touched]
        if not rows:
            return
        driver = await driver_in_transaction(conn)
        await driver.executemany(_UPSERT, [tuple(r.values()) for r in rows])

    async def save(self, conn: AsyncConnection, incident: Incident, notes: Iterable[Note]) -> None:
        """In the command's transaction, on the driver (the hot path)."""
        driver = await driver_in_transaction(conn)
        for note in notes:
            r = row(incident, note)
            await driver.execute(
                _UPSERT,
                r["incident"],
                r["note"],
                r["version"],
                r["author_party"],
                r["author_user"],
                r["visibility"],
                r["body"],
                r["created_at"],
                r["edited_at"],
                r["deleted"],
                r["parties"],
                r["metadata"],
            )

    async def page(
        self,
        conn: AsyncConnection,
        incident: Incident,
        principal: Principal,
        limit: int,
        *,
        cursor: int | None = None,
        newest_first: bool = False,
    ) -> tuple[list[Note], int | None]:
        """Up to `limit` notes `principal` may see, oldest first (or newest first) from after
        (before) version `cursor`; and the cursor of the next page, None when none follows."""
        statement = _PAGE_DESC if newest_first else _PAGE_ASC
        params: dict[str, Any] = {
            "incident": incident.id,
            **egress.sql_params(reader(principal, incident.provider)),
        }

        async def fetch(first: int, last: int, n: int) -> list[Any]:
            return await self._rows(
                conn, statement, {**params, "first": first, "last": last, "limit": n}
            )

        rows = await windowed(
            fetch,
            head=incident.version,
            cursor=cursor,
            limit=limit,
            newest_first=newest_first,
            window=self.window,
        )
        rows, more = rows[:limit], len(rows) > limit
        asking = egress.Recipient(principal.party, principal.kind)
        # The Python twin of the filter, item by item: a page never carries more than it allows.
        shown = [
            _note(r)
            for r in rows
            if egress.share(_meta(r.metadata), asking) is egress.Share.VISIBLE
        ]
        return shown, (rows[-1].version if more else None)


def _meta(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)
