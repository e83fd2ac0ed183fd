"""Incident histories for the SLA monitor's benchmarks, as the incidents feed serves them.

`history(n)` makes exactly `n` incident events in feed order: a seeded, realistic mix over four
weeks of October-November 2026 (the demo parties and contracts: initech <- northwind 24x7,
umbrella <- contoso business hours, acme behind both), built with the incidents service's own
event classes and checked against schemas/events. `load_feed` writes them into a migrated
incidents database with their own `recorded_at` (which the feed serves as each event's time)
and gives them positions exactly as the relay would (gap-free, in `(tx_id, id)` order).
`opened` makes the opened events of (e), timed so that their clocks fall due when it wants.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import asyncpg

from village_incidents.domain import events as e

from .stats import median

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "events"
WINDOW_START = datetime(2026, 10, 19, tzinfo=UTC)  # a Monday; four weeks of incidents
WINDOW = timedelta(days=28)
PROVIDER = "acme"
# (customer, partner, share): the demo chains (devstack demo.CONTRACTS).
CHAINS = (("initech", "northwind", 0.6), ("umbrella", "contoso", 0.4))
SEVERITIES = (("S1", 0.1), ("S2", 0.25), ("S3", 0.4), ("S4", 0.25))
# The demo customer-facing targets in minutes (respond, resolve): delays are drawn around them,
# so some targets are missed (warnings, breaches, credits) and most are met.
TARGETS = {"S1": (15, 240), "S2": (60, 480), "S3": (240, 1440), "S4": (480, 4800)}
# Incident shapes after open + acknowledge (weights sum to 1; about 4.9 events per incident).
SHAPES = (
    (("in_progress",), 0.35),
    (("escalate", "provider_ack"), 0.30),
    (("pending_customer", "in_progress"), 0.25),
    (("escalate", "pending_customer", "in_progress", "provider_ack"), 0.10),
)


@dataclass(frozen=True)
class Incident:
    """One generated incident: its id, chain, severity and events as feed items (no position)."""

    id: str
    customer: str
    partner: str
    severity: str
    items: list[dict[str, Any]]


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _item(
    rng: random.Random,
    incident: str,
    version: int,
    event: e.Event,
    at: datetime,
    actor: str,
    kind: str,
    parties: list[str],
) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "stream_id": incident,
        "stream_version": version,
        "type": event.type,
        "data": event.to_data(),
        "metadata": {
            "actor_party": actor,
            "actor_kind": kind,
            "actor_user": f"{actor}-agent",
            "correlation_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "causation_id": None,
            "traceparent": None,
            "parties": parties,
            "visibility": event.visibility,
        },
        "recorded_at": at.isoformat(),
    }


def incident(rng: random.Random, number: int) -> Incident:
    """open -> acknowledge -> (escalation to the provider, a wait on the customer, ...) ->
    resolve."""
    customer, partner = _pick(rng, tuple(((c, p), w) for c, p, w in CHAINS))
    severity = _pick(rng, SEVERITIES)
    respond, resolve = TARGETS[severity]
    iid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    parties = sorted({customer, partner, PROVIDER})
    at = WINDOW_START + timedelta(seconds=rng.uniform(0, WINDOW.total_seconds()))
    items: list[dict[str, Any]] = []

    def add(event: e.Event, actor: str = partner, kind: str = "partner") -> None:
        items.append(_item(rng, iid, len(items) + 1, event, at, actor, kind, parties))

    add(
        e.IncidentOpened(
            incident_id=iid,
            title=f"Branch office VPN down (bench {number})",
            description="Site-to-site tunnel dropped, no traffic since.",
            severity=severity,
            product="routers",
            impacted_service="branch-vpn",
            customer=customer,
            partner=partner,
            provider=PROVIDER,
            requester=partner,
            opened_by=f"{partner}-agent",
            external_refs=[{"owner": partner, "type": "bench", "id": f"INC-{number}"}],
        )
    )
    at += timedelta(minutes=max(rng.expovariate(2 / respond), 0.05))
    add(e.IncidentAcknowledged(party=partner, user=f"{partner}-agent"))
    status = "acknowledged"
    steps = _pick(rng, SHAPES)
    if severity == "S1":  # S1 has an update target: the partner posts one shared update
        steps = ("note", *steps)
    total = max(
        rng.expovariate(1 / (0.6 * resolve)), 1.0
    )  # minutes from acknowledgement to resolution
    for step in steps:
        at += timedelta(minutes=total * rng.uniform(0.05, 0.3))
        if step == "escalate":
            add(
                e.IncidentEscalated(
                    from_party=partner,
                    from_tier=None,
                    to_party=PROVIDER,
                    to_tier="TAC L2",
                    reason="vendor defect suspected",
                    decision_id=None,
                )
            )
        elif step == "provider_ack":
            add(
                e.IncidentAcknowledged(party=PROVIDER, user=f"{PROVIDER}-agent"),
                PROVIDER,
                "provider",
            )
        elif step == "note":
            add(
                e.NoteAdded(
                    note_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    author_party=partner,
                    note_visibility="shared",
                    author_user=f"{partner}-agent",
                    body="Tunnel flaps every 30 s; IKE logs attached.",
                )
            )
        else:
            add(
                e.StatusChanged(
                    from_status=status,
                    to_status=step,
                    reason="waiting for logs" if step == "pending_customer" else None,
                )
            )
            status = step
    at += timedelta(minutes=total * rng.uniform(0.05, 0.3))
    add(
        e.IncidentResolved(
            from_status=status, resolution_code="config-fix", resolution_notes="tunnel re-keyed"
        )
    )
    return Incident(iid, customer, partner, severity, items)


def history(n: int, seed: int = 20261019) -> list[dict[str, Any]]:
    """Exactly `n` events in recorded order. Incidents still going when the n-th event happened
    stay open (their later events are cut), as on any day in production."""
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    number = 0
    while len(items) < n * 1.1 + 50:  # a margin, so the cut falls inside the window
        number += 1
        items += incident(rng, number).items
    # Global order by time; an incident's own events are strictly increasing in time already.
    items.sort(
        key=lambda i: (
            datetime.fromisoformat(i["recorded_at"]),
            i["stream_id"],
            i["stream_version"],
        )
    )
    return items[:n]


def opened(
    plan: list[tuple[str, datetime]],
    customer: str = "initech",
    partner: str = "northwind",
    seed: int = 1,
) -> list[dict[str, Any]]:
    """One opened event per (severity, time) of `plan`, in time order (for (e): no other events)."""
    rng = random.Random(seed)
    parties = sorted({customer, partner, PROVIDER})
    items = []
    for i, (severity, at) in enumerate(sorted(plan, key=lambda p: p[1])):
        iid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        event = e.IncidentOpened(
            incident_id=iid,
            title=f"Core router down (bench {i})",
            description="",
            severity=severity,
            product="routers",
            impacted_service=None,
            customer=customer,
            partner=partner,
            provider=PROVIDER,
            requester=partner,
            opened_by=f"{partner}-agent",
            external_refs=[],
        )
        items.append(_item(rng, iid, 1, event, at, partner, "partner", parties))
    return items


def with_positions(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for position, item in enumerate(items, start=1):
        yield {**item, "position": position}


# -- checks and loading ------------------------------------------------------------------------


@cache
def _validator(type_: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads((SCHEMAS / f"{type_}.json").read_text()))


def check_schemas(items: list[dict[str, Any]], per_type: int = 200) -> dict[str, int]:
    """Validate the first `per_type` events of every type against schemas/events; returns the
    mix."""
    mix: dict[str, int] = {}
    for item in items:
        seen = mix.get(item["type"], 0)
        if seen < per_type:
            _validator(item["type"]).validate(item["data"])
        mix[item["type"]] = seen + 1
    return mix


def shape(items: list[dict[str, Any]]) -> str:
    """A one-line description of a history: incidents, events per incident, the mix."""
    incidents = {i["stream_id"] for i in items}
    opened = [i for i in items if i["type"].endswith(".opened.v1")]
    resolved = sum(1 for i in items if i["type"].endswith(".resolved.v1"))
    per = [sum(1 for _ in g) for g in _by_stream(items).values()]
    severities: dict[str, int] = {}
    for i in opened:
        severities[i["data"]["severity"]] = severities.get(i["data"]["severity"], 0) + 1
    first, last = items[0]["recorded_at"][:10], items[-1]["recorded_at"][:10]
    return (
        f"{len(incidents):,} incidents ({resolved:,} resolved), "
        f"median {median(per):.0f} events each, {first}..{last}, severities "
        + " ".join(f"{k} {v}" for k, v in sorted(severities.items()))
    )


def _by_stream(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        out.setdefault(item["stream_id"], []).append(item)
    return out


async def load_feed(database_url: str, items: list[dict[str, Any]]) -> None:
    """COPY the events into a migrated incidents database (nothing else writes to it), then
    assign positions the relay's way: gap-free after the highest, in (tx_id, id) order."""
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            await conn.copy_records_to_table(
                "events",
                columns=[
                    "event_id",
                    "stream_id",
                    "stream_version",
                    "type",
                    "data",
                    "metadata",
                    "recorded_at",
                ],
                records=[
                    (
                        uuid.UUID(i["id"]),
                        i["stream_id"],
                        i["stream_version"],
                        i["type"],
                        json.dumps(i["data"]),
                        json.dumps(i["metadata"]),
                        datetime.fromisoformat(i["recorded_at"]),
                    )
                    for i in items
                ],
            )
        await conn.execute(
            "UPDATE events AS e SET position = b.first + b.n, published_at = now()"
            " FROM (SELECT id, row_number() OVER (ORDER BY tx_id, id) AS n,"
            " (SELECT coalesce(max(position), 0) FROM events) AS first"
            " FROM events WHERE position IS NULL) AS b WHERE e.id = b.id"
        )
        await conn.execute("VACUUM ANALYZE events")
    finally:
        await conn.close()
