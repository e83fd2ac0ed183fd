"""The provider incidents read model: one row per provider incident (`provider_incidents`, with
its state: outage_state.py) and one per incident linked to one (`provider_incident_links`),
projected in the command's transaction; and the reads over them and the incidents table: the
list, the pages of links, the candidates. Who may see which rows is decided by the caller's
place (provider_incident.role_of) before these run; the queries narrow to it in SQL."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.cursors import Cursor, position

from . import readmodel
from .domain import events as e
from .domain.incident import ACTIVE
from .domain.provider_incident import ProviderIncident, partners_of
from .domain.supply import Supply
from .outage_state import SCHEMA, encode

# The supplies from `:supplier`: registered ones, and those the registration fields imply.
_SUPPLIES_FROM = text(
    "SELECT supplier, buyer, products FROM supplies WHERE supplier = :supplier"
    " UNION ALL SELECT provider, id, NULL FROM parties WHERE provider = :supplier"
    " UNION ALL SELECT partner, id, NULL FROM parties WHERE partner = :supplier"
    " UNION ALL SELECT p.id, c.buyer, NULL FROM parties p, unnest(p.customers) AS c(buyer)"
    " WHERE p.id = :supplier"
)


async def supplies_from(conn: AsyncConnection, supplier: str) -> list[Supply]:
    rows = await conn.execute(_SUPPLIES_FROM, {"supplier": supplier})
    return [
        Supply(r.supplier, r.buyer, frozenset(r.products) if r.products is not None else None)
        for r in rows
    ]


async def partners(conn: AsyncConnection, provider: str) -> list[str]:
    """The provider's partners now: the parties it supplies directly, customers excepted."""
    supplies = await supplies_from(conn, provider)
    kinds = await readmodel.kinds_of(conn, sorted({s.buyer for s in supplies}))
    return partners_of(provider, supplies, kinds)


async def suppliers_of(conn: AsyncConnection, buyer: str) -> list[str]:
    """Whoever supplies `buyer` directly: the providers whose incidents it may see as partner."""
    return sorted({s.supplier for s in await readmodel.supplies_upstream_of(conn, buyer, 1)})


_PROJECT = text(
    "INSERT INTO provider_incidents (id, version, provider, title, status, severity, products,"
    " started_at, declared_at, updated_at, linked, schema, state)"
    " VALUES (:id, :version, :provider, :title, :status, :severity, :products, :started_at,"
    " :declared_at, :updated_at, :linked, :schema, CAST(:state AS jsonb))"
    " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status,"
    " updated_at = EXCLUDED.updated_at, linked = EXCLUDED.linked, schema = EXCLUDED.schema,"
    " state = EXCLUDED.state"
)


async def project(conn: AsyncConnection, state: ProviderIncident) -> None:
    await conn.execute(_PROJECT, row(state))


def row(state: ProviderIncident) -> dict[str, Any]:
    return {
        "id": state.id,
        "version": state.version,
        "provider": state.provider,
        "title": state.title,
        "status": state.status,
        "severity": state.severity,
        "products": list(state.products),
        "started_at": state.started_at,
        "declared_at": state.declared_at,
        "updated_at": state.updated_at,
        "linked": state.linked,
        "schema": SCHEMA,
        "state": json.dumps(encode(state)),
    }


_LINK = text(
    "INSERT INTO provider_incident_links"
    " (outage_id, incident_id, partner, parties, linked_by, linked_at)"
    " VALUES (:outage, :incident, :partner, :parties, :by, :at)"
    " ON CONFLICT (outage_id, incident_id) DO UPDATE SET partner = EXCLUDED.partner,"
    " parties = EXCLUDED.parties, linked_by = EXCLUDED.linked_by,"
    " linked_at = EXCLUDED.linked_at, unlinked_at = NULL, unlink_reason = NULL,"
    " resolution = NULL"
)
_UNLINK = text(
    "UPDATE provider_incident_links SET unlinked_at = :at, unlink_reason = :reason"
    " WHERE outage_id = :outage AND incident_id = :incident AND unlinked_at IS NULL"
)


