"""The incident aggregate's rules, as pure functions: decide_open / decide / evolve / replay.

No database, no broker: every test builds a history by deciding commands for the demo parties
(provider acme; partner northwind serves initech; partner contoso serves umbrella) and checks
which commands the rules accept, which they reject, and with which status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from village_incidents.domain import commands as c
from village_incidents.domain import events as e
from village_incidents.domain.incident import (
    ACTIVE,
    TERMINAL,
    Incident,
    Note,
    Party,
    evolve,
    evolve_note,
    replay,
    replay_with_notes,
)
from village_incidents.domain.rules import decide, decide_open, role_of
from village_platform.errors import DomainError

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

DIRECTORY: dict[str, Party] = {
    "acme": Party("acme", "provider", "Acme"),
    "northwind": Party(
        "northwind", "partner", "Northwind", provider="acme", customers=("initech",)
    ),
    "contoso": Party("contoso", "partner", "Contoso", provider="acme", customers=("umbrella",)),
    "initech": Party("initech", "customer", "Initech", partner="northwind"),
    "umbrella": Party("umbrella", "customer", "Umbrella", partner="contoso"),
    # Not a demo party: a third partner, so an incident can have two collaborators.
    "fabrikam": Party("fabrikam", "partner", "Fabrikam", provider="acme"),
}
ACTORS: dict[str, c.Actor] = {
    p: c.Actor(p, party.kind, f"{p}-user") for p, party in DIRECTORY.items()
}
ACTORS["scheduler"] = c.Actor("village-incidents", "service", "autoclose")


def opening(customer: str | None = "initech", severity: str = "S2", **kw: object) -> c.OpenIncident:
    return c.OpenIncident(
        incident_id="inc-1",
        title="VPN down",
        description="Branch VPN flaps",
        severity=severity,
        product="vpn",
        customer=customer,
        **kw,
    )  # type: ignore[arg-type]


def rejected(exc: pytest.ExceptionInfo[DomainError]) -> int:
    return exc.value.status


@dataclass
class Story:
    """An incident's history, built command by command; each command one minute after the last."""

    history: list[tuple[e.Event, datetime]] = field(default_factory=list)
    state: Incident | None = None
    now: datetime = T0
    # The notes as the notes read model holds them: the state only counts them.
    notes: dict[str, Note] = field(default_factory=dict)

    @classmethod
    def opened(cls, by: str = "northwind", **kw: object) -> Story:
        story = cls()
        cmd = opening(customer=None if DIRECTORY[by].kind == "customer" else "initech", **kw)  # type: ignore[arg-type]
        story._record(decide_open(cmd, ACTORS[by], DIRECTORY))
        return story

    def _record(self, events: list[e.Event]) -> list[e.Event]:
        for event in events:
            self.history.append((event, self.now))
            self.state = evolve(self.state, event, self.now)
            if isinstance(event, e.NoteEvent):
                note = self.notes.get(event.note_id)
                self.notes[event.note_id] = evolve_note(note, event, self.now, self.state)
        return events

    def do(
        self, who: str, cmd: object, *, after: timedelta = timedelta(minutes=1)
    ) -> list[e.Event]:
        self.now += after
        assert self.state is not None
        return self._record(decide(self.state, cmd, ACTORS[who], self.now, DIRECTORY, self.notes))

    def status_of(self, who: str, cmd: object) -> int:
        """The HTTP status the rules give `cmd` by `who`; asserts nothing was recorded."""
        before = list(self.history)
        with pytest.raises(DomainError) as exc:
            self.do(who, cmd)
        assert self.history == before
        return exc.value.status

    @property
    def s(self) -> Incident:
        assert self.state is not None
        return self.state


RESOLVE = c.ChangeStatus(
    "resolved", resolution_code="fixed", resolution_notes="replaced the router"
)


def at(stage: str, by: str = "northwind") -> Story:
    """An incident northwind opened for initech, brought to `stage` the ordinary way."""
    story = Story.opened(by)
    steps: dict[str, list[tuple[str, object]]] = {
        "new": [],
        "acknowledged": [("northwind", c.Acknowledge())],
        "in_progress": [
            ("northwind", c.Acknowledge()),
            ("northwind", c.ChangeStatus("in_progress")),
        ],
        "pending_customer": [("northwind", c.ChangeStatus("pending_customer"))],
        "on_hold": [("acme", c.ChangeStatus("on_hold", reason="waiting on vendor"))],
        "resolved": [("northwind", c.ChangeStatus("in_progress")), ("northwind", RESOLVE)],
        "closed": [("northwind", RESOLVE), ("initech", c.ChangeStatus("closed"))],
        "reopened": [
            ("northwind", RESOLVE),
            ("initech", c.ChangeStatus("reopened", reason="flaps again")),
        ],
        "cancelled": [("initech", c.ChangeStatus("cancelled", reason="duplicate"))],
    }
    for who, cmd in steps[stage]:
        story.do(who, cmd)
    assert story.s.status == stage
    return story


# --------------------------------------------------------------------------- open


@pytest.mark.parametrize(
    ("by", "customer", "expected"),
    [
        ("northwind", "initech", ("initech", "northwind", "acme", "northwind")),
        ("contoso", "umbrella", ("umbrella", "contoso", "acme", "contoso")),
        ("initech", None, ("initech", "northwind", "acme", "initech")),
        ("initech", "initech", ("initech", "northwind", "acme", "initech")),
        ("umbrella", None, ("umbrella", "contoso", "acme", "umbrella")),
    ],
)
def test_who_may_open(by: str, customer: str | None, expected: tuple[str, str, str, str]) -> None:
    [opened] = decide_open(opening(customer), ACTORS[by], DIRECTORY)
    assert isinstance(opened, e.IncidentOpened)
    assert (opened.customer, opened.partner, opened.provider, opened.requester) == expected
    assert opened.opened_by == f"{by}-user"
    state = evolve(None, opened, T0)
    assert (state.status, state.version, state.opened_at) == ("new", 1, T0)


