"""Who supplies whom with what, and the chain an incident for a product runs along. Pure.

A supply says that `supplier` supplies `buyer` with `products` (None: every product). The supply
path of a product from a buyer is the buyer's supplier of it, that supplier's supplier of it, and
so on, until a party that buys it from no one: the product's vendor. A party's supply of the
product by name wins over its every-product supply (a partner buying globex's firewalls and
everything else from acme)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from village_platform.errors import DomainError

from .events import SupplyEnded, SupplyEvent, SupplyRegistered
from .incident import Party

# The directory's one stream: its version is the directory's version.
DIRECTORY_STREAM = "directory"
MAX_PRODUCTS = 200
# Customer, partner, ... vendor: long enough for any real supply chain, short enough that a
# loop someone configured is refused rather than followed.
MAX_CHAIN = 8


@dataclass(frozen=True)
class Supply:
    supplier: str
    buyer: str
    products: frozenset[str] | None = None  # None: every product

    def covers(self, product: str) -> bool:
        return self.products is None or product in self.products

    def overlaps(self, other: Supply) -> bool:
        """Whether `other` supplies the same buyer with some product this one does, at the same
        level (a named product does not overlap an every-product supply: the named one wins)."""
        if (self.products is None) != (other.products is None):
            return False
        return self.products is None or bool(self.products & other.products)  # type: ignore[operator]

    @classmethod
    def of(cls, event: SupplyRegistered) -> Supply:
        products = frozenset(event.products) if event.products is not None else None
        return cls(event.supplier, event.buyer, products)

    def view(self) -> dict[str, Any]:
        products = sorted(self.products) if self.products is not None else None
        return {"supplier": self.supplier, "buyer": self.buyer, "products": products}


# --------------------------------------------------------------------------- decisions


def register(
    current: Iterable[Supply], kinds: Mapping[str, str], supply: Supply
) -> list[SupplyEvent]:
    """Register `supply` (or revise its products). `current`: every supply in force, those the
    registration fields imply included; `kinds`: the registered parties' kinds."""
    for party in (supply.supplier, supply.buyer):
        if party not in kinds:
            raise DomainError.invalid(f"party {party} is not registered", "unknown-party")
    if supply.supplier == supply.buyer:
        raise DomainError.invalid("a party does not supply itself", "invalid-supply")
    if kinds[supply.supplier] == "customer":
        raise DomainError.invalid(f"{supply.supplier} is a customer", "invalid-supply")
    if supply.products is not None and not (0 < len(supply.products) <= MAX_PRODUCTS):
        raise DomainError.invalid(
            f"products: 1 to {MAX_PRODUCTS}, or null for every product", "invalid-supply"
        )
    others = [s for s in current if (s.supplier, s.buyer) != (supply.supplier, supply.buyer)]
    if supply in current:
        return []
    for other in others:
        if other.buyer == supply.buyer and other.overlaps(supply):
            raise DomainError.conflict(
                f"{supply.buyer} already buys {_what(other, supply)} from {other.supplier}",
                "ambiguous-supply",
            )
    after = [*others, supply]
    for product in supply.products or {_ANY}:
        supply_path(after, supply.buyer, product)  # refuses a loop
    products = sorted(supply.products) if supply.products is not None else None
    return [SupplyRegistered(supply.supplier, supply.buyer, products)]


def end(current: Iterable[Supply], supplier: str, buyer: str) -> list[SupplyEvent]:
    if not any((s.supplier, s.buyer) == (supplier, buyer) for s in current):
        raise DomainError.not_found(f"{supplier} does not supply {buyer}")
    return [SupplyEnded(supplier, buyer)]


def evolve(
    supplies: Mapping[tuple[str, str], Supply], event: SupplyEvent
) -> dict[tuple[str, str], Supply]:
    """The supplies in force once `event` applied (rebuilds replay the directory's stream)."""
    after = dict(supplies)
    after.pop((event.supplier, event.buyer), None)
    if isinstance(event, SupplyRegistered):
        after[(event.supplier, event.buyer)] = Supply.of(event)
    return after


# A product no supply names: what every-product supplies are checked for loops with.
_ANY = "\x00every product"


def _what(other: Supply, supply: Supply) -> str:
    if supply.products is None:
        return "every product"
    return ", ".join(sorted(supply.products & other.products))  # type: ignore[operator]


def legacy_supplies(parties: Iterable[Party]) -> list[Supply]:
    """The supplies the original registration fields imply: a partner's `provider` and
    `customers`, a customer's `partner`, each of every product."""
    found: set[Supply] = set()
    for p in parties:
        if p.provider:
            found.add(Supply(p.provider, p.id))
        found.update(Supply(p.id, customer) for customer in p.customers)
        if p.partner:
            found.add(Supply(p.partner, p.id))
    return sorted(found, key=lambda s: (s.buyer, s.supplier))


def supplier_of(supplies: Iterable[Supply], buyer: str, product: str) -> str | None:
    """`buyer`'s supplier of `product`, None if it buys it from no one. Ambiguity (two
    suppliers at the same level) is a configuration error."""
    named, everything = set(), set()
    for s in supplies:
        if s.buyer == buyer and s.covers(product):
            (everything if s.products is None else named).add(s.supplier)
    candidates = named or everything
    if len(candidates) > 1:
        raise DomainError.invalid(
            f"{buyer} buys {product} from more than one supplier ({', '.join(sorted(candidates))})",
            "ambiguous-supply",
        )
    return next(iter(candidates), None)


def supply_path(supplies: Iterable[Supply], buyer: str, product: str) -> list[str]:
    """The parties `product` comes through to `buyer`, nearest first, ending with its vendor."""
    supplies = list(supplies)
    path: list[str] = []
    current: str | None = buyer
    while (current := supplier_of(supplies, current, product)) is not None:
        if current == buyer or current in path or len(path) + 1 >= MAX_CHAIN:
            raise DomainError.invalid(
                f"the supply path of {product} from {buyer} loops or is longer than"
                f" {MAX_CHAIN - 1} suppliers",
                "invalid-supply-path",
            )
        path.append(current)
    return path


def chain_of(supplies: Iterable[Supply], customer: str, supplier: str, product: str) -> list[str]:
    """The chain of an incident `customer` raises to `supplier` for `product`: the customer,
    the supplier, and the supplier's supply path of the product."""
    supplies = list(supplies)
    if not any(s.supplier == supplier and s.buyer == customer for s in supplies):
        raise DomainError.forbidden(f"{supplier} does not supply {customer}")
    path = supply_path(supplies, supplier, product)
    if not path:
        raise DomainError.invalid(f"partner {supplier} has no provider of {product}")
    return [customer, supplier, *path]