async def project_link(
    conn: AsyncConnection, event: e.OutageEvent, metadata: dict[str, Any], at: datetime
) -> None:
    """What a link's event changes in the links table (`metadata`: the event's, whose
    `parties` are who sees the link); any other event: nothing."""
    if isinstance(event, e.OutageLinked):
        parties = metadata.get("parties", ())
        await add_link(
            conn, event.outage_id, event.incident_id, event.partner, event.linked_by, parties, at
        )
    elif isinstance(event, e.OutageUnlinked):
        await end_link(conn, event.outage_id, event.incident_id, event.reason, at)


async def add_link(
    conn: AsyncConnection,
    outage_id: str,
    incident_id: str,
    partner: str,
    linked_by: str,
    parties: Iterable[str],
    at: datetime,
) -> None:
    """`parties`: who sees the link (its event's audience: the provider and the parties working
    the incident)."""
    await conn.execute(
        _LINK,
        {
            "outage": outage_id,
            "incident": incident_id,
            "partner": partner,
            "parties": sorted(set(parties)),
            "by": linked_by,
            "at": at,
        },
    )


async def end_link(
    conn: AsyncConnection, outage_id: str, incident_id: str, reason: str, at: datetime
) -> None:
    params = {"outage": outage_id, "incident": incident_id, "reason": reason, "at": at}
    await conn.execute(_UNLINK, params)


# --------------------------------------------------------------------------- reads

LIST_CURSOR = Cursor("provider-incidents", position)  # newest first, by seq
LINKS_CURSOR = Cursor("outage-links", position)  # oldest link first, by seq


def summary(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "version": r.version,
        "provider": r.provider,
        "title": r.title,
        "status": r.status,
        "severity": r.severity,
        "products": list(r.products),
        "started_at": r.started_at.isoformat(),
        "declared_at": r.declared_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
    }