@pytest.mark.parametrize(
    ("by", "customer", "severity", "status"),
    [
        ("northwind", "umbrella", "S2", 403),  # a customer it does not serve
        ("contoso", "initech", "S2", 403),
        ("fabrikam", "initech", "S2", 403),
        ("acme", "initech", "S2", 403),  # the provider does not open
        ("initech", "umbrella", "S2", 403),  # a customer opens only for itself
        ("northwind", None, "S2", 422),  # a partner names the customer
        ("northwind", "initech", "S5", 422),
        ("northwind", "initech", "s1", 422),
        ("initech", None, "", 422),
    ],
)
def test_who_may_not_open(by: str, customer: str | None, severity: str, status: int) -> None:
    with pytest.raises(DomainError) as exc:
        decide_open(opening(customer, severity), ACTORS[by], DIRECTORY)
    assert rejected(exc) == status


def test_an_unregistered_party_may_not_open() -> None:
    with pytest.raises(DomainError) as exc:
        decide_open(opening(), c.Actor("globex", "partner", "x"), DIRECTORY)
    assert rejected(exc) == 403


def test_open_keeps_external_refs_and_details() -> None:
    refs = [{"owner": "northwind", "type": "ticket", "id": "NW-42"}]
    story = Story()
    story._record(
        decide_open(
            opening(external_refs=refs, impacted_service="branch-vpn"),
            ACTORS["northwind"],
            DIRECTORY,
        )
    )
    assert story.s.external_refs == tuple(refs)
    assert (story.s.title, story.s.severity, story.s.product, story.s.impacted_service) == (
        "VPN down",
        "S2",
        "vpn",
        "branch-vpn",
    )


# --------------------------------------------------------------------------- role_of


ALL_COMMANDS: list[object] = [
    c.Acknowledge(),
    c.Assign("northwind", "L2", "ann"),
    c.Escalate("acme", "L3", "needs vendor"),
    c.AddNote("n-x", "hello", "shared"),
    c.EditNote("n-1", "edited"),
    c.DeleteNote("n-1"),
    c.ChangeStatus("in_progress"),
    RESOLVE,
    c.ChangeStatus("closed"),
    c.ChangeStatus("reopened", reason="again"),
    c.ChangeStatus("cancelled", reason="dup"),
    c.ChangeSeverity("S1", "spreading"),
    c.StartImpact(description="down"),
    c.EndImpact(),
    c.InviteCollaborator("fabrikam"),
    c.RevokeCollaborator("fabrikam"),
    c.Rate(5, "great"),
]


@pytest.mark.parametrize("cmd", ALL_COMMANDS, ids=lambda cmd: type(cmd).__name__)
@pytest.mark.parametrize("stranger", ["contoso", "umbrella", "fabrikam"])
def test_a_party_not_on_the_incident_is_told_it_does_not_exist(stranger: str, cmd: object) -> None:
    story = at("in_progress")
    story.do("northwind", c.AddNote("n-1", "shared note", "shared"))
    assert role_of(story.s, ACTORS[stranger]) is None
    assert story.status_of(stranger, cmd) == 404


def test_roles() -> None:
    story = at("new")
    story.do("northwind", c.InviteCollaborator("contoso"))
    roles = {
        p: role_of(story.s, ACTORS[p])
        for p in ("acme", "northwind", "contoso", "initech", "umbrella", "scheduler")
    }
    assert roles == {
        "acme": "provider",
        "northwind": "owner",
        "contoso": "collaborator",
        "initech": "customer",
        "umbrella": None,
        "scheduler": "service",
    }


# --------------------------------------------------------------------------- acknowledge


@pytest.mark.parametrize("who", ["northwind", "acme", "contoso", "scheduler"])
def test_workers_acknowledge(who: str) -> None:
    story = at("new")
    story.do("northwind", c.InviteCollaborator("contoso"))
    [ack] = story.do(who, c.Acknowledge())
    assert ack == e.IncidentAcknowledged(party=ACTORS[who].party, user=ACTORS[who].user)
    assert story.s.status == "acknowledged"
    assert story.s.acknowledged_by == {ACTORS[who].party: story.now}


def test_the_customer_does_not_acknowledge() -> None:
    assert at("new").status_of("initech", c.Acknowledge()) == 403


def test_each_party_acknowledges_once() -> None:
    story = at("new")
    story.do("northwind", c.Acknowledge())
    assert story.status_of("northwind", c.Acknowledge()) == 409
    story.do("acme", c.Acknowledge())  # another party may
    assert set(story.s.acknowledged_by) == {"northwind", "acme"}


def test_acknowledging_later_keeps_the_status() -> None:
    story = at("in_progress")
    story.do("acme", c.Acknowledge())
    assert story.s.status == "in_progress"


@pytest.mark.parametrize("stage", ["resolved", "closed", "cancelled"])
def test_no_acknowledging_after_resolution(stage: str) -> None:
    assert at(stage).status_of("acme", c.Acknowledge()) == 409


# --------------------------------------------------------------------------- assign / escalate


@pytest.mark.parametrize(
    ("who", "to", "status"),
    [
        ("northwind", "northwind", None),
        ("northwind", "acme", None),
        ("acme", "northwind", None),
        ("acme", "contoso", None),  # a collaborator works the incident too
        ("contoso", "contoso", None),
        ("contoso", "northwind", 403),  # a collaborator assigns only within its party
        ("contoso", "acme", 403),
        ("northwind", "initech", 422),  # not a working party
        ("northwind", "fabrikam", 422),  # not on the incident
        ("initech", "northwind", 403),
    ],
)
def test_assign(who: str, to: str, status: int | None) -> None:
    story = at("in_progress")
    story.do("northwind", c.InviteCollaborator("contoso"))
    cmd = c.Assign(to, "L2", "ann")
    if status is None:
        assert story.do(who, cmd) == [e.IncidentAssigned(party=to, tier="L2", assignee="ann")]
        assert story.s.assignment == {"party": to, "tier": "L2", "assignee": "ann"}
    else:
        assert story.status_of(who, cmd) == status


