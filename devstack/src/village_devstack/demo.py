"""Demo parties, tokens for them, and seeding them through the incidents HTTP API."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("village.devstack.demo")


def seed_client(
    base_url: str, timeout: float, headers: dict[str, str] | None = None
) -> httpx.Client:
    """An HTTP client for seeding that waits out a 503 (a service whose database or peer is
    busy says so, with Retry-After) and tries again: every seed request is idempotent (an
    Idempotency-Key, If-Match, or the same document again)."""
    import httpx
    from httpx_retries import Retry, RetryTransport

    retry = Retry(
        total=8,
        allowed_methods=Retry.RETRYABLE_METHODS | {"POST"},
        status_forcelist=[503],
        backoff_factor=0.25,
        max_backoff_wait=5.0,
    )
    return httpx.Client(
        base_url=base_url,
        timeout=timeout,
        headers=headers,
        transport=RetryTransport(transport=httpx.HTTPTransport(), retry=retry),
    )


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


# Seeding order: the providers, then partners, then the customers they serve. acme (routers,
# firewalls, its cloud service) supplies northwind and contoso everything it sells; globex
# (firewalls and VPN appliances) supplies both too, its own products only (SUPPLIES);
# fabrikam, a managed-service provider, buys acme's cloud service through northwind and serves
# litware: litware -> fabrikam -> northwind -> acme is a four-party chain.
PARTIES: tuple[DemoParty, ...] = (
    DemoParty("acme", "provider", "Acme Networks"),
    DemoParty("globex", "provider", "Globex Security"),
    DemoParty("northwind", "partner", "Northwind Traders", provider="acme", customers=("initech",)),
    DemoParty("contoso", "partner", "Contoso", provider="acme", customers=("umbrella",)),
    DemoParty("fabrikam", "partner", "Fabrikam Managed Services", customers=("litware",)),
    DemoParty("initech", "customer", "Initech", partner="northwind"),
    DemoParty("umbrella", "customer", "Umbrella Corporation", partner="contoso"),
    DemoParty("litware", "customer", "Litware", partner="fabrikam"),
)
PARTIES_BY_ID = {p.id: p for p in PARTIES}
PROVIDER = "acme"


class UnknownParty(KeyError):
    def __str__(self) -> str:
        return f"unknown demo party {self.args[0]!r}; known: {', '.join(PARTIES_BY_ID)}"


def token(party: str, role: str = "agent", *, settings=None, user: str | None = None) -> str:
    """A signed JWT for a demo party (kind taken from the demo data)."""
    from village_platform.settings import Settings
    from village_platform.tokens import mint_development_token

    try:
        kind = PARTIES_BY_ID[party].kind
    except KeyError:
        raise UnknownParty(party) from None
    return mint_development_token(settings or Settings(), party, kind, roles=[role], user=user)


def admin_token(settings=None) -> str:
    return token(PROVIDER, "admin", settings=settings)


def service_token(name: str = "devstack", *, settings=None) -> str:
    """A service token (the services' own key): what registers the first parties, before any
    provider admin's token can count (a party's kind comes from the directory)."""
    from village_platform.settings import Settings
    from village_platform.tokens import mint_service_token

    return mint_service_token(settings or Settings(), name)


def seed_parties(
    base_url: str, *, parties: tuple[DemoParty, ...] = PARTIES, settings=None, timeout: float = 10.0
) -> None:
    """Create the demo parties (or `parties`) through `POST /parties` as a service (idempotent:
    safe to run every start)."""
    headers = {"Authorization": f"Bearer {service_token(settings=settings)}"}
    with seed_client(base_url, timeout, headers) as client:
        for party in parties:
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


GLOBEX_PRODUCTS = ("globex-firewalls", "globex-vpn")
ACME_CLOUD = "acme-cloud"
# Supplies beyond what the registration fields say (each of those is every product).
SUPPLIES: tuple[dict, ...] = (
    {"supplier": "globex", "buyer": "northwind", "products": list(GLOBEX_PRODUCTS)},
    {"supplier": "globex", "buyer": "contoso", "products": list(GLOBEX_PRODUCTS)},
    {"supplier": "northwind", "buyer": "fabrikam", "products": [ACME_CLOUD]},
)


def seed_supplies(
    base_url: str, *, supplies: tuple[dict, ...] = SUPPLIES, settings=None, timeout: float = 10.0
) -> None:
    """Register the demo supplies through `POST /supplies`, each by its supplier's admins
    (idempotent: the same supply again changes nothing)."""
    with seed_client(base_url, timeout) as client:
        for supply in supplies:
            bearer = token(supply["supplier"], "admin", settings=settings)
            response = client.post(
                "/supplies", json=supply, headers={"Authorization": f"Bearer {bearer}"}
            )
            if response.status_code not in (200, 201):
                raise RuntimeError(
                    f"seeding supply {supply['supplier']} -> {supply['buyer']}: "
                    f"{response.status_code} {response.text[:500]}"
                )
            log.info("seeded supply %s -> %s", supply["supplier"], supply["buyer"])


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
_CREDITS = {
    "currency": "EUR",
    "monthly_fee": "12000",
    "per_breach": "250",
    "per_hour_beyond": "100",
    "availability_percent_of_fee": "10",
    "monthly_cap": "3000",
}
CONTRACTS: tuple[dict, ...] = (
    {
        "id": "initech-northwind",
        "name": "Initech managed network (24x7)",
        "provider": "northwind",
        "customer": "initech",
        "kind": "customer_facing",
        "calendar": {"type": "24x7"},
        "targets": _TARGETS_CF,
        "availability_target": "99.9",
        "credits": _CREDITS,
    },
    {
        "id": "northwind-acme",
        "name": "Acme partner support for Northwind (24x7)",
        "provider": "acme",
        "customer": "northwind",
        "kind": "underpinning",
        "calendar": {"type": "24x7"},
        "targets": _TARGETS_UP,
        "availability_target": "99.5",
        "credits": {**_CREDITS, "monthly_fee": "4000", "monthly_cap": "1000"},
    },
    {
        "id": "umbrella-contoso",
        "name": "Umbrella firewall service (business hours)",
        "provider": "contoso",
        "customer": "umbrella",
        "kind": "customer_facing",
        "calendar": BUSINESS_HOURS,
        "targets": _TARGETS_CF,
        "availability_target": "99.5",
        "credits": _CREDITS,
    },
    {
        "id": "contoso-acme",
        "name": "Acme partner support for Contoso (business hours)",
        "provider": "acme",
        "customer": "contoso",
        "kind": "underpinning",
        "calendar": BUSINESS_HOURS,
        "targets": _TARGETS_UP,
        "credits": {**_CREDITS, "monthly_fee": "4000", "monthly_cap": "1000"},
    },
    # The value web: globex backs both partners for its products; the four-party chain's links.
    {
        "id": "northwind-globex",
        "name": "Globex partner support for Northwind (24x7)",
        "provider": "globex",
        "customer": "northwind",
        "kind": "underpinning",
        "calendar": {"type": "24x7"},
        "targets": _TARGETS_UP,
        "credits": {**_CREDITS, "monthly_fee": "3000", "monthly_cap": "750"},
    },
    {
        "id": "contoso-globex",
        "name": "Globex partner support for Contoso (business hours)",
        "provider": "globex",
        "customer": "contoso",
        "kind": "underpinning",
        "calendar": BUSINESS_HOURS,
        "targets": _TARGETS_UP,
        "credits": {**_CREDITS, "monthly_fee": "3000", "monthly_cap": "750"},
    },
    {
        "id": "litware-fabrikam",
        "name": "Litware managed cloud (24x7)",
        "provider": "fabrikam",
        "customer": "litware",
        "kind": "customer_facing",
        "calendar": {"type": "24x7"},
        "targets": _TARGETS_CF,
        "availability_target": "99.9",
        "credits": _CREDITS,
    },
    {
        "id": "fabrikam-northwind",
        "name": "Northwind cloud resale to Fabrikam (24x7)",
        "provider": "northwind",
        "customer": "fabrikam",
        "kind": "underpinning",
        "calendar": {"type": "24x7"},
        "targets": _TARGETS_UP,
        "credits": {**_CREDITS, "monthly_fee": "5000", "monthly_cap": "1250"},
    },
)


def seed_contracts(base_url: str, *, settings=None, timeout: float = 10.0) -> None:
    """Register the demo contracts through the SLA monitor's `POST /contracts` (idempotent)."""
    with seed_client(base_url, timeout) as client:
        for contract in CONTRACTS:
            bearer = token(contract["provider"], "admin", settings=settings)
            headers = {
                "Authorization": f"Bearer {bearer}",
                "Idempotency-Key": f"seed-contract-{contract['id']}",
            }
            response = client.post("/contracts", json=contract, headers=headers)
            if response.status_code in (200, 201, 409):
                log.info("seeded contract %s: %s", contract["id"], response.status_code)
                continue
            raise RuntimeError(
                f"seeding contract {contract['id']!r}: POST {base_url}/contracts -> "
                f"{response.status_code} {response.text[:500]}"
            )


