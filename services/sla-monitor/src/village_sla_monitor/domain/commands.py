"""Contract commands, and what the rules decide of them: the terms of the version each records,
or a refusal (a DomainError, mapped to a problem response by the platform)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from village_platform.errors import DomainError

from .contracts import Terms


@dataclass(frozen=True)
class RegisterContract:
    contract_id: str
    spec: Mapping[str, Any]  # the terms as the API took them (Terms.from_spec checks them)
    effective_from: datetime | None = None  # None: now


@dataclass(frozen=True)
class ReviseContract:
    contract_id: str
    changes: Mapping[str, Any]  # the terms that change; the rest stay as they are
    effective_from: datetime | None = None  # None: now
    if_match: frozenset[int] | None = None  # the versions the caller means to revise


def registered(command: RegisterContract, now: datetime) -> Terms:
    """The first version's terms."""
    return _terms(command.contract_id, 1, command.spec, command.effective_from or now)


def refuse_duplicate(terms: Terms, taken: bool, other: str | None) -> None:
    """One contract per id, and one of each kind between the same two parties."""
    if taken:
        raise DomainError.conflict(
            f"contract {terms.contract_id} exists; revise it with PUT", "contract-exists"
        )
    if other:
        raise DomainError.conflict(
            f"{terms.customer} <- {terms.provider} already has {terms.kind} contract {other}",
            "contract-exists",
        )


def revised(current: Terms, command: ReviseContract, now: datetime) -> Terms:
    """The next version's terms: the current ones with the command's changes."""
    if command.if_match is not None and current.version not in command.if_match:
        raise DomainError(412, "stale-version", f"the contract is at version {current.version}")
    spec = {**current.to_spec(), **command.changes}
    effective = command.effective_from or now
    if effective < current.effective_from:
        raise DomainError.invalid(
            "a revision cannot take effect before the version it replaces", "invalid-contract"
        )
    return _terms(command.contract_id, current.version + 1, spec, effective)


def _terms(
    contract_id: str, version: int, spec: Mapping[str, Any], effective_from: datetime
) -> Terms:
    try:
        return Terms.from_spec(contract_id, version, spec, effective_from)
    except ValueError as exc:
        raise DomainError.invalid(str(exc), "invalid-contract") from None
