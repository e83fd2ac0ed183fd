"""Demo parties, tokens for them, and seeding them through the incidents HTTP API."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger("village.devstack.demo")


@dataclass(frozen=True)
class DemoParty:
    id: str
    kind: str  # provider | partner | customer
    name: str
    provider: str | None = None  # partners: their provider
    partner: str | None = None  # customers: the partner serving them
    customers: tuple[str, ...] = field(default=())  # partners: the customers they serve

    def body(self) -> dict:
        body: dict = {"id": self.id, "kind": self.kind, "name": self.name}
        if self.provider is not None:
            body["provider"] = self.provider
        if self.partner is not None:
            body["partner"] = self.partner
        if self.kind == "partner":
            body["customers"] = list(self.customers)
        return body


# Seeding order: the provider, then partners, then the customers they serve.
PARTIES: tuple[DemoParty, ...] = (
    DemoParty("acme", "provider", "Acme Networks"),
    DemoParty("northwind", "partner", "Northwind Traders", provider="acme", customers=("initech",)),
    DemoParty("contoso", "partner", "Contoso", provider="acme", customers=("umbrella",)),
    DemoParty("initech", "customer", "Initech", partner="northwind"),
    DemoParty("umbrella", "customer", "Umbrella Corporation", partner="contoso"),
)
PARTIES_BY_ID = {p.id: p for p in PARTIES}
PROVIDER = "acme"


class UnknownParty(KeyError):
    def __str__(self) -> str:
        return f"unknown demo party {self.args[0]!r}; known: {', '.join(PARTIES_BY_ID)}"


def token(party: str, role: str = "agent", *, settings=None, user: str | None = None) -> str:
    """A signed JWT for a demo party (kind taken from the demo data)."""
    from village_platform.auth import mint_token
    from village_platform.settings import Settings

    try:
        kind = PARTIES_BY_ID[party].kind
    except KeyError:
        raise UnknownParty(party) from None
    return mint_token(settings or Settings(), party, kind, roles=[role], user=user)  # type: ignore[arg-type]


def admin_token(settings=None) -> str:
    return token(PROVIDER, "admin", settings=settings)


def seed_parties(base_url: str, *, settings=None, timeout: float = 10.0) -> None:
    """Create the demo parties through `POST /parties` (idempotent: safe to run every start)."""
    import httpx

    headers = {"Authorization": f"Bearer {admin_token(settings)}"}
    with httpx.Client(base_url=base_url, timeout=timeout, headers=headers) as client:
        for party in PARTIES:
            response = client.post(
                "/parties", json=party.body(), headers={"Idempotency-Key": f"seed-party-{party.id}"}
            )
            if response.status_code in (200, 201, 409):
                log.info("seeded party %s: %s", party.id, response.status_code)
                continue
            raise RuntimeError(
                f"seeding party {party.id!r}: POST {base_url}/parties -> "
                f"{response.status_code} {response.text[:500]}"
            )
