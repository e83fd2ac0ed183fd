"""What each party sees of one incident: `views.present()` over a state built by the pure rules,
given every note (the notes read model filters them in SQL first: test_incident_pages.py proves
that filter agrees with this one).

The incident: northwind opened it for initech (provider acme). Notes of every visibility are
written before and after contoso and fabrikam are invited as collaborators.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from village_incidents.domain import commands as c
from village_incidents.domain import events as e
from village_incidents.domain.incident import Incident, Note, Party, evolve, evolve_note
from village_incidents.domain.rules import decide, decide_open
from village_incidents.views import present
from village_platform.auth import Principal

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DIRECTORY = {
    "acme": Party("acme", "provider"),
    "northwind": Party("northwind", "partner", provider="acme", customers=("initech",)),
    "contoso": Party("contoso", "partner", provider="acme", customers=("umbrella",)),
    "initech": Party("initech", "customer", partner="northwind"),
    "umbrella": Party("umbrella", "customer", partner="contoso"),
    "fabrikam": Party("fabrikam", "partner", provider="acme"),  # a third partner, not a demo party
}
KIND = {p: party.kind for p, party in DIRECTORY.items()} | {"village-escalation": "service"}
REFS = [
    {"owner": "northwind", "type": "ticket", "id": "NW-42"},
    {"owner": "initech", "type": "servicenow", "id": "INC0012"},
]


def actor(party: str) -> c.Actor:
    return c.Actor(party, KIND[party], f"{party}-user")


def principal(party: str) -> Principal:
    return Principal(party, KIND[party], f"{party}-user", frozenset())  # type: ignore[arg-type]


class Built:
    def __init__(self) -> None:
        self.now = T0
        [opened] = decide_open(
            c.OpenIncident(
                "inc-1", "VPN down", "flaps", "S2", "vpn", customer="initech", external_refs=REFS
            ),
            actor("northwind"),
            DIRECTORY,
        )
        self.state: Incident = evolve(None, opened, self.now)
        self.notes: dict[str, Note] = {}

    def do(self, who: str, cmd: object) -> Built:
        self.now += timedelta(minutes=1)
        for event in decide(self.state, cmd, actor(who), self.now, DIRECTORY, self.notes):
            self.state = evolve(self.state, event, self.now)
            if isinstance(event, e.NoteEvent):
                note = self.notes.get(event.note_id)
                self.notes[event.note_id] = evolve_note(note, event, self.now, self.state)
        return self


def note(who: str, visibility: str, note_id: str | None = None) -> tuple[str, c.AddNote]:
    return who, c.AddNote(
        note_id or f"{who}-{visibility}", f"{who} says ({visibility})", visibility
    )


@pytest.fixture(scope="module")
def incident() -> Built:
    b = Built()
    # Before any collaborator is invited.
    for who in ("northwind", "acme"):
        for vis in ("internal", "restricted", "shared"):
            b.do(*note(who, vis, f"early-{who}-{vis}"))
    b.do(*note("initech", "shared", "early-initech-shared"))
    b.do("northwind", c.Assign("northwind", "L1", "ann"))
    b.do("northwind", c.Escalate("acme", "L2", "needs the provider"))
    b.do("northwind", c.InviteCollaborator("contoso"))
    b.do("acme", c.InviteCollaborator("fabrikam"))
    # After.
    for who in ("northwind", "acme", "contoso", "fabrikam"):
        for vis in ("internal", "restricted", "shared"):
            b.do(*note(who, vis))
    b.do(*note("initech", "shared"))
    b.do("northwind", c.AddNote("gone", "posted by mistake", "shared"))
    b.do("northwind", c.DeleteNote("gone"))
    b.do("acme", c.EditNote("acme-shared", "acme says (shared), corrected"))
    return b


def view_of(b: Built, party: str) -> dict[str, Any]:
    return present(b.state, principal(party), b.notes.values())


def note_ids(view: dict[str, Any]) -> set[str]:
    return {n["id"] for n in view["notes"]}


WORKERS = ("northwind", "acme", "contoso", "fabrikam")
AFTER = {f"{w}-{v}" for w in WORKERS for v in ("internal", "restricted", "shared")}
BEFORE = {
    f"early-{w}-{v}" for w in ("northwind", "acme") for v in ("internal", "restricted", "shared")
}


@pytest.mark.parametrize(
    ("party", "expected"),
    [
        # The customer: shared notes only, from whenever.
        (
            "initech",
            {
                "early-northwind-shared",
                "early-acme-shared",
                "early-initech-shared",
                "northwind-shared",
                "acme-shared",
                "contoso-shared",
                "fabrikam-shared",
                "initech-shared",
            },
        ),
        # The owner and the provider: everything that is not another party's internal note.
        (
            "northwind",
            (BEFORE | AFTER | {"early-initech-shared", "initech-shared"})
            - {"early-acme-internal", "acme-internal", "contoso-internal", "fabrikam-internal"},
        ),
        (
            "acme",
            (BEFORE | AFTER | {"early-initech-shared", "initech-shared"})
            - {
                "early-northwind-internal",
                "northwind-internal",
                "contoso-internal",
                "fabrikam-internal",
            },
        ),
        # A collaborator: only what was written once it was on the incident,
        # and no one else's internal notes.
        (
            "contoso",
            (AFTER | {"initech-shared"})
            - {"northwind-internal", "acme-internal", "fabrikam-internal"},
        ),
        (
            "fabrikam",
            (AFTER | {"initech-shared"})
            - {"northwind-internal", "acme-internal", "contoso-internal"},
        ),
        # A service (the escalation or SLA service) reads what the provider's channel carries:
        # another party's internal note never leaves the incidents service.
        (
            "village-escalation",
            (BEFORE | AFTER | {"early-initech-shared", "initech-shared"})
            - {
                "early-northwind-internal",
                "northwind-internal",
                "contoso-internal",
                "fabrikam-internal",
            },
        ),
    ],
)
def test_notes_per_party(incident: Built, party: str, expected: set[str]) -> None:
    assert note_ids(view_of(incident, party)) == expected


def test_deleted_notes_are_gone_and_edits_show(incident: Built) -> None:
    for party in ("initech", "northwind", "acme", "contoso", "village-escalation"):
        view = view_of(incident, party)
        assert "gone" not in note_ids(view)
        [acme_shared] = [n for n in view["notes"] if n["id"] == "acme-shared"]
        assert acme_shared["body"] == "acme says (shared), corrected"
        assert acme_shared["edited_at"] is not None
        assert acme_shared["author_party"] == "acme"


def test_the_customer_sees_no_working_details(incident: Built) -> None:
    view = view_of(incident, "initech")
    assert {"assignment", "escalations", "collaborators"}.isdisjoint(view)
    assert {n["visibility"] for n in view["notes"]} == {"shared"}
    # ...but every ticket id on the incident: they are correlation handles for all parties.
    assert view["external_refs"] == REFS
    assert (view["customer"], view["partner"], view["provider"], view["status"]) == (
        "initech",
        "northwind",
        "acme",
        "new",
    )


@pytest.mark.parametrize("party", ["northwind", "acme", "village-escalation"])
def test_owner_provider_and_services_see_the_working_details(incident: Built, party: str) -> None:
    view = view_of(incident, party)
    assert view["assignment"] == {"party": "acme", "tier": "L2", "assignee": None}
    assert [x["to_party"] for x in view["escalations"]] == ["acme"]
    assert view["collaborators"] == ["contoso", "fabrikam"]
    assert view["external_refs"] == REFS


@pytest.mark.parametrize(("party", "other"), [("contoso", "fabrikam"), ("fabrikam", "contoso")])
def test_collaborators_see_who_works_the_incident_but_not_each_others_internal_notes(
    incident: Built, party: str, other: str
) -> None:
    view = view_of(incident, party)
    assert view["collaborators"] == ["contoso", "fabrikam"]
    assert view["assignment"] == {"party": "acme", "tier": "L2", "assignee": None}
    assert not any(
        n["author_party"] == other and n["visibility"] == "internal" for n in view["notes"]
    )


def test_internal_notes_only_for_the_authors_party(incident: Built) -> None:
    for party in ("initech", "northwind", "acme", "contoso", "fabrikam"):
        internal_authors = {
            n["author_party"]
            for n in view_of(incident, party)["notes"]
            if n["visibility"] == "internal"
        }
        assert internal_authors <= {party}


def test_restricted_notes_for_the_provider_not_the_customer(incident: Built) -> None:
    assert {
        n["id"] for n in view_of(incident, "acme")["notes"] if n["visibility"] == "restricted"
    } >= {"early-northwind-restricted", "northwind-restricted", "contoso-restricted"}
    assert not any(n["visibility"] == "restricted" for n in view_of(incident, "initech")["notes"])


def test_a_revoked_collaborator_is_no_longer_a_working_party() -> None:
    b = Built().do("northwind", c.InviteCollaborator("contoso"))
    b.do(*note("contoso", "restricted"))
    b.do("northwind", c.RevokeCollaborator("contoso"))
    b.do("northwind", c.InviteCollaborator("fabrikam"))
    # The API answers 404 to a party without a role; present() refuses it outright.
    with pytest.raises(LookupError):
        view_of(b, "contoso")
    assert view_of(b, "northwind")["collaborators"] == ["fabrikam"]


def test_the_view_carries_the_lifecycle() -> None:
    b = (
        Built()
        .do("northwind", c.Acknowledge())
        .do("acme", c.ChangeStatus("on_hold", reason="vendor"))
    )
    view = view_of(b, "initech")
    assert (view["status"], view["hold_reason"], view["version"]) == ("on_hold", "vendor", 3)
    assert view["acknowledged_by"] == {"northwind": (T0 + timedelta(minutes=1)).isoformat()}
    b.do("northwind", c.StartImpact(started_at=T0)).do("northwind", c.EndImpact())
    b.do("acme", c.ChangeStatus("resolved", resolution_code="fixed", resolution_notes="new router"))
    b.do("initech", c.ChangeStatus("closed")).do("initech", c.Rate(5, "great"))
    view = view_of(b, "initech")
    assert view["status"] == "closed" and view["hold_reason"] is None
    assert view["resolution"] == {"code": "fixed", "notes": "new router"}
    assert view["impacts"][0]["ended_at"] is not None
    assert view["rating"]["rating"] == 5
    assert view["resolved_at"] and view["closed_at"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["northwind", "acme", "contoso", "initech"]),
            st.sampled_from(["internal", "restricted", "shared"]),
            st.sampled_from(["invite", "revoke", "note"]),
        ),
        max_size=25,
    )
)
def test_the_customer_never_sees_more_than_shared_notes(steps: list[tuple[str, str, str]]) -> None:
    """Whatever the order of invitations and notes: the customer sees exactly the shared notes,
    each party sees its own notes written while it was on the incident, and no one sees another
    party's internal notes."""
    b = Built()
    on_incident_when_written: dict[str, set[str]] = {}
    for i, (who, vis, what) in enumerate(steps):
        try:
            if what == "invite":
                b.do("acme", c.InviteCollaborator("contoso"))
            elif what == "revoke":
                b.do("acme", c.RevokeCollaborator("contoso"))
            else:
                b.do(who, c.AddNote(f"n-{i}", "x", vis))
                on_incident_when_written[f"n-{i}"] = set(b.state.parties)
        except Exception as exc:  # a rejected command: not on the incident, not shared, ...
            assert getattr(exc, "status", None) in (403, 404, 409, 422)
    customer = view_of(b, "initech")
    assert note_ids(customer) == {n.id for n in b.notes.values() if n.visibility == "shared"}
    for party in ("northwind", "acme", "contoso", "initech"):
        if party == "contoso" and "contoso" not in b.state.collaborators:
            continue
        view = view_of(b, party)
        assert all(
            n["author_party"] == party for n in view["notes"] if n["visibility"] == "internal"
        )
        assert all(party in on_incident_when_written[n["id"]] for n in view["notes"])
        own = {n.id for n in b.notes.values() if n.author_party == party}
        assert own <= note_ids(view)
