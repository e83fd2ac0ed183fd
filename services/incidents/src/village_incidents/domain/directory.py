"""Party registrations on the directory's stream: who a party is (its kind, name and original
registration fields). Pure. Supplies, the directory's other events, are supply.py's."""

from __future__ import annotations

from village_platform.errors import DomainError

from .events import PartyRegistered
from .incident import Party


def register(existing: Party | None, party: Party) -> list[PartyRegistered]:
    """Register `party`, or change its registration: one event when anything changed, none when
    it is registered exactly so already. A party's kind never changes."""
    if existing is not None and existing.kind != party.kind:
        raise DomainError.conflict(
            f"{party.id} is already registered as a {existing.kind}", "party-kind-conflict"
        )
    if existing == party:
        return []
    return [
        PartyRegistered(
            party=party.id,
            kind=party.kind,  # type: ignore[arg-type]
            name=party.name,
            provider=party.provider,
            partner=party.partner,
            customers=list(party.customers),
        )
    ]


def may_register(
    registrar: str, party: Party, existing: Party | None, partners: dict[str, Party]
) -> None:
    """A provider's admins register and change only what is theirs: the provider itself, its
    own partners (naming it, or no provider), and the customers of its own partners; never a
    competitor's partner or customer (globex may not rename northwind's provider). `partners`:
    the directory's entries of the partners `party` and `existing` name."""

    def own_partner(p: Party | None) -> bool:
        return p is None or (p.kind == "partner" and p.provider in (registrar, None))

    if party.id == registrar:
        return
    if party.kind == "provider":
        ok = False
    elif party.kind == "partner":
        ok = party.provider in (registrar, None) and own_partner(existing)
    else:
        named = [partners.get(x.partner) for x in (party, existing) if x and x.partner]
        ok = all(p is not None and p.kind == "partner" and p.provider == registrar for p in named)
    if not ok:
        raise DomainError.forbidden(
            f"{registrar}'s admins register only {registrar}, its partners and their customers"
        )


def party_of(event: PartyRegistered) -> Party:
    """The party as the event registers it (what the directory read model holds)."""
    return Party(
        id=event.party,
        kind=event.kind,
        name=event.name,
        provider=event.provider,
        partner=event.partner,
        customers=tuple(event.customers),
    )
