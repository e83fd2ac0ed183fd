"""The incidents read model: party directory, incident summaries for lists, external refs (the
notes are notes.py's, the aggregate's snapshots snapshots.py's).

Projected inline, in the same transaction as the events (read-your-writes for REST callers);
`rebuild()` re-projects it from the event store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform.auth import Principal
from village_platform.cursors import Cursor, position
from village_platform.db import driver_in_transaction, fetch

from .domain.directory import party_of
from .domain.events import PartyRegistered
from .domain.incident import Incident, Party
from .domain.supply import Supply, SupplyEvent, SupplyRegistered, legacy_supplies


async def load_directory(conn: AsyncConnection, ids: list[str] | None = None) -> dict[str, Party]:
    """The party directory, or the parties in `ids` and those they name (partner, provider)."""
    rows = await (
        fetch(conn, _DIRECTORY) if ids is None else fetch(conn, _DIRECTORY_OF, {"ids": ids})
    )
    return {r.id: _party(r) for r in rows}


def _party(r: Any) -> Party:
    return Party(
        id=r.id,
        kind=r.kind,
        name=r.name,
        provider=r.provider,
        partner=r.partner,
        customers=tuple(r.customers),
    )


async def load_supplies(
    conn: AsyncConnection,
    *,
    registered_only: bool = False,
    directory: dict[str, Party] | None = None,
) -> list[Supply]:
    """Every supply in force: those registered as such and, unless `registered_only`, those the
    parties' registration fields imply (of `directory`, when the caller has it loaded)."""
    rows = await conn.execute(text("SELECT supplier, buyer, products FROM supplies"))
    found = [
        Supply(r.supplier, r.buyer, frozenset(r.products) if r.products is not None else None)
        for r in rows
    ]
    if registered_only:
        return found
    if directory is None:
        directory = await load_directory(conn)
    implied = legacy_supplies(directory.values())
    return [*found, *(s for s in implied if s not in found)]


# The supplies whose buyer is one of `:buyers`: registered ones, and those the registration
# fields imply (a partner's provider, a customer's partner, a partner's customers).
# Who supplies whom: the supplies, and the registration fields that act as supplies of every
# product (a partner's provider, a customer's partner, a partner's customers).
_PARTY_COLUMNS = "id, kind, name, provider, partner, customers"
# The parties in :ids and those they name (partner, provider).
_NAMED = (
    f"wanted AS (SELECT {_PARTY_COLUMNS} FROM parties WHERE id = ANY(:ids)),"
    " named AS (SELECT * FROM wanted UNION"
    " SELECT p.id, p.kind, p.name, p.provider, p.partner, p.customers FROM parties p"
    " JOIN wanted w ON p.id IN (w.partner, w.provider))"
)
_DIRECTORY = text(f"SELECT {_PARTY_COLUMNS} FROM parties")
_DIRECTORY_OF = text(f"WITH {_NAMED} SELECT * FROM named")
_EDGES = (
    "SELECT supplier, buyer, products FROM supplies"
    " UNION ALL SELECT provider, id, NULL FROM parties WHERE provider IS NOT NULL"
    " UNION ALL SELECT partner, id, NULL FROM parties WHERE partner IS NOT NULL"
    " UNION ALL SELECT p.id, c.buyer, NULL FROM parties p, unnest(p.customers) AS c(buyer)"
)
# Every supply on any path up from a buyer, `depth` suppliers away at most, in one round trip
# (the open path runs it for every incident).
_UP = (
    " up(supplier, buyer, products, depth) AS ("
    "  SELECT supplier, buyer, products, 1 FROM edges WHERE buyer = :buyer"
    "  UNION SELECT e.supplier, e.buyer, e.products, up.depth + 1"
    "  FROM edges e JOIN up ON e.buyer = up.supplier WHERE up.depth < :depth)"
)
_SUPPLIES_UPSTREAM = text(
    f"WITH RECURSIVE edges AS ({_EDGES}), {_UP} SELECT DISTINCT supplier, buyer, products FROM up"
)
# Both in one statement: the parties' rows (supply columns null), then the supplies' (id null).
_OPENING = text(
    f"WITH RECURSIVE edges AS ({_EDGES}), {_UP}, {_NAMED}"
    f" SELECT {_PARTY_COLUMNS}, NULL AS supplier, NULL AS buyer, NULL::text[] AS products"
    " FROM named UNION ALL"
    " SELECT DISTINCT NULL, NULL, NULL, NULL, NULL, NULL::text[], supplier, buyer, products"
    " FROM up"
)


async def supplies_upstream_of(conn: AsyncConnection, buyer: str, depth: int) -> list[Supply]:
    """The supplies `buyer` gets anything through, up to `depth` suppliers away: what any
    supply path from it reads."""
    rows = await fetch(conn, _SUPPLIES_UPSTREAM, {"buyer": buyer, "depth": depth})
    return _supplies(rows)


def _supplies(rows: Iterable[Any]) -> list[Supply]:
    found = {
        Supply(r.supplier, r.buyer, frozenset(r.products) if r.products is not None else None)
        for r in rows
    }
    return sorted(found, key=lambda s: (s.buyer, s.supplier))


