"""What the rules decide of the contract commands, without a database: the terms of the version
each records, or the problem that refuses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from village_platform.errors import DomainError
from village_sla_monitor.domain.commands import (
    RegisterContract,
    ReviseContract,
    refuse_duplicate,
    registered,
    revised,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SPEC = {
    "kind": "customer_facing",
    "provider": "northwind",
    "customer": "initech",
    "targets": {"S1": {"respond_minutes": 15, "resolve_minutes": 240}},
}


def refused(call: object, *args: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_a_registration_is_version_one_effective_now_unless_it_says_when() -> None:
    terms = registered(RegisterContract("c-1", SPEC), NOW)
    assert (terms.contract_id, terms.version, terms.effective_from) == ("c-1", 1, NOW)
    later = NOW + timedelta(days=3)
    assert registered(RegisterContract("c-1", SPEC, later), NOW).effective_from == later


def test_invalid_terms_are_refused_with_the_field_named() -> None:
    problem = refused(registered, RegisterContract("c-1", {**SPEC, "kind": "sideways"}), NOW)
    assert (problem.status, problem.kind) == (422, "invalid-contract")
    assert "kind must be one of" in problem.detail


def test_one_contract_per_id_and_one_of_a_kind_between_two_parties() -> None:
    terms = registered(RegisterContract("c-1", SPEC), NOW)
    refuse_duplicate(terms, taken=False, other=None)
    assert (
        refused(refuse_duplicate, terms, True, None).status,
        refused(refuse_duplicate, terms, False, "c-0").detail,
    ) == (409, "initech <- northwind already has customer_facing contract c-0")


def test_a_revision_is_the_next_version_with_the_changes_over_the_current_terms() -> None:
    current = registered(RegisterContract("c-1", SPEC), NOW)
    changes = {"targets": {"S2": {"resolve_minutes": 480}}, "warn_at": [80]}
    command = ReviseContract("c-1", changes, if_match=frozenset({1}))
    terms = revised(current, command, NOW + timedelta(hours=1))
    assert (terms.version, terms.provider, list(terms.targets), terms.warn_at) == (
        2,
        "northwind",
        ["S2"],
        (80,),
    )


def test_a_revision_of_a_stale_version_or_into_the_past_is_refused() -> None:
    current = registered(RegisterContract("c-1", SPEC, NOW), NOW)
    stale = refused(revised, current, ReviseContract("c-1", {}, if_match=frozenset({2})), NOW)
    assert (stale.status, stale.kind, stale.detail) == (
        412,
        "stale-version",
        "the contract is at version 1",
    )
    past = refused(revised, current, ReviseContract("c-1", {}, NOW - timedelta(days=1)), NOW)
    assert (past.status, past.kind) == (422, "invalid-contract")
