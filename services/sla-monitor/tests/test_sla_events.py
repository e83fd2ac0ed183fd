"""The SLA monitor's events as typed values in one catalog: every type the topic carries, their
first published payloads still load (and say the same), an old shape loads through the
catalog's upcaster hook, and a contract version's event is its terms."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import schema_check as sc

from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.domain.events import (
    CATALOG,
    PUBLISHED,
    ClockFact,
    ContractRegistered,
    ContractRevised,
    CreditAccrued,
    CreditDue,
    Warned,
    catalog,
    fact_event_id,
)

TYPES = sorted(sc.event_schemas("village.sla.v1"))


def baseline_examples(type_: str) -> list[dict[str, Any]]:
    """What the first published version of `type_` looked like (schemas/compat/v1)."""
    return sc.load_json(sc.BASELINE_DIR / f"{type_}.json")["examples"]


def test_the_catalog_holds_exactly_the_types_the_topic_carries() -> None:
    assert CATALOG.types() == TYPES
    assert "village.sla.credit_due.v1" not in CATALOG  # the monitor's own, never published


@pytest.mark.parametrize("type_", TYPES)
def test_first_published_payloads_load_as_typed_events_and_say_the_same(type_: str) -> None:
    for example in baseline_examples(type_):
        event = CATALOG.load(type_, copy.deepcopy(example))
        assert event.type == type_
        assert event.to_data() == example


@dataclass(frozen=True)
class WarnedV2(ClockFact):
    """A v2 of `warning` as it might come: the threshold as a fraction of the target."""

    NAME, VERSION = "warning", 2
    threshold: float


def _warning_v1_to_v2(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    percent = data.pop("percent")
    return "village.sla.warning.v2", {**data, "threshold": percent / 100}


def test_an_old_payload_loads_through_the_catalogs_upcaster_hook() -> None:
    """The day a v2 replaces a v1, the catalog gets the v1's upcaster, and a warning stored as
    first published loads as the v2 (stored events are never rewritten)."""
    classes = [WarnedV2 if c is Warned else c for c in PUBLISHED]
    next_catalog = catalog(classes, {"village.sla.warning.v1": _warning_v1_to_v2})
    [stored] = baseline_examples("village.sla.warning.v1")
    loaded = next_catalog.load("village.sla.warning.v1", copy.deepcopy(stored))
    assert isinstance(loaded, WarnedV2)
    assert loaded.threshold == stored["percent"] / 100
    assert (loaded.incident_id, loaded.clock, loaded.at) == (
        stored["incident_id"],
        stored["clock"],
        stored["at"],
    )
    assert "village.sla.warning.v1" in next_catalog
    assert "village.sla.warning.v2" in next_catalog.types()


def test_a_fact_is_its_data_its_type_and_an_id_from_its_key() -> None:
    [example] = baseline_examples("village.sla.warning.v1")
    fact = Warned.of("i/c/respond/0/warning/50", example)
    assert fact == Warned(**example, key="i/c/respond/0/warning/50")
    assert (fact.type, fact.to_data()) == ("village.sla.warning.v1", example)
    assert fact.event_id == fact_event_id(fact.key) == fact_event_id("i/c/respond/0/warning/50")


def test_a_credit_carries_the_figures_of_its_kind_only() -> None:
    """A clock's credit has the clock's figures, a month's the month's; `accrued` caps it."""
    for example in baseline_examples("village.sla.credit_accrued.v1"):
        due_data = {k: v for k, v in example.items() if k not in ("uncapped_amount", "capped")}
        due = CreditDue(**due_data, key="k")
        accrued = due.accrued(Decimal(example["amount"]), Decimal(example["uncapped_amount"]))
        assert isinstance(accrued, CreditAccrued) and accrued.key == "k"
        assert accrued.to_data() == example


def test_a_contract_versions_event_is_its_terms() -> None:
    spec = {
        "kind": "customer_facing",
        "provider": "northwind",
        "customer": "initech",
        "targets": {"S1": {"respond_minutes": 15}},
        "credits": {"per_breach": "250"},
    }
    signed = datetime(2026, 11, 1, tzinfo=UTC)
    first, second = (Terms.from_spec("c-1", v, spec, signed) for v in (1, 2))
    assert isinstance(first.recorded(), ContractRegistered)
    assert isinstance(second.recorded(), ContractRevised)
    data = second.recorded().to_data()
    assert data == {
        "contract_id": "c-1",
        "version": 2,
        "effective_from": signed.isoformat(),
        **second.to_spec(),
    }
    sc.validate_event_data("village.sla.contract_revised.v1", data)
