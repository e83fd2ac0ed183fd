"""The SLA monitor's events on `village.sla.v1`, as typed values in one catalog. Their data is
what schemas/events/village.sla.<name>.v1.json describes, field for field (instants as ISO 8601
text, money as plain decimal text), so an event is published exactly as the schema says.

What the monitor finds about an incident (a clock started, a warning, a breach, a credit) is a
fact: it has a `key`, its identity, from which its event id derives, so that a fact found again
(a redelivery, a rebuild, a timer racing the consumer) is appended once.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Self

from village_platform.envelope import Event, EventCatalog, Upcaster

# Event ids derive from the fact's key: uuid5 in this namespace.
FACT_NAMESPACE = uuid.UUID("6f1d3a52-5b7e-4d0c-9a51-0c0ffee5a1a0")
_NAMESPACE_BYTES = FACT_NAMESPACE.bytes
_VARIANT_VERSION_MASK = ~((0xC000 << 48) | (0xF000 << 64))
_VARIANT_VERSION_5 = (0x8000 << 48) | (5 << 76)
_sha1, _new, _set, _UUID = hashlib.sha1, object.__new__, object.__setattr__, uuid.UUID
_UNKNOWN_SAFETY = uuid.SafeUUID.unknown


def fact_event_id(key: str) -> uuid.UUID:
    """`uuid.uuid5(FACT_NAMESPACE, key)`, without its per-call overheads (a rebuild makes one per
    fact: hundreds of thousands)."""
    digest = _sha1(_NAMESPACE_BYTES + key.encode()).digest()
    event_id = _new(_UUID)
    _set(event_id, "int", int.from_bytes(digest[:16]) & _VARIANT_VERSION_MASK | _VARIANT_VERSION_5)
    _set(event_id, "is_safe", _UNKNOWN_SAFETY)
    return event_id


def decimal_text(value: Decimal) -> str:
    """A plain decimal string ("1000", never "1E+3"): what the event schemas promise."""
    return format(value, "f")


@dataclass(frozen=True)
class SlaEvent(Event):
    FAMILY = "sla"
    TYPE: ClassVar[str]  # its type name, worked out once per class

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "NAME" in cls.__dict__:
            cls.TYPE = str(cls.event_type())

    @property
    def type(self) -> str:
        return self.TYPE


@dataclass(frozen=True)
class SlaFact(SlaEvent):
    """Something the monitor found; `key` is its identity, not part of its data."""

    key: str = field(default="", kw_only=True)

    @classmethod
    def of(cls, key: str, data: Mapping[str, Any]) -> Self:
        """The fact whose data is `data`, which names every field: the projection's fast path (a
        frozen dataclass's `__init__` costs several times as much, once per field)."""
        fact = object.__new__(cls)
        fact.__dict__.update(data, key=key)
        return fact

    def to_data(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        del data["key"]
        return data

    @property
    def event_id(self) -> uuid.UUID:
        return fact_event_id(self.key)


# --------------------------------------------------------------------------- clocks


@dataclass(frozen=True)
class ClockFact(SlaFact):
    """A clock of one contract on one incident, as it stands at `at`."""

    incident_id: str
    contract_id: str
    contract_version: int
    contract_kind: str
    owing_party: str
    owed_party: str
    clock: str  # respond | resolve | update
    round: int
    severity: str
    target_seconds: float
    elapsed_seconds: float
    state: str  # running | paused | stopped
    outcome: str | None
    due_at: str | None
    at: str


@dataclass(frozen=True)
class ClockStarted(ClockFact):
    NAME = "clock_started"


@dataclass(frozen=True)
class ClockPaused(ClockFact):
    NAME = "clock_paused"


@dataclass(frozen=True)
class ClockResumed(ClockFact):
    NAME = "clock_resumed"


@dataclass(frozen=True)
class ClockRetargeted(ClockFact):
    NAME = "clock_retargeted"


@dataclass(frozen=True)
class ClockStopped(ClockFact):
    NAME = "clock_stopped"


@dataclass(frozen=True)
class TargetMet(ClockFact):
    NAME = "target_met"


@dataclass(frozen=True)
class Warned(ClockFact):
    """A warning threshold (`percent` of the target) crossed."""

    NAME = "warning"
    percent: int


@dataclass(frozen=True)
class Breached(ClockFact):
    NAME = "breached"


# --------------------------------------------------------------------------- availability, credits


@dataclass(frozen=True)
class AvailabilityMissed(SlaFact):
    """A calendar month (in the contract's time zone) below the availability target."""

    NAME = "availability_missed"
    incident_id: str
    contract_id: str
    contract_version: int
    contract_kind: str
    owing_party: str
    owed_party: str
    month: str
    downtime_seconds: float
    allowed_seconds: float
    availability_target: str
    availability_percent: float
    at: str


CLOCK_FIGURES = (
    "clock",
    "round",
    "severity",
    "target_seconds",
    "elapsed_seconds",
    "state",
    "outcome",
    "due_at",
)
AVAILABILITY_FIGURES = (
    "downtime_seconds",
    "allowed_seconds",
    "availability_target",
    "availability_percent",
)


@dataclass(frozen=True)
class Credit(SlaFact):
    """A service credit the owing party pays: for a clock (a breach, late hours), with the
    clock's figures, or for a month below the availability target, with the month's."""

    incident_id: str
    contract_id: str
    contract_version: int
    contract_kind: str
    owing_party: str
    owed_party: str
    rule: str  # breach | late_hours | availability
    amount: str
    currency: str
    month: str
    at: str
    clock: str | None = None
    round: int | None = None
    severity: str | None = None
    target_seconds: float | None = None
    elapsed_seconds: float | None = None
    state: str | None = None
    outcome: str | None = None
    due_at: str | None = None
    hours: int | None = None  # late hours: how many this credit pays for
    through_hour: int | None = None
    downtime_seconds: float | None = None
    allowed_seconds: float | None = None
    availability_target: str | None = None
    availability_percent: float | None = None
    # Figures a credit leaves out when they are not its kind's (a present `outcome` may be null).
    _ABSENT_UNLESS: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (
        ("clock", CLOCK_FIGURES),
        ("hours", ("hours",)),
        ("through_hour", ("through_hour",)),
        ("downtime_seconds", AVAILABILITY_FIGURES),
    )

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        for marker, figures in self._ABSENT_UNLESS:
            if data[marker] is None:
                for name in figures:
                    del data[name]
        return data


@dataclass(frozen=True)
class CreditDue(Credit):
    """Not published: a credit the rules say is due. The service accrues it within the
    contract's monthly cap (domain.credits.accrue), and publishes it as CreditAccrued."""

    NAME = "credit_due"

    def accrued(self, amount: Decimal, uncapped: Decimal) -> CreditAccrued:
        return CreditAccrued(
            **{**self.__dict__, "amount": decimal_text(amount)},
            uncapped_amount=decimal_text(uncapped),
            capped=amount < uncapped,
        )


@dataclass(frozen=True)
class CreditAccrued(Credit):
    NAME = "credit_accrued"
    uncapped_amount: str = field(kw_only=True)
    capped: bool = field(kw_only=True)


# --------------------------------------------------------------------------- contracts


@dataclass(frozen=True)
class ContractVersion(SlaEvent):
    """A contract's full terms in one version (not a difference)."""

    contract_id: str
    version: int
    effective_from: str
    name: str
    provider: str
    customer: str
    kind: str
    calendar: dict[str, Any]
    targets: dict[str, Any]
    availability_target: str | None
    credits: dict[str, Any]
    warn_at: list[int]


@dataclass(frozen=True)
class ContractRegistered(ContractVersion):
    NAME = "contract_registered"


@dataclass(frozen=True)
class ContractRevised(ContractVersion):
    NAME = "contract_revised"


# What the monitor publishes on village.sla.v1 (CreditDue is its own: never published).
PUBLISHED: tuple[type[SlaEvent], ...] = (
    ClockStarted,
    ClockPaused,
    ClockResumed,
    ClockRetargeted,
    ClockStopped,
    TargetMet,
    Warned,
    Breached,
    AvailabilityMissed,
    CreditAccrued,
    ContractRegistered,
    ContractRevised,
)
# Stored shape -> current shape, for every event type a new version replaced: none has yet. When
# one does, its class takes the new VERSION and its old type gets a conversion here, so that
# payloads stored before still load (test_sla_events shows one).
UPCASTERS: dict[str, Upcaster] = {}


def catalog(
    published: Iterable[type[SlaEvent]] = PUBLISHED, upcasters: Mapping[str, Upcaster] = UPCASTERS
) -> EventCatalog:
    """Every event the monitor publishes, and how an old shape of one is read."""
    found = EventCatalog(published)
    for old_type, convert in upcasters.items():
        found.upcaster(old_type, convert)
    return found


CATALOG = catalog()