# Demo escalation set: each party's tiers with their policies, acme's profiles of its partners
# and routing rules. An S1 for a product the owning partner is not certified for goes straight
# to acme TAC L2; anything else uncertified to TAC L1; northwind starts its own S1 router
# incidents at L2; everything else starts at the owning partner's L1.
ESCALATION: tuple[tuple[str, str, str, dict], ...] = (  # (writer, party, kind, document)
    (
        "acme",
        "acme",
        "tiers",
        {
            "tiers": [
                {
                    "name": "TAC L1",
                    "policy": {
                        "ack_minutes": 15,
                        "progress_minutes": 60,
                        "sla_warning_percent": 90,
                    },
                },
                {"name": "TAC L2", "policy": {"ack_minutes": 15, "progress_minutes": 120}},
                {"name": "Engineering L3", "policy": {}},
            ],
            "ceiling": "Engineering L3",
        },
    ),
    (
        "northwind",
        "northwind",
        "tiers",
        {
            "tiers": [
                {
                    "name": "L1",
                    "policy": {
                        "ack_minutes": 30,
                        "progress_minutes": 120,
                        "sla_warning_percent": 75,
                    },
                },
                {"name": "L2", "policy": {"ack_minutes": 30, "progress_minutes": 240}},
            ]
        },
    ),
    (
        "contoso",
        "contoso",
        "tiers",
        {"tiers": [{"name": "L1", "policy": {"ack_minutes": 30, "sla_warning_percent": 75}}]},
    ),
    (
        "globex",
        "globex",
        "tiers",
        {
            "tiers": [
                {"name": "Globex TAC", "policy": {"ack_minutes": 20, "progress_minutes": 90}},
                {"name": "Globex Engineering", "policy": {}},
            ],
            "ceiling": "Globex Engineering",
        },
    ),
    ("acme", "northwind", "profile", {"level": "premier", "specialisations": ["routers"]}),
    ("acme", "contoso", "profile", {"level": "select", "specialisations": ["firewalls"]}),
    (
        "acme",
        "acme",
        "rules",
        {
            "rules": [
                {
                    "id": "s1-uncertified",
                    "priority": 10,
                    "description": (
                        "S1 for a product the owning partner is not certified for: "
                        "straight to TAC L2"
                    ),
                    "match": {"severities": ["S1"], "partner_certified": False},
                    "route_to": {"party": "acme", "tier": "TAC L2"},
                },
                {
                    "id": "uncertified",
                    "priority": 100,
                    "description": "A product the owning partner is not certified for: TAC L1",
                    "match": {"partner_certified": False},
                    "route_to": {"party": "acme", "tier": "TAC L1"},
                },
            ]
        },
    ),
    (
        "northwind",
        "northwind",
        "rules",
        {
            "rules": [
                {
                    "id": "s1-routers",
                    "priority": 50,
                    "description": "S1 router incidents start at L2",
                    "match": {"severities": ["S1"], "products": ["routers"]},
                    "route_to": {"party": "northwind", "tier": "L2"},
                }
            ]
        },
    ),
)


