"""The webhooks API's commands on a party's endpoints: register, change, delete, rotate the signing
secret, enable, replay deliveries. Each checks the caller (a party admin), then runs one unit of
work (endpoints.py) through the platform's write path (village_platform.writes: Idempotency-Key,
one transaction, the dispatcher woken after the commit).

A signing secret is in the answer to its registration or rotation, never in the idempotency
record: the record keeps the endpoint and the secret's serial, and a replay reads the secret back
from the endpoint (sealed there) while it is kept (`on_replay`): the same answer again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from fastapi.encoders import jsonable_encoder
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from village_platform.auth import Principal
from village_platform.clock import Clock
from village_platform.directory import DirectoryUnavailable, PartyDirectory
from village_platform.errors import Problem
from village_platform.headers import if_match_versions
from village_platform.idempotency import StoredResponse
from village_platform.writes import WriteContext, Writes, Written

from . import endpoints
from .domain.targets import Network, TargetRefused
from .pinning import Resolver, check_target
from .sealing import Sealer


def _stored(status: int, body: Any, headers: dict[str, str] | None = None) -> StoredResponse:
    return StoredResponse(status, jsonable_encoder(body), headers or {})


def _admin(caller: Principal) -> None:
    if caller.kind == "service" or not caller.has_role("admin"):
        raise Problem(403, "forbidden", "webhook endpoints are managed by the party's admins")


def _secret_ref(row: Any) -> dict[str, Any]:
    """What the idempotency record keeps instead of a signing secret."""
    return {"endpoint": str(row.endpoint_id), "serial": row.secret_serial}


Answer = TypeVar("Answer", bound=StoredResponse)


def _with_secret(answer: Answer, secret: str) -> Answer:
    """The answer with the signing secret itself where the record keeps its reference."""
    return replace(answer, body={**answer.body, "secret": secret})


@dataclass(frozen=True)
class Targets:
    """Where an endpoint may point: refused (422) before anything is stored, by the same check
    every delivery makes again (pinning.py)."""

    development: bool
    allowed: Sequence[Network]
    resolver: Resolver
    timeout_seconds: float

    async def check(self, url: str) -> None:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await check_target(
                    url, development=self.development, allowed=self.allowed, resolver=self.resolver
                )
        except TargetRefused as exc:
            raise Problem(422, "refused-target", str(exc)) from None
        except TimeoutError:
            raise Problem(
                422, "refused-target", "the URL's host does not resolve in time"
            ) from None


class Webhooks:
    def __init__(
        self,
        writes: Writes,
        engine: AsyncEngine,
        clock: Clock,
        sealer: Sealer,
        directory: PartyDirectory,
        targets: Targets,
    ) -> None:
        self.writes, self.engine, self.clock, self.sealer = writes, engine, clock, sealer
        self.directory, self.targets = directory, targets

    async def register(self, ctx: WriteContext, endpoint: dict[str, Any]) -> Written:
        """A new endpoint of the caller's party; the answer carries its signing secret."""
        party = ctx.principal.party
        _admin(ctx.principal)
        await self.targets.check(endpoint["url"])
        kind = await self._kind_of(party)
        now, issued = self.clock.now(), []

        async def work(conn: AsyncConnection) -> StoredResponse:
            row, secret = await endpoints.create(conn, self.sealer, party, kind, endpoint, now)
            issued.append(secret)
            return _stored(
                201,
                {**endpoints.view(row, now), "secret": _secret_ref(row)},
                {"Location": f"/endpoints/{row.endpoint_id}", **endpoints.etag(row)},
            )

        return await self._with_new_secret(ctx, work, issued)

    async def change(
        self,
        ctx: WriteContext,
        endpoint_id: uuid.UUID,
        changes: dict[str, Any],
        if_match: str | None,
    ) -> Written:
        """URL, description, subscriptions, filter, status."""
        _admin(ctx.principal)
        wanted = if_match_versions(if_match, "endpoint")
        if "url" in changes:
            await self.targets.check(changes["url"])
        now = self.clock.now()

        async def work(conn: AsyncConnection) -> StoredResponse:
            row = await self._locked(conn, ctx, endpoint_id, wanted)
            if changes:
                row = await endpoints.update(conn, row, changes, now)
            return _stored(200, endpoints.view(row, now), endpoints.etag(row))

        return await self.writes.run(ctx, work)

    async def delete(
        self, ctx: WriteContext, endpoint_id: uuid.UUID, if_match: str | None
    ) -> Written:
        """The endpoint and its deliveries."""
        _admin(ctx.principal)
        wanted = if_match_versions(if_match, "endpoint")

        async def work(conn: AsyncConnection) -> StoredResponse:
            await endpoints.delete(conn, await self._locked(conn, ctx, endpoint_id, wanted))
            return _stored(204, None)

        return await self.writes.run(ctx, work)

    async def rotate_secret(
        self, ctx: WriteContext, endpoint_id: uuid.UUID, overlap: timedelta, if_match: str | None
    ) -> Written:
        """A new signing secret; the previous one keeps signing too for `overlap`."""
        _admin(ctx.principal)
        wanted = if_match_versions(if_match, "endpoint")
        now, issued = self.clock.now(), []

        async def work(conn: AsyncConnection) -> StoredResponse:
            row = await self._locked(conn, ctx, endpoint_id, wanted)
            row, secret = await endpoints.rotate(conn, self.sealer, row, overlap, now)
            issued.append(secret)
            return _stored(
                200,
                {"secret": _secret_ref(row), "endpoint": endpoints.view(row, now)},
                endpoints.etag(row),
            )

        return await self._with_new_secret(ctx, work, issued)

    async def enable(self, ctx: WriteContext, endpoint_id: uuid.UUID) -> Written:
        """Active again after failing or disabled (parked deliveries stay parked)."""
        _admin(ctx.principal)
        now = self.clock.now()

        async def work(conn: AsyncConnection) -> StoredResponse:
            row = await self._locked(conn, ctx, endpoint_id)
            if row.status != "active":
                row = await endpoints.update(conn, row, {"status": "active"}, now)
            return _stored(200, endpoints.view(row, now), endpoints.etag(row))

        return await self.writes.run(ctx, work)

    async def replay(
        self, ctx: WriteContext, endpoint_id: uuid.UUID, query: dict[str, Any]
    ) -> Written:
        """Parked or past deliveries again, by event time range or event ids; a failing endpoint
        is active again."""
        _admin(ctx.principal)
        now = self.clock.now()

        async def work(conn: AsyncConnection) -> StoredResponse:
            row = await self._locked(conn, ctx, endpoint_id)
            if row.status == "disabled":
                raise Problem(409, "endpoint-disabled", "the endpoint is disabled: enable it first")
            if row.status == "failing":
                # Active again in the same transaction as the re-queue, so no new event of an
                # incident overtakes its parked ones.
                row = await endpoints.update(conn, row, {"status": "active"}, now)
            return _stored(202, {"requeued": await endpoints.replay(conn, row, query, now)})

        return await self.writes.run(ctx, work)

    # ------------------------------------------------------------------ the steps they share

    async def _kind_of(self, party: str) -> str:
        try:
            kind = (await self.directory.get()).get(party, {}).get("kind")
        except DirectoryUnavailable as exc:
            raise Problem(
                503,
                "dependency-unavailable",
                f"the party directory cannot be read now: {exc}",
                headers={"Retry-After": "5"},
            ) from None
        if kind is None:
            raise Problem(403, "forbidden", f"{party} is not in the party directory")
        return kind

    @staticmethod
    async def _locked(
        conn: AsyncConnection,
        ctx: WriteContext,
        endpoint_id: uuid.UUID,
        wanted: frozenset[int] | None = None,
    ) -> Any:
        """The caller's endpoint, locked for this transaction, at a version If-Match accepts."""
        row = await endpoints.get(conn, ctx.principal.party, endpoint_id, lock=True)
        endpoints.check_version(row, wanted)
        return row

    async def _with_new_secret(
        self,
        ctx: WriteContext,
        work: Callable[[AsyncConnection], Awaitable[StoredResponse]],
        issued: list[str],
    ) -> Written:
        """`work` stores `_secret_ref(...)` in place of the secret it issues (into `issued`); the
        answer carries the secret itself, the one issued or, on a replay, the one kept."""
        answer = await self.writes.run(ctx, work, on_replay=lambda stored: self._kept(ctx, stored))
        return answer if answer.replayed else _with_secret(answer, issued[0])

    async def _kept(self, ctx: WriteContext, answer: StoredResponse) -> StoredResponse:
        ref = answer.body.get("secret") if isinstance(answer.body, dict) else None
        if not isinstance(ref, dict):
            return answer
        async with self.engine.connect() as conn:
            secret = await endpoints.kept_secret(
                conn,
                self.sealer,
                ctx.principal.party,
                uuid.UUID(ref["endpoint"]),
                int(ref["serial"]),
            )
        if secret is None:
            raise Problem(
                409,
                "secret-replaced",
                "the signing secret this request returned has been replaced"
                " since (rotated twice, or the endpoint deleted): it cannot be returned again",
            )
        return _with_secret(answer, secret)