async def list_outages(
    conn: AsyncConnection,
    providers: Sequence[str] | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """The provider incidents of `providers` (None: every one, for services), newest first."""
    clauses, params = ["TRUE"], {"limit": limit + 1}
    if providers is not None:
        clauses.append("provider = ANY(:providers)")
        params["providers"] = list(providers)
    if status is not None:
        clauses.append("status = :status")
        params["status"] = status
    if cursor:
        clauses.append("seq < :after")
        params["after"] = LIST_CURSOR.decode(cursor)
    rows = (
        await conn.execute(
            text(
                "SELECT seq, id, version, provider, title, status, severity, products,"
                " started_at, declared_at, updated_at FROM provider_incidents WHERE "
                + " AND ".join(clauses)
                + " ORDER BY seq DESC LIMIT :limit"
            ),
            params,
        )
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return [summary(r) for r in rows], (LIST_CURSOR.encode(rows[-1].seq) if more else None)


async def links(
    conn: AsyncConnection, outage_id: str, party: str | None, cursor: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the incidents linked now, oldest link first; those `party` works (None: all)
    and the seq after which the next page starts (None: the end)."""
    clauses = ["l.outage_id = :outage", "l.unlinked_at IS NULL"]
    params: dict[str, Any] = {"outage": outage_id, "limit": limit + 1}
    if party is not None:
        clauses.append("l.parties @> CAST(:me AS text[])")
        params["me"] = [party]
    if cursor is not None:
        clauses.append("l.seq > :after")
        params["after"] = cursor
    rows = (
        await conn.execute(
            text(
                "SELECT l.seq, l.incident_id, l.partner, l.linked_by, l.linked_at, i.title,"
                " i.status FROM provider_incident_links l JOIN incidents i"
                " ON i.id = l.incident_id WHERE "
                + " AND ".join(clauses)
                + " ORDER BY l.seq LIMIT :limit"
            ),
            params,
        )
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "incident_id": r.incident_id,
            "title": r.title,
            "status": r.status,
            "partner": r.partner,
            "linked_by": r.linked_by,
            "linked_at": r.linked_at.isoformat(),
        }
        for r in rows
    ]
    return items, (rows[-1].seq if more else None)


async def links_of(conn: AsyncConnection, outage_id: str, party: str) -> int:
    """How many incidents linked now `party` works."""
    found = await conn.scalar(
        text(
            "SELECT count(*) FROM provider_incident_links WHERE outage_id = :outage"
            " AND unlinked_at IS NULL AND parties @> CAST(:me AS text[])"
        ),
        {"outage": outage_id, "me": [party]},
    )
    return int(found or 0)


# The outage's words as a query any of them matches (plainto_tsquery ANDs them: an incident
# that shares some words still ranks, below one that shares more).
_CANDIDATES = (
    "SELECT id, title, status, severity, product, customer, partner, opened_at,"
    " ts_rank(words, q) AS rank FROM incidents,"
    " CAST(replace(CAST(plainto_tsquery('english', :words) AS text), ' & ', ' | ') AS tsquery)"
    " AS q WHERE provider = :provider AND product = ANY(:products) AND opened_at >= :started"
    " AND outage_id IS NULL AND status = ANY(:open) AND {mine}"
    " ORDER BY rank DESC, opened_at DESC, id LIMIT :limit"
)


async def candidates(
    conn: AsyncConnection, state: ProviderIncident, owner: str | None, limit: int
) -> list[dict[str, Any]]:
    """Open, unlinked incidents of the outage's provider and products opened since it started,
    best match of its title and description first; `owner`: only those it owns (a partner's)."""
    params: dict[str, Any] = {
        "words": f"{state.title} {state.description}",
        "provider": state.provider,
        "products": list(state.products),
        "started": state.started_at,
        "open": sorted(ACTIVE),
        "limit": limit,
    }
    mine = "TRUE"
    if owner is not None:
        mine, params["owner"] = "partner = :owner", owner
    rows = await conn.execute(text(_CANDIDATES.format(mine=mine)), params)
    return [
        {
            "incident_id": r.id,
            "title": r.title,
            "status": r.status,
            "severity": r.severity,
            "product": r.product,
            "customer": r.customer,
            "partner": r.partner,
            "opened_at": r.opened_at.isoformat(),
            "rank": round(float(r.rank), 6),
        }
        for r in rows
    ]


# --------------------------------------------------------------------------- updates (fan-out)

_UPDATES = (
    "SELECT u.update_id, u.kind, u.body, u.audience, u.total, u.posted_at,"
    " (SELECT count(*) FROM outage_deliveries d WHERE d.update_id = u.update_id) AS pending"
    " FROM outage_updates u WHERE u.outage_id = :outage"
)
_ALL_UPDATES = text(_UPDATES + " ORDER BY u.seq")
_ONE_UPDATE = text(_UPDATES + " AND u.update_id = :update")


async def updates(
    conn: AsyncConnection, outage_id: str, update_id: str | None = None
) -> list[dict[str, Any]]:
    """The outage's updates, oldest first (or the one `update_id`): `delivered` counts the
    linked incidents the fan-out is done with (the deliveries left are `total - delivered`)."""
    params = {"outage": outage_id, "update": update_id}
    rows = await conn.execute(_ONE_UPDATE if update_id else _ALL_UPDATES, params)
    return [
        {
            "update_id": r.update_id,
            "kind": r.kind,
            "body": r.body,
            "audience": r.audience,
            "posted_at": r.posted_at.isoformat(),
            "total": r.total,
            "delivered": r.total - r.pending,
        }
        for r in rows
    ]


# --------------------------------------------------------------------------- confirmations

_WAITING = text(
    "SELECT 1 FROM provider_incident_links WHERE outage_id = :outage"
    " AND incident_id = :incident AND unlinked_at IS NULL AND resolution = 'waiting'"
)
# The answer to a resolution still waiting for it (a rejection's link is ended just before).
_RESOLUTION = text(
    "UPDATE provider_incident_links SET resolution = :resolution"
    " WHERE outage_id = :outage AND incident_id = :incident AND resolution = 'waiting'"
)
_UNLINKED = text(
    "SELECT 1 FROM provider_incident_links WHERE outage_id = :outage"
    " AND incident_id = :incident AND unlinked_at IS NOT NULL"
)


async def waiting(conn: AsyncConnection, outage_id: str, incident_id: str) -> bool:
    """Whether the outage resolved the incident and its requester has not answered yet."""
    params = {"outage": outage_id, "incident": incident_id}
    return (await conn.execute(_WAITING, params)).first() is not None


async def unlinked(conn: AsyncConnection, outage_id: str, incident_id: str) -> bool:
    """Whether the incident was linked to the outage and has left it (its last link ended)."""
    params = {"outage": outage_id, "incident": incident_id}
    return (await conn.execute(_UNLINKED, params)).first() is not None


async def set_resolution(
    conn: AsyncConnection, outage_id: str, incident_id: str, resolution: str
) -> None:
    params = {"outage": outage_id, "incident": incident_id, "resolution": resolution}
    await conn.execute(_RESOLUTION, params)


_COUNTS = text(
    "SELECT partner,"
    " count(*) FILTER (WHERE resolution = 'confirmed') AS confirmed,"
    " count(*) FILTER (WHERE resolution = 'rejected') AS rejected,"
    " count(*) FILTER (WHERE resolution = 'waiting') AS waiting"
    " FROM provider_incident_links WHERE outage_id = :outage AND resolution IS NOT NULL"
    " AND (CAST(:partner AS text) IS NULL OR partner = :partner)"
    " GROUP BY partner ORDER BY partner"
)
_OWN = text(
    "SELECT incident_id, resolution FROM provider_incident_links WHERE outage_id = :outage"
    " AND partner = :partner AND resolution IS NOT NULL ORDER BY seq"
)


async def confirmations(
    conn: AsyncConnection, outage_id: str, partner: str | None
) -> dict[str, Any]:
    """Per partner, how many of the incidents the outage resolved its requesters confirmed,
    rejected or have not answered; `partner`: that partner's only, with its incidents."""
    params = {"outage": outage_id, "partner": partner}
    counts = [
        {
            "partner": r.partner,
            "confirmed": r.confirmed,
            "rejected": r.rejected,
            "waiting": r.waiting,
        }
        for r in await conn.execute(_COUNTS, params)
    ]
    if partner is None:
        return {"partners": counts}
    own = [
        {"incident_id": r.incident_id, "resolution": r.resolution}
        for r in await conn.execute(_OWN, params)
    ]
    return {"partners": counts, "incidents": own}


# What the rebuild re-derives of each link's confirmation from the incidents' events (the live
# path writes it as they happen): resolved by the outage's fan-out (`fanout: resolve` in the
# event's metadata), then confirmed (closed after) or rejected (unlinked so), and reminded.
_REDERIVE = [
    "UPDATE provider_incident_links l SET resolution = 'waiting', resolved_at = e.recorded_at"
    " FROM events e WHERE e.stream_id = l.incident_id AND e.type = 'village.incident.resolved.v1'"
    " AND e.metadata->>'outage_id' = l.outage_id AND e.metadata->>'fanout' = 'resolve'",
    "UPDATE provider_incident_links SET resolution = 'rejected'"
    " WHERE resolution IS NOT NULL AND unlink_reason = 'rejected'",
    "UPDATE provider_incident_links l SET resolution = 'confirmed' WHERE resolution = 'waiting'"
    " AND EXISTS (SELECT 1 FROM events r JOIN events c ON c.stream_id = r.stream_id"
    "   AND c.stream_version > r.stream_version AND c.type = 'village.incident.closed.v1'"
    "   WHERE r.stream_id = l.incident_id AND r.type = 'village.incident.resolved.v1'"
    "   AND r.metadata->>'outage_id' = l.outage_id AND r.metadata->>'fanout' = 'resolve')",
    "UPDATE provider_incident_links l SET reminded_at = n.recorded_at FROM events n"
    " WHERE n.stream_id = l.incident_id AND n.type = 'village.incident.note_added.v1'"
    " AND n.metadata->>'outage_id' = l.outage_id AND n.metadata->>'fanout' = 'reminder'",
]


async def rederive_confirmations(conn: AsyncConnection) -> None:
    for statement in _REDERIVE:
        await conn.execute(text(statement))
