"""A provider incident's swarm, the pure parts: who invites whom (the provider at the root, a
swarming partner below its own hop when allowed), the certification recorded, cascaded
revocation, who sees each hop and its events, and the state's round trip through its row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from test_outage_rules import ACME, ACME_PARTNERS, CONTOSO, NORTHWIND, T0, outage, refused

from village_incidents import outage_state
from village_incidents.domain import commands as c
from village_incidents.domain import events as e
from village_incidents.domain import outage_rules as rules
from village_incidents.domain.provider_incident import (
    ProviderIncident,
    describe,
    evolve,
    role_of,
)
from village_platform import egress

# Beyond the demo's two: partners acme supplies directly too, for deeper swarms.
PARTNERS = [*ACME_PARTNERS, "fabrikam", "tailspin"]
FABRIKAM = c.Actor("fabrikam", "partner", "fay")
TAILSPIN = c.Actor("tailspin", "partner", "tom")


def invite(state: ProviderIncident, actor: c.Actor, partner: str, **kw: Any) -> list[e.OutageEvent]:
    partners = kw.pop("partners", PARTNERS)
    cmd = c.InviteToSwarm(
        partner,
        kw.pop("certification", "routers"),
        kw.pop("reason", f"{partner} knows the firmware"),
        **kw,
    )
    return rules.invite_to_swarm(state, cmd, actor, partners)


def applied(state: ProviderIncident, events: list[e.OutageEvent], minutes: int = 1) -> Any:
    for event in events:
        state = evolve(state, event, T0 + timedelta(minutes=minutes))
    return state


def chain() -> ProviderIncident:
    """acme invites northwind (may invite), northwind contoso (may invite), contoso fabrikam;
    acme invites tailspin on another branch."""
    state = applied(outage(), invite(outage(), ACME, "northwind", may_invite=True, scope="logs"))
    state = applied(state, invite(state, NORTHWIND, "contoso", may_invite=True))
    state = applied(state, invite(state, CONTOSO, "fabrikam"))
    return applied(state, invite(state, ACME, "tailspin"))


def hop_of(state: ProviderIncident, party: str) -> str:
    hop = state.swarm.live_hop_of(party)
    assert hop is not None, party
    return hop.hop_id


def test_the_provider_invites_a_certified_partner_and_the_hop_records_it() -> None:
    state = outage()
    [invited] = invite(state, ACME, "northwind", scope="read logs", may_invite=True)
    assert isinstance(invited, e.OutageSwarmInvited)
    assert (invited.partner, invited.invited_by, invited.parent_hop) == ("northwind", "acme", None)
    assert (invited.certification, invited.scope, invited.may_invite) == (
        "routers",
        "read logs",
        True,
    )
    after = applied(state, [invited])
    [hop] = after.swarm.hops
    assert (hop.hop_id, hop.party, hop.certification, hop.live) == (
        invited.hop_id,
        "northwind",
        "routers",
        True,
    )
    assert after.swarming == {"northwind"} and after.version == state.version + 1
    # The id is the stream's and the version's: the same whenever the events are replayed.
    assert invite(state, ACME, "northwind")[0].hop_id == invited.hop_id  # type: ignore[attr-defined]


def test_a_swarming_partner_invites_below_its_own_hop_only_when_allowed() -> None:
    state = chain()
    assert state.swarm.get(hop_of(state, "contoso")).parent == hop_of(state, "northwind")  # type: ignore[union-attr]
    assert state.swarm.get(hop_of(state, "fabrikam")).parent == hop_of(state, "contoso")  # type: ignore[union-attr]
    # fabrikam's hop does not allow inviting; a partner not swarming invites no one.
    alone = applied(outage(), invite(outage(), ACME, "northwind"))
    refused(403, invite, alone, NORTHWIND, "contoso")
    refused(403, invite, outage(), CONTOSO, "northwind")


def test_inviting_is_refused() -> None:
    state = applied(outage(), invite(outage(), ACME, "northwind"))
    refused(422, invite, state, ACME, "globex")  # not a partner acme supplies
    refused(422, invite, state, ACME, "initech")  # a customer
    refused(422, lambda: invite(state, ACME, "contoso", certification="firewalls"))
    refused(409, invite, state, ACME, "northwind")  # already swarming
    globex = c.Actor("globex", "provider", "gus")
    refused(404, invite, state, globex, "contoso")  # may not know the outage exists
    cancelled = applied(state, [e.OutageCancelled(outage_id=state.id, reason="false alarm")])
    refused(409, invite, cancelled, ACME, "contoso")


def test_revoking_a_hop_revokes_every_live_hop_below_it_each_with_its_event() -> None:
    state = chain()
    northwind, contoso, fabrikam = (hop_of(state, p) for p in ("northwind", "contoso", "fabrikam"))
    events = rules.revoke_swarm_hop(state, c.RevokeSwarmHop(northwind, "done"), ACME, PARTNERS)
    assert [(ev.partner, ev.cascade, ev.cascade_of) for ev in events] == [  # type: ignore[attr-defined]
        ("northwind", [contoso, fabrikam], None),
        ("contoso", [fabrikam], northwind),
        ("fabrikam", [], northwind),
    ]
    after = applied(state, events, minutes=5)
    assert after.swarming == {"tailspin"}
    revoked = after.swarm.get(fabrikam)
    assert revoked is not None and revoked.revoked is not None
    assert (revoked.revoked.by, revoked.revoked.cascade_of) == ("acme", northwind)
    # Revoked already: a conflict; the hops are kept, revoked, in the provenance.
    refused(409, rules.revoke_swarm_hop, after, c.RevokeSwarmHop(contoso, "x"), ACME, PARTNERS)
    assert len(after.swarm.hops) == 4


def test_a_swarming_partner_revokes_below_its_hop_not_its_own_nor_others() -> None:
    state = chain()
    contoso, tailspin = hop_of(state, "contoso"), hop_of(state, "tailspin")
    [ev] = rules.revoke_swarm_hop(
        state, c.RevokeSwarmHop(hop_of(state, "fabrikam"), "enough"), NORTHWIND, PARTNERS
    )
    assert (ev.partner, ev.revoked_by) == ("fabrikam", "northwind")  # type: ignore[attr-defined]
    refused(403, rules.revoke_swarm_hop, state, c.RevokeSwarmHop(contoso, "x"), CONTOSO, PARTNERS)
    # Another branch's hop is not northwind's to see: not found, as an unknown one.
    refused(
        404, rules.revoke_swarm_hop, state, c.RevokeSwarmHop(tailspin, "x"), NORTHWIND, PARTNERS
    )
    refused(404, rules.revoke_swarm_hop, state, c.RevokeSwarmHop("nope", "x"), ACME, PARTNERS)


def test_a_hop_and_its_events_are_for_the_provider_and_those_who_answer_for_it() -> None:
    state = chain()
    contoso = hop_of(state, "contoso")
    invited = e.OutageSwarmInvited(
        state.id, contoso, "contoso", None, "r", "northwind", hop_of(state, "northwind"), True, "x"
    )
    described = describe(state, invited, ACME_PARTNERS)

    def sees(party: str, kind: str = "partner") -> bool:
        return egress.share(described, egress.Recipient(party, kind)) is egress.Share.VISIBLE

    assert sees("acme", "provider") and sees("northwind") and sees("contoso")
    assert not sees("fabrikam")  # below: not told why its inviter was invited
    assert not sees("tailspin")  # another branch
    assert not sees("initech", "customer")
    seen = state.swarm.seen_by(egress.Recipient("contoso", "partner"), state.roots, "acme")
    assert [h.party for h in seen] == ["contoso", "fabrikam"]


def test_a_swarming_party_sees_the_outage_while_its_hop_is_live() -> None:
    state = applied(outage(), invite(outage(), ACME, "tailspin", partners=PARTNERS))
    # tailspin is no longer supplied by acme (not among the partners now): its hop still lets it.
    assert role_of(state, "tailspin", "partner", ACME_PARTNERS) == "swarm"
    status = e.OutageStatusChanged(state.id, "declared", "identified", "found it")
    described = describe(state, status, ACME_PARTNERS)
    assert egress.sees(described, "tailspin", "partner")
    [revoked] = rules.revoke_swarm_hop(
        state, c.RevokeSwarmHop(hop_of(state, "tailspin"), "done"), ACME, ACME_PARTNERS
    )
    after = applied(state, [revoked])
    assert role_of(after, "tailspin", "partner", ACME_PARTNERS) is None
    assert not egress.sees(describe(after, status, ACME_PARTNERS), "tailspin", "partner")


def test_the_swarm_survives_the_rows_state_round_trip() -> None:
    state = chain()
    events = rules.revoke_swarm_hop(
        state, c.RevokeSwarmHop(hop_of(state, "contoso"), "done"), ACME, PARTNERS
    )
    after = applied(state, events)
    assert outage_state.decode(outage_state.encode(after)) == after
