"""Swarming with provenance, as pure functions: the provenance module (hops, the tree, who sees
which hop, cascaded revocation) and the incident's rules over it (who invites below whom, who
revokes, the events and their audiences, old events loading). No database, no broker.

The incident: northwind opened it for initech (provider acme). Partners contoso, fabrikam,
tailspin and wingtip are not on its chain, so each may be invited.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from village_incidents import snapshots
from village_incidents.domain import commands as c
from village_incidents.domain import events as e
from village_incidents.domain.incident import Incident, Party, describe, evolve, replay
from village_incidents.domain.provenance import Hop, Revocation, hop_id_for
from village_incidents.domain.rules import decide, decide_open, role_of
from village_platform import egress
from village_platform.errors import DomainError

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PARTNERS = ("contoso", "fabrikam", "tailspin", "wingtip")
DIRECTORY = {
    "acme": Party("acme", "provider"),
    "northwind": Party("northwind", "partner", provider="acme", customers=("initech",)),
    "initech": Party("initech", "customer", partner="northwind"),
    **{p: Party(p, "partner", provider="acme") for p in PARTNERS},
}
KIND = {p: party.kind for p, party in DIRECTORY.items()}


def actor(party: str) -> c.Actor:
    return c.Actor(party, KIND[party], f"{party}-user")


class Swarm:
    """An incident's history, command by command, with each event's audience as `_append`
    describes it."""

    def __init__(self) -> None:
        self.now = T0
        cmd = c.OpenIncident("inc-1", "VPN down", "flaps", "S2", "vpn", customer="initech")
        [opened] = decide_open(cmd, actor("northwind"), DIRECTORY)
        self.history: list[tuple[e.IncidentEvent, datetime]] = [(opened, self.now)]
        self.state: Incident = evolve(None, opened, self.now)
        self.audiences: list[dict[str, object]] = []

    def do(self, who: str, cmd: object) -> list[e.IncidentEvent]:
        self.now += timedelta(minutes=1)
        events = decide(self.state, cmd, actor(who), self.now, DIRECTORY)
        for event in events:
            before, self.state = self.state, evolve(self.state, event, self.now)
            self.history.append((event, self.now))
            self.audiences.append(describe(before, self.state, event))
        return events

    def refused(self, who: str, cmd: object) -> int:
        before = self.state
        with pytest.raises(DomainError) as exc:
            self.do(who, cmd)
        assert self.state is before
        return exc.value.status

    def invite(self, who: str, partner: str, *, may_invite: bool = False) -> str:
        reason = f"{who} needs {partner}"
        [event] = self.do(who, c.InviteCollaborator(partner, "scope", may_invite, reason))
        assert isinstance(event, e.CollaboratorInvited) and event.hop_id
        return event.hop_id

    def hop(self, partner: str) -> Hop:
        found = self.state.provenance.live_hop_of(partner)
        assert found is not None
        return found

    def seen(self, party: str) -> set[str]:
        recipient = egress.Recipient(party, KIND[party])
        s = self.state
        return {h.party for h in s.provenance.seen_by(recipient, s.overseers, s.provider)}


def delegated() -> Swarm:
    """northwind -> contoso (may invite) -> fabrikam (may invite) -> tailspin; acme -> wingtip."""
    swarm = Swarm()
    swarm.invite("northwind", "contoso", may_invite=True)
    swarm.invite("contoso", "fabrikam", may_invite=True)
    swarm.invite("fabrikam", "tailspin")
    swarm.invite("acme", "wingtip")
    return swarm


# --------------------------------------------------------------------------- the module


def test_hops_form_a_tree() -> None:
    swarm = delegated()
    p = swarm.state.provenance
    contoso, fabrikam, tailspin, wingtip = (swarm.hop(x) for x in PARTNERS)
    assert (contoso.parent, fabrikam.parent, tailspin.parent, wingtip.parent) == (
        None,
        contoso.hop_id,
        fabrikam.hop_id,
        None,
    )
    assert (contoso.invited_by, fabrikam.invited_by, wingtip.invited_by) == (
        "northwind",
        "contoso",
        "acme",
    )
    assert [h.party for h in p.path(tailspin.hop_id)] == ["contoso", "fabrikam", "tailspin"]
    assert [h.party for h in p.below(contoso.hop_id)] == ["fabrikam", "tailspin"]
    assert p.below(wingtip.hop_id) == []
    assert p.answerable(fabrikam.hop_id) == {"contoso", "fabrikam"}
    assert fabrikam.reason == "contoso needs fabrikam" and fabrikam.may_invite
    assert fabrikam.at == T0 + timedelta(minutes=2)


def test_each_party_sees_its_own_hops_and_those_below_them() -> None:
    """The chain's working parties see every hop; a collaborator its own and those below it, not
    those above it nor another branch; the customer none (the hops are restricted)."""
    swarm = delegated()
    everyone = set(PARTNERS)
    assert swarm.seen("northwind") == swarm.seen("acme") == everyone
    assert swarm.seen("contoso") == {"contoso", "fabrikam", "tailspin"}
    assert swarm.seen("fabrikam") == {"fabrikam", "tailspin"}
    assert swarm.seen("tailspin") == {"tailspin"}
    assert swarm.seen("wingtip") == {"wingtip"}
    assert swarm.seen("initech") == set()


def test_a_seen_hops_parent_is_seen_unless_the_hop_is_the_viewers_own() -> None:
    swarm = delegated()
    p = swarm.state.provenance
    for party in ("northwind", "acme", *PARTNERS):
        recipient = egress.Recipient(party, KIND[party])
        seen = p.seen_by(recipient, swarm.state.overseers, "acme")
        ids = {h.hop_id for h in seen}
        assert all(h.parent is None or h.parent in ids or h.party == party for h in seen)


def test_a_revocation_takes_every_live_hop_below() -> None:
    swarm = delegated()
    p = swarm.state.provenance
    taken = p.revocation("northwind", "contoso", swarm.state.roots)
    assert [h.party for h in taken] == ["contoso", "fabrikam", "tailspin"]
    assert [h.party for h in p.revocation("contoso", "fabrikam", ())] == ["fabrikam", "tailspin"]
    # A hop revoked already is not revoked again.
    gone = p.revoked(swarm.hop("tailspin").hop_id, Revocation(T0, "fabrikam", None))
    assert [h.party for h in gone.revocation("acme", "contoso", ("acme",))] == [
        "contoso",
        "fabrikam",
    ]


@pytest.mark.parametrize(
    ("revoker", "partner", "status"),
    [
        ("contoso", "contoso", 403),  # not its own: it did not decide on it
        ("fabrikam", "contoso", 403),  # above it
        ("tailspin", "fabrikam", 403),
        ("wingtip", "fabrikam", 403),  # another branch
        ("contoso", "wingtip", 403),
        ("contoso", "globex", 409),  # not a collaborator
    ],
)
def test_who_may_not_revoke_a_hop(revoker: str, partner: str, status: int) -> None:
    p = delegated().state.provenance
    with pytest.raises(DomainError) as exc:
        p.revocation(revoker, partner, ("northwind", "acme"))
    assert exc.value.status == status


def test_an_invitation_hangs_below_the_inviters_own_hop() -> None:
    swarm = delegated()
    p, roots = swarm.state.provenance, swarm.state.roots
    assert p.parent_for("northwind", roots) is None
    assert p.parent_for("acme", roots) is None
    assert p.parent_for("fabrikam", roots) == swarm.hop("fabrikam").hop_id
    for stranger in ("tailspin", "wingtip", "globex"):  # not allowed, or not invited
        with pytest.raises(DomainError) as exc:
            p.parent_for(stranger, roots)
        assert exc.value.status == 403


def test_a_hop_and_the_provenance_round_trip_through_a_snapshot() -> None:
    swarm = delegated()
    swarm.do("northwind", c.RevokeCollaborator("contoso", reason="done"))
    hop = swarm.state.provenance.get(swarm.state.provenance.hops[1].hop_id)
    assert hop is not None and hop.revoked is not None
    assert Hop.from_dict(hop.as_dict()) == hop
    assert snapshots.decode(snapshots.encode(swarm.state)) == swarm.state


# --------------------------------------------------------------------------- the rules


def test_a_collaborator_invites_only_when_its_own_hop_allows_it() -> None:
    swarm = Swarm()
    swarm.invite("northwind", "contoso")  # may not invite
    assert swarm.refused("contoso", c.InviteCollaborator("fabrikam", reason="help")) == 403
    swarm.invite("acme", "fabrikam", may_invite=True)
    hop = swarm.invite("fabrikam", "tailspin")
    assert swarm.state.provenance.get(hop).parent == swarm.hop("fabrikam").hop_id  # type: ignore[union-attr]
    assert role_of(swarm.state, actor("tailspin")) == "collaborator"
    # The invitee's checks are the same for everyone.
    assert swarm.refused("fabrikam", c.InviteCollaborator("initech", reason="x")) == 422
    assert swarm.refused("fabrikam", c.InviteCollaborator("contoso", reason="x")) == 409
    assert swarm.refused("fabrikam", c.InviteCollaborator("northwind", reason="x")) == 409


@pytest.mark.parametrize(
    ("who", "cmd"),
    [
        ("northwind", c.InviteCollaborator("fabrikam", may_invite=True)),
        ("contoso", c.InviteCollaborator("fabrikam")),
    ],
    ids=["a hop that may invite", "a collaborator's hop"],
)
def test_a_hop_of_the_chain_of_trust_says_why(who: str, cmd: c.InviteCollaborator) -> None:
    swarm = Swarm()
    swarm.invite("northwind", "contoso", may_invite=True)
    assert swarm.refused(who, cmd) == 422
    swarm.do(who, replace(cmd, reason="because"))


def test_a_plain_invitation_by_the_owner_needs_no_reason_as_before() -> None:
    swarm = Swarm()
    [event] = swarm.do("northwind", c.InviteCollaborator("contoso"))
    assert isinstance(event, e.CollaboratorInvited)
    assert (event.reason, event.may_invite, event.parent_hop) == (None, False, None)


def test_the_hop_id_is_the_incident_and_the_version_its_invitation_made() -> None:
    swarm = Swarm()
    hop = swarm.invite("northwind", "contoso")
    assert hop == hop_id_for("inc-1", swarm.state.version)
    assert swarm.hop("contoso").hop_id == hop


def test_revoking_a_hop_revokes_every_hop_below_it_each_with_its_event() -> None:
    swarm = delegated()
    contoso = swarm.hop("contoso").hop_id
    events = swarm.do("northwind", c.RevokeCollaborator("contoso", reason="done"))
    assert [(ev.partner, ev.cascade_of, ev.revoked_by) for ev in events] == [  # type: ignore[attr-defined]
        ("contoso", None, "northwind"),
        ("fabrikam", contoso, "northwind"),
        ("tailspin", contoso, "northwind"),
    ]
    assert all(ev.reason == "done" for ev in events)  # type: ignore[attr-defined]
    assert swarm.state.collaborators.keys() == {"wingtip"}
    for party in ("contoso", "fabrikam", "tailspin"):
        assert role_of(swarm.state, actor(party)) is None
    revoked = [h for h in swarm.state.provenance.hops if not h.live]
    assert [(h.party, h.revoked.cascade_of) for h in revoked] == [  # type: ignore[union-attr]
        ("contoso", None),
        ("fabrikam", contoso),
        ("tailspin", contoso),
    ]


def test_a_collaborator_revokes_below_its_own_hop() -> None:
    swarm = delegated()
    events = swarm.do("contoso", c.RevokeCollaborator("fabrikam", reason="enough"))
    assert [ev.partner for ev in events] == ["fabrikam", "tailspin"]  # type: ignore[attr-defined]
    assert swarm.state.collaborators.keys() == {"contoso", "wingtip"}
    assert swarm.refused("contoso", c.RevokeCollaborator("wingtip")) == 403
    assert swarm.refused("initech", c.RevokeCollaborator("wingtip")) == 403


def test_a_revoked_partner_may_be_invited_again_as_a_new_hop() -> None:
    swarm = delegated()
    old = swarm.hop("fabrikam").hop_id
    swarm.do("northwind", c.RevokeCollaborator("contoso"))
    new = swarm.invite("acme", "fabrikam")
    assert new != old and swarm.hop("fabrikam").parent is None
    assert len(swarm.state.provenance.hops) == 5


def test_a_hops_events_are_for_the_chain_and_those_who_answer_for_it() -> None:
    """Never the customer (restricted), never a collaborator on another branch: wingtip, whom
    acme invited, is not told of contoso's branch, and the branch is not told of wingtip."""
    swarm = Swarm()
    swarm.invite("acme", "wingtip")
    swarm.invite("northwind", "contoso", may_invite=True)
    swarm.invite("contoso", "fabrikam")
    swarm.do("northwind", c.RevokeCollaborator("contoso"))
    assert [(a["parties"], a["visibility"]) for a in swarm.audiences] == [
        (["acme", "northwind", "wingtip"], "restricted"),
        (["acme", "contoso", "northwind"], "restricted"),
        (["acme", "contoso", "fabrikam", "northwind"], "restricted"),
        (["acme", "contoso", "northwind"], "restricted"),  # contoso revoked
        (["acme", "contoso", "fabrikam", "northwind"], "restricted"),  # fabrikam with it
    ]
    for a in swarm.audiences:
        assert not egress.sees(a, "initech", "customer")
        assert egress.provider_sees(a)  # on acme's topics whole


