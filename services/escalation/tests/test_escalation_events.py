"""The escalation service's events are typed values of the platform's envelope, in one catalog:
exactly the topic's types, every payload ever published loads through the catalog (its upcaster
hook) as its typed event, and an old shape loads through an upcaster the day its type changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import schema_check as sc

from village_escalation.domain.events import CATALOG, Decision
from village_platform.envelope import EventCatalog

TOPIC = "village.escalations.v1"
DECIDED = "village.escalation.decided.v1"


def baseline_examples(type_: str) -> list[dict[str, Any]]:
    """The first published payloads of the type (schemas/compat/v1)."""
    return sc.load_json(sc.BASELINE_DIR / f"{type_}.json")["examples"]


def test_the_catalog_holds_exactly_the_topics_types() -> None:
    assert CATALOG.types() == sorted(sc.event_schemas(TOPIC))


def test_every_first_published_payload_loads_as_its_typed_event_and_writes_back_as_stored() -> None:
    for type_ in CATALOG.types():
        for example in baseline_examples(type_):
            event = CATALOG.load(type_, example)
            assert event.type == type_
            assert event.to_data() == example


@dataclass(frozen=True)
class DecidedV2(Decision):
    """What a v2 of the decision could look like: it says whether it was automatic."""

    VERSION = 2
    automatic: bool = True

    @classmethod
    def from_data(cls, data: Any) -> DecidedV2:
        decision = super().from_data(data)
        return replace(decision, automatic=data["automatic"])  # type: ignore[return-value]


def test_an_old_payload_loads_through_its_upcaster() -> None:
    catalog = EventCatalog([*(c for c in CATALOG.classes.values() if c is not Decision), DecidedV2])
    catalog.upcaster(
        DECIDED,
        lambda data: (
            "village.escalation.decided.v2",
            {**data, "automatic": data["trigger"] != "manual"},
        ),
    )
    for old in baseline_examples(DECIDED):
        loaded = catalog.load(DECIDED, old)
        assert isinstance(loaded, DecidedV2) and loaded.type == "village.escalation.decided.v2"
        assert loaded.automatic == (old["trigger"] != "manual")
        assert loaded.to_data() == old  # nothing of v1 is lost on the way
