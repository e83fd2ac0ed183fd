"""The contract commands: register and revise. Each is one unit of work on the platform's write
path (the Idempotency-Key's claim, one transaction, the relay rung after commit); the rules are
domain.commands', what a caller may see and manage is here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from village_platform.auth import Principal
from village_platform.clock import Clock
from village_platform.envelope import Metadata
from village_platform.errors import DomainError
from village_platform.idempotency import StoredResponse
from village_platform.writes import WriteContext, Writes, Written, stored

from ..contractbook import ContractBook, ContractNotFound
from ..domain.commands import (
    RegisterContract,
    ReviseContract,
    refuse_duplicate,
    registered,
    revised,
)
from ..domain.contracts import Terms
from ..views import contract_view

_TAKEN = text("SELECT 1 FROM contracts WHERE contract_id = :c")


def party_of(caller: Principal) -> str | None:
    """Whose contracts a caller sees: its party's, or every one for a Village service (None)."""
    return None if caller.kind == "service" else caller.party


def may_manage(caller: Principal, provider: str) -> None:
    """The owing party's admins manage a contract (they publish what they promise)."""
    if caller.kind == "service":
        return
    if caller.party != provider or not caller.has_role("admin"):
        raise DomainError.forbidden("contracts are managed by the owing party's admins")


async def visible_contract(
    conn: AsyncConnection,
    book: ContractBook,
    caller: Principal,
    contract_id: str,
    version: int | None = None,
) -> Terms:
    """The contract (its latest version, or `version`), if the caller is a party to it."""
    try:
        terms = await book.latest(conn, contract_id, version)
    except ContractNotFound:
        raise DomainError.not_found("no such contract") from None
    if party_of(caller) not in (None, terms.provider, terms.customer):
        raise DomainError.not_found("no such contract")  # not 403: its existence is private too
    return terms


class ContractCommands:
    def __init__(self, book: ContractBook, writes: Writes, clock: Clock) -> None:
        self.book, self.writes, self.clock = book, writes, clock

    async def register(self, ctx: WriteContext, command: RegisterContract) -> Written:
        may_manage(ctx.principal, str(command.spec.get("provider")))
        now = self.clock.now()
        terms = registered(command, now)

        async def work(conn: AsyncConnection) -> StoredResponse:
            taken = bool(await conn.scalar(_TAKEN, {"c": terms.contract_id}))
            book, other = self.book, None
            if not taken:
                other = await book.existing_for(conn, terms.kind, terms.provider, terms.customer)
            refuse_duplicate(terms, taken, other)
            await self._record_version(conn, ctx, terms, now)
            return stored(
                201,
                _view(terms),
                {"ETag": f'"{terms.version}"', "Location": f"/contracts/{terms.contract_id}"},
            )

        return await self.writes.run(ctx, work)

    async def revise(self, ctx: WriteContext, command: ReviseContract) -> Written:
        now = self.clock.now()

        async def work(conn: AsyncConnection) -> StoredResponse:
            current = await visible_contract(conn, self.book, ctx.principal, command.contract_id)
            may_manage(ctx.principal, current.provider)
            terms = revised(current, command, now)
            await self._record_version(conn, ctx, terms, now)
            return stored(200, _view(terms), {"ETag": f'"{terms.version}"'})

        return await self.writes.run(ctx, work)

    async def _record_version(
        self, conn: AsyncConnection, ctx: WriteContext, terms: Terms, now: datetime
    ) -> None:
        await self.book.record(conn, terms, Metadata(**ctx.event_metadata()), now)


def _view(terms: Terms) -> Any:
    return jsonable_encoder(contract_view(terms))