@pytest.mark.parametrize("stage", ["closed", "cancelled"])
def test_no_assigning_once_closed_or_cancelled(stage: str) -> None:
    assert at(stage).status_of("northwind", c.Assign("acme", "L2")) == 409


def test_a_resolved_incident_is_handed_back_by_assignment() -> None:
    """The provider resolved it; the partner gets it back to confirm the fix with the customer."""
    story = at("resolved")
    [assigned] = story.do("acme", c.Assign("northwind", "L1"))
    assert assigned == e.IncidentAssigned(party="northwind", tier="L1", assignee=None)
    assert story.s.status == "resolved" and story.s.assignment == {
        "party": "northwind",
        "tier": "L1",
        "assignee": None,
    }


def test_escalate_moves_the_assignment_and_remembers_where_from() -> None:
    story = at("in_progress")
    story.do("northwind", c.Assign("northwind", "L1", "ann"))
    [escalated] = story.do(
        "scheduler", c.Escalate("acme", "L2", "S1 unacknowledged", decision_id="d-1")
    )
    assert escalated == e.IncidentEscalated(
        from_party="northwind",
        from_tier="L1",
        to_party="acme",
        to_tier="L2",
        reason="S1 unacknowledged",
        decision_id="d-1",
    )
    assert story.s.assignment == {"party": "acme", "tier": "L2", "assignee": None}
    story.do("acme", c.Escalate("acme", "L3", "needs engineering"))  # same party, higher tier
    assert [x["to_tier"] for x in story.s.escalations] == ["L2", "L3"]


def test_escalate_with_no_assignment_yet() -> None:
    story = at("new")
    [escalated] = story.do("northwind", c.Escalate("acme", "L2", "beyond us"))
    assert (escalated.from_party, escalated.from_tier) == (None, None)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("who", "to", "status"),
    [
        ("northwind", "northwind", 409),  # already there at that tier
        ("northwind", "initech", 422),
        ("northwind", "contoso", 422),  # escalations go to the partner or the provider only
        ("contoso", "acme", 403),  # collaborators do not escalate
        ("initech", "acme", 403),
    ],
)
def test_escalate_rejections(who: str, to: str, status: int) -> None:
    story = at("in_progress")
    story.do("northwind", c.InviteCollaborator("contoso"))
    story.do("northwind", c.Assign("northwind", "L1"))
    assert story.status_of(who, c.Escalate(to, "L1", "why")) == status


@pytest.mark.parametrize("stage", ["resolved", "closed", "cancelled"])
def test_no_escalating_after_resolution(stage: str) -> None:
    assert at(stage).status_of("scheduler", c.Escalate("acme", "L2", "late")) == 409


# --------------------------------------------------------------------------- notes


@pytest.mark.parametrize(
    ("who", "visibility", "status"),
    [
        ("initech", "shared", None),
        ("initech", "restricted", 422),
        ("initech", "internal", 422),
        ("northwind", "internal", None),
        ("northwind", "restricted", None),
        ("acme", "internal", None),
        ("scheduler", "shared", 403),
    ],
)
def test_who_writes_which_notes(who: str, visibility: str, status: int | None) -> None:
    story = at("in_progress")
    cmd = c.AddNote("n-1", "a note", visibility)
    if status is None:
        [added] = story.do(who, cmd)
        note = story.notes["n-1"]
        assert (note.author_party, note.author_user, note.visibility) == (
            who,
            f"{who}-user",
            visibility,
        )
        # A restricted note is for the parties of its author's link of the chain.
        audience = ("northwind", "acme") if visibility == "restricted" else story.state.parties
        assert note.parties == tuple(audience)
        assert added.visibility == visibility
    else:
        assert story.status_of(who, cmd) == status


def test_a_note_id_is_used_once() -> None:
    story = at("in_progress")
    story.do("northwind", c.AddNote("n-1", "first", "shared"))
    assert story.status_of("acme", c.AddNote("n-1", "second", "shared")) == 409


def test_notes_are_still_welcome_on_a_resolved_incident() -> None:
    story = at("resolved")
    story.do("initech", c.AddNote("n-1", "thanks!", "shared"))
    assert "n-1" in story.notes and story.s.note_counts == {"initech": 1}


@pytest.mark.parametrize(
    ("visibility", "author", "editor", "status"),
    [
        ("shared", "northwind", "northwind", None),
        ("internal", "northwind", "northwind", None),
        ("shared", "initech", "initech", None),
        ("shared", "northwind", "acme", 403),  # sees it, but it is northwind's
        ("shared", "northwind", "initech", 403),
        ("restricted", "northwind", "acme", 403),
        ("shared", "initech", "northwind", 403),
        ("internal", "northwind", "acme", 404),  # cannot see it at all
        ("restricted", "acme", "initech", 404),
        ("internal", "acme", "northwind", 404),
        ("shared", "northwind", "scheduler", 403),  # services see everything, own nothing
    ],
)
@pytest.mark.parametrize("change", ["edit", "delete"])
def test_a_note_belongs_to_its_authors_party(
    visibility: str, author: str, editor: str, status: int | None, change: str
) -> None:
    story = at("in_progress")
    story.do(author, c.AddNote("n-1", "original", visibility))
    cmd = c.EditNote("n-1", "changed") if change == "edit" else c.DeleteNote("n-1")
    if status is None:
        story.do(editor, cmd)
        note = story.notes["n-1"]
        assert note.edited_at == story.now
        assert (note.body, note.deleted) == (("changed", False) if change == "edit" else ("", True))
        assert note.author_user == f"{author}-user"  # editing does not change the author
    else:
        assert story.status_of(editor, cmd) == status


