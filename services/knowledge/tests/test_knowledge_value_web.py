"""Knowledge in the value web, as pure functions: who buys from whom (product by product), whose
articles each party reads, who reads a publication, and who is on an incident's chain; and the
supplies as the incidents service answers them (its HTTP transport faked)."""

from __future__ import annotations

import httpx
import pytest

from village_knowledge.domain.audience import article_metadata, providers_of, readers
from village_knowledge.domain.supplies import Products, Supply, legacy_supplies, suppliers_of
from village_knowledge.incident_facts import chain
from village_knowledge.supply_directory import SupplyDirectory
from village_platform.errors import Problem
from village_platform.settings import Settings

FIREWALLS, CLOUD = "globex-firewalls", "acme-cloud"
# The demo chain, a second vendor (globex) that northwind resells firewalls of through a managed
# service provider (fabrikam), a partner of globex only (wayne), and fabrikam's customer litware.
DIRECTORY = {
    "acme": {"kind": "provider"},
    "globex": {"kind": "provider"},
    "northwind": {"kind": "partner", "provider": "acme", "customers": ["initech"]},
    "contoso": {"kind": "partner", "provider": "acme"},
    "fabrikam": {"kind": "partner"},
    "wayne": {"kind": "partner"},
    "initech": {"kind": "customer", "partner": "northwind"},
    "umbrella": {"kind": "customer", "partner": "contoso"},
    "litware": {"kind": "customer"},
}
REGISTERED = [
    Supply("fabrikam", "northwind", frozenset({FIREWALLS})),
    Supply("globex", "fabrikam"),
    Supply("globex", "wayne"),
    Supply("fabrikam", "litware"),
]
WEB = [*REGISTERED, *legacy_supplies(DIRECTORY)]


def test_product_sets_intersect_as_sets_with_exceptions() -> None:
    every, firewalls = Products(), Products(frozenset({FIREWALLS}))
    assert every & firewalls == firewalls
    assert Products(but=frozenset({FIREWALLS})) & firewalls == Products(frozenset())
    assert not Products(frozenset())
    assert Products(but=frozenset({"a"})) & Products(but=frozenset({"b"})) == Products(
        but=frozenset({"a", "b"})
    )


def test_a_party_buys_through_its_suppliers_product_by_product() -> None:
    # northwind: acme's everything but firewalls, globex's firewalls through fabrikam.
    assert suppliers_of("northwind", WEB) == {"acme", "fabrikam", "globex"}
    assert suppliers_of("initech", WEB) == {"northwind", "acme", "fabrikam", "globex"}
    assert suppliers_of("wayne", WEB) == {"globex"}
    assert suppliers_of("contoso", WEB) == {"acme"}
    assert suppliers_of("acme", WEB) == frozenset()
    # A buyer of only acme's cloud through northwind buys nothing of globex.
    cloud = [*WEB, Supply("northwind", "litware2", frozenset({CLOUD}))]
    assert suppliers_of("litware2", cloud) == {"northwind", "acme"}
    # A loop someone configured ends (the chain's length at most).
    loop = [Supply("a", "b"), Supply("b", "a")]
    assert suppliers_of("a", loop) == {"b"}


def test_whose_articles_a_party_reads() -> None:
    assert providers_of("acme", "provider", WEB) == ("acme",)  # never another provider's
    assert "globex" in providers_of("northwind", "partner", WEB)
    assert "acme" in providers_of("northwind", "partner", WEB)
    assert "acme" not in providers_of("wayne", "partner", WEB)
    assert "globex" not in providers_of("contoso", "partner", WEB)
    assert "globex" in providers_of("litware", "customer", WEB)


def test_a_publication_reaches_the_partners_and_customers_that_buy_from_its_provider() -> None:
    assert readers("provider", "acme", DIRECTORY, WEB) == ["acme"]
    assert readers("partners", "acme", DIRECTORY, WEB) == ["acme", "contoso", "northwind"]
    assert readers("partners", "globex", DIRECTORY, WEB) == [
        "fabrikam",
        "globex",
        "northwind",
        "wayne",
    ]
    assert readers("public", "globex", DIRECTORY, WEB) == [
        "fabrikam",
        "globex",
        "initech",  # northwind's customer buys everything northwind sells
        "litware",
        "northwind",
        "wayne",
    ]
    meta = article_metadata(
        "article_published", {"content": {"audience": "partners"}}, "acme", "acme", DIRECTORY, WEB
    )
    assert (meta["parties"], meta["visibility"]) == (
        ["acme", "contoso", "northwind"],
        "restricted",
    )
    # Without supplies, the directory's registration fields say who buys from whom (as before).
    assert readers("partners", "acme", DIRECTORY) == ["acme", "contoso", "northwind"]
    assert readers("partners", "globex", DIRECTORY) == ["globex"]


def test_everyone_on_the_chain_is_on_the_incident() -> None:
    opened = {"customer": "initech", "partner": "northwind", "provider": "globex"}
    assert chain(opened) == ["initech", "northwind", "globex"]  # an event from before chains
    four = {**opened, "chain": ["initech", "northwind", "fabrikam", "globex"]}
    assert chain(four) == ["initech", "northwind", "fabrikam", "globex"]


async def test_the_supplies_come_from_the_incidents_service_or_say_it_cannot_answer() -> None:
    answers = {
        "/supplies": httpx.Response(
            200,
            json={
                "items": [
                    {"supplier": "globex", "buyer": "northwind", "products": [FIREWALLS]},
                    {"supplier": "acme", "buyer": "northwind", "products": None},
                ],
                "version": 3,
            },
        )
    }
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers["Authorization"].split()[0])
        return answers[request.url.path]

    supplies = SupplyDirectory(Settings(), name="knowledge", transport=httpx.MockTransport(answer))
    assert await supplies.for_request() == [
        Supply("globex", "northwind", frozenset({FIREWALLS})),
        Supply("acme", "northwind"),
    ]
    assert asked == ["Bearer"]  # as a service
    answers["/supplies"] = httpx.Response(404)  # an incidents service from before supplies
    assert await supplies.for_request(max_age=0) == []
    answers["/supplies"] = httpx.Response(500)
    with pytest.raises(Problem) as unavailable:
        await supplies.for_request(max_age=0)
    assert unavailable.value.status == 503
    await supplies.aclose()
