"""Who may do what on an incident: the caller's role, what a decision sees (`Situation`), and the
checks every decision makes. Refusals are the platform's DomainError; no I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from village_platform.errors import DomainError

from . import commands as c
from .incident import ACTIVE, Incident, Note, Party

# The owner is the party the incident was raised to; a supplier, a party between it and the
# provider on a longer chain (a partner a managed-service provider buys through).
WORKERS = frozenset({"owner", "supplier", "provider", "collaborator", "service"})


def role_of(state: Incident, actor: c.Actor) -> str | None:
    """The actor's place on the incident; None means it may not even know the incident exists."""
    if actor.kind == "service":
        return "service"
    if actor.party == state.provider:
        return "provider"
    if actor.party == state.partner:
        return "owner"
    if actor.party in state.chain[2:-1]:
        return "supplier"
    if actor.party in state.collaborators:
        return "collaborator"
    if actor.party == state.customer:
        return "customer"
    return None


@dataclass(frozen=True)
class Situation:
    """What a decision sees besides its command: the incident, who asks and in which role, when,
    and the parties and notes the command names (as the directory and the notes read model hold
    them: the state only counts notes)."""

    state: Incident
    actor: c.Actor
    role: str
    now: datetime
    directory: Mapping[str, Party]
    notes: Mapping[str, Note]

    @property
    def requester_side(self) -> bool:
        return on_requester_side(self.state, self.actor.party)


def on_requester_side(state: Incident, party: str) -> bool:
    """The customer, or whoever opened the incident: the party that confirms a resolution (by
    closing) or rejects it (by reopening)."""
    return party in (state.customer, state.requester)


def require(condition: bool, detail: str) -> None:
    """Refuse (403) unless `condition`: the caller's role may not do this."""
    if not condition:
        raise DomainError.forbidden(detail)


def active(state: Incident, verb: str) -> None:
    """Refuse (409) unless the incident is still being worked."""
    if state.status not in ACTIVE:
        raise DomainError.conflict(f"cannot {verb} an incident that is {state.status}")
