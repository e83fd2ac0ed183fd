"""Each party's tiers (with their policies) and rules, and each provider's profile of a partner:
every version kept, each new one an event on `village.escalations.v1` seen only by that party and
its readers (configuration.py: a provider's are its own; a partner's, its and its one
supplier's; a profile, the partner's and the provider's that keeps it)."""

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
# One provider's profile of a partner. Profiles recorded before each provider kept its own stay
# on the partner's CONFIG_STREAM, which their provider goes on writing (migration 0004).
PROFILE_STREAM = "config:{party}:profile:{provider}"
_INSERT = text(
    "INSERT INTO config_versions (party, kind, provider, version, document, recorded_at,"
    " recorded_by, stream_id) VALUES (:p, :k, :pr, :v, CAST(:d AS jsonb), :now, :by, :s)"
)
_OF = "party = :p AND kind = :k AND provider = :pr"


@dataclass(frozen=True)
class Key:
    """One document: a party's tiers or rules (`provider` ""), or `provider`'s profile of the
    partner `party`."""

    party: str
    kind: str
    provider: str = ""

    @property
    def new_stream(self) -> str:
        """The stream of the document's first version."""
        if self.kind == "profile":
            return PROFILE_STREAM.format(party=self.party, provider=self.provider)
        return CONFIG_STREAM.format(party=self.party, kind=self.kind)

    def params(self) -> dict[str, str]:
        return {"p": self.party, "k": self.kind, "pr": self.provider}


@dataclass(frozen=True)
class Version:
    key: Key
    version: int
    document: Any  # the kind's model
    recorded_at: datetime
    recorded_by: str
    stream_id: str

    @property
    def party(self) -> str:
        return self.key.party

    @property
    def kind(self) -> str:
        return self.key.kind

    def view(self) -> dict[str, Any]:
        whose = {"provider": self.key.provider} if self.kind == "profile" else {}
        return {
            "party": self.party,
            "kind": self.kind,
            **whose,
            "version": self.version,
            "recorded_at": self.recorded_at,
            "recorded_by": self.recorded_by,
            **self.document.model_dump(mode="json"),
        }


class ConfigBook:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._cache: dict[tuple[Key, int], Version] = {}  # a version never changes

    def _version(self, row: Any) -> Version:
        key = Key(row.party, row.kind, row.provider)
        if (key, row.version) not in self._cache:
            document = KINDS[row.kind].model_validate(row.document)
            self._cache[(key, row.version)] = Version(
                key, row.version, document, row.recorded_at, row.recorded_by, row.stream_id
            )
        return self._cache[(key, row.version)]

    async def current(self, conn: AsyncConnection, key: Key) -> Version | None:
        row = (
            await conn.execute(
                text(f"SELECT * FROM config_versions WHERE {_OF} ORDER BY version DESC LIMIT 1"),
                key.params(),
            )
        ).first()
        return self._version(row) if row else None

    async def get(self, conn: AsyncConnection, key: Key, version: int) -> Version | None:
        if (key, version) in self._cache:
            return self._cache[(key, version)]
        row = (
            await conn.execute(
                text(f"SELECT * FROM config_versions WHERE {_OF} AND version = :v"),
                {**key.params(), "v": version},
            )
        ).first()
        return self._version(row) if row else None

    async def versions(self, conn: AsyncConnection, key: Key) -> list[Version]:
        rows = await conn.execute(
            text(f"SELECT * FROM config_versions WHERE {_OF} ORDER BY version"), key.params()
        )
        return [self._version(r) for r in rows]

    async def profiles(self, conn: AsyncConnection, partner: str) -> list[Version]:
        """The latest version of every provider's profile of `partner`, by provider."""
        rows = await conn.execute(
            text(
                "SELECT DISTINCT ON (provider) * FROM config_versions"
                " WHERE party = :p AND kind = 'profile' ORDER BY provider, version DESC"
            ),
            {"p": partner},
        )
        return [self._version(r) for r in rows]

    async def record(
        self,
        conn: AsyncConnection,
        key: Key,
        document: BaseModel,
        version: int,
        channel: str | None,
        now: datetime,
        origin: Metadata,
        *,
        readers: Iterable[str] | None = None,
        stream: str | None = None,
    ) -> Version:
        """Store `version` of the document and append its event to `stream` (None: the
        document's first stream, `key.new_stream`); a racing writer of the same version fails
        on the primary key: the caller's If-Match check then reports it. The event is for the
        party and `readers` (by default the `channel`), on `channel`'s tooling channel (None:
        the topic carries only the fact that it changed)."""
        by = f"{origin.actor_party}/{origin.actor_user}"
        stream = stream or key.new_stream
        await conn.execute(
            _INSERT,
            {
                **key.params(),
                "v": version,
                "now": now,
                "by": by,
                "d": document.model_dump_json(),
                "s": stream,
            },
        )
        event = ConfigRevised(
            key.party,
            key.kind,
            version,
            document.model_dump(mode="json"),
            provider=key.provider or None,
        )
        # Rules and tiers are a party's own business (partners compete, and so do providers):
        # that party and its readers hear of them, nobody else.
        if readers is None:
            readers = [channel] if channel else []
        metadata = origin.about(describe(parties={key.party, *readers}, provider=channel))
        await self.store.append(conn, stream, version - 1, [event.new()], metadata.as_dict())
        stored = Version(key, version, document, now, by, stream)
        self._cache[(key, version)] = stored
        return stored
