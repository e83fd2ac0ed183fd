"""The incident's rules: `decide(state, command) -> events`, pure. No I/O: testable without
PostgreSQL or Kafka. A rejected command raises DomainError and produces no event.

`decide` finds the command's own rule in one table (`RULES`): decisions.py holds how an incident
is worked, lifecycle.py its status changes; guards.py who may do what."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from village_platform.errors import DomainError

from . import commands as c
from . import decisions as d
from . import events as e
from . import lifecycle
from .guards import Situation, active, require, role_of
from .incident import SEVERITIES, Incident, Note, Party
from .supply import Supply, chain_of, legacy_supplies, supplier_of

__all__ = ["Limits", "RULES", "decide", "decide_open", "decide_part", "role_of"]


@dataclass(frozen=True)
class Limits:
    """How much one incident holds. Notes are counted per author party, so that no party learns
    how many notes others wrote, nor can fill the incident for them; events (notes, edits and
    everything else) for the whole incident, whose version every party sees anyway."""

    notes_per_party: int = 10_000
    events: int = 50_000


# Beyond the event limit an incident may still be ended, and a collaborator still revoked:
# revocation applies at once, always. Each of these happens a bounded number of times.
ALWAYS_ACCEPTED = (e.IncidentResolved, e.IncidentClosed, e.IncidentCancelled, e.CollaboratorRevoked)

Rule = Callable[[Any, Situation], list[e.IncidentEvent]]
# The command -> the rule that decides it.
RULES: dict[type, Rule] = {
    c.Acknowledge: d.acknowledge,
    c.Assign: d.assign,
    c.Escalate: d.escalate,
    c.AddNote: d.add_note,
    c.EditNote: d.edit_note,
    c.DeleteNote: d.delete_note,
    c.ChangeStatus: lifecycle.change_status,
    c.ChangeSeverity: d.change_severity,
    c.StartImpact: d.start_impact,
    c.EndImpact: d.end_impact,
    c.InviteCollaborator: d.invite_collaborator,
    c.RevokeCollaborator: d.revoke_collaborator,
    c.Rate: lifecycle.rate,
    c.AutoClose: lifecycle.auto_close,
}


def decide_open(
    cmd: c.OpenIncident,
    actor: c.Actor,
    directory: dict[str, Party],
    supplies: Iterable[Supply] | None = None,
) -> list[e.IncidentEvent]:
    """`directory`: the opener, the customer it names, and their partner and provider;
    `supplies`: those the customer gets anything through (by default what the directory's
    parties imply). The chain is resolved now and recorded: later supply changes do not move
    an open incident."""
    if cmd.severity not in SEVERITIES:
        raise DomainError.invalid(f"severity must be one of {', '.join(SEVERITIES)}")
    supplies = list(legacy_supplies(directory.values()) if supplies is None else supplies)
    customer, partner = _owners(cmd, actor, directory, supplies)
    chain = chain_of(supplies, customer, partner, cmd.product)
    # Ticket ids are unique across incidents, so claiming another party's would tell the caller
    # whether that party has an incident carrying it. Only the opener's and its customer's.
    for ref in cmd.external_refs:
        if ref.get("owner") not in (actor.party, customer):
            raise DomainError.invalid(
                f"external_refs: owner must be {actor.party} or {customer}, not {ref.get('owner')}"
            )
    return [
        e.IncidentOpened(
            incident_id=cmd.incident_id,
            title=cmd.title,
            description=cmd.description,
            severity=cmd.severity,
            product=cmd.product,
            impacted_service=cmd.impacted_service,
            customer=customer,
            partner=partner,
            provider=chain[-1],
            requester=actor.party,
            opened_by=actor.user,
            external_refs=list(cmd.external_refs),
            chain=chain,
        )
    ]


def decide_part(
    parent: Incident | None, cmd: c.OpenPart, actor: c.Actor, supplies: Iterable[Supply]
) -> list[e.IncidentEvent]:
    """A part of `parent` handed to the vendor of `cmd.product`: a new incident for the same
    customer and requester, owned by the parent's owning partner, along that partner's supply
    path of the product (`supplies`: those the customer gets anything through), resolved now
    as at opening. The parent's provider is not on the part unless its chain says so."""
    role = role_of(parent, actor) if parent is not None else None
    if parent is None or role is None:
        raise DomainError.not_found("no such incident")
    require(role in ("owner", "service"), "only the owning partner hands parts to other vendors")
    # One level: a part's own parts would be the parent's, and nobody would see them together.
    if parent.parent_id is not None:
        raise DomainError.invalid("a part has no parts: open it on the parent incident")
    active(parent, "open a part of")
    severity = cmd.severity or parent.severity
    if severity not in SEVERITIES:
        raise DomainError.invalid(f"severity must be one of {', '.join(SEVERITIES)}")
    chain = chain_of(supplies, parent.customer, parent.partner, cmd.product)
    return [
        e.IncidentOpened(
            incident_id=cmd.incident_id,
            title=cmd.title or parent.title,
            description=parent.description if cmd.description is None else cmd.description,
            severity=severity,
            product=cmd.product,
            impacted_service=cmd.impacted_service or parent.impacted_service,
            customer=parent.customer,
            partner=parent.partner,
            provider=chain[-1],
            requester=parent.requester,
            opened_by=actor.user,
            chain=chain,
            parent_id=parent.id,
        )
    ]