def test_another_user_of_the_authors_party_may_edit() -> None:
    story = at("in_progress")
    story.do("northwind", c.AddNote("n-1", "original", "internal"))
    colleague = c.Actor("northwind", "partner", "bob")
    [edited] = decide(
        story.s, c.EditNote("n-1", "better"), colleague, story.now, DIRECTORY, story.notes
    )
    assert edited == e.NoteEdited(
        note_id="n-1", author_party="northwind", note_visibility="internal", body="better"
    )


@pytest.mark.parametrize(
    "cmd", [c.EditNote("n-1", "x"), c.DeleteNote("n-1")], ids=["edit", "delete"]
)
def test_missing_and_deleted_notes_are_not_found(cmd: object) -> None:
    story = at("in_progress")
    assert story.status_of("northwind", cmd) == 404
    story.do("northwind", c.AddNote("n-1", "oops", "shared"))
    story.do("northwind", c.DeleteNote("n-1"))
    assert story.status_of("northwind", cmd) == 404


def test_a_collaborator_cannot_touch_notes_from_before_it_was_invited() -> None:
    story = at("in_progress")
    story.do("northwind", c.AddNote("n-1", "before", "shared"))
    story.do("northwind", c.InviteCollaborator("contoso"))
    story.do("contoso", c.AddNote("n-2", "contoso's", "restricted"))
    assert story.status_of("contoso", c.EditNote("n-1", "x")) == 404
    story.do("contoso", c.EditNote("n-2", "contoso's, edited"))


# --------------------------------------------------------------------------- status lifecycle


def to(status: str, reason: str | None = None) -> c.ChangeStatus:
    return c.ChangeStatus(status, reason=reason)


# fmt: off
@pytest.mark.parametrize(
    ("stage", "who", "cmd", "event_type", "status"),
    [
        ("new", "northwind", to("in_progress"), e.StatusChanged, "in_progress"),
        ("acknowledged", "acme", to("in_progress"), e.StatusChanged, "in_progress"),
        ("in_progress", "northwind", to("pending_customer", "logs?"), e.StatusChanged,
         "pending_customer"),
        ("pending_customer", "northwind", to("in_progress"), e.StatusChanged, "in_progress"),
        ("in_progress", "acme", to("on_hold", "vendor RMA"), e.StatusChanged, "on_hold"),
        ("on_hold", "acme", to("in_progress"), e.StatusChanged, "in_progress"),
        ("on_hold", "northwind", to("pending_customer"), e.StatusChanged, "pending_customer"),
        ("reopened", "northwind", to("in_progress"), e.StatusChanged, "in_progress"),
        ("new", "northwind", RESOLVE, e.IncidentResolved, "resolved"),
        ("in_progress", "acme", RESOLVE, e.IncidentResolved, "resolved"),
        ("on_hold", "northwind", RESOLVE, e.IncidentResolved, "resolved"),
        ("pending_customer", "scheduler", RESOLVE, e.IncidentResolved, "resolved"),
        ("reopened", "northwind", RESOLVE, e.IncidentResolved, "resolved"),
        ("resolved", "initech", to("closed", "confirmed"), e.IncidentClosed, "closed"),
        ("resolved", "northwind", to("closed"), e.IncidentClosed, "closed"),  # the requester
        ("resolved", "initech", to("reopened", "again"), e.IncidentReopened, "reopened"),
        ("resolved", "northwind", to("reopened", "again"), e.IncidentReopened, "reopened"),
        ("resolved", "acme", to("reopened", "again"), e.IncidentReopened, "reopened"),
        ("new", "initech", to("cancelled", "dup"), e.IncidentCancelled, "cancelled"),
        ("in_progress", "northwind", to("cancelled", "dup"), e.IncidentCancelled, "cancelled"),
        ("on_hold", "initech", to("cancelled", "dup"), e.IncidentCancelled, "cancelled"),
        ("reopened", "initech", to("cancelled", "dup"), e.IncidentCancelled, "cancelled"),
    ],
)
# fmt: on
def test_valid_transitions(
    stage: str, who: str, cmd: c.ChangeStatus, event_type: type, status: str
) -> None:
    story = at(stage)
    [event] = story.do(who, cmd)
    assert isinstance(event, event_type)
    assert story.s.status == status
    if status in ("resolved", "cancelled") or event_type is e.StatusChanged:
        assert event.from_status == stage  # type: ignore[attr-defined]


def test_resolution_hold_reason_and_reopen_are_recorded() -> None:
    story = at("on_hold")
    assert story.s.hold_reason == "waiting on vendor"
    story.do("northwind", RESOLVE)
    assert story.s.hold_reason is None
    assert story.s.resolution == {"code": "fixed", "notes": "replaced the router"}
    assert story.s.resolved_at == story.now
    story.do("initech", c.ChangeStatus("reopened", reason="again"))
    assert (story.s.resolution, story.s.resolved_at) == (None, None)
    story.do("northwind", c.ChangeStatus("on_hold", reason="change window"))
    story.do("northwind", c.ChangeStatus("in_progress"))
    assert story.s.hold_reason is None


