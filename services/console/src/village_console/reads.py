"""Reading the timeline as a viewer may: the incidents service's rule for whether the incident
exists for the viewer at all (404), and the egress rule on every entry (in SQL before the LIMIT,
then entry by entry with `egress.for_recipient`, which also narrows the data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform import egress
from village_platform.auth import Principal
from village_platform.cursors import Cursor
from village_platform.envelope import EventType
from village_platform.errors import DomainError

from .summaries import summary


def _position(value: Any) -> tuple[datetime, int]:
    """A page cursor's value: the last entry's time and id."""
    if type(value) is not list or len(value) != 2 or type(value[1]) is not int:
        raise ValueError("not a timeline position")
    at = datetime.fromisoformat(value[0])
    if at.tzinfo is None or not 0 < value[1] < 2**63:
        raise ValueError("not a timeline position")
    return at, value[1]


TIMELINE_CURSOR = Cursor("timeline", _position)

_INCIDENT = text("SELECT chain, collaborators FROM incidents WHERE incident_id = :i")
TAIL_PAGE = 500  # entries a live tail reads at one look
_COLUMNS = "entry_id, tx_id::text AS tx, occurred_at, source, type, party, tier, data, metadata,"
_COLUMNS += " trace_id, event_id"


@dataclass(frozen=True)
class Viewer:
    """Who reads, as the egress rule knows a recipient."""

    party: str
    kind: str

    @classmethod
    def of(cls, principal: Principal) -> Viewer:
        return cls(principal.party, principal.kind)

    @property
    def recipient(self) -> egress.Recipient:
        return egress.Recipient(self.party, self.kind)

    def filter(self) -> tuple[str, dict[str, Any]]:
        """The egress rule's SQL twin for this viewer (a Village service reads everything)."""
        if self.kind == egress.SERVICE:
            return "true", {}
        return egress.VISIBLE_SQL, egress.sql_params(self.recipient)


async def may_see(conn: AsyncConnection, incident_id: str, viewer: Viewer) -> bool:
    """The incidents service's rule: on the incident's chain or collaborating on it now."""
    row = (await conn.execute(_INCIDENT, {"i": incident_id})).first()
    if row is None:
        return False
    return viewer.kind == egress.SERVICE or viewer.party in (*row.chain, *row.collaborators)


async def require_visible(conn: AsyncConnection, incident_id: str, viewer: Viewer) -> None:
    if not await may_see(conn, incident_id, viewer):
        raise DomainError.not_found("no such incident")