async def opening(
    conn: AsyncConnection, ids: list[str], buyer: str, depth: int
) -> tuple[dict[str, Party], list[Supply]]:
    """What an open reads, in one round trip: `load_directory(ids)` and
    `supplies_upstream_of(buyer, depth)`."""
    rows = await fetch(conn, _OPENING, {"ids": ids, "buyer": buyer, "depth": depth})
    parties = {r.id: _party(r) for r in rows if r.id is not None}
    return parties, _supplies(r for r in rows if r.id is None)


async def kinds_of(conn: AsyncConnection, ids: list[str]) -> dict[str, str]:
    rows = await conn.execute(
        text("SELECT id, kind FROM parties WHERE id = ANY(:ids)"), {"ids": ids}
    )
    return {r.id: r.kind for r in rows}


async def project_supply(conn: AsyncConnection, event: SupplyEvent, version: int) -> None:
    await conn.execute(
        text("DELETE FROM supplies WHERE supplier = :supplier AND buyer = :buyer"),
        {"supplier": event.supplier, "buyer": event.buyer},
    )
    if isinstance(event, SupplyRegistered):
        await conn.execute(
            text(
                "INSERT INTO supplies (supplier, buyer, products, version)"
                " VALUES (:supplier, :buyer, :products, :version)"
            ),
            {
                "supplier": event.supplier,
                "buyer": event.buyer,
                "products": event.products,
                "version": version,
            },
        )


async def project_directory(
    conn: AsyncConnection, event: SupplyEvent | PartyRegistered, version: int
) -> None:
    """One event of the directory's stream, at `version`: the parties and supplies tables."""
    if isinstance(event, PartyRegistered):
        await upsert_party(conn, party_of(event))
    else:
        await project_supply(conn, event, version)


