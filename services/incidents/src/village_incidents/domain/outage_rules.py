"""The rules of a provider incident (an outage), one function per command, pure: each takes its
command and what it needs to see and returns the events, or raises DomainError.

Who may act: the provider's own agents declare and update it (the handlers check the role);
an incident is linked or unlinked by its owning partner (a partner of the provider) or by the
provider when it is the incident's provider. A link changes two aggregates in one transaction:
`link` and `unlink` return the outage's events and the incident's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from village_platform.errors import DomainError

from . import commands as c
from . import events as e
from .guards import on_requester_side, require
from .incident import ACTIVE, SEVERITIES, Incident
from .provenance import hop_id_for
from .provider_incident import STATUSES, UPDATES, ProviderIncident, provides, role_of
from .rules import role_of as incident_role_of
from .supply import Supply

OutageEvents = list[e.OutageEvent]


def declare(
    cmd: c.DeclareOutage, actor: c.Actor, supplies: Iterable[Supply], now: datetime
) -> OutageEvents:
    """`supplies`: those from the provider, whose products it may declare an outage of."""
    require(actor.kind == "provider", "only a provider declares provider incidents")
    if cmd.severity not in SEVERITIES:
        raise DomainError.invalid(f"severity must be one of {', '.join(SEVERITIES)}")
    if not cmd.products:
        raise DomainError.invalid("name at least one affected product")
    supplies = list(supplies)
    foreign = [p for p in cmd.products if not provides(actor.party, supplies, p)]
    if foreign:
        raise DomainError.invalid(f"{actor.party} supplies no one with {', '.join(foreign)}")
    started = (cmd.started_at or now).astimezone(UTC)  # one offset for every consumer
    if started > now:
        raise DomainError.invalid("a provider incident cannot start in the future")
    return [
        e.OutageDeclared(
            outage_id=cmd.outage_id,
            provider=actor.party,
            title=cmd.title,
            description=cmd.description,
            products=sorted(set(cmd.products)),
            impacted_services=list(cmd.impacted_services),
            regions=list(cmd.regions),
            severity=cmd.severity,
            started_at=started.isoformat(),
            declared_by=actor.user,
        )
    ]


def change_status(
    state: ProviderIncident, cmd: c.ChangeOutageStatus, actor: c.Actor
) -> OutageEvents:
    _provider_only(state, actor, "changes the status of")
    if cmd.status not in UPDATES:
        raise DomainError.invalid(f"status must be one of {', '.join(UPDATES)}")
    _open(state, f"set {cmd.status} on")
    if STATUSES.index(cmd.status) <= STATUSES.index(state.status):
        raise DomainError.conflict(
            f"the provider incident is {state.status}: its status only moves forward"
        )
    return [
        e.OutageStatusChanged(
            outage_id=state.id,
            from_status=state.status,  # type: ignore[arg-type]
            to_status=cmd.status,  # type: ignore[arg-type]
            message=cmd.message,
        )
    ]


AUDIENCES = ("partners", "customers")


def post_update(state: ProviderIncident, cmd: c.PostOutageUpdate, actor: c.Actor) -> OutageEvents:
    """An update for every incident linked now (`state.linked`: how many the fan-out reaches)."""
    _provider_only(state, actor, "posts updates to")
    if cmd.audience not in AUDIENCES:
        raise DomainError.invalid(f"audience must be one of {', '.join(AUDIENCES)}")
    if not cmd.body.strip():
        raise DomainError.invalid("an update needs a body")
    _open(state, "post an update to")
    return [
        e.OutageUpdatePosted(
            outage_id=state.id,
            update_id=cmd.update_id,
            body=cmd.body,
            audience=cmd.audience,  # type: ignore[arg-type]
            total=state.linked,
        )
    ]


def resolve(state: ProviderIncident, cmd: c.ResolveOutage, actor: c.Actor) -> OutageEvents:
    _provider_only(state, actor, "resolves")
    _open(state, "resolve")
    if not cmd.resolution_code.strip() or not cmd.resolution_notes.strip():
        raise DomainError.invalid("resolving needs resolution_code and resolution_notes")
    return [
        e.OutageResolved(
            outage_id=state.id,
            resolution_code=cmd.resolution_code,
            resolution_notes=cmd.resolution_notes,
            message=cmd.message,
        )
    ]


def cancel(state: ProviderIncident, cmd: c.CancelOutage, actor: c.Actor) -> OutageEvents:
    _provider_only(state, actor, "cancels")
    _open(state, "cancel")
    return [e.OutageCancelled(outage_id=state.id, reason=cmd.reason)]


def link(
    outage: ProviderIncident | None,
    incident: Incident | None,
    actor: c.Actor,
    partners: Iterable[str],
) -> tuple[OutageEvents, list[e.IncidentEvent]]:
    """Link `incident` to `outage`. `partners`: the provider's partners now (who may see it)."""
    if outage is None or role_of(outage, actor.party, actor.kind, partners) is None:
        raise DomainError.not_found("no such provider incident")
    working = _working(incident, outage, actor, "link")
    _open(outage, "link an incident to")
    if working.provider != outage.provider:
        raise DomainError.invalid(f"the incident is not {outage.provider}'s: link it to its own")
    if working.status not in ACTIVE:
        raise DomainError.conflict(f"cannot link an incident that is {working.status}")
    if working.outage_id == outage.id:
        raise DomainError.conflict("the incident is already linked to this provider incident")
    if working.outage_id is not None:
        raise DomainError(
            409,
            "linked-elsewhere",
            "the incident is linked to another provider incident: unlink it first",
            outage_id=working.outage_id,
        )
    return (
        [
            e.OutageLinked(
                outage_id=outage.id,
                incident_id=working.id,
                partner=working.partner,
                linked_by=actor.party,
            )
        ],
        [
            e.IncidentOutageLinked(
                incident_id=working.id,
                outage_id=outage.id,
                provider=outage.provider,
                title=outage.title,
            )
        ],
    )


