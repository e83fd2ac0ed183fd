"""Provenance of a swarm: who invited whom onto a piece of work, when, why, with which scope,
and whether the invited party may invite others. Pure values and rules; the incident's
collaborators use them, and so may a provider incident's swarm.

A **hop** is one invitation. The **roots** (an incident's owning partner and provider) invite
without a hop of their own: their hops have no parent. A party whose own live hop allows it
(`may_invite`) invites below that hop. Revoking a hop revokes every live hop below it.

Who sees a hop (the egress rule decides, from `Provenance.description`): the **overseers** (the
parties working an incident along its chain) see every hop; an invited party sees its own hops
and every hop below them: what it answers for, and what its own revocation would take with it.
It does not see the hops above its own (why its inviter was invited is history from before it
joined, between its inviter and those above) nor other branches (whom another, perhaps a
competitor, brought in, why and with which scope). The visibility is `restricted`: never a
customer. A hop's events are described with the same audience, so no channel says more.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from village_platform import egress
from village_platform.errors import DomainError

# Hop ids are derived from the stream and the version the invitation made: the same id for an
# invitation whenever its events are replayed, those from before hops had ids included.
_HOPS = uuid.UUID("3b0f5c9e-8d7a-4f62-9a1e-5c4b3a291807")


def hop_id_for(stream_id: str, version: int) -> str:
    """The id of the hop the event at `version` of `stream_id` made."""
    return str(uuid.uuid5(_HOPS, f"{stream_id}/{version}"))


@dataclass(frozen=True)
class Revocation:
    at: datetime
    by: str  # the revoking party
    reason: str | None
    cascade_of: str | None = None  # the hop whose revocation took this one with it; None: itself


@dataclass(frozen=True)
class Hop:
    hop_id: str
    party: str  # the invited party
    invited_by: str
    parent: str | None  # the inviter's own hop; None when a root invited
    scope: str | None
    reason: str | None
    may_invite: bool
    at: datetime
    revoked: Revocation | None = None
    # What the invitee is certified for, as its inviter says (an outage's swarm; None else).
    certification: str | None = None

    @property
    def live(self) -> bool:
        return self.revoked is None

    def as_dict(self) -> dict[str, Any]:
        """As a snapshot keeps it (JSON)."""
        r = self.revoked
        return {
            "hop_id": self.hop_id,
            "party": self.party,
            "invited_by": self.invited_by,
            "parent": self.parent,
            "scope": self.scope,
            "reason": self.reason,
            "may_invite": self.may_invite,
            "at": self.at.isoformat(),
            "certification": self.certification,
            "revoked": None
            if r is None
            else {
                "at": r.at.isoformat(),
                "by": r.by,
                "reason": r.reason,
                "cascade_of": r.cascade_of,
            },
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hop:
        r = d["revoked"]
        return cls(
            **{k: v for k, v in d.items() if k not in ("at", "revoked")},
            at=datetime.fromisoformat(d["at"]),
            revoked=None
            if r is None
            else Revocation(**{**r, "at": datetime.fromisoformat(r["at"])}),
        )


@dataclass(frozen=True)
class Provenance:
    """Every hop, revoked ones included, in the order they were made (a parent before its
    children)."""

    hops: tuple[Hop, ...] = ()

    # ----------------------------------------------------------------------- questions

    def get(self, hop_id: str) -> Hop | None:
        return next((h for h in self.hops if h.hop_id == hop_id), None)

    def live_hop_of(self, party: str) -> Hop | None:
        """The party's live hop: one at most (a party on the work is not invited again)."""
        return next((h for h in self.hops if h.party == party and h.live), None)

    def path(self, hop_id: str) -> list[Hop]:
        """The hops from the first below a root down to `hop_id`'s own."""
        by_id = {h.hop_id: h for h in self.hops}
        found: list[Hop] = []
        at: str | None = hop_id
        while at is not None:
            hop = by_id[at]
            found.append(hop)
            at = hop.parent
        return found[::-1]

    def below(self, hop_id: str, *, live_only: bool = False) -> list[Hop]:
        """Every hop under `hop_id`, parents before their children."""
        under, found = {hop_id}, []
        for hop in self.hops:  # invitation order: a parent is met before its children
            if hop.parent in under:
                under.add(hop.hop_id)
                if hop.live or not live_only:
                    found.append(hop)
        return found

    def answerable(self, hop_id: str) -> frozenset[str]:
        """The parties that answer for a hop: its own and those of the hops above it."""
        return frozenset(h.party for h in self.path(hop_id))

    def description(
        self, hop_id: str, overseers: Iterable[str], provider: str | None
    ) -> dict[str, Any]:
        """Who may see the hop and what happens to it, for the egress rule: the overseers and
        the parties that answer for it; restricted (never a customer)."""
        return egress.describe(
            parties={*overseers, *self.answerable(hop_id)},
            visibility="restricted",
            provider=provider,
        )

    def seen_by(
        self, recipient: egress.Recipient, overseers: Iterable[str], provider: str | None
    ) -> list[Hop]:
        """The hops `recipient` may see, as the egress rule decides, in invitation order. A hop
        seen has its parent seen, unless it is the recipient's own: the seen hops are trees."""
        overseers = frozenset(overseers)
        return [
            h
            for h in self.hops
            if egress.share(self.description(h.hop_id, overseers, provider), recipient)
            is egress.Share.VISIBLE
        ]

    # ----------------------------------------------------------------------- rules

    def parent_for(self, inviter: str, roots: Iterable[str]) -> str | None:
        """The hop an invitation by `inviter` hangs below: None for a root; the inviter's own
        live hop when it allows inviting. Anyone else is refused (403)."""
        if inviter in roots:
            return None
        own = self.live_hop_of(inviter)
        if own is None:
            raise DomainError.forbidden(f"{inviter} was not invited and invites no one")
        if not own.may_invite:
            raise DomainError.forbidden(
                f"{inviter}'s invitation (by {own.invited_by}) does not allow it to invite others"
            )
        return own.hop_id

    def revocation(self, revoker: str, party: str, roots: Iterable[str]) -> list[Hop]:
        """What revoking `party` by `revoker` takes away: its live hop and every live hop below,
        parents first. A root revokes any hop; an invited party those below its own (not its
        own: it was not the one who decided on it)."""
        target = self.live_hop_of(party)
        if target is None:
            raise DomainError.conflict(f"{party} is not a collaborator")
        if revoker not in roots:
            above = {h.party for h in self.path(target.hop_id)[:-1] if h.live}
            if revoker not in above:
                raise DomainError.forbidden(
                    f"{revoker} revokes only the hops below its own invitation"
                )
        return [target, *self.below(target.hop_id, live_only=True)]

    # ----------------------------------------------------------------------- changes

    def invited(self, hop: Hop) -> Provenance:
        assert self.get(hop.hop_id) is None, f"hop {hop.hop_id} exists"
        assert hop.parent is None or self.get(hop.parent) is not None, "a parent comes first"
        return Provenance((*self.hops, hop))

    def revoked(self, hop_id: str, revocation: Revocation) -> Provenance:
        return Provenance(
            tuple(
                replace(h, revoked=revocation) if h.hop_id == hop_id and h.live else h
                for h in self.hops
            )
        )
