"""Every event the SLA monitor can emit on `village.sla.v1` matches its schema in schemas/events/,
every schema is a compatible revision of its frozen v1 baseline in schemas/compat/v1/, and
schemas/asyncapi.yaml describes them all.

Fast and pure: incidents are driven through the `Projector` (open, thresholds via `advance`,
acknowledgements, hand-off to the provider, pending/resume, notes, severity changes, resolution
past target, reopen, cancel, close) and every fact's data is validated. The records the running
service publishes (credits after the monthly cap, availability, contracts) are checked against
the envelope, these schemas and the AsyncAPI document in tests/e2e/test_e2e_sla_clock.py.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schema_check as sc
import yaml

from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.domain.events import SlaFact
from village_sla_monitor.domain.projection import IncidentEvent, Projector

TOPIC = "village.sla.v1"
TYPES = sorted(sc.event_schemas(TOPIC))
ASYNCAPI_DOC = yaml.safe_load(sc.ASYNCAPI.read_text(encoding="utf-8"))


def sla_type(fact: SlaFact) -> str:
    """The event type a fact is published as; the projector's `credit_due` is published as
    `credit_accrued` once the service applied the monthly cap (credits.CreditLedger)."""
    name = "credit_accrued" if fact.NAME == "credit_due" else fact.NAME
    return f"village.sla.{name}.v1"


def as_published(fact: SlaFact) -> dict[str, Any]:
    """A fact's data as published, for a credit under no cap."""
    if fact.NAME == "credit_due":
        return {**fact.to_data(), "uncapped_amount": fact.amount, "capped": False}
    return fact.to_data()


# --------------------------------------------------------------------------- contracts

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Berlin
SIGNED = T0 - timedelta(days=22)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

CUSTOMER_FACING = {
    "name": "Initech managed network",
    "kind": "customer_facing",
    "provider": "northwind",
    "customer": "initech",
    "calendar": {"type": "24x7"},
    "targets": {
        "S1": {"respond_minutes": 15, "resolve_minutes": 240, "update_minutes": 60},
        "S2": {"respond_minutes": 60, "resolve_minutes": 480, "update_minutes": 120},
    },
    "availability_target": "99.9",
    "credits": {
        "currency": "EUR",
        "monthly_fee": "12000",
        "per_breach": "250",
        "per_breach_percent_of_fee": "0.5",
        "per_hour_beyond": "100",
        "availability_percent_of_fee": "10",
        "monthly_cap": "1000",
    },
    "warn_at": [50, 75, 90],
}
UNDERPINNING = {
    "kind": "underpinning",
    "provider": "acme",
    "customer": "northwind",
    "calendar": {
        "type": "business_hours",
        "timezone": "Europe/Berlin",
        "hours": {**{d: ["08:00-12:30", "13:30-18:00"] for d in WEEKDAYS}, "sat": ["20:00-24:00"]},
        "holidays": ["2026-12-25", "2026-12-24"],
    },
    "targets": {
        "S1": {"respond_minutes": 30, "resolve_minutes": 480},
        "S2": {"respond_minutes": 60, "resolve_minutes": 960},
        "S3": {"respond_minutes": 240},
    },
    "availability_target": "99.5",
    "credits": {"currency": "usd", "per_breach": "40"},
    "warn_at": [80],
}

CF = Terms.from_spec("initech-northwind", 1, CUSTOMER_FACING, SIGNED)
UP = Terms.from_spec("northwind-acme", 1, UNDERPINNING, SIGNED)
CF2 = Terms.from_spec(
    "initech-northwind",
    2,
    {**CUSTOMER_FACING, "credits": {"monthly_fee": 9000}, "availability_target": None},
    datetime(2026, 12, 1, tzinfo=UTC),
)
BOOK = {(t.contract_id, t.version): t for t in (CF, UP, CF2)}


def terms_of(contract_id: str, version: int) -> Terms:
    return BOOK[(contract_id, version)]


