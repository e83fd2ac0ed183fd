"""Swarming with provenance through the command handlers, on PostgreSQL: hops recorded in the
event stream (no table of their own), a cascaded revocation in one transaction, each event's
stored audience, the provenance view per party, a refusal that appends nothing, an invitation
stored before hops had ids, and the state's hops through a snapshot."""

from __future__ import annotations

from typing import Any

import pytest
from incidents_support import KINDS, World

from village_incidents import readmodel, snapshots
from village_incidents.domain import commands as c
from village_incidents.domain.incident import Party, replay
from village_incidents.domain.provenance import hop_id_for
from village_incidents.handlers import IncidentHandlers
from village_platform.auth import Principal
from village_platform.errors import DomainError
from village_platform.eventstore import NewEvent
from village_platform.writes import WriteContext

INVITED = "village.incident.collaborator_invited.v1"
REVOKED = "village.incident.collaborator_revoked.v1"
# Partners of acme's besides the demo's, so an incident can have two branches and more.
TAILSPIN = Party("tailspin", "partner", "Tailspin", provider="acme")
WINGTIP = Party("wingtip", "partner", "Wingtip", provider="acme")


def principal(party: str) -> Principal:
    kind = "partner" if party == TAILSPIN.id else KINDS[party]
    return Principal(party, kind, f"{party}-user", frozenset())  # type: ignore[arg-type]


async def act(world: World, party: str, iid: str, cmd: object) -> dict[str, Any]:
    written = await world.handlers.execute(WriteContext(principal(party)), iid, cmd, None)
    return written.body


async def swarm(world: World) -> tuple[str, dict[str, str]]:
    """northwind's incident for initech: northwind -> contoso (may invite) -> fabrikam, and
    acme -> tailspin. The hop ids by partner."""
    async with world.engine.begin() as conn:
        for extra in (TAILSPIN, WINGTIP):
            await readmodel.upsert_party(conn, extra)
    iid = await world.open()
    invite = c.InviteCollaborator
    await world.do("northwind", iid, invite("contoso", "firewalls", True, "runs the firewalls"))
    await world.do("contoso", iid, invite("fabrikam", "VPN logs", reason="VPN specialist"))
    await world.do("acme", iid, invite("tailspin", "routing", reason="routing expert"))
    hops = {
        e.data["partner"]: e.data["hop_id"] for e in await world.events(iid) if e.type == INVITED
    }
    return iid, hops


async def provenance(world: World, iid: str, party: str) -> dict[str, Any]:
    async with world.engine.connect() as conn:
        view, _ = await world.handlers.reads.provenance(conn, iid, principal(party))
    return view


def tree(hops: list[dict[str, Any]]) -> list[Any]:
    """The view's trees as (partner, invited_by, [below...])."""
    return [(h["partner"], h["invited_by"], tree(h["below"])) for h in hops]


async def test_the_hops_are_in_the_stream_with_their_audiences(world: World) -> None:
    iid, hops = await swarm(world)
    invited = [e for e in await world.events(iid) if e.type == INVITED]
    assert [
        (e.data["partner"], e.data["parent_hop"], e.data["may_invite"], e.data["reason"])
        for e in invited
    ] == [
        ("contoso", None, True, "runs the firewalls"),
        ("fabrikam", hops["contoso"], False, "VPN specialist"),
        ("tailspin", None, False, "routing expert"),
    ]
    assert [e.data["hop_id"] for e in invited] == [
        hop_id_for(iid, e.stream_version) for e in invited
    ]
    # For the chain's working parties and those who answer for the hop: no customer, no branch.
    assert [(e.metadata["parties"], e.metadata["visibility"]) for e in invited] == [
        (["acme", "contoso", "northwind"], "restricted"),
        (["acme", "contoso", "fabrikam", "northwind"], "restricted"),
        (["acme", "northwind", "tailspin"], "restricted"),
    ]


async def test_revoking_a_hop_revokes_those_below_it_in_one_transaction(world: World) -> None:
    iid, hops = await swarm(world)
    view = await world.do("northwind", iid, c.RevokeCollaborator("contoso", "done"))
    assert view["collaborators"] == ["tailspin"]
    events = await world.events(iid)
    revoked = [e for e in events if e.type == REVOKED]
    assert [
        (e.data["partner"], e.data["hop_id"], e.data["cascade_of"], e.metadata["parties"])
        for e in revoked
    ] == [
        ("contoso", hops["contoso"], None, ["acme", "contoso", "northwind"]),
        (
            "fabrikam",
            hops["fabrikam"],
            hops["contoso"],
            ["acme", "contoso", "fabrikam", "northwind"],
        ),
    ]
    assert [e.stream_version for e in revoked] == [events[-2].stream_version, view["version"]]
    transactions = await world.table(
        f"SELECT DISTINCT tx_id::text FROM events WHERE stream_id = '{iid}' AND type = '{REVOKED}'"
    )
    assert len(transactions) == 1
    for gone in ("contoso", "fabrikam"):
        with pytest.raises(DomainError) as exc:
            await provenance(world, iid, gone)
        assert exc.value.status == 404


