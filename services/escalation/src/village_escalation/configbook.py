"""Each party's tiers (with their policies), profile and rules: every version kept, each new one
an event on `village.escalations.v1` seen only by that party and its readers (configuration.py:
a provider's are its own; a partner's, its and its one supplier's)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.egress import describe
from village_platform.envelope import Metadata
from village_platform.eventstore import EventStore

from .domain.config import ProfileDoc, RulesDoc, TiersDoc
from .domain.events import ConfigRevised

KINDS: dict[str, type[BaseModel]] = {"tiers": TiersDoc, "profile": ProfileDoc, "rules": RulesDoc}
CONFIG_STREAM = "config:{party}:{kind}"
_INSERT = text(
    "INSERT INTO config_versions (party, kind, version, document, recorded_at, recorded_by)"
    " VALUES (:p, :k, :v, CAST(:d AS jsonb), :now, :by)"
)


@dataclass(frozen=True)
class Version:
    party: str
    kind: str
    version: int
    document: Any  # the kind's model
    recorded_at: datetime
    recorded_by: str

    def view(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "kind": self.kind,
            "version": self.version,
            "recorded_at": self.recorded_at,
            "recorded_by": self.recorded_by,
            **self.document.model_dump(mode="json"),
        }


class ConfigBook:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._cache: dict[tuple[str, str, int], Version] = {}  # a version never changes

    def _version(self, row: Any) -> Version:
        key = (row.party, row.kind, row.version)
        if key not in self._cache:
            document = KINDS[row.kind].model_validate(row.document)
            self._cache[key] = Version(
                row.party, row.kind, row.version, document, row.recorded_at, row.recorded_by
            )
        return self._cache[key]

    async def current(self, conn: AsyncConnection, party: str, kind: str) -> Version | None:
        row = (
            await conn.execute(
                text(
                    "SELECT * FROM config_versions WHERE party = :p AND kind = :k"
                    " ORDER BY version DESC LIMIT 1"
                ),
                {"p": party, "k": kind},
            )
        ).first()
        return self._version(row) if row else None

    async def get(
        self, conn: AsyncConnection, party: str, kind: str, version: int
    ) -> Version | None:
        if (party, kind, version) in self._cache:
            return self._cache[(party, kind, version)]
        row = (
            await conn.execute(
                text(
                    "SELECT * FROM config_versions WHERE party = :p AND kind = :k AND version = :v"
                ),
                {"p": party, "k": kind, "v": version},
            )
        ).first()
        return self._version(row) if row else None

    async def versions(self, conn: AsyncConnection, party: str, kind: str) -> list[Version]:
        rows = await conn.execute(
            text("SELECT * FROM config_versions WHERE party = :p AND kind = :k ORDER BY version"),
            {"p": party, "k": kind},
        )
        return [self._version(r) for r in rows]

    async def record(
        self,
        conn: AsyncConnection,
        party: str,
        kind: str,
        document: BaseModel,
        version: int,
        provider: str | None,
        now: datetime,
        origin: Metadata,
        *,
        readers: Iterable[str] | None = None,
    ) -> Version:
        """Store `version` of the document and append its event (a racing writer of the same
        version fails on the primary key: the caller's If-Match check then reports it). The
        event is for `party` and `readers` (by default `provider`), on `provider`'s channel
        (None: the topic carries only the fact that it changed)."""
        by = f"{origin.actor_party}/{origin.actor_user}"
        await conn.execute(
            _INSERT,
            {
                "p": party,
                "k": kind,
                "v": version,
                "now": now,
                "by": by,
                "d": document.model_dump_json(),
            },
        )
        event = ConfigRevised(party, kind, version, document.model_dump(mode="json"))
        # Rules and tiers are a party's own business (partners compete, and so do providers):
        # that party and its readers hear of them, nobody else.
        if readers is None:
            readers = [provider] if provider else []
        metadata = origin.about(describe(parties={party, *readers}, provider=provider))
        await self.store.append(
            conn,
            CONFIG_STREAM.format(party=party, kind=kind),
            version - 1,
            [event.new()],
            metadata.as_dict(),
        )
        stored = Version(party, kind, version, document, now, by)
        self._cache[(party, kind, version)] = stored
        return stored