# What the demo web's supplies (SUPPLIES) allow: globex keeps its own profiles of the partners
# it supplies (acme's of them are not its business, nor globex's acme's).
WEB_ESCALATION: tuple[tuple[str, str, str, dict], ...] = (
    ("globex", "northwind", "profile", {"level": "gold", "specialisations": ["globex-firewalls"]}),
    ("globex", "contoso", "profile", {"level": "silver", "specialisations": ["globex-vpn"]}),
)


def seed_escalation(base_url: str, *, settings=None, timeout: float = 10.0) -> None:
    """Write the demo escalation set (and the web's) through the escalation service's API, each
    document only if it has no version yet (so a restart keeps what was edited since)."""
    with seed_client(base_url, timeout) as client:
        for writer, party, kind, document in (*ESCALATION, *WEB_ESCALATION):
            headers = {
                "Authorization": f"Bearer {token(writer, 'admin', settings=settings)}",
                "If-Match": '"0"',
            }  # only if it has no version yet
            response = client.put(f"/parties/{party}/{kind}", json=document, headers=headers)
            if response.status_code in (200, 201, 412):
                log.info("seeded %s of %s: %s", kind, party, response.status_code)
                continue
            raise RuntimeError(
                f"seeding {kind} of {party}: PUT {base_url}/parties/{party}/{kind} -> "
                f"{response.status_code} {response.text[:500]}"
            )