async def test_each_party_sees_the_provenance_it_may(world: World) -> None:
    iid, hops = await swarm(world)
    whole = [("contoso", "northwind", [("fabrikam", "contoso", [])]), ("tailspin", "acme", [])]
    assert tree((await provenance(world, iid, "northwind"))["hops"]) == whole
    assert tree((await provenance(world, iid, "acme"))["hops"]) == whole
    assert tree((await provenance(world, iid, "contoso"))["hops"]) == whole[:1]
    [own] = (await provenance(world, iid, "fabrikam"))["hops"]
    assert (own["partner"], own["parent_hop"], own["reason"], own["below"]) == (
        "fabrikam",
        hops["contoso"],  # its parent's id, not its parent: why contoso was invited is not its
        "VPN specialist",
        [],
    )
    assert tree((await provenance(world, iid, "tailspin"))["hops"]) == [("tailspin", "acme", [])]
    customer = await provenance(world, iid, "initech")
    assert customer["hops"] == [] and "contoso" not in str(customer)
    with pytest.raises(DomainError) as exc:
        await provenance(world, iid, "umbrella")  # not on the incident
    assert exc.value.status == 404


async def test_a_collaborator_not_allowed_to_invite_is_refused_and_nothing_changes(
    world: World,
) -> None:
    iid, _ = await swarm(world)
    before = await world.events(iid)
    for who, cmd, status in (
        ("fabrikam", c.InviteCollaborator("tailspin", reason="help"), 403),  # not allowed
        ("contoso", c.InviteCollaborator("globex", reason="help"), 422),  # not a partner
        ("contoso", c.InviteCollaborator("tailspin", reason="help"), 409),  # on it already
        ("contoso", c.InviteCollaborator("wingtip"), 422),  # allowed, but says not why
        ("tailspin", c.RevokeCollaborator("fabrikam"), 403),  # another branch
        ("fabrikam", c.RevokeCollaborator("fabrikam"), 403),  # its own hop
    ):
        with pytest.raises(DomainError) as exc:
            await act(world, who, iid, cmd)
        assert exc.value.status == status, (who, cmd)
    assert await world.events(iid) == before


async def test_an_invitation_stored_before_hops_had_ids_is_revoked_by_todays_rules(
    world: World,
) -> None:
    """A stream holding collaborator_invited as it was stored before swarming (no hop_id,
    parent_hop, may_invite or reason) loads: its hop has the id its version gives, the view
    shows it, and a revocation today names that hop."""
    iid = await world.open()
    old = {"partner": "contoso", "invited_by": "northwind", "scope": "firewalls"}
    audience = {"parties": ["acme", "contoso", "initech", "northwind"], "visibility": "restricted"}
    async with world.engine.begin() as conn:
        await world.store.append(conn, iid, 1, [NewEvent(INVITED, old, metadata=audience)], {})
    [hop] = (await provenance(world, iid, "northwind"))["hops"]
    legacy = hop_id_for(iid, 2)
    assert (hop["hop_id"], hop["partner"], hop["may_invite"], hop["reason"]) == (
        legacy,
        "contoso",
        False,
        None,
    )
    await world.do("acme", iid, c.RevokeCollaborator("contoso"))
    revoked = (await world.events(iid))[-1]
    assert (revoked.type, revoked.data["hop_id"], revoked.data["cascade_of"]) == (
        REVOKED,
        legacy,
        None,
    )


async def test_the_hops_survive_a_snapshot(world: World) -> None:
    """The state's hops go through a snapshot (jsonb) and come back as the replay gives them."""
    iid, _ = await swarm(world)
    often = IncidentHandlers(world.writes, world.store, snapshot_every=1)
    await often.execute(
        WriteContext(principal("northwind")), iid, c.RevokeCollaborator("contoso", "done"), None
    )
    async with world.engine.connect() as conn:
        loaded = await snapshots.load(conn, world.store, iid)
    assert loaded.snapshot_version == loaded.state.version  # type: ignore[union-attr]
    history = snapshots.history_of(await world.events(iid))
    assert loaded.state == replay(history)
    assert len(loaded.state.provenance.hops) == 3  # type: ignore[union-attr]
