"""An incident's ladder: the owning partner's tiers, then those of each middle supplier of a
longer chain that has tiers (one without is skipped), then the provider's; each with the policy
(and tiers version) pinned when the incident opened, and where automatic escalation stops."""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import ConfigSnapshot, TierRef, TiersDoc

POLICIES = ("ack_minutes", "progress_minutes", "sla_warning_percent")


@dataclass(frozen=True)
class Rung:
    party: str
    tier: str
    version: int  # of the party's tiers document
    ack_minutes: int | None = None
    progress_minutes: int | None = None
    sla_warning_percent: int | None = None

    @property
    def ref(self) -> TierRef:
        return TierRef(self.party, self.tier)

    def policy(self, name: str) -> int | None:
        return getattr(self, name)


@dataclass(frozen=True)
class Ladder:
    partner: str
    provider: str
    rungs: tuple[Rung, ...] = ()
    ceilings: dict[str, str] = field(default_factory=dict)  # party -> its ceiling tier
    middle: tuple[str, ...] = ()  # the chain's suppliers between the partner and the provider

    @classmethod
    def pinned(cls, config: ConfigSnapshot) -> Ladder:
        rungs: list[Rung] = []
        ceilings: dict[str, str] = {}
        for party in config.parties:  # each once, bottom up
            doc, version = config.tiers_of(party)
            rungs += _rungs(party, doc, version)
            if doc is not None and doc.ceiling is not None:
                ceilings[party] = doc.ceiling
        return cls(config.partner, config.provider, tuple(rungs), ceilings, config.middle)

    @property
    def parties(self) -> tuple[str, ...]:
        """Bottom up: the partner, the middle suppliers, the provider (each once)."""
        return tuple(dict.fromkeys((self.partner, *self.middle, self.provider)))

    def index(self, ref: TierRef | None) -> int | None:
        if ref is None:
            return None
        return next(
            (i for i, r in enumerate(self.rungs) if r.party == ref.party and r.tier == ref.tier),
            None,
        )

    def rung(self, ref: TierRef | None) -> Rung | None:
        i = self.index(ref)
        return None if i is None else self.rungs[i]

    def first(self, party: str) -> Rung | None:
        return next((r for r in self.rungs if r.party == party), None)

    def has(self, ref: TierRef) -> bool:
        return self.index(ref) is not None

    def position(self, ref: TierRef | None) -> int:
        """Height on the ladder: -1 for nowhere or off the ladder."""
        i = self.index(ref)
        return -1 if i is None else i

    def at_ceiling(self, ref: TierRef | None) -> bool:
        """At or past its own party's ceiling: automatic escalation stops here."""
        i = self.index(ref)
        if i is None:
            return False
        ceiling = self.ceilings.get(self.rungs[i].party)
        return ceiling is not None and i >= self.index(TierRef(self.rungs[i].party, ceiling))  # type: ignore[operator]

    def next_automatic(self, ref: TierRef | None) -> Rung | None:
        """The next tier a policy may move the incident to; None at the top, at a ceiling, or
        off the ladder (a tier no document names: no policy applies there)."""
        i = self.index(ref)
        if i is None or self.at_ceiling(ref) or i + 1 >= len(self.rungs):
            return None
        return self.rungs[i + 1]

    def next_manual(self, ref: TierRef | None) -> Rung | None:
        """The next tier for a manual request, ceilings ignored. Unrouted: the bottom rung; at a
        tier off the ladder: the first tier of the next party up that has tiers (from the
        partner, the provider's on a three-party chain); at the top: None."""
        if ref is None:
            return self.rungs[0] if self.rungs else None
        i = self.index(ref)
        if i is None:
            parties = self.parties
            above = parties[parties.index(ref.party) + 1 :] if ref.party in parties else ()
            found = next((r for r in self.rungs if r.party in above), None)
            if found is None and ref.party == self.partner:
                return self.first(self.provider)  # a partner that is its own provider
            return found
        return self.rungs[i + 1] if i + 1 < len(self.rungs) else None


def _rungs(party: str, doc: TiersDoc | None, version: int | None) -> list[Rung]:
    if doc is None or version is None:
        return []
    return [
        Rung(party, t.name, version, **{p: getattr(t.policy, p) for p in POLICIES})
        for t in doc.tiers
    ]