class PartiesTable:
    """The party directory as the Authenticator reads it here, where it is owned: a caller's
    party kind comes from this table, never from its token."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # A party's kind never changes once registered (directory.register refuses it), so a
        # kind found is kept: every request asked the table before (its own connection, one
        # query). A party not found yet is asked again next time.
        self._known: dict[str, str] = {}

    async def kind_of(self, party: str) -> str | None:
        if (kind := self._known.get(party)) is not None:
            return kind
        async with self.engine.connect() as conn:
            found = await conn.execute(
                text("SELECT kind FROM parties WHERE id = :id"), {"id": party}
            )
            kind = found.scalar_one_or_none()
        if kind is not None:
            self._known[party] = kind
        return kind


async def upsert_party(conn: AsyncConnection, party: Party) -> bool:
    """Insert or update; True when it changed anything."""
    result = await conn.execute(
        text(
            "INSERT INTO parties (id, kind, name, provider, partner, customers)"
            " VALUES (:id, :kind, :name, :provider, :partner, :customers)"
            " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, provider = EXCLUDED.provider,"
            " partner = EXCLUDED.partner, customers = EXCLUDED.customers"
            " WHERE parties.kind = EXCLUDED.kind"
            " AND (parties.name, parties.provider, parties.partner, parties.customers)"
            " IS DISTINCT FROM"
            " (EXCLUDED.name, EXCLUDED.provider, EXCLUDED.partner, EXCLUDED.customers)"
        ),
        {
            "id": party.id,
            "kind": party.kind,
            "name": party.name,
            "provider": party.provider,
            "partner": party.partner,
            "customers": list(party.customers),
        },
    )
    return bool(result.rowcount)


_PROJECT = (
    "INSERT INTO incidents (id, version, title, status, severity, product, customer, partner,"
    " provider, collaborators, opened_at, updated_at, resolved_at, chain, parent_id,"
    " description, outage_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, title = EXCLUDED.title,"
    " status = EXCLUDED.status, severity = EXCLUDED.severity, product = EXCLUDED.product,"
    " collaborators = EXCLUDED.collaborators, updated_at = EXCLUDED.updated_at,"
    " resolved_at = EXCLUDED.resolved_at, outage_id = EXCLUDED.outage_id"
)


# The same upsert, answering whether any part names the incident as its parent: the command's
# answer reads the parts page only then (most incidents have none; the partial index answers).
_PROJECT_ASKING_PARTS = (
    _PROJECT + " RETURNING EXISTS (SELECT 1 FROM incidents p WHERE p.parent_id = incidents.id)"
)


async def project(conn: AsyncConnection, state: Incident) -> bool:
    """Upsert the incident's summary row (in the command's transaction, on the driver: hot path).
    True when the incident has parts (any party's)."""
    driver = await driver_in_transaction(conn)
    return bool(await driver.fetchval(_PROJECT_ASKING_PARTS, *_project_args(state)))


async def project_many(conn: AsyncConnection, states: list[Incident]) -> None:
    """`project` for many incidents, one pipelined statement."""
    if not states:
        return
    driver = await driver_in_transaction(conn)
    await driver.executemany(_PROJECT, [_project_args(s) for s in states])


def _project_args(state: Incident) -> tuple[Any, ...]:
    return (
        state.id,
        state.version,
        state.title,
        state.status,
        state.severity,
        state.product,
        state.customer,
        state.partner,
        state.provider,
        list(state.collaborators),
        state.opened_at,
        state.updated_at,
        state.resolved_at,
        list(state.chain),
        state.parent_id,
        state.description,
        state.outage_id,
    )


async def external_ref_owner(conn: AsyncConnection, refs: list[dict[str, str]]) -> str | None:
    """The incident already holding any of `refs`, if one does."""
    for ref in refs:
        found = await conn.scalar(
            text(
                "SELECT incident_id FROM incident_external_refs"
                " WHERE owner = :owner AND type = :type AND ref = :id"
            ),
            ref,
        )
        if found:
            return found
    return None


_ADD_REFS = (
    "INSERT INTO incident_external_refs (owner, type, ref, incident_id)"
    " SELECT r.owner, r.type, r.ref, $4"
    " FROM unnest($1::text[], $2::text[], $3::text[]) AS r(owner, type, ref)"
    " ON CONFLICT DO NOTHING RETURNING owner, type, ref"
)


async def add_external_refs(
    conn: AsyncConnection, incident_id: str, refs: list[dict[str, str]]
) -> list[dict[str, str]]:
    """Claim `refs` for the incident; returns those another incident already holds."""
    if not refs:
        return []
    driver = await driver_in_transaction(conn)
    rows = await driver.fetch(
        _ADD_REFS,
        [r["owner"] for r in refs],
        [r["type"] for r in refs],
        [r["id"] for r in refs],
        incident_id,
    )
    claimed = {(r["owner"], r["type"], r["ref"]) for r in rows}
    return [r for r in refs if (r["owner"], r["type"], r["id"]) not in claimed]


def visible_clause(principal: Principal) -> tuple[str, dict[str, Any]]:
    """SQL restricting incidents to those the caller may see: those whose chain it is on, and,
    for a partner, those it collaborates on. (GIN indexes serve both `@>` tests.)"""
    me = {"me": [principal.party]}
    match principal.kind:
        case "service":
            return "TRUE", {}
        case "partner":
            return "(chain @> CAST(:me AS text[]) OR collaborators @> CAST(:me AS text[]))", me
        case _:
            return "chain @> CAST(:me AS text[])", me


@dataclass(frozen=True)
class IncidentFilter:
    status: str | None = None
    severity: str | None = None
    customer: str | None = None
    partner: str | None = None
    product: str | None = None
    external_id: str | None = None
    external_owner: str | None = None
    parent_id: str | None = None  # the parts of this incident


CURSOR = Cursor("incidents", position)  # the list's order: seq, newest first


async def list_incidents(
    conn: AsyncConnection, principal: Principal, f: IncidentFilter, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    where, params = visible_clause(principal)
    clauses = [where]
    for column in ("status", "severity", "customer", "partner", "product", "parent_id"):
        value = getattr(f, column)
        if value is not None:
            clauses.append(f"{column} = :{column}")
            params[column] = value
    if f.external_id is not None:
        clauses.append(
            "id IN (SELECT incident_id FROM incident_external_refs WHERE ref = :ext_id"
            " AND (CAST(:ext_owner AS text) IS NULL OR owner = :ext_owner))"
        )
        params.update(ext_id=f.external_id, ext_owner=f.external_owner)
    if cursor:
        clauses.append("seq < :after")
        params["after"] = CURSOR.decode(cursor)
    params["limit"] = limit + 1
    rows = await fetch(
        conn,
        "SELECT seq, id, version, title, status, severity, product, customer, partner,"
        " provider, opened_at, updated_at, parent_id, outage_id FROM incidents WHERE "
        + " AND ".join(clauses)
        + " ORDER BY seq DESC LIMIT :limit",
        params,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "id": r.id,
            "version": r.version,
            "title": r.title,
            "status": r.status,
            "severity": r.severity,
            "product": r.product,
            "customer": r.customer,
            "partner": r.partner,
            "provider": r.provider,
            "opened_at": r.opened_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
            "parent_id": r.parent_id,
            "outage_id": r.outage_id,
        }
        for r in rows
    ]
    return items, (CURSOR.encode(rows[-1].seq) if more and rows else None)


async def incident_ids_resolved_before(
    conn: AsyncConnection, cutoff: Any, limit: int = 100
) -> list[str]:
    rows = await conn.execute(
        text(
            "SELECT id FROM incidents WHERE status = 'resolved' AND resolved_at <= :cutoff"
            " ORDER BY resolved_at LIMIT :limit"
        ),
        {"cutoff": cutoff, "limit": limit},
    )
    return [r.id for r in rows]


async def reset(conn: AsyncConnection) -> None:
    """Empty what the rebuild re-projects. Not `parties`: those registered before registrations
    were events exist only there (the rebuild replays the registration events over them)."""
    await conn.execute(
        text(
            "TRUNCATE incident_external_refs, incidents, incident_notes, incident_snapshots,"
            " supplies, provider_incident_links, provider_incidents"
        )
    )