@pytest.mark.parametrize(
    ("stage", "who", "cmd", "status"),
    [
        # resolve needs a code and notes
        ("in_progress", "northwind", c.ChangeStatus("resolved"), 422),
        ("in_progress", "northwind", c.ChangeStatus("resolved", resolution_code="fixed"), 422),
        ("in_progress", "northwind", c.ChangeStatus("resolved", resolution_notes="done"), 422),
        ("in_progress", "initech", RESOLVE, 403),
        ("resolved", "northwind", RESOLVE, 409),
        # working statuses are the workers'; on_hold needs a reason; no-op transitions are conflicts
        ("in_progress", "initech", c.ChangeStatus("in_progress"), 403),
        ("pending_customer", "initech", c.ChangeStatus("in_progress"), 403),
        ("in_progress", "northwind", c.ChangeStatus("in_progress"), 409),
        ("pending_customer", "northwind", c.ChangeStatus("pending_customer"), 409),
        ("on_hold", "acme", c.ChangeStatus("on_hold", reason="another"), 409),
        ("in_progress", "acme", c.ChangeStatus("on_hold"), 422),
        ("in_progress", "acme", c.ChangeStatus("on_hold", reason=""), 422),
        ("resolved", "northwind", c.ChangeStatus("in_progress"), 409),
        ("resolved", "northwind", c.ChangeStatus("pending_customer"), 409),
        ("resolved", "acme", c.ChangeStatus("on_hold", reason="x"), 409),
        # close: only the requester side, only from resolved
        ("resolved", "acme", c.ChangeStatus("closed"), 403),
        ("resolved", "scheduler", c.ChangeStatus("closed"), 403),
        ("in_progress", "initech", c.ChangeStatus("closed"), 409),
        ("new", "northwind", c.ChangeStatus("closed"), 409),
        ("reopened", "initech", c.ChangeStatus("closed"), 409),
        # reopen: needs a reason, only from resolved
        ("resolved", "initech", c.ChangeStatus("reopened"), 422),
        ("in_progress", "initech", c.ChangeStatus("reopened", reason="x"), 409),
        ("reopened", "initech", c.ChangeStatus("reopened", reason="x"), 409),
        ("resolved", "scheduler", c.ChangeStatus("reopened", reason="x"), 403),
        # cancel: only the requester side, before resolution, with a reason
        ("in_progress", "acme", c.ChangeStatus("cancelled", reason="x"), 403),
        ("in_progress", "initech", c.ChangeStatus("cancelled"), 422),
        ("resolved", "initech", c.ChangeStatus("cancelled", reason="x"), 409),
        # statuses one cannot ask for
        ("in_progress", "northwind", c.ChangeStatus("new"), 422),
        ("in_progress", "northwind", c.ChangeStatus("acknowledged"), 422),
        ("in_progress", "northwind", c.ChangeStatus("bogus"), 422),
    ],
)
def test_invalid_transitions(stage: str, who: str, cmd: c.ChangeStatus, status: int) -> None:
    assert at(stage).status_of(who, cmd) == status


def test_a_collaborator_on_a_resolved_incident_reopens_nothing() -> None:
    story = at("in_progress")
    story.do("northwind", c.InviteCollaborator("contoso"))
    story.do("contoso", RESOLVE)  # collaborators work the incident, resolving included
    assert story.status_of("contoso", c.ChangeStatus("reopened", reason="x")) == 403
    assert story.status_of("contoso", c.ChangeStatus("closed")) == 403


def test_a_customer_opened_incident_is_closed_by_the_customer_not_the_partner() -> None:
    story = Story.opened("initech")
    story.do("northwind", RESOLVE)
    assert story.status_of("northwind", c.ChangeStatus("closed")) == 403
    assert story.status_of("northwind", c.ChangeStatus("cancelled", reason="x")) == 403
    story.do("initech", c.ChangeStatus("closed"))


# Once closed or cancelled, an incident is a record. Commands a worker may ordinarily give are
# all refused as conflicts, whoever gives them.
TERMINAL_REJECTS: list[tuple[str, object]] = [
    ("northwind", c.Acknowledge()),
    ("northwind", c.Assign("acme", "L2")),
    ("scheduler", c.Escalate("acme", "L2", "x")),
    ("northwind", c.AddNote("n-2", "x", "shared")),
    ("northwind", c.EditNote("n-1", "x")),
    ("northwind", c.DeleteNote("n-1")),
    ("northwind", c.ChangeStatus("in_progress")),
    ("northwind", c.ChangeStatus("pending_customer")),
    ("acme", c.ChangeStatus("on_hold", reason="x")),
    ("northwind", RESOLVE),
    ("initech", c.ChangeStatus("closed")),
    ("initech", c.ChangeStatus("reopened", reason="x")),
    ("initech", c.ChangeStatus("cancelled", reason="x")),
    ("northwind", c.ChangeSeverity("S1", "x")),
    ("northwind", c.StartImpact()),
    ("northwind", c.InviteCollaborator("contoso")),
    ("scheduler", c.AutoClose(quiet_hours=0)),
]


@pytest.mark.parametrize(
    ("who", "cmd"), TERMINAL_REJECTS, ids=lambda x: x if isinstance(x, str) else type(x).__name__
)
@pytest.mark.parametrize("stage", sorted(TERMINAL))
def test_terminal_states_reject_everything(stage: str, who: str, cmd: object) -> None:
    story = Story.opened()
    story.do("northwind", c.AddNote("n-1", "a note", "shared"))
    story.do("northwind", RESOLVE if stage == "closed" else c.ChangeStatus("in_progress"))
    story.do(
        "initech",
        c.ChangeStatus("closed")
        if stage == "closed"
        else c.ChangeStatus("cancelled", reason="dup"),
    )
    assert story.status_of(who, cmd) == 409


def test_after_the_end_rating_revoking_and_ending_impact_are_still_possible() -> None:
    """The exceptions to 'terminal rejects everything': the customer rates a closed incident, a
    collaborator's access can always be withdrawn, and an impact window left open is closed."""
    story = at("in_progress")
    story.do("northwind", c.InviteCollaborator("contoso"))
    story.do("northwind", c.StartImpact())
    story.do("northwind", RESOLVE)
    story.do("initech", c.ChangeStatus("closed"))
    story.do("initech", c.Rate(4, "quick"))
    story.do("northwind", c.RevokeCollaborator("contoso"))
    story.do("northwind", c.EndImpact())
    assert story.s.collaborators == {}
    assert story.s.open_impact is None