# --------------------------------------------------------------------------- old events


def test_an_invitation_and_a_revocation_from_before_hops_load_and_replay() -> None:
    """Stored before swarming: no hop id, parent, may_invite or reason. They load with the
    defaults, the hop gets the id its version gives, and today's rules revoke it by partner."""
    swarm = Swarm()
    opened = swarm.history[0]
    old_invite = {"partner": "contoso", "invited_by": "northwind", "scope": "firewalls"}
    old_revoke = {"partner": "contoso", "revoked_by": "northwind", "reason": "done"}
    invited = e.CATALOG.load("village.incident.collaborator_invited.v1", old_invite)
    revoked = e.CATALOG.load("village.incident.collaborator_revoked.v1", old_revoke)
    assert invited == e.CollaboratorInvited(**old_invite)
    assert (invited.hop_id, invited.parent_hop, invited.may_invite, invited.reason) == (  # type: ignore[attr-defined]
        None,
        None,
        False,
        None,
    )
    state = replay([opened, (invited, T0), (revoked, T0), (invited, T0)])  # type: ignore[list-item]
    assert state is not None
    first, second = state.provenance.hops
    assert (first.hop_id, second.hop_id) == (hop_id_for("inc-1", 2), hop_id_for("inc-1", 4))
    assert first.revoked == Revocation(T0, "northwind", "done", None)
    assert (second.party, second.parent, second.may_invite, second.live) == (
        "contoso",
        None,
        False,
        True,
    )
    assert state.collaborators.keys() == {"contoso"}
    # Today's rules revoke the old hop by partner, naming its derived id.
    swarm.state = state
    [event] = swarm.do("acme", c.RevokeCollaborator("contoso"))
    assert event.hop_id == second.hop_id  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- properties

