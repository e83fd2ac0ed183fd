"""One event envelope for every service: events as typed values, their type names, their
metadata, and how an old shape is read again (upcasting).

A service declares its events as frozen dataclasses of `Event` (past tense, plain values) and
registers them in one `EventCatalog`, with an upcaster for every shape that changed:

    @dataclass(frozen=True)
    class IncidentOpened(Event):
        FAMILY, NAME = "incident", "opened"          # village.incident.opened.v1
        incident_id: str
        ...

    CATALOG = EventCatalog([IncidentOpened, ...])
    CATALOG.upcaster(
        "village.incident.opened.v1", lambda data: ("village.incident.opened.v2", {...})
    )
    event = CATALOG.load(stored.type, stored.data)    # upcast, then the typed value

On the way out, `event.new(metadata)` is what the event store appends, and `Metadata` is what
every event says of its origin and audience, one typed value instead of a dict built in each
service.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar

from .eventstore import NewEvent

_TYPE = re.compile(r"^village\.([a-z_]+)\.([a-z_]+)\.v([1-9][0-9]*)$")


@dataclass(frozen=True, order=True)
class EventType:
    """`village.<family>.<name>.v<version>`, e.g. village.incident.opened.v1."""

    family: str
    name: str
    version: int = 1

    @classmethod
    def parse(cls, value: str) -> EventType:
        found = _TYPE.match(value)
        if found is None:
            raise ValueError(f"not a Village event type: {value!r}")
        return cls(found.group(1), found.group(2), int(found.group(3)))

    def __str__(self) -> str:
        return f"village.{self.family}.{self.name}.v{self.version}"


def event_name(type_: str) -> str:
    """The event's name without family and version: `opened` for village.incident.opened.v1."""
    return EventType.parse(type_).name


@dataclass(frozen=True)
class Metadata:
    """What an event says of its origin (who acted, in which request, in which trace) and, for
    the egress rule, of its audience (egress.describe: parties, visibility, provider, ...)."""

    actor_party: str | None = None
    actor_kind: str | None = None
    actor_user: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None
    audience: Mapping[str, Any] | None = None

    @classmethod
    def of_service(cls, name: str, traceparent: str | None = None, **origin: Any) -> Metadata:
        """A service acting on its own (a timer, a consumer): it is the actor."""
        return cls(
            actor_party=name,
            actor_kind="service",
            actor_user=name,
            traceparent=traceparent,
            **origin,
        )

    @classmethod
    def from_dict(cls, meta: Mapping[str, Any]) -> Metadata:
        origin = {f.name: meta.get(f.name) for f in fields(cls) if f.name != "audience"}
        audience = {k: v for k, v in meta.items() if k not in origin}
        return cls(**origin, audience=audience or None)

    def about(self, audience: Mapping[str, Any]) -> Metadata:
        """The same origin, for an event with this audience."""
        return Metadata(
            **{**{f.name: getattr(self, f.name) for f in fields(self)}, "audience": dict(audience)}
        )

    def as_dict(self) -> dict[str, Any]:
        """As the event store keeps it (a JSON object); origin fields that are not known are
        left out."""
        found = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "audience"}
        return {**{k: v for k, v in found.items() if v is not None}, **(self.audience or {})}