# --------------------------------------------------------------------------- severity


@pytest.mark.parametrize("who", ["northwind", "acme", "initech"])
def test_severity_change_records_who_and_why(who: str) -> None:
    story = at("in_progress")
    [changed] = story.do(who, c.ChangeSeverity("S1", "whole site down"))
    assert changed == e.SeverityChanged(
        from_severity="S2",
        to_severity="S1",
        reason="whole site down",
        changed_by_party=who,
        changed_by_user=f"{who}-user",
    )
    assert story.s.severity == "S1"


@pytest.mark.parametrize(
    ("stage", "who", "severity", "status"),
    [
        ("in_progress", "northwind", "S2", 409),  # already S2
        ("in_progress", "northwind", "S0", 422),
        ("in_progress", "northwind", "critical", 422),
        ("in_progress", "scheduler", "S1", 403),
        ("resolved", "northwind", "S1", 409),
    ],
)
def test_severity_change_rejections(stage: str, who: str, severity: str, status: int) -> None:
    assert at(stage).status_of(who, c.ChangeSeverity(severity, "why")) == status


# --------------------------------------------------------------------------- impact


def test_impact_window() -> None:
    story = at("in_progress")
    start = story.now - timedelta(minutes=30)
    [started] = story.do("initech", c.StartImpact(started_at=start, description="branch offline"))
    assert started == e.ImpactStarted(started_at=start.isoformat(), description="branch offline")
    assert story.s.open_impact == {
        "started_at": start.isoformat(),
        "ended_at": None,
        "description": "branch offline",
    }
    assert story.status_of("northwind", c.StartImpact()) == 409  # no double start
    [ended] = story.do("northwind", c.EndImpact())
    assert ended == e.ImpactEnded(started_at=start.isoformat(), ended_at=story.now.isoformat())
    assert story.s.open_impact is None
    assert story.status_of("northwind", c.EndImpact()) == 409  # nothing open any more
    story.do("northwind", c.StartImpact())  # a second window
    assert len(story.s.impacts) == 2


def test_end_without_start_is_a_conflict() -> None:
    assert at("in_progress").status_of("northwind", c.EndImpact()) == 409


def test_impact_may_not_start_in_the_future() -> None:
    story = at("in_progress")
    assert (
        story.status_of("northwind", c.StartImpact(started_at=story.now + timedelta(hours=1)))
        == 422
    )


@pytest.mark.parametrize(
    "offset", [timedelta(minutes=-1), timedelta(hours=1)], ids=["before-start", "future"]
)
def test_impact_ends_after_it_started_and_not_in_the_future(offset: timedelta) -> None:
    story = at("in_progress")
    start = story.now - timedelta(minutes=30)
    story.do("northwind", c.StartImpact(started_at=start))
    end = (start if offset < timedelta(0) else story.now + timedelta(minutes=1)) + offset
    assert story.status_of("northwind", c.EndImpact(ended_at=end)) == 422


def test_impact_times_compare_as_instants_not_as_text() -> None:
    """Start given at +02:00, end in UTC one hour later: 11:00Z is after 12:00+02:00 (= 10:00Z)."""
    story = at("in_progress")
    plus2 = timezone(timedelta(hours=2))
    start = (story.now - timedelta(hours=2)).astimezone(plus2)
    end = (start + timedelta(hours=1)).astimezone(UTC)
    assert end.isoformat() < start.isoformat()  # as text, the end sorts first
    story.do("northwind", c.StartImpact(started_at=start))
    story.do("northwind", c.EndImpact(ended_at=end))
    assert story.s.open_impact is None
    # ...and an end earlier than the start is refused whatever the offsets.
    story.do("northwind", c.StartImpact(started_at=start.astimezone(UTC)))
    assert (
        story.status_of(
            "northwind", c.EndImpact(ended_at=(start - timedelta(minutes=1)).astimezone(plus2))
        )
        == 422
    )


def test_impact_may_be_recorded_after_resolution_but_not_by_services() -> None:
    story = at("resolved")
    story.do("initech", c.StartImpact(started_at=story.now - timedelta(hours=3)))
    assert story.status_of("scheduler", c.EndImpact()) == 403
    story.do("initech", c.EndImpact(ended_at=story.now - timedelta(hours=1)))


# --------------------------------------------------------------------------- collaborators


@pytest.mark.parametrize("who", ["northwind", "acme"])
def test_owner_or_provider_invite_and_revoke(who: str) -> None:
    story = at("in_progress")
    [invited] = story.do(who, c.InviteCollaborator("contoso", scope="routing"))
    hop = invited.hop_id
    assert hop is not None
    assert invited == e.CollaboratorInvited(
        partner="contoso", invited_by=who, scope="routing", hop_id=hop, parent_hop=None
    )
    assert story.s.collaborators == {"contoso": story.now}
    assert role_of(story.s, ACTORS["contoso"]) == "collaborator"
    [revoked] = story.do(who, c.RevokeCollaborator("contoso", reason="done"))
    assert revoked == e.CollaboratorRevoked(
        partner="contoso", revoked_by=who, reason="done", hop_id=hop, cascade_of=None
    )
    assert role_of(story.s, ACTORS["contoso"]) is None
    assert story.status_of("contoso", c.AddNote("n-9", "still here?", "shared")) == 404
    story.do(who, c.InviteCollaborator("contoso"))  # and may come back


