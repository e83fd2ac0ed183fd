"""What an endpoint subscribes to: event type patterns with wildcards and an incident filter.

Patterns are event types where `*` stands for any run of characters (dots included):
`village.incident.*`, `*.breached.v1`, `village.sla.clock_*.v1`, or `*` for everything. The
filter narrows further, on attributes every event carries: `incident_ids` (the event's
subject) and `parties` (at least one of them is on the event, e.g. one customer's incidents).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PATTERN = re.compile(r"^[a-z0-9_.*-]{1,200}$")


def pattern_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


def valid_pattern(pattern: str) -> bool:
    return bool(PATTERN.match(pattern))


@dataclass(frozen=True)
class Subscription:
    event_types: tuple[str, ...]
    incident_ids: frozenset[str] = field(default_factory=frozenset)
    parties: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls, event_types: Iterable[str], incident_filter: Mapping[str, Any] | None
    ) -> Subscription:
        f = incident_filter or {}
        return cls(
            tuple(event_types),
            frozenset(f.get("incident_ids") or ()),
            frozenset(f.get("parties") or ()),
        )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regexes", tuple(pattern_regex(p) for p in self.event_types))

    def matches(self, event_type: str, subject: str, parties: frozenset[str]) -> bool:
        if not any(r.match(event_type) for r in self._regexes):  # type: ignore[attr-defined]
            return False
        if self.incident_ids and subject not in self.incident_ids:
            return False
        return not self.parties or bool(self.parties & parties)