@dataclass(frozen=True)
class Event:
    """A domain event: a frozen dataclass whose fields are its data."""

    FAMILY: ClassVar[str]
    NAME: ClassVar[str]
    VERSION: ClassVar[int] = 1

    @classmethod
    def event_type(cls) -> EventType:
        return EventType(cls.FAMILY, cls.NAME, cls.VERSION)

    @property
    def type(self) -> str:
        return _type_name(type(self))

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Event:
        """Fields this code does not know are ignored; fields added later with a default are
        filled in: payloads written by older or newer code of the same version still load."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def new(
        self,
        metadata: Metadata | Mapping[str, Any] | None = None,
        event_id: uuid.UUID | None = None,
    ) -> NewEvent:
        """What the event store appends for this event."""
        meta = metadata.as_dict() if isinstance(metadata, Metadata) else dict(metadata or {})
        return NewEvent(
            self.type, self.to_data(), **({"event_id": event_id} if event_id else {}), metadata=meta
        )


Upcaster = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]


class EventCatalog:
    """A service's events by type, and the upcasters that turn a stored old shape into a current
    one every time it is loaded (stored events are never rewritten)."""

    def __init__(self, classes: Iterable[type[Event]]) -> None:
        self.classes: dict[str, type[Event]] = {str(c.event_type()): c for c in classes}
        self.upcasters: dict[str, Upcaster] = {}

    def upcaster(self, old_type: str, convert: Upcaster) -> None:
        """Register `convert(data) -> (type, data)` for events stored as `old_type`."""
        if old_type in self.classes:
            raise ValueError(f"{old_type} is a current type: give its successor a new version")
        self.upcasters[old_type] = convert

    def upcast(self, type_: str, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        current, shaped = type_, dict(data)
        while current in self.upcasters:
            current, shaped = self.upcasters[current](shaped)
        return current, shaped

    def load(self, type_: str, data: Mapping[str, Any]) -> Event:
        current, shaped = self.upcast(type_, data)
        try:
            cls = self.classes[current]
        except KeyError:
            raise ValueError(f"unknown event type {current!r}") from None
        return cls.from_data(shaped)

    def __contains__(self, type_: str) -> bool:
        return type_ in self.classes or type_ in self.upcasters

    def types(self) -> list[str]:
        return sorted(self.classes)


@dataclass(frozen=True)
class ConsumedEvent:
    """An integration event as a consumer sees it, whether it came from Kafka (cloudevent.py
    decodes it) or an owner's feed (`from_feed_item`)."""

    id: str
    type: str
    source: str
    stream_id: str
    sequence: int
    position: int | None
    time: datetime
    data: dict[str, Any]
    visibility: str
    parties: list[str]
    actor_party: str | None
    traceparent: str | None
    # Whose tooling channel the event belongs to, and whether it came as its bare fact (the
    # provider may not see it: egress.for_topic); `ConsumerRunner(resolve_redacted=True)` reads
    # the whole event from the owner's feed first.
    provider: str | None = None
    redacted: bool = False
    correlation_id: str | None = None
    causation_id: str | None = None
    # Data fields with a narrower audience than the event's (egress.describe's `narrowed`).
    narrowed: dict[str, list[str]] | None = None

    @property
    def name(self) -> str:
        """`opened` for village.incident.opened.v1."""
        return event_name(self.type)

    @property
    def description(self) -> dict[str, Any]:
        """What the egress rule reads of the event (egress.sees, egress.share)."""
        return {
            "visibility": self.visibility,
            "parties": self.parties,
            "actor_party": self.actor_party,
            "provider": self.provider,
            "narrowed": self.narrowed,
        }

    @classmethod
    def from_feed_item(cls, item: Mapping[str, Any], source: str | None = None) -> ConsumedEvent:
        meta = item.get("metadata") or {}
        return cls(
            id=str(item["id"]),
            type=item["type"],
            source=item.get("source") or source or "",
            stream_id=item["stream_id"],
            sequence=int(item["stream_version"]),
            position=item.get("position"),
            time=utc(datetime.fromisoformat(item["recorded_at"])),
            data=item["data"],
            visibility=meta.get("visibility", "shared"),
            parties=list(meta.get("parties", [])),
            actor_party=meta.get("actor_party") or None,
            traceparent=meta.get("traceparent") or None,
            provider=meta.get("provider") or None,
            redacted=bool(meta.get("redacted")),
            correlation_id=meta.get("correlation_id") or None,
            causation_id=meta.get("causation_id") or None,
            narrowed=meta.get("narrowed") or None,
        )


def utc(when: datetime | None) -> datetime:
    if when is None:
        raise ValueError("event has no time")
    return when.astimezone(UTC)


@functools.cache
def _type_name(cls: type[Event]) -> str:
    """An event class's type string, built once (every event appended asks for it)."""
    return str(cls.event_type())
