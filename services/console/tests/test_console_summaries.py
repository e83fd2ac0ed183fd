"""The timeline's one-line summaries say only what the event names: a first routing has no
`from` (the incident was with nobody), so the line must not read "from None None"."""

from __future__ import annotations

from village_console.summaries import summary

ESCALATED = "village.incident.escalated.v1"


def test_an_escalation_names_only_the_sides_it_has() -> None:
    first = {"to_party": "acme", "to_tier": "TAC L2", "reason": "S1 for firewalls"}
    assert summary(ESCALATED, first) == "escalated to acme TAC L2: S1 for firewalls"
    onward = {**first, "from_party": "northwind", "from_tier": "L1"}
    assert summary(ESCALATED, onward) == (
        "escalated from northwind L1 to acme TAC L2: S1 for firewalls"
    )
    assert "None" not in summary(ESCALATED, {})