def unlink(
    outage: ProviderIncident | None,
    incident: Incident | None,
    actor: c.Actor,
    reason: str,
    *,
    unlinked_before: bool = False,
) -> tuple[OutageEvents, list[e.IncidentEvent]]:
    """Unlink `incident` from `outage`: the incident's owner may, even when it is not a partner
    of the provider (the provider linked it), as may the provider. A provider incident that is
    not the incident's is not found: the caller learns nothing of it. One the incident was
    linked to and has left (`unlinked_before`: unlinked, or its resolution rejected, perhaps
    by a racing command) is a conflict: the parties working the incident were told of both."""
    working = _working(incident, outage, actor, "unlink")
    if outage is not None and working.outage_id != outage.id and unlinked_before:
        raise DomainError(
            409, "not-linked", "the incident is no longer linked to this provider incident"
        )
    if outage is None or working.outage_id != outage.id:
        raise DomainError.not_found("the incident is not linked to this provider incident")
    return (
        [
            e.OutageUnlinked(
                outage_id=outage.id,
                incident_id=working.id,
                partner=working.partner,
                unlinked_by=actor.party,
                reason=reason,
            )
        ],
        [e.IncidentOutageUnlinked(incident_id=working.id, outage_id=outage.id, reason=reason)],
    )


def invite_to_swarm(
    state: ProviderIncident, cmd: c.InviteToSwarm, actor: c.Actor, partners: Iterable[str]
) -> OutageEvents:
    """The provider (a root) or a swarming partner whose hop allows it invites `cmd.partner`:
    a partner the provider supplies directly (`partners`, now), certified for one of the
    outage's products. The certification is the inviter's word, recorded on the hop: the
    provider's profiles of its partners live in the escalation service, and the provider is the
    one that keeps them."""
    partners = frozenset(partners)
    if role_of(state, actor.party, actor.kind, partners) is None:
        raise DomainError.not_found("no such provider incident")
    parent = state.swarm.parent_for(actor.party, state.roots)
    _open(state, "swarm on")
    if cmd.partner not in partners:
        raise DomainError.invalid(f"{cmd.partner} is not a partner {state.provider} supplies")
    if cmd.certification not in state.products:
        raise DomainError.invalid(
            "certification: name the affected product the invitee is certified for"
            f" ({', '.join(state.products)})"
        )
    if state.swarm.live_hop_of(cmd.partner) is not None:
        raise DomainError.conflict(f"{cmd.partner} is already swarming on this provider incident")
    return [
        e.OutageSwarmInvited(
            outage_id=state.id,
            hop_id=hop_id_for(state.stream_id, state.version + 1),
            partner=cmd.partner,
            scope=cmd.scope,
            reason=cmd.reason,
            invited_by=actor.party,
            parent_hop=parent,
            may_invite=cmd.may_invite,
            certification=cmd.certification,
        )
    ]


