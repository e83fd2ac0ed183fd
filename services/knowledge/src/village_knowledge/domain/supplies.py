"""Who buys from whom, as far as knowledge needs it: whose knowledge bases a party reads. Pure.

A supply says that `supplier` supplies `buyer` with `products` (None: every product), as the
incidents service's `GET /supplies` lists them (the parties' registration fields included: a
partner's `provider` and `customers`, a customer's `partner`, each of every product). A buyer's
supply of a product by name wins over its every-product supply (northwind buys globex's firewalls
and everything else from acme), so what a party buys through a supplier is followed product by
product: a managed-service provider buying acme's cloud through northwind buys nothing of globex.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Customer, partner, ... vendor: as long as an incident's chain may be.
MAX_CHAIN = 8


@dataclass(frozen=True)
class Supply:
    supplier: str
    buyer: str
    products: frozenset[str] | None = None  # None: every product

    @classmethod
    def from_view(cls, item: Mapping[str, Any]) -> Supply:
        """From an item of `GET /supplies`."""
        products = item.get("products")
        return cls(
            item["supplier"], item["buyer"], frozenset(products) if products is not None else None
        )


@dataclass(frozen=True)
class Products:
    """A set of products: `only` these, or (`only` None) every product `but` these."""

    only: frozenset[str] | None = None
    but: frozenset[str] = frozenset()

    def __and__(self, other: Products) -> Products:
        if self.only is None and other.only is None:
            return Products(None, self.but | other.but)
        if self.only is None:
            return Products(other.only - self.but)  # type: ignore[operator]
        if other.only is None:
            return Products(self.only - other.but)
        return Products(self.only & other.only)

    def __bool__(self) -> bool:
        return self.only is None or bool(self.only)


EVERY = Products()


def legacy_supplies(directory: Mapping[str, Mapping[str, Any]]) -> list[Supply]:
    """The supplies the parties' registration fields imply (the directory of `GET /parties`)."""
    found: dict[tuple[str, str], Supply] = {}
    for party, entry in directory.items():
        for supplier in (entry.get("provider"), entry.get("partner")):
            if supplier:
                found[(supplier, party)] = Supply(supplier, party)
        for customer in entry.get("customers") or ():
            found[(party, customer)] = Supply(party, customer)
    return list(found.values())


def merged(*webs: Iterable[Supply]) -> list[Supply]:
    """The supplies of every web, each pair of parties once (the first web's wins)."""
    found: dict[tuple[str, str], Supply] = {}
    for web in webs:
        for s in web:
            found.setdefault((s.supplier, s.buyer), s)
    return list(found.values())


def suppliers_of(party: str, supplies: Iterable[Supply]) -> frozenset[str]:
    """Every party `party` buys some product from or through (its suppliers, theirs of what they
    supply it with, ..., the vendors)."""
    by_buyer: dict[str, list[Supply]] = {}
    for s in supplies:
        by_buyer.setdefault(s.buyer, []).append(s)
    found: set[str] = set()
    seen: set[tuple[str, Products]] = set()
    frontier = [(party, EVERY)]
    for _ in range(MAX_CHAIN):
        reached = []
        for buyer, wanted in frontier:
            own = by_buyer.get(buyer, [])
            named = frozenset().union(*(s.products for s in own if s.products is not None))
            for s in own:
                offered = Products(s.products) if s.products is not None else Products(but=named)
                bought = wanted & offered
                if bought and (s.supplier, bought) not in seen:
                    seen.add((s.supplier, bought))
                    reached.append((s.supplier, bought))
        found.update(supplier for supplier, _ in reached)
        frontier = reached
    found.discard(party)
    return frozenset(found)
