"""The reads of provider incidents (outages): the list, one outage's view, its links and its
candidates, each as the caller may have them.

The provider sees everything of its own; a partner of the provider (a party it supplies
directly, now) sees the outage, its public messages, the linked incidents it works and how many
others there are (`others`), never which; customers and other providers get 404 (they may not
learn that it exists). A customer learns of an outage only through its own incident
(`outage_id`, and `outage_linked` on the incident's timeline)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.auth import Principal
from village_platform.errors import DomainError
from village_platform.eventstore import EventStore

from . import outage_readmodel as rm
from . import outage_state
from .domain.provider_incident import ProviderIncident, role_of
from .views import hop_trees, swarm_hop_view

VIEW_LINKS = 20  # the linked incidents the view (and every command's answer) carries


class OutageReads:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def visible(
        self, conn: AsyncConnection, outage_id: str, principal: Principal, *, lock: bool = False
    ) -> tuple[ProviderIncident, str, list[str]]:
        """The provider incident, the caller's role on it and the provider's partners now;
        404 when the caller may not learn that it exists. `lock`: for a command."""
        state = await outage_state.load(conn, self.store, outage_id, lock=lock)
        partners = await rm.partners(conn, state.provider) if state else []
        role = role_of(state, principal.party, principal.kind, partners) if state else None
        if state is None or role is None:
            raise DomainError.not_found("no such provider incident")
        return state, role, partners

    async def view(
        self, conn: AsyncConnection, outage_id: str, principal: Principal
    ) -> tuple[dict[str, Any], int]:
        """`GET /provider-incidents/{id}`: the view and the version (its ETag)."""
        state, _, _ = await self.visible(conn, outage_id, principal)
        return await self.present(conn, state, principal), state.version

    async def present(
        self, conn: AsyncConnection, state: ProviderIncident, principal: Principal
    ) -> dict[str, Any]:
        """The provider incident with the first page of the linked incidents `principal` works
        (all, for its provider) and the number of the others."""
        mine = _works_only(state, principal)
        items, following = await rm.links(conn, state.id, mine, None, VIEW_LINKS)
        others = 0
        if mine is not None:  # a partner: how many linked incidents are not its own
            own = len(items) if following is None else await rm.links_of(conn, state.id, mine)
            others = state.linked - own
        return {
            "id": state.id,
            "version": state.version,
            "provider": state.provider,
            "title": state.title,
            "description": state.description,
            "products": list(state.products),
            "impacted_services": list(state.impacted_services),
            "regions": list(state.regions),
            "severity": state.severity,
            "status": state.status,
            "started_at": state.started_at.isoformat(),
            "declared_at": state.declared_at.isoformat(),
            "declared_by": state.declared_by,
            "updated_at": state.updated_at.isoformat(),
            "ended_at": state.ended_at.isoformat() if state.ended_at else None,
            "messages": list(state.messages),
            "incidents": items,
            "incidents_next": _links_next(state.id, following),
            "others": others,
        }

    async def provenance(
        self, conn: AsyncConnection, outage_id: str, principal: Principal
    ) -> tuple[dict[str, Any], int]:
        """`GET /provider-incidents/{id}/provenance`: the swarm's hops the caller may see, and
        the version."""
        state, _, _ = await self.visible(conn, outage_id, principal)
        return present_swarm(state, principal), state.version

    async def links_page(
        self,
        conn: AsyncConnection,
        outage_id: str,
        principal: Principal,
        cursor: str | None,
        limit: int,
    ) -> dict[str, Any]:
        """`GET /provider-incidents/{id}/links`: a page of the linked incidents the caller works
        (its provider: all), oldest link first."""
        state, _, _ = await self.visible(conn, outage_id, principal)
        after = rm.LINKS_CURSOR.decode_optional(cursor)
        items, following = await rm.links(
            conn, state.id, _works_only(state, principal), after, limit
        )
        next_cursor = rm.LINKS_CURSOR.encode(following) if following is not None else None
        return {"items": items, "next_cursor": next_cursor}

    async def candidates(
        self, conn: AsyncConnection, outage_id: str, principal: Principal, limit: int
    ) -> dict[str, Any]:
        """`GET /provider-incidents/{id}/candidates`: open incidents that look like the outage,
        best first, among those the caller could link: a partner's own, the provider's all."""
        state, role, _ = await self.visible(conn, outage_id, principal)
        owner = principal.party if role == "partner" else None
        return {"items": await rm.candidates(conn, state, owner, limit)}

    async def updates(
        self, conn: AsyncConnection, outage_id: str, principal: Principal
    ) -> dict[str, Any]:
        """`GET /provider-incidents/{id}/updates`: every update (posted, a status message, the
        resolution), oldest first, with how many linked incidents have it (`delivered`) of
        those it was for (`total`). For the outage's audience: its provider and partners."""
        state, _, _ = await self.visible(conn, outage_id, principal)
        return {"items": await rm.updates(conn, state.id)}

    async def confirmations(
        self, conn: AsyncConnection, outage_id: str, principal: Principal
    ) -> dict[str, Any]:
        """`GET /provider-incidents/{id}/confirmations`: its provider, counts per partner; a
        partner, its own incidents only (and its own counts)."""
        state, _, _ = await self.visible(conn, outage_id, principal)
        return await rm.confirmations(conn, state.id, _works_only(state, principal))

    async def update(self, conn: AsyncConnection, outage_id: str, update_id: str) -> dict[str, Any]:
        found = await rm.updates(conn, outage_id, update_id)
        return found[0]

    async def list(
        self,
        conn: AsyncConnection,
        principal: Principal,
        status: str | None,
        cursor: str | None,
        limit: int,
    ) -> dict[str, Any]:
        """`GET /provider-incidents`: those of the caller (a provider) and of the providers that
        supply it directly (a partner), newest first; a customer's list is empty."""
        providers: list[str] | None = None
        if principal.kind == "customer":
            providers = []
        elif principal.kind != "service":
            providers = [principal.party, *await rm.suppliers_of(conn, principal.party)]
        items, next_cursor = await rm.list_outages(conn, providers, status, cursor, limit)
        return {"items": items, "next_cursor": next_cursor}


def present_swarm(state: ProviderIncident, principal: Principal) -> dict[str, Any]:
    """The swarm's hops as trees, as the egress rule lets `principal` see them: the provider
    every hop, a swarming partner its own and those below them, another partner none."""
    trees = hop_trees(state.swarm, state.roots, state.provider, principal, swarm_hop_view)
    return {"outage_id": state.id, "version": state.version, "hops": trees}


def _works_only(state: ProviderIncident, principal: Principal) -> str | None:
    """Whose links the caller sees: its own (a partner's), or all (None: the provider, a
    service)."""
    if principal.kind == "service" or principal.party == state.provider:
        return None
    return principal.party


def _links_next(outage_id: str, following: int | None) -> str | None:
    if following is None:
        return None
    return f"/provider-incidents/{outage_id}/links?cursor={rm.LINKS_CURSOR.encode(following)}"