def seed_knowledge(base_url: str, *, settings=None, timeout: float = 10.0) -> None:
    """The demo knowledge bases (knowledge_corpus.py): acme's articles published by its admins,
    northwind's submitted by northwind and published by acme after review; globex's own. Each
    provider's is skipped when it has articles already (a restart keeps what was edited since)."""
    from .knowledge_corpus import ARTICLES, GLOBEX_ARTICLES

    _seed_articles(base_url, "acme", ARTICLES, settings=settings, timeout=timeout)
    _seed_articles(base_url, "globex", GLOBEX_ARTICLES, settings=settings, timeout=timeout)


def _seed_articles(
    base_url: str, provider: str, articles: tuple[dict, ...], *, settings=None, timeout: float
) -> None:
    """`articles` of `provider`'s knowledge base, unless it has some already."""
    admin = {"Authorization": f"Bearer {token(provider, 'admin', settings=settings)}"}
    with seed_client(base_url, timeout) as client:
        found = client.get("/articles", params={"limit": 1}, headers=admin)
        found.raise_for_status()
        if found.json()["items"]:
            log.info("knowledge base of %s seeded already", provider)
            return
        for entry in articles:
            author = {
                "Authorization": f"Bearer {token(entry['author'], 'admin', settings=settings)}"
            }
            response = client.post(
                "/articles",
                json={**entry["article"], "provider": provider},  # northwind sells both vendors
                headers={**author, "Idempotency-Key": f"seed-article-{entry['slug']}"},
            )
            if response.status_code not in (200, 201):
                raise RuntimeError(
                    f"seeding article {entry['slug']!r}: "
                    f"{response.status_code} {response.text[:500]}"
                )
            article_id = response.json()["id"]
            if entry["author"] != provider:
                client.post(f"/articles/{article_id}/submit", headers=author).raise_for_status()
            client.post(f"/articles/{article_id}/publish", headers=admin).raise_for_status()
        log.info("seeded %d articles of %s", len(articles), provider)