def _owners(
    cmd: c.OpenIncident, actor: c.Actor, directory: dict[str, Party], supplies: list[Supply]
) -> tuple[str, str]:
    """The incident's customer and owning partner: a partner opens for a customer it supplies,
    a customer for itself (raised to `cmd.supplier`, by default its supplier of the product)."""
    me = directory.get(actor.party)
    if me is None:
        raise DomainError.forbidden(f"party {actor.party} is not registered")
    if me.kind == "partner":
        if not cmd.customer:
            raise DomainError.invalid("customer is required when a partner opens an incident")
        if cmd.supplier not in (None, me.id):
            raise DomainError.forbidden("a partner raises incidents to itself")
        if not any(s.supplier == me.id and s.buyer == cmd.customer for s in supplies):
            raise DomainError.forbidden(f"partner {me.id} does not serve customer {cmd.customer}")
        return cmd.customer, me.id
    if me.kind == "customer":
        if cmd.customer not in (None, me.id):
            raise DomainError.forbidden("a customer opens incidents only for itself")
        supplier = cmd.supplier or supplier_of(supplies, me.id, cmd.product)
        if not supplier:
            raise DomainError.invalid(f"customer {me.id} has no partner to own the incident")
        return me.id, supplier
    raise DomainError.forbidden(
        "incidents are opened by a partner for its customer, or by a customer"
    )


def decide(
    state: Incident,
    cmd: object,
    actor: c.Actor,
    now: datetime,
    directory: Mapping[str, Party] | None = None,
    notes: Mapping[str, Note] | None = None,
    limits: Limits = Limits(),
) -> list[e.IncidentEvent]:
    """`directory`: the parties the command names; `notes`: the notes it names, as the notes
    read model holds them (the state only counts notes)."""
    role = role_of(state, actor)
    if role is None:
        raise DomainError.not_found("no such incident")
    rule = RULES.get(type(cmd))
    if rule is None:
        raise TypeError(f"unknown command {cmd!r}")
    events = rule(cmd, Situation(state, actor, role, now, directory or {}, notes or {}))
    _within(limits, state, actor, events)
    return events


def _within(limits: Limits, state: Incident, actor: c.Actor, events: list[e.IncidentEvent]) -> None:
    added = sum(1 for ev in events if isinstance(ev, e.NoteAdded))
    if added and state.note_counts.get(actor.party, 0) + added > limits.notes_per_party:
        raise DomainError(
            409,
            "incident-limit-reached",
            f"{actor.party} has written the most notes one party may write on an incident"
            f" ({limits.notes_per_party}); open a follow-up incident",
            limit="notes_per_party",
            maximum=limits.notes_per_party,
        )
    ending = all(isinstance(ev, ALWAYS_ACCEPTED) for ev in events)
    if state.version + len(events) > limits.events and not ending:
        raise DomainError(
            409,
            "incident-limit-reached",
            f"the incident holds the most events an incident may hold ({limits.events}): it may"
            " still be resolved, closed or cancelled, and collaborators revoked; open a follow-up"
            " incident",
            limit="events",
            maximum=limits.events,
        )