@pytest.mark.parametrize(
    ("who", "invitee", "status"),
    [
        ("contoso", "fabrikam", 403),  # a collaborator does not invite
        ("initech", "contoso", 403),
        ("scheduler", "contoso", 403),
        ("northwind", "umbrella", 422),  # not a partner
        ("northwind", "acme", 422),
        ("northwind", "globex", 422),  # unknown
        ("northwind", "northwind", 409),  # the owner is on it already
        ("acme", "contoso", 409),  # invited already
    ],
)
def test_invite_rejections(who: str, invitee: str, status: int) -> None:
    story = at("in_progress")
    story.do("northwind", c.InviteCollaborator("contoso"))
    assert story.status_of(who, c.InviteCollaborator(invitee)) == status


@pytest.mark.parametrize(
    ("who", "partner", "status"),
    [
        ("contoso", "contoso", 403),
        ("initech", "contoso", 403),
        ("northwind", "fabrikam", 409),  # not a collaborator
        ("northwind", "northwind", 409),
    ],
)
def test_revoke_rejections(who: str, partner: str, status: int) -> None:
    story = at("in_progress")
    story.do("northwind", c.InviteCollaborator("contoso"))
    assert story.status_of(who, c.RevokeCollaborator(partner)) == status


def test_no_invitations_after_resolution() -> None:
    assert at("resolved").status_of("northwind", c.InviteCollaborator("contoso")) == 409


# --------------------------------------------------------------------------- rating


@pytest.mark.parametrize(
    ("opener", "rater"),
    [("northwind", "initech"), ("northwind", "northwind"), ("initech", "initech")],
)
@pytest.mark.parametrize("stage", ["resolved", "closed"])
def test_the_customer_or_requester_rates_once_after_resolution(
    opener: str, rater: str, stage: str
) -> None:
    story = Story.opened(opener)
    story.do("northwind", RESOLVE)
    if stage == "closed":
        story.do(opener, c.ChangeStatus("closed"))
    [rated] = story.do(rater, c.Rate(5, "fast"))
    assert rated == e.IncidentRated(rating=5, reason="fast", rated_by=rater)
    assert story.s.rating == {
        "rating": 5,
        "reason": "fast",
        "by": rater,
        "at": story.now.isoformat(),
    }
    assert story.status_of(rater, c.Rate(4)) == 409
    story2_status = story.status_of("initech", c.Rate(3))
    assert story2_status == 409


@pytest.mark.parametrize(
    ("stage", "who", "rating", "status"),
    [
        ("in_progress", "initech", 5, 409),  # not resolved yet
        ("reopened", "initech", 5, 409),
        ("cancelled", "initech", 5, 409),
        ("resolved", "initech", 0, 422),
        ("resolved", "initech", 6, 422),
        ("resolved", "initech", -1, 422),
        ("resolved", "acme", 5, 403),
        ("resolved", "scheduler", 5, 403),
    ],
)
def test_rating_rejections(stage: str, who: str, rating: int, status: int) -> None:
    assert at(stage).status_of(who, c.Rate(rating)) == status


def test_a_customer_opened_incident_is_not_rated_by_the_partner() -> None:
    story = Story.opened("initech")
    story.do("northwind", RESOLVE)
    assert story.status_of("northwind", c.Rate(5)) == 403


# --------------------------------------------------------------------------- auto-close


def test_auto_close_after_the_quiet_period() -> None:
    story = at("resolved")
    assert (
        story.status_of("scheduler", c.AutoClose(quiet_hours=72)) == 409
    )  # a minute later: too soon
    [closed] = story.do("scheduler", c.AutoClose(quiet_hours=72), after=timedelta(hours=72))
    assert closed == e.IncidentClosed(
        automatic=True, reason="closed automatically 72 h after resolution"
    )
    assert (story.s.status, story.s.closed_at) == ("closed", story.now)


@pytest.mark.parametrize("who", ["northwind", "acme", "initech"])
def test_auto_close_is_the_schedulers(who: str) -> None:
    story = at("resolved")
    story.now += timedelta(days=30)
    assert story.status_of(who, c.AutoClose(quiet_hours=72)) == 403


@pytest.mark.parametrize(
    "stage", ["new", "in_progress", "on_hold", "reopened", "closed", "cancelled"]
)
def test_only_resolved_incidents_auto_close(stage: str) -> None:
    story = at(stage)
    story.now += timedelta(days=30)
    assert story.status_of("scheduler", c.AutoClose(quiet_hours=72)) == 409


def test_reopening_restarts_the_quiet_period() -> None:
    story = at("resolved")
    story.do("initech", c.ChangeStatus("reopened", reason="again"), after=timedelta(hours=70))
    story.do("northwind", RESOLVE, after=timedelta(hours=1))
    assert story.status_of("scheduler", c.AutoClose(quiet_hours=72)) == 409


# --------------------------------------------------------------------------- replay


def test_replay_gives_the_state_built_event_by_event() -> None:
    story = at("reopened")
    story.do("northwind", c.AddNote("n-1", "hi", "internal"))
    assert replay(story.history) == story.s
    assert replay_with_notes(story.history) == (story.s, story.notes)
    assert story.s.version == len(story.history)
    assert replay([]) is None


def test_events_round_trip_through_their_stored_form() -> None:
    story = at("closed")
    rebuilt = replay((e.CATALOG.load(ev.type, ev.to_data()), at_) for ev, at_ in story.history)
    assert rebuilt == story.s


# --------------------------------------------------------------------------- properties

