"""Contracts: registering and revising them (events on `village.sla.v1`), finding the version in
force, and a cache of versions (a version never changes once written)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.egress import describe
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore

from .domain.contracts import Terms

CONTRACT_STREAM = "contract:{}"
_COLUMNS = "contract_id, version, effective_from, terms"
# Every version of one link's contract: a handful, whichever is in force is picked in memory.
_LINK_VERSIONS = text(
    f"SELECT {_COLUMNS} FROM contracts WHERE kind = :k AND provider = :p AND customer = :c"
)


class ContractNotFound(LookupError):
    pass


# What the topic says of a contract its provider may not see: that it exists and changed.
CONTRACT_FACT = ("contract_id", "version")


class ContractBook:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._versions: dict[tuple[str, int], Terms] = {}
        # Set by `preload` (rebuilds): every version in memory, so finding the one in force
        # costs no query. Live instances query, since another instance may add versions.
        self._all: list[Terms] | None = None

    def terms_of(self, contract_id: str, version: int) -> Terms:
        """A version loaded before (`load`, `in_force`, `latest`): the projector's lookup."""
        return self._versions[(contract_id, version)]

    def _remember(self, row: Any) -> Terms:
        key = (row.contract_id, row.version)
        if key not in self._versions:
            self._versions[key] = Terms.from_spec(
                row.contract_id, row.version, row.terms, row.effective_from
            )
        return self._versions[key]

    async def load(self, conn: AsyncConnection, keys: list[tuple[str, int]]) -> None:
        missing = [k for k in keys if k not in self._versions]
        for contract_id, version in missing:
            row = (
                await conn.execute(
                    text(
                        f"SELECT {_COLUMNS} FROM contracts WHERE contract_id = :c AND version = :v"
                    ),
                    {"c": contract_id, "v": version},
                )
            ).one()
            self._remember(row)

    async def preload(self, conn: AsyncConnection) -> None:
        rows = await conn.execute(
            text(f"SELECT {_COLUMNS} FROM contracts ORDER BY effective_from, version")
        )
        self._all = [self._remember(r) for r in rows]

    async def in_force(
        self,
        conn: AsyncConnection,
        kind: str,
        provider: str,
        customer: str,
        at: datetime,
        *,
        seen: dict[tuple[str, str, str], list[Terms]] | None = None,
    ) -> Terms | None:
        """The version of the link's contract in force at `at`. `seen` is a live batch's (one
        transaction): each link's versions are read once for all its events, as of the batch,
        and the fetch's records all came before it, so the answer is the one a read per event
        gives."""
        link = (kind, provider, customer)
        if self._all is not None:
            versions = [t for t in self._all if (t.kind, t.provider, t.customer) == link]
        elif seen is not None and link in seen:
            versions = seen[link]
        else:
            rows = await conn.execute(_LINK_VERSIONS, {"k": kind, "p": provider, "c": customer})
            versions = [self._remember(r) for r in rows]
            if seen is not None:
                seen[link] = versions
        found = [t for t in versions if t.effective_from <= at]
        return max(found, key=lambda t: (t.effective_from, t.version), default=None)

    async def latest(
        self, conn: AsyncConnection, contract_id: str, version: int | None = None
    ) -> Terms:
        sql = f"SELECT {_COLUMNS} FROM contracts WHERE contract_id = :c"
        sql += " AND version = :v" if version is not None else " ORDER BY version DESC LIMIT 1"
        row = (await conn.execute(text(sql), {"c": contract_id, "v": version})).first()
        if row is None:
            raise ContractNotFound(contract_id)
        return self._remember(row)

    async def versions(self, conn: AsyncConnection, contract_id: str) -> list[Terms]:
        rows = await conn.execute(
            text(f"SELECT {_COLUMNS} FROM contracts WHERE contract_id = :c ORDER BY version"),
            {"c": contract_id},
        )
        return [self._remember(r) for r in rows]

    async def visible(self, conn: AsyncConnection, party: str | None) -> list[Terms]:
        """The latest version of every contract `party` is a party to (None: all)."""
        rows = await conn.execute(
            text(
                f"SELECT DISTINCT ON (contract_id) {_COLUMNS} FROM contracts"
                " WHERE CAST(:p AS text) IS NULL OR provider = :p OR customer = :p"
                " ORDER BY contract_id, version DESC"
            ),
            {"p": party},
        )
        return [self._remember(r) for r in rows]

    async def visible_page(
        self, conn: AsyncConnection, party: str | None, after: str | None, limit: int
    ) -> list[Terms]:
        """`visible`, a page at a time, in contract id order: at most `limit` after `after`."""
        rows = await conn.execute(
            text(
                f"SELECT DISTINCT ON (contract_id) {_COLUMNS} FROM contracts"
                " WHERE (CAST(:p AS text) IS NULL OR provider = :p OR customer = :p)"
                " AND (CAST(:after AS text) IS NULL OR contract_id > :after)"
                " ORDER BY contract_id, version DESC LIMIT :limit"
            ),
            {"p": party, "after": after, "limit": limit},
        )
        return [self._remember(r) for r in rows]

    async def existing_for(
        self, conn: AsyncConnection, kind: str, provider: str, customer: str
    ) -> str | None:
        return await conn.scalar(
            text(
                "SELECT contract_id FROM contracts"
                " WHERE kind = :k AND provider = :p AND customer = :c LIMIT 1"
            ),
            {"k": kind, "p": provider, "c": customer},
        )

    async def record(
        self, conn: AsyncConnection, terms: Terms, origin: Metadata, now: datetime
    ) -> None:
        """Store a new version and append its event (registered for v1, revised after), whose
        origin is `origin` (who recorded it, in which request)."""
        await conn.execute(
            text(
                "INSERT INTO contracts (contract_id, version, kind, provider, customer,"
                " effective_from, terms, recorded_at)"
                " VALUES (:c, :v, :k, :p, :cu, :f, CAST(:t AS jsonb), :now)"
            ),
            {
                "c": terms.contract_id,
                "v": terms.version,
                "k": terms.kind,
                "p": terms.provider,
                "cu": terms.customer,
                "f": terms.effective_from,
                "t": json.dumps(terms.to_spec()),
                "now": now,
            },
        )
        # The provider's tooling channel carries the contracts it gives, not its partners' own.
        channel = terms.provider if terms.kind == "underpinning" else None
        audience = describe(parties=terms.parties, provider=channel, fact=CONTRACT_FACT)
        event = terms.recorded().new(origin.about(audience))
        stream = CONTRACT_STREAM.format(terms.contract_id)
        await self.store.append(conn, stream, terms.version - 1, [event], {})
        self._versions[(terms.contract_id, terms.version)] = terms
