"""THE RULE: who may see an event, by its visibility, parties and author's party."""

from __future__ import annotations

import pytest

from village_platform.visibility import may_see

ON_INCIDENT = "acme northwind initech"


def event(visibility: str, parties: object = ON_INCIDENT, actor: str = "northwind") -> dict[str, object]:
    return {"visibility": visibility, "parties": parties, "actorparty": actor}


@pytest.mark.parametrize("visibility, party, kind, seen", [
    ("shared", "initech", "customer", True),
    ("shared", "northwind", "partner", True),
    ("shared", "acme", "provider", True),
    ("restricted", "initech", "customer", False),
    ("restricted", "northwind", "partner", True),
    ("restricted", "acme", "provider", True),
    ("internal", "northwind", "partner", True),  # the author's party
    ("internal", "acme", "provider", False),
    ("internal", "initech", "customer", False),
    ("confidential", "northwind", "partner", False),  # unknown: not seen
])
def test_visibility_by_kind_and_author(visibility: str, party: str, kind: str, seen: bool) -> None:
    assert may_see(event(visibility), party, kind) is seen


@pytest.mark.parametrize("visibility", ["shared", "restricted", "internal"])
def test_a_party_not_on_the_event_sees_nothing(visibility: str) -> None:
    assert not may_see(event(visibility, actor="contoso"), "contoso", "partner")
    assert not may_see(event(visibility, actor="umbrella"), "umbrella", "customer")


def test_parties_as_a_list_or_missing() -> None:
    assert may_see(event("shared", ["acme", "initech"]), "initech", "customer")
    assert not may_see(event("shared", None), "initech", "customer")
    assert not may_see({"visibility": "internal", "parties": "x"}, "x", "partner")  # no author: nobody