def revoke_swarm_hop(
    state: ProviderIncident, cmd: c.RevokeSwarmHop, actor: c.Actor, partners: Iterable[str]
) -> OutageEvents:
    """The provider revokes any hop; a swarming partner those below its own. Every live hop
    below the revoked one goes with it, each with its own event. A hop the caller may not see
    is not found."""
    role = role_of(state, actor.party, actor.kind, partners)
    if role is None:
        raise DomainError.not_found("no such provider incident")
    hop = state.swarm.get(cmd.hop_id)
    seen = hop is not None and (
        role in ("service", "provider") or actor.party in state.swarm.answerable(hop.hop_id)
    )
    if hop is None or not seen:
        raise DomainError.not_found("no such swarm hop")
    if not hop.live:
        raise DomainError.conflict("the hop is revoked already")
    hops = state.swarm.revocation(actor.party, hop.party, state.roots)
    return [
        e.OutageSwarmRevoked(
            outage_id=state.id,
            hop_id=h.hop_id,
            partner=h.party,
            revoked_by=actor.party,
            reason=cmd.reason,
            cascade=[b.hop_id for b in state.swarm.below(h.hop_id, live_only=True)],
            cascade_of=None if h is hops[0] else hops[0].hop_id,
        )
        for h in hops
    ]


REJECTED = "rejected"


def rejects(incident: Incident, actor: c.Actor) -> bool:
    """Whether a reopen of a linked incident the outage resolved rejects that resolution: only
    when its requester reopens (the party asked to confirm: the customer, or whoever opened
    the incident). Another party reopening it (the provider taking its resolution back, the
    owning partner when the customer opened it) leaves the link as it is, still waiting for
    the requester's answer."""
    return on_requester_side(incident, actor.party)


def reject(
    outage: ProviderIncident, incident: Incident, actor: c.Actor
) -> tuple[OutageEvents, list[e.IncidentEvent]]:
    """The incident's resolution by the outage was rejected (reopened): it leaves the outage
    (`rejected`) and goes back to the escalation ladder, on both streams."""
    return (
        [
            e.OutageUnlinked(
                outage_id=outage.id,
                incident_id=incident.id,
                partner=incident.partner,
                unlinked_by=actor.party,
                reason=REJECTED,
            )
        ],
        [e.IncidentOutageUnlinked(incident_id=incident.id, outage_id=outage.id, reason=REJECTED)],
    )


def _working(
    incident: Incident | None, outage: ProviderIncident | None, actor: c.Actor, verb: str
) -> Incident:
    """The incident, if the caller is on it (else 404), as its owner or its provider (else 403)."""
    role = incident_role_of(incident, actor) if incident is not None else None
    if incident is None or role is None:
        raise DomainError.not_found("no such incident")
    provider_of_both = role == "provider" and (outage is None or actor.party == outage.provider)
    require(
        role == "owner" or provider_of_both,
        f"only the incident's owning partner or its provider {verb} it",
    )
    return incident


def _provider_only(state: ProviderIncident, actor: c.Actor, verb: str) -> None:
    require(
        actor.kind == "provider" and actor.party == state.provider,
        f"only the provider {verb} its provider incident",
    )


def _open(state: ProviderIncident, verb: str) -> None:
    """Refuse (409) once the provider incident is resolved or cancelled."""
    if state.ended:
        raise DomainError.conflict(f"cannot {verb} a provider incident that is {state.status}")