WHO = ("northwind", "acme", "initech", *PARTNERS)
STEP = st.one_of(
    st.builds(
        c.InviteCollaborator,
        st.sampled_from(PARTNERS),
        st.just(None),
        st.booleans(),
        st.sampled_from([None, "why"]),
    ),
    st.builds(c.RevokeCollaborator, st.sampled_from(PARTNERS)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(WHO), STEP), max_size=30))
def test_any_swarm_keeps_its_tree_whole(steps: list[tuple[str, object]]) -> None:
    """Whatever is attempted: a live hop's parent is live, each partner has one live hop at most
    and the collaborators are the live hops' parties; every hop a party sees has its parent seen
    unless it is its own; a collaborator sees no hop its events' audiences leave it out of; the
    history replays to the same state."""
    swarm = Swarm()
    for who, cmd in steps:
        try:
            swarm.do(who, cmd)
        except DomainError as exc:
            assert exc.status in (403, 404, 409, 422)
    p = swarm.state.provenance
    live = [h for h in p.hops if h.live]
    assert all(p.get(h.parent).live for h in live if h.parent)  # type: ignore[union-attr]
    assert len({h.party for h in live}) == len(live)
    assert list(swarm.state.collaborators) == [h.party for h in live]
    for party in ("northwind", "acme", "initech", *PARTNERS):
        seen = p.seen_by(egress.Recipient(party, KIND[party]), swarm.state.overseers, "acme")
        ids = {h.hop_id for h in seen}
        assert all(h.parent is None or h.parent in ids or h.party == party for h in seen)
    invitations = [
        (ev, a)
        for (ev, _), a in zip(swarm.history[1:], swarm.audiences, strict=True)
        if isinstance(ev, e.CollaboratorInvited)
    ]
    for party in PARTNERS:
        told = {ev.hop_id for ev, a in invitations if egress.sees(a, party, "partner")}
        shown = {h.hop_id for h in p.seen_by(egress.Recipient(party, "partner"), (), "acme")}
        assert told <= shown  # the view shows what the events told (and hops invited since)
    assert replay(swarm.history) == swarm.state