# --------------------------------------------------------------------------- incidents


class Run:
    """Drives the pure projector like handlers/incident_events.py does and keeps every fact."""

    def __init__(self, incident_id: str, opened_at: datetime, severity: str = "S1") -> None:
        self.projector = Projector(terms_of)
        self.now = opened_at
        opened = {
            "incident_id": incident_id,
            "customer": "initech",
            "partner": "northwind",
            "provider": "acme",
            "severity": severity,
        }
        self.state, self.facts = self.projector.open(opened, opened_at, CF)

    def at(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def advance(self, **delta: float) -> None:
        self.state, facts = self.projector.advance(self.state, self.at(**delta))
        self.facts += facts

    def event(
        self,
        name: str,
        data: dict[str, Any] | None = None,
        *,
        actor: str | None = None,
        visibility: str = "shared",
        **delta: float,
    ) -> None:
        underpinning = UP if name in ("escalated", "assigned") else None
        event = IncidentEvent(name, data or {}, self.at(**delta), actor, visibility)
        self.state, facts = self.projector.evolve(self.state, event, underpinning=underpinning)
        self.facts += facts


def _full_incident() -> Run:
    """S1 on Monday morning: every threshold of the partner's respond clock, the hand-off to the
    provider, pending/resume, updates, a downgrade, resolution hours late, reopen, cancel."""
    run = Run("7d0c9f3e-5b1a-4f0e-9a77-0c2a1e4b8d11", T0)
    run.advance(minutes=8)
    run.advance(minutes=8)  # respond breached at 09:15 (+ credit)
    run.event("acknowledged", {"party": "northwind"}, actor="northwind", minutes=1)
    run.event("escalated", {"to_party": "acme", "to_tier": "TAC L2"}, actor="northwind", minutes=3)
    run.event("acknowledged", {"party": "acme"}, actor="acme", minutes=5)
    run.event("note_added", actor="acme", visibility="restricted", minutes=2)
    run.event("status_changed", {"to_status": "pending_customer"}, actor="northwind", minutes=3)
    run.event("status_changed", {"to_status": "in_progress"}, actor="northwind", minutes=60)
    run.event("note_added", actor="northwind", minutes=10)
    run.event("note_added", actor="northwind", visibility="internal", minutes=5)
    run.event("severity_changed", {"to_severity": "S2"}, actor="initech", minutes=5)
    run.advance(hours=3)
    run.event("resolved", actor="acme", hours=8)  # resolve hours past target: late-hours credit
    run.event("reopened", actor="initech", hours=1)
    run.advance(minutes=90)
    run.event("cancelled", actor="initech", minutes=30)
    run.event("rated", {"rating": 2}, actor="initech", minutes=5)
    return run


def _weekend_incident() -> Run:
    """Handed to the provider late on a Friday: its business-hours clocks run only in working
    hours (Saturday evening included); a change to S3 on Monday cancels the clocks S3 has no
    target for; resolved, closed."""
    friday = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # 17:30 in Berlin
    run = Run("0b6c2d7e-8f1a-4c3b-9d2e-5a4f3b2c1d0e", friday, severity="S2")
    run.event("assigned", {"party": "acme", "tier": "TAC L1"}, actor="northwind", minutes=15)
    run.advance(hours=12)
    run.advance(days=1)  # Saturday's evening hours count: the provider's respond clock breaches
    run.advance(days=1, hours=4)  # Monday 09:45 in Berlin
    run.event("acknowledged", {"party": "northwind"}, actor="northwind", minutes=10)
    run.event("severity_changed", {"to_severity": "S3"}, actor="northwind", minutes=10)
    run.event("resolved", actor="acme", hours=2)
    run.event("closed", actor="initech", hours=1)
    return run


def _unacknowledged_incident() -> Run:
    """Never acknowledged, pending the customer across breaches, resumed and resolved."""
    run = Run("3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c", T0 + timedelta(days=2), severity="S2")
    run.event("status_changed", {"to_status": "pending_customer"}, actor="northwind", minutes=70)
    run.advance(hours=30)
    run.event("status_changed", {"to_status": "in_progress"}, actor="initech", hours=1)
    run.event("resolved", actor="northwind", hours=20)
    return run


RUNS: list[Callable[[], Run]] = [_full_incident, _weekend_incident, _unacknowledged_incident]


@pytest.mark.parametrize("run", RUNS, ids=lambda f: f.__name__.strip("_"))
def test_every_fact_of_an_incident_matches_its_schema(run: Callable[[], Run]) -> None:
    facts = run().facts
    assert facts
    for fact in facts:
        sc.validate_event_data(sla_type(fact), as_published(fact))


def test_the_incidents_emit_every_clock_event_type() -> None:
    """So the test above covers everything the projector can emit."""
    emitted = {sla_type(f) for run in RUNS for f in run().facts}
    clock_types = set(TYPES) - {
        "village.sla.contract_registered.v1",
        "village.sla.contract_revised.v1",
        "village.sla.availability_missed.v1",
    }
    assert emitted == clock_types
    rules = {f.rule for run in RUNS for f in run().facts if f.NAME == "credit_due"}
    assert rules == {"breach", "late_hours"}
    outcomes = {f.outcome for run in RUNS for f in run().facts}
    assert outcomes == {None, "met", "breached", "cancelled"}


def test_schema_rejects_drift() -> None:
    """The schemas are strict enough to catch a renamed, missing or mistyped field."""
    fact = next(f for f in _full_incident().facts if f.NAME == "warning")
    data = fact.to_data()
    for broken in (
        {**data, "percent": 100},
        {k: v for k, v in data.items() if k != "due_at"},
        {**data, "owing": data["owing_party"]},
        {**data, "clock": "acknowledge"},
        {**data, "at": "2026-11-23T09:07:30"},
        {**data, "target_seconds": "900"},
    ):
        with pytest.raises(AssertionError):
            sc.validate_event_data("village.sla.warning.v1", broken)
    credit = as_published(next(f for f in _full_incident().facts if f.NAME == "credit_due"))
    for broken in (
        {**credit, "amount": 250},
        {**credit, "amount": "-250"},
        {**credit, "month": "2026-13"},
        {k: v for k, v in credit.items() if k != "capped"},
    ):
        with pytest.raises(AssertionError):
            sc.validate_event_data("village.sla.credit_accrued.v1", broken)


@pytest.mark.parametrize(
    "spec",
    [
        {"calendar": {"type": "24x7", "timezone": "America/New_York"}},
        {
            "calendar": {
                "type": "business_hours",
                "timezone": "Asia/Kolkata",
                "hours": {"sun": ["00:00-24:00"]},
            }
        },
        {"credits": {}, "availability_target": 100, "warn_at": [1, 99]},
        {"credits": {"monthly_fee": 1234.5, "per_breach_percent_of_fee": "2.25", "monthly_cap": 0}},
        {"targets": {"S4": {"update_minutes": 1}, "S3": {}}, "warn_at": []},
    ],
    ids=["24x7-zone", "business-hours-sunday", "no-credits", "fractions", "sparse-targets"],
)
def test_contract_data_of_other_terms_matches_its_schema(spec: dict[str, Any]) -> None:
    terms = Terms.from_spec("c-9", 3, {**UNDERPINNING, "name": "x", **spec}, SIGNED)
    data = {
        "contract_id": terms.contract_id,
        "version": terms.version,
        "effective_from": terms.effective_from.isoformat(),
        **terms.to_spec(),
    }
    sc.validate_event_data("village.sla.contract_revised.v1", data)


def test_amounts_given_in_exponent_notation_are_published_as_plain_decimals() -> None:
    """`Decimal("1e3")` prints as "1E+3"; the schemas promise plain decimal strings."""
    credits = {
        "per_breach": "1e3",
        "per_hour_beyond": "1E2",
        "monthly_fee": "1.2E4",
        "per_breach_percent_of_fee": "5e-1",
        "monthly_cap": "5E3",
    }
    spec = {**CUSTOMER_FACING, "credits": credits, "availability_target": "9.99e1"}
    terms = Terms.from_spec("c-e", 1, spec, SIGNED)
    data = {
        "contract_id": "c-e",
        "version": 1,
        "effective_from": SIGNED.isoformat(),
        **terms.to_spec(),
    }
    sc.validate_event_data("village.sla.contract_registered.v1", data)
    projector = Projector(lambda contract_id, version: terms)
    opened = {
        "incident_id": "i-e",
        "customer": "initech",
        "partner": "northwind",
        "provider": "acme",
        "severity": "S1",
    }
    state, facts = projector.open(opened, T0, terms)
    state, more = projector.advance(state, T0 + timedelta(hours=5))
    facts += more
    resolved = IncidentEvent("resolved", {}, T0 + timedelta(hours=7, minutes=30))
    state, more = projector.evolve(state, resolved)
    facts += more
    assert {f.rule for f in facts if f.NAME == "credit_due"} == {"breach", "late_hours"}
    for fact in facts:
        sc.validate_event_data(sla_type(fact), as_published(fact))


def test_the_service_publishes_where_asyncapi_says() -> None:
    from village_sla_monitor import app

    channel = ASYNCAPI_DOC["channels"]["sla"]
    assert channel["address"] == app.TOPIC
    headers = ASYNCAPI_DOC["components"]["schemas"]["SlaCloudEventHeaders"]
    assert headers["properties"]["ce_source"]["const"] == app.SOURCE


# --------------------------------------------------------------------------- AsyncAPI


def test_every_sla_schema_is_referenced_from_asyncapi() -> None:
    def refs(node: Any) -> set[str]:
        if isinstance(node, dict):
            found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
            return found.union(*(refs(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(refs(v) for v in node))
        return set()

    referenced = refs(ASYNCAPI_DOC)
    schema_files = sorted(sc.EVENTS_DIR.glob("village.sla.*.json"))
    assert [p.name.removesuffix(".json") for p in schema_files] == TYPES
    for path in schema_files:
        assert f"./events/{path.name}" in referenced, f"asyncapi.yaml misses {path.name}"
    channel = {
        ASYNCAPI_DOC["components"]["messages"][r["$ref"].rsplit("/", 1)[1]]["name"]
        for r in ASYNCAPI_DOC["channels"]["sla"]["messages"].values()
    }
    assert channel == set(TYPES), "the village.sla.v1 channel carries exactly the SLA types"


@pytest.mark.parametrize("type_", TYPES)
def test_schema_states_shared_visibility(type_: str) -> None:
    """Every SLA event is shared, among its `parties`: the contract's two parties."""
    schema = sc.event_schemas(TOPIC)[type_]
    assert schema["x-village-visibility"] == {"fixed": "shared"}
    assert "two parties" in schema["description"]


# --------------------------------------------------------------------------- compatibility


@pytest.mark.parametrize("type_", TYPES)
def test_schema_is_backward_compatible_with_its_v1_baseline(type_: str) -> None:
    path = sc.BASELINE_DIR / f"{type_}.json"
    assert path.is_file(), (
        f"freeze the first published version: cp schemas/events/{type_}.json {path}"
    )
    assert sc.compat_problems(sc.load_json(path), sc.event_schemas(TOPIC)[type_]) == []


@pytest.mark.parametrize("type_", TYPES)
def test_baseline_examples_are_still_valid(type_: str) -> None:
    """Old events (the baseline's examples) validate against the current schema."""
    for example in sc.load_json(sc.BASELINE_DIR / f"{type_}.json")["examples"]:
        sc.validate_event_data(type_, copy.deepcopy(example))
