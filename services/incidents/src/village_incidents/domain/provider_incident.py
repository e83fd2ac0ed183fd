"""A provider incident (an outage): its state, how its events evolve it (pure), who its
partners are, and what its events say of their audience (the egress rule decides the rest).

The state holds what decisions and the view need and stays small however many incidents are
linked: links are counted here, each link is a row of the read model (outage_readmodel.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from village_platform import egress

from . import events as e
from .incident import Incident
from .provenance import Hop, Provenance, Revocation
from .supply import Supply

STREAM_PREFIX = "provider-incident:"
# Forward only; a status may be skipped. `resolved` is reached by the resolution.
STATUSES: tuple[str, ...] = (
    "declared",
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "cancelled",
)
UPDATES = ("investigating", "identified", "monitoring")  # what a status change may move to
ENDED = frozenset({"resolved", "cancelled"})
WORKING_KINDS = ("partner", "provider")  # a customer is never a provider incident's partner


def stream_of(outage_id: str) -> str:
    return STREAM_PREFIX + outage_id


def is_outage_stream(stream_id: str) -> bool:
    return stream_id.startswith(STREAM_PREFIX)


@dataclass(frozen=True)
class ProviderIncident:
    id: str
    version: int
    provider: str
    title: str
    description: str
    products: tuple[str, ...]
    impacted_services: tuple[str, ...]
    regions: tuple[str, ...]
    severity: str
    started_at: datetime
    declared_at: datetime
    declared_by: str
    updated_at: datetime
    status: str = "declared"
    # The public messages, oldest first: {status, message, at}.
    messages: tuple[dict[str, str], ...] = ()
    linked: int = 0  # incidents linked now
    ended_at: datetime | None = None
    # The swarm: every hop (invitation) of partner engineers onto the outage, revoked included.
    swarm: Provenance = Provenance()

    @property
    def stream_id(self) -> str:
        return stream_of(self.id)

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def roots(self) -> tuple[str, ...]:
        """Who invites to the swarm, and revokes any hop, without a hop of its own."""
        return (self.provider,)

    @property
    def swarming(self) -> frozenset[str]:
        """The parties whose swarm hop is live: they see the outage as its partners do."""
        return frozenset(h.party for h in self.swarm.hops if h.live)

    def hop_description(self, hop_id: str) -> dict[str, Any]:
        """The audience of a hop and of its events: the provider (it oversees every hop) and the
        parties that answer for it (provenance.py)."""
        return self.swarm.description(hop_id, self.roots, self.provider)


# --------------------------------------------------------------------------- evolve


def evolve(state: ProviderIncident | None, event: e.OutageEvent, at: datetime) -> ProviderIncident:
    """The provider incident once `event` (recorded at `at`) applied: a new state."""
    if isinstance(event, e.OutageDeclared):
        return _declared(event, at)
    assert state is not None, "only a declared event starts a provider incident's stream"
    after = replace(state, version=state.version + 1, updated_at=at)
    change = _CHANGES.get(type(event))
    return change(after, event, at) if change is not None else after


def _declared(event: e.OutageDeclared, at: datetime) -> ProviderIncident:
    return ProviderIncident(
        id=event.outage_id,
        version=1,
        provider=event.provider,
        title=event.title,
        description=event.description,
        products=tuple(event.products),
        impacted_services=tuple(event.impacted_services),
        regions=tuple(event.regions),
        severity=event.severity,
        started_at=datetime.fromisoformat(event.started_at),
        declared_at=at,
        declared_by=event.declared_by,
        updated_at=at,
    )


def _status_changed(
    s: ProviderIncident, event: e.OutageStatusChanged, at: datetime
) -> ProviderIncident:
    said = {"status": event.to_status, "message": event.message, "at": at.isoformat()}
    return replace(s, status=event.to_status, messages=(*s.messages, said))


def _cancelled(s: ProviderIncident, event: e.OutageCancelled, at: datetime) -> ProviderIncident:
    said = {"status": "cancelled", "message": event.reason, "at": at.isoformat()}
    return replace(s, status="cancelled", ended_at=at, messages=(*s.messages, said))


def _resolved(s: ProviderIncident, event: e.OutageResolved, at: datetime) -> ProviderIncident:
    said = {"status": "resolved", "message": event.message, "at": at.isoformat()}
    return replace(s, status="resolved", ended_at=at, messages=(*s.messages, said))


def _linked(s: ProviderIncident, event: e.OutageLinked, at: datetime) -> ProviderIncident:
    return replace(s, linked=s.linked + 1)


def _unlinked(s: ProviderIncident, event: e.OutageUnlinked, at: datetime) -> ProviderIncident:
    return replace(s, linked=s.linked - 1)


def _swarm_invited(
    s: ProviderIncident, event: e.OutageSwarmInvited, at: datetime
) -> ProviderIncident:
    hop = Hop(
        hop_id=event.hop_id,
        party=event.partner,
        invited_by=event.invited_by,
        parent=event.parent_hop,
        scope=event.scope,
        reason=event.reason,
        may_invite=event.may_invite,
        at=at,
        certification=event.certification,
    )
    return replace(s, swarm=s.swarm.invited(hop))


def _swarm_revoked(
    s: ProviderIncident, event: e.OutageSwarmRevoked, at: datetime
) -> ProviderIncident:
    revocation = Revocation(at, event.revoked_by, event.reason, event.cascade_of)
    return replace(s, swarm=s.swarm.revoked(event.hop_id, revocation))


_CHANGES: dict[
    type[e.OutageEvent], Callable[[ProviderIncident, Any, datetime], ProviderIncident]
] = {
    e.OutageStatusChanged: _status_changed,
    e.OutageCancelled: _cancelled,
    e.OutageResolved: _resolved,
    e.OutageLinked: _linked,
    e.OutageUnlinked: _unlinked,
    e.OutageSwarmInvited: _swarm_invited,
    e.OutageSwarmRevoked: _swarm_revoked,
}


def replay(history: Iterable[tuple[e.OutageEvent, datetime]]) -> ProviderIncident | None:
    state: ProviderIncident | None = None
    for event, at in history:
        state = evolve(state, event, at)
    return state


# --------------------------------------------------------------------------- who is who


def partners_of(provider: str, supplies: Iterable[Supply], kinds: Mapping[str, str]) -> list[str]:
    """The provider incident's partners: the parties `provider` supplies directly (any product),
    customers excepted (`kinds`: the directory's kinds of the buyers)."""
    return sorted(
        {
            s.buyer
            for s in supplies
            if s.supplier == provider and kinds.get(s.buyer) in WORKING_KINDS
        }
    )


def provides(provider: str, supplies: Iterable[Supply], product: str) -> bool:
    """Whether `product` is `provider`'s: a supply from it names it, or it supplies everything."""
    return any(s.supplier == provider and s.covers(product) for s in supplies)


def role_of(state: ProviderIncident, party: str, kind: str, partners: Iterable[str]) -> str | None:
    """The caller's place on the provider incident: its provider, one of its partners (now), a
    party swarming on it (its hop live), a Village service; None: it may not learn that the
    provider incident exists."""
    if kind == "service":
        return "service"
    if kind == "customer":
        return None
    if party == state.provider:
        return "provider"
    if party in partners:
        return "partner"
    return "swarm" if party in state.swarming else None


# --------------------------------------------------------------------------- audience


def describe(
    state: ProviderIncident,
    event: e.OutageEvent,
    partners: Iterable[str] = (),
    incident: Incident | None = None,
) -> dict[str, Any]:
    """Who an event is for: a link's (`linked`, `unlinked`) the provider and the parties working
    the linked `incident` (another partner never learns which incidents are affected); a swarm
    hop's the hop's audience (provenance.py); any other the provider, its `partners` when it
    happens and the parties swarming on it. Restricted: never a customer."""
    if isinstance(event, (e.OutageSwarmInvited, e.OutageSwarmRevoked)):
        return state.hop_description(event.hop_id)
    if isinstance(event, (e.OutageLinked, e.OutageUnlinked)):
        assert incident is not None, "a link is described by its incident"
        parties = {state.provider, *incident.suppliers}
    else:
        parties = {state.provider, *partners, *state.swarming}
    return egress.describe(parties=parties, visibility=event.visibility, provider=state.provider)
