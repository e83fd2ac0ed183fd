"""What a caller sees of an incident (notes and working details filtered by its party) and of the
party directory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from village_platform import egress
from village_platform.auth import Principal

from .domain.commands import Actor
from .domain.incident import Incident, Note, Party
from .domain.provenance import Hop, Provenance
from .domain.rules import role_of
from .domain.supply import Supply, legacy_supplies


def present_notes(
    state: Incident, principal: Principal, notes: Iterable[Note]
) -> list[dict[str, Any]]:
    """The notes of a page as `principal` may have them (the read model filtered them already;
    this is the egress rule's Python twin, note by note)."""
    return [
        {
            "id": n.id,
            "author_party": n.author_party,
            "author_user": n.author_user,
            "visibility": n.visibility,
            "body": n.body,
            "created_at": n.created_at.isoformat(),
            "edited_at": n.edited_at.isoformat() if n.edited_at else None,
        }
        for n in notes
        if not n.deleted and n.seen_by(principal.party, principal.kind, state.provider)
    ]


def present(
    state: Incident,
    principal: Principal,
    notes: Iterable[Note] = (),
    notes_next: str | None = None,
    *,
    parts: Iterable[dict[str, Any]] = (),
    parts_next: str | None = None,
) -> dict[str, Any]:
    """`notes`: the latest notes `principal` may see, oldest first; `notes_next`: where the
    older ones are, None when there are none. `parts`: the newest parts of the incident
    `principal` is on (as the incident list shows them); `parts_next`: where the others are."""
    role = role_of(state, Actor(principal.party, principal.kind, principal.user))
    if role is None:  # a safeguard: callers answer 404 before they get here
        raise LookupError(f"{principal.party} is not on incident {state.id}")
    working_party = role in ("owner", "supplier", "provider", "service", "collaborator")
    view: dict[str, Any] = {
        "id": state.id,
        "version": state.version,
        "title": state.title,
        "description": state.description,
        "severity": state.severity,
        "product": state.product,
        "impacted_service": state.impacted_service,
        "status": state.status,
        "customer": state.customer,
        "partner": state.partner,
        "provider": state.provider,
        "requester": state.requester,
        "opened_at": state.opened_at.isoformat(),
        "updated_at": state.updated_at.isoformat(),
        "resolved_at": state.resolved_at.isoformat() if state.resolved_at else None,
        "closed_at": state.closed_at.isoformat() if state.closed_at else None,
        # Every party's ticket ids are correlation handles for everyone on the incident (the
        # customer quotes the partner's ticket number); the timeline and feed carry them too.
        "external_refs": list(state.external_refs),
        "acknowledged_by": {p: t.isoformat() for p, t in state.acknowledged_by.items()},
        "hold_reason": state.hold_reason,
        "resolution": state.resolution,
        "impacts": list(state.impacts),
        "rating": state.rating,
        "notes": present_notes(state, principal, notes),
        "notes_next": notes_next,
        # A part names its parent (which its vendor may not see); a parent its parts.
        "parent_id": state.parent_id,
        "parts": list(parts),
        "parts_next": parts_next,
        # The provider outage it is part of: everyone on the incident learns that, and its id.
        "outage_id": state.outage_id,
    }
    if working_party:
        # Who works the incident is shared among those working it (collaborators see one
        # another's restricted notes anyway); partners still see only incidents they are on.
        view["assignment"] = state.assignment
        view["escalations"] = list(state.escalations)
        view["collaborators"] = sorted(state.collaborators)
        # The supply chain, for those working along it (the customer knows its partner and
        # the provider, as ever, not who is between them).
        view["chain"] = list(state.chain)
    return view


def present_provenance(state: Incident, principal: Principal) -> dict[str, Any]:
    """The hops `principal` may see (the egress rule decides, from each hop's description), as
    trees: each hop with the hops made below it. A collaborator's own hop is a root of its
    view (the hops above it are not its to see); a customer's view is empty."""
    trees = hop_trees(state.provenance, state.overseers, state.provider, principal)
    return {"incident_id": state.id, "version": state.version, "hops": trees}


def hop_trees(
    provenance: Provenance,
    overseers: Iterable[str],
    provider: str | None,
    principal: Principal,
    view: Callable[[Hop], dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The hops `principal` may see (the egress rule decides, from each hop's description), as
    trees: each hop (`view` of it) with the hops made below it. An incident's and a provider
    incident's provenance alike."""
    recipient = egress.Recipient(principal.party, principal.kind)
    seen = provenance.seen_by(recipient, overseers, provider)
    nodes = {h.hop_id: (view or _hop_view)(h) for h in seen}
    trees: list[dict[str, Any]] = []
    for hop in seen:  # invitation order: a parent before its children
        parent = nodes.get(hop.parent) if hop.parent else None
        (parent["below"] if parent else trees).append(nodes[hop.hop_id])
    return trees


def _hop_view(h: Hop) -> dict[str, Any]:
    r = h.revoked
    return {
        "hop_id": h.hop_id,
        "partner": h.party,
        "invited_by": h.invited_by,
        "parent_hop": h.parent,
        "scope": h.scope,
        "reason": h.reason,
        "may_invite": h.may_invite,
        "at": h.at.isoformat(),
        "revoked": None
        if r is None
        else {"at": r.at.isoformat(), "by": r.by, "reason": r.reason, "cascade_of": r.cascade_of},
        "below": [],
    }


def swarm_hop_view(h: Hop) -> dict[str, Any]:
    """A hop of a provider incident's swarm: an incident's hop, and the certification."""
    return {**_hop_view(h), "certification": h.certification}


def party_view(p: Party) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": p.kind,
        "name": p.name,
        "provider": p.provider,
        "partner": p.partner,
        "customers": list(p.customers),
    }


def parties_seen_by(
    directory: Mapping[str, Party], principal: Principal, supplies: Iterable[Supply] = ()
) -> list[dict[str, Any]]:
    """The directory as `principal` may see it. Services see everyone. A provider sees the web
    it supplies: its buyers, their buyers, and so on. Partners and customers see themselves
    and the parties they supply or buy from. Nobody learns a relationship it is not part of: a
    party's `provider`, `partner` and `customers` show only the viewer's own side of them (a
    provider never learns that a partner also buys from a competitor)."""
    if principal.kind == "service":
        return [party_view(p) for p in directory.values()]
    supplies = list(supplies) or legacy_supplies(directory.values())
    me = principal.party
    if principal.kind == "provider":
        related = _downstream(supplies, me)
    else:
        related = {me} | {s.buyer for s in supplies if s.supplier == me}
        related |= {s.supplier for s in supplies if s.buyer == me}
    return [_seen(party_view(p), me, related) for p in directory.values() if p.id in related]


def _downstream(supplies: list[Supply], root: str) -> set[str]:
    """Everyone `root`'s products reach: its buyers, and their buyers of those products (a
    reseller's buyers of another vendor's products are not `root`'s business)."""
    found: dict[str, frozenset[str] | None] = {}  # party -> root's products it gets (None: any)
    frontier: list[tuple[str, frozenset[str] | None]] = [(root, None)]
    while frontier:
        party, products = frontier.pop()
        for s in supplies:
            if s.supplier != party:
                continue
            reach = _narrow(products, s.products)
            if reach == frozenset() or (s.buyer in found and _covers(found[s.buyer], reach)):
                continue
            found[s.buyer] = reach if s.buyer not in found else _widen(found[s.buyer], reach)
            frontier.append((s.buyer, found[s.buyer]))
    return {root, *found}


def _narrow(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    return b if a is None else a if b is None else a & b


def _widen(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    return None if a is None or b is None else a | b


def _covers(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    return a is None or (b is not None and b <= a)


def _seen(view: dict[str, Any], me: str, related: set[str]) -> dict[str, Any]:
    """A party's entry without the relationships the viewer may not know of."""
    if view["id"] != me:
        if view["provider"] not in (me, None) and view["provider"] not in related:
            view["provider"] = None
        if view["partner"] not in (me, None) and view["partner"] not in related:
            view["partner"] = None
        view["customers"] = [c for c in view["customers"] if c in related]
    return view


def supplies_seen_by(supplies: Iterable[Supply], principal: Principal) -> list[dict[str, Any]]:
    """A party learns only of the supplies it is party to (a provider must not learn that a
    partner also buys from a competitor); services, of all."""
    if principal.kind != "service":
        supplies = [s for s in supplies if principal.party in (s.supplier, s.buyer)]
    return [s.view() for s in sorted(supplies, key=lambda s: (s.supplier, s.buyer))]