WHO = sorted(ACTORS)
COMMAND_POOL = st.one_of(
    st.just(c.Acknowledge()),
    st.builds(
        c.Assign,
        st.sampled_from(["northwind", "acme", "contoso", "initech"]),
        st.sampled_from(["L1", "L2"]),
    ),
    st.builds(
        c.Escalate,
        st.sampled_from(["northwind", "acme"]),
        st.sampled_from(["L1", "L2", "L3"]),
        st.just("r"),
    ),
    st.builds(
        c.AddNote,
        st.sampled_from(["n-1", "n-2", "n-3"]),
        st.just("body"),
        st.sampled_from(["internal", "restricted", "shared"]),
    ),
    st.builds(c.EditNote, st.sampled_from(["n-1", "n-2", "n-3"]), st.just("edited")),
    st.builds(c.DeleteNote, st.sampled_from(["n-1", "n-2", "n-3"])),
    st.builds(
        c.ChangeStatus,
        st.sampled_from(
            [
                "in_progress",
                "pending_customer",
                "on_hold",
                "resolved",
                "closed",
                "reopened",
                "cancelled",
            ]
        ),
        st.sampled_from([None, "because"]),
        st.just("fixed"),
        st.just("notes"),
    ),
    st.builds(c.ChangeSeverity, st.sampled_from(["S1", "S2", "S3", "S4"]), st.just("why")),
    st.builds(c.StartImpact),
    st.builds(c.EndImpact),
    st.builds(
        c.InviteCollaborator,
        st.sampled_from(["contoso", "fabrikam"]),
        st.just(None),
        st.booleans(),
        st.sampled_from([None, "why"]),
    ),
    st.builds(c.RevokeCollaborator, st.sampled_from(["contoso", "fabrikam"])),
    st.builds(c.Rate, st.integers(0, 6)),
    st.builds(c.AutoClose, st.just(1)),
)
STEPS = st.lists(st.tuples(st.sampled_from(WHO), COMMAND_POOL, st.integers(0, 120)), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opener=st.sampled_from(["northwind", "initech"]), steps=STEPS)
def test_any_accepted_sequence_replays_to_the_same_state(
    opener: str, steps: list[tuple[str, object, int]]
) -> None:
    """Whatever is attempted, in whatever order: rejected commands change nothing, the version is
    the number of events, replaying the history rebuilds the state exactly, and the state stays
    within the rules (one open impact window at most, a known status, ratings in range)."""
    story = Story.opened(opener)
    for who, cmd, minutes in steps:
        before = story.state
        try:
            story.do(who, cmd, after=timedelta(minutes=minutes))
        except DomainError as exc:
            assert exc.status in (403, 404, 409, 422)
            assert story.state is before
        s = story.s
        assert s.version == len(story.history)
        assert s.status in ACTIVE | TERMINAL | {"resolved"}
        assert sum(1 for i in s.impacts if i["ended_at"] is None) <= 1
        assert s.rating is None or 1 <= s.rating["rating"] <= 5  # type: ignore[operator]
        assert s.partner not in s.collaborators
        live = [h for h in s.provenance.hops if h.live]
        assert list(s.collaborators) == [h.party for h in live]
        assert all(s.provenance.get(h.parent).live for h in live if h.parent)  # type: ignore[union-attr]
        assert all(
            n.visibility == "shared" for n in story.notes.values() if n.author_party == s.customer
        )
        assert sum(s.note_counts.values()) == len(story.notes)
    assert replay_with_notes(story.history) == (story.s, story.notes)


# --- loading stored events ------------------------------------------------------------------


def test_old_payloads_still_load_and_unknown_fields_are_ignored() -> None:
    """A v1 `resolved` stored before any later optional field, and one written by newer code
    with a field this code does not know, both load."""
    from village_incidents.domain import events as ev

    stored = {"from_status": "in_progress", "resolution_code": "fix", "resolution_notes": "done"}
    assert ev.CATALOG.load("village.incident.resolved.v1", stored) == ev.IncidentResolved(**stored)
    newer = {**stored, "resolved_by_user": "someone"}
    assert ev.CATALOG.load("village.incident.resolved.v1", newer) == ev.IncidentResolved(**stored)


def test_an_upcaster_turns_an_old_event_into_the_current_one(monkeypatch) -> None:
    from village_incidents.domain import events as ev

    # A hypothetical v0 that called the code `code`: upcast to v1 when loaded.
    monkeypatch.setattr(ev.CATALOG, "upcasters", dict(ev.CATALOG.upcasters))  # this test's own
    ev.CATALOG.upcaster("village.incident.resolved.v0", lambda d: (
        "village.incident.resolved.v1",
        {
            "from_status": d["from_status"],
            "resolution_code": d["code"],
            "resolution_notes": d["notes"],
        },
    ))
    old = {"from_status": "on_hold", "code": "workaround", "notes": "rebooted"}
    assert ev.CATALOG.load("village.incident.resolved.v0", old) == ev.IncidentResolved(
        from_status="on_hold", resolution_code="workaround", resolution_notes="rebooted")


def test_what_commands_and_reads_load_goes_through_the_upcasters(monkeypatch) -> None:
    """`snapshots.history_of` (every load of an incident) reads stored events through CATALOG:
    a stream holding an old `resolved` replays to the state the current one gives."""
    import uuid

    from village_incidents.domain import events as ev
    from village_incidents.snapshots import history_of
    from village_platform.eventstore import StoredEvent

    monkeypatch.setattr(ev.CATALOG, "upcasters", dict(ev.CATALOG.upcasters))  # this test's own
    ev.CATALOG.upcaster("village.incident.resolved.v0", lambda d: (
        "village.incident.resolved.v1",
        {"from_status": d["from_status"], "resolution_code": d["code"],
         "resolution_notes": d["notes"]},
    ))
    story = at("resolved")
    stored = []
    for version, (event, at_) in enumerate(story.history, start=1):
        type_, data = event.type, event.to_data()
        if isinstance(event, ev.IncidentResolved):  # as a v0 writer stored it
            type_ = "village.incident.resolved.v0"
            data = {"from_status": data["from_status"], "code": data["resolution_code"],
                    "notes": data["resolution_notes"]}
        stored.append(StoredEvent(uuid.uuid4(), story.s.id, version, type_, data, {}, at_))
    assert replay(history_of(stored)) == story.s