class Timeline:
    """The timeline reads; `trace_ui_url` turns a trace id into a link."""

    def __init__(self, trace_ui_url: str | None = None) -> None:
        self.trace_ui_url = trace_ui_url.rstrip("/") if trace_ui_url else None

    async def page(
        self,
        conn: AsyncConnection,
        incident_id: str,
        viewer: Viewer,
        cursor: str | None,
        limit: int,
        *,
        newest_first: bool = False,
    ) -> dict[str, Any]:
        """`GET /incidents/{id}/timeline`: a page of the entries `viewer` may see."""
        await require_visible(conn, incident_id, viewer)
        after = TIMELINE_CURSOR.decode_optional(cursor)
        rule, params = viewer.filter()
        order, compare = ("DESC", "<") if newest_first else ("ASC", ">")
        where = f"incident_id = :i AND {rule}"
        if after is not None:
            where += f" AND (occurred_at, entry_id) {compare} (:at, :id)"
            params = {**params, "at": after[0], "id": after[1]}
        rows = (
            (
                await conn.execute(
                    text(
                        f"SELECT {_COLUMNS} FROM timeline WHERE {where}"
                        f" ORDER BY occurred_at {order}, entry_id {order} LIMIT :n"
                    ),
                    {**params, "i": incident_id, "n": limit + 1},
                )
            )
            .mappings()
            .all()
        )
        more, rows = len(rows) > limit, rows[:limit]
        items = [item for row in rows if (item := self.present(row, viewer)) is not None]
        last = rows[-1] if rows else None
        next_cursor = (
            TIMELINE_CURSOR.encode([last["occurred_at"].isoformat(), last["entry_id"]])
            if more and last is not None
            else None
        )
        return {"incident_id": incident_id, "items": items, "next_cursor": next_cursor}

    async def committed_after(
        self,
        conn: AsyncConnection,
        incident_id: str | None,
        viewer: Viewer,
        position: Position,
    ) -> tuple[list[dict[str, Any]], Position]:
        """The entries `viewer` may see committed since `position`, in commit order, and the
        position after them: of one incident, or (None) of every incident the viewer is on now.
        Only below every transaction still open: an entry id is assigned at insert, so a later
        id may commit first; reading by (transaction, id) below the oldest open transaction
        never skips the one that commits late. The position says whether entries it may not
        show yet have committed above that horizon (`waiting`): a transaction anywhere on the
        server still open, which usually ends within milliseconds."""
        rule, params = viewer.filter()
        if incident_id is not None:
            which, params = "incident_id = :i", {**params, "i": incident_id}
        elif viewer.kind == egress.SERVICE:
            which = "true"
        else:
            which = (
                "incident_id IN (SELECT incident_id FROM incidents"
                " WHERE :me = ANY(chain) OR :me = ANY(collaborators))"
            )
            params = {**params, "me": viewer.party}
        rows = (
            (
                await conn.execute(
                    text(
                        f"SELECT {_COLUMNS},"
                        " tx_id < pg_snapshot_xmin(pg_current_snapshot()) AS settled"
                        f" FROM timeline WHERE {which} AND {rule}"
                        " AND tx_id >= CAST(CAST(:floor AS text) AS xid8)"
                        " AND (tx_id, entry_id) > (CAST(CAST(:tx AS text) AS xid8), :id)"
                        " ORDER BY tx_id, entry_id LIMIT :n"
                    ),
                    {**params, **position.params(), "n": TAIL_PAGE},
                )
            )
            .mappings()
            .all()
        )
        # In (transaction, id) order the entries below the horizon come first.
        shown = [row for row in rows if row["settled"]]
        last = shown[-1] if shown else None
        position = Position(
            position.floor,
            last["tx"] if last else position.tx,
            last["entry_id"] if last else position.entry,
            waiting=len(shown) < len(rows) or len(rows) == TAIL_PAGE,  # held back, or more
        )
        return [i for row in shown if (i := self.present(row, viewer)) is not None], position

    def present(self, row: RowMapping, viewer: Viewer) -> dict[str, Any] | None:
        shown = egress.for_recipient(row["data"], row["metadata"], viewer.recipient)
        if shown is None:
            return None
        data, meta = shown
        name = EventType.parse(row["type"])
        item: dict[str, Any] = {
            "id": str(row["event_id"]),
            "at": row["occurred_at"].isoformat(),
            "party": row["party"],
            "tier": row["tier"],
            "kind": f"{name.family}.{name.name}",
            "type": row["type"],
            "source": row["source"],
            "summary": summary(row["type"], data),
            "trace_id": row["trace_id"],
        }
        if self.trace_ui_url and row["trace_id"]:
            item["trace_url"] = f"{self.trace_ui_url}/trace/{row['trace_id']}"
        if name.family == "incident" and name.name.startswith("note_"):
            item["visibility"] = row["metadata"].get("visibility")
        if row["metadata"].get("redacted"):
            item["redacted"] = True  # the bare fact: the console holds no more of it
        item["data"] = data
        return item


@dataclass(frozen=True)
class Position:
    """Where a live tail is: entries of transactions from `floor` on, after (`tx`, `entry`);
    `waiting`: more have committed after it, above a transaction still open (look again soon)."""

    floor: str
    tx: str
    entry: int
    waiting: bool = False

    def params(self) -> dict[str, Any]:
        return {"floor": self.floor, "tx": self.tx, "id": self.entry}


async def start_position(conn: AsyncConnection) -> Position:
    """Now: what every transaction open now, or later, commits is new."""
    floor = await conn.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text"))
    return Position(floor, "0", 0)
