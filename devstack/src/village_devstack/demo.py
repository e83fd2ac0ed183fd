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


# Demo contracts, registered by the owing party's admins. The customer-facing ones promise
# more than the underpinning ones back (the chain check flags that on purpose).
_TARGETS_CF = {
    "S1": {"respond_minutes": 15, "resolve_minutes": 240, "update_minutes": 60},
    "S2": {"respond_minutes": 60, "resolve_minutes": 480},
    "S3": {"respond_minutes": 240, "resolve_minutes": 1440},
    "S4": {"respond_minutes": 480, "resolve_minutes": 4800},
}
_TARGETS_UP = {
    "S1": {"respond_minutes": 30, "resolve_minutes": 480},
    "S2": {"respond_minutes": 120, "resolve_minutes": 960},
    "S3": {"respond_minutes": 480, "resolve_minutes": 2880},
    "S4": {"respond_minutes": 960, "resolve_minutes": 9600},
}
BUSINESS_HOURS = {
    "type": "business_hours",
    "timezone": "America/New_York",
    "hours": {day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-11-26", "2026-12-25", "2027-01-01"],
}
_CREDITS = {"currency": "EUR", "monthly_fee": "12000", "per_breach": "250", "per_hour_beyond": "100",
            "availability_percent_of_fee": "10", "monthly_cap": "3000"}
CONTRACTS: tuple[dict, ...] = (
    {"id": "initech-northwind", "name": "Initech managed network (24x7)", "provider": "northwind",
     "customer": "initech", "kind": "customer_facing", "calendar": {"type": "24x7"}, "targets": _TARGETS_CF,
     "availability_target": "99.9", "credits": _CREDITS},
    {"id": "northwind-acme", "name": "Acme partner support for Northwind (24x7)", "provider": "acme",
     "customer": "northwind", "kind": "underpinning", "calendar": {"type": "24x7"}, "targets": _TARGETS_UP,
     "availability_target": "99.5", "credits": {**_CREDITS, "monthly_fee": "4000", "monthly_cap": "1000"}},
    {"id": "umbrella-contoso", "name": "Umbrella firewall service (business hours)", "provider": "contoso",
     "customer": "umbrella", "kind": "customer_facing", "calendar": BUSINESS_HOURS, "targets": _TARGETS_CF,
     "availability_target": "99.5", "credits": _CREDITS},
    {"id": "contoso-acme", "name": "Acme partner support for Contoso (business hours)", "provider": "acme",
     "customer": "contoso", "kind": "underpinning", "calendar": BUSINESS_HOURS, "targets": _TARGETS_UP,
     "credits": {**_CREDITS, "monthly_fee": "4000", "monthly_cap": "1000"}},
)


def seed_contracts(base_url: str, *, settings=None, timeout: float = 10.0) -> None:
    """Register the demo contracts through the SLA monitor's `POST /contracts` (idempotent)."""
    import httpx

    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        for contract in CONTRACTS:
            headers = {"Authorization": f"Bearer {token(contract['provider'], 'admin', settings=settings)}",
                       "Idempotency-Key": f"seed-contract-{contract['id']}"}
            response = client.post("/contracts", json=contract, headers=headers)
            if response.status_code in (200, 201, 409):
                log.info("seeded contract %s: %s", contract["id"], response.status_code)
                continue
            raise RuntimeError(f"seeding contract {contract['id']!r}: POST {base_url}/contracts -> "
                               f"{response.status_code} {response.text[:500]}")
