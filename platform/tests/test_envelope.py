"""The one event envelope: type names, typed events, metadata, upcasting an old payload."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from village_platform.envelope import Event, EventCatalog, EventType, Metadata, event_name


@dataclass(frozen=True)
class Opened(Event):
    FAMILY, NAME, VERSION = "widget", "opened", 2
    widget_id: str
    title: str
    severity: str = "S3"  # added in v2, with a default


def test_event_types_parse_and_print() -> None:
    assert EventType.parse("village.incident.note_added.v1") == EventType(
        "incident", "note_added", 1
    )
    assert str(EventType("sla", "breached", 3)) == "village.sla.breached.v3"
    assert event_name("village.knowledge.suggestions_made.v1") == "suggestions_made"
    for bad in (
        "incident.opened.v1",
        "village.incident.opened",
        "village.incident.opened.v0",
        "village..x.v1",
    ):
        with pytest.raises(ValueError):
            EventType.parse(bad)


def test_a_typed_event_is_its_data_and_its_type() -> None:
    event = Opened("w-1", "Gizmo overheats")
    assert event.type == "village.widget.opened.v2"
    new = event.new(
        Metadata(actor_party="northwind", actor_kind="partner", audience={"visibility": "shared"})
    )
    assert (new.type, new.data) == (
        "village.widget.opened.v2",
        {"widget_id": "w-1", "title": "Gizmo overheats", "severity": "S3"},
    )
    assert new.metadata == {
        "actor_party": "northwind",
        "actor_kind": "partner",
        "visibility": "shared",
    }


def test_an_old_payload_loads_through_its_upcaster() -> None:
    catalog = EventCatalog([Opened])
    # v1 called the title `name` and had no severity: stored events are never rewritten
    catalog.upcaster(
        "village.widget.opened.v1",
        lambda data: ("village.widget.opened.v2", {"widget_id": data["id"], "title": data["name"]}),
    )
    old = catalog.load(
        "village.widget.opened.v1", {"id": "w-0", "name": "Old gizmo", "colour": "red"}
    )
    assert old == Opened("w-0", "Old gizmo", "S3")
    assert catalog.load(
        "village.widget.opened.v2", {"widget_id": "w-2", "title": "t", "later": 1}
    ) == Opened("w-2", "t")
    assert "village.widget.opened.v1" in catalog and catalog.types() == ["village.widget.opened.v2"]
    with pytest.raises(ValueError):
        catalog.upcaster("village.widget.opened.v2", lambda data: ("x", data))  # a current type
    with pytest.raises(ValueError):
        catalog.load("village.widget.closed.v1", {})


def test_metadata_round_trips_as_the_store_keeps_it() -> None:
    stored = {
        "actor_party": "acme",
        "actor_kind": "provider",
        "actor_user": "sam",
        "correlation_id": "c-1",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "parties": ["acme", "northwind"],
        "visibility": "restricted",
        "provider": "acme",
    }
    meta = Metadata.from_dict(stored)
    assert meta.actor_party == "acme" and meta.audience == {
        "parties": ["acme", "northwind"],
        "visibility": "restricted",
        "provider": "acme",
    }
    assert meta.as_dict() == stored
    assert Metadata.of_service("escalation").about({"visibility": "shared"}).as_dict() == {
        "actor_party": "escalation",
        "actor_kind": "service",
        "actor_user": "escalation",
        "visibility": "shared",
    }
