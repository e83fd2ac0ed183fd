"""The SLA projection, event by event: clocks, thresholds, pauses, reopens, re-targets, hand-offs,
held time, credits and fact identity. Pure: no database, no broker, no `now()`.

The chain in these tests: initech (customer) <- northwind (partner) <- acme (provider).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import TypeAdapter

from village_sla_monitor.domain.clocks import Clock
from village_sla_monitor.domain.contracts import Terms
from village_sla_monitor.domain.events import SlaFact
from village_sla_monitor.domain.projection import IncidentEvent, IncidentSla, Projector

CUSTOMER, PARTNER, PROVIDER = "initech", "northwind", "acme"
BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Berlin
US = timedelta(microseconds=1)
STATE = TypeAdapter(IncidentSla)
OFFICE_HOURS = {
    "type": "business_hours",
    "timezone": "Europe/Berlin",
    "hours": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
}


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def targets(respond: int, resolve: int, update: int | None = None) -> dict[str, int]:
    t = {"respond_minutes": respond, "resolve_minutes": resolve}
    return t | ({"update_minutes": update} if update else {})


def contract(
    contract_id: str,
    kind: str,
    provider: str,
    customer: str,
    by_severity: dict[str, Any],
    **extra: Any,
) -> Terms:
    spec = {"kind": kind, "provider": provider, "customer": customer, "targets": by_severity}
    spec |= extra
    return Terms.from_spec(contract_id, 1, spec, T0 - timedelta(days=30))


def customer_facing(contract_id: str, by_severity: dict[str, Any], **extra: Any) -> Terms:
    return contract(contract_id, "customer_facing", PARTNER, CUSTOMER, by_severity, **extra)


def underpinning(contract_id: str, by_severity: dict[str, Any], **extra: Any) -> Terms:
    return contract(contract_id, "underpinning", PROVIDER, PARTNER, by_severity, **extra)


CF = customer_facing("cf", {"S1": targets(15, 240), "S3": targets(60, 1440)})
UP = underpinning("up", {"S1": targets(30, 480), "S3": targets(120, 2880)})
CF_UPDATES = customer_facing("cf-u", {"S1": targets(15, 240, update=60)})
UP_UPDATES = underpinning("up-u", {"S1": targets(30, 480, update=120)})
CF_CREDITS = customer_facing(
    "cf-c",
    {"S1": targets(15, 240)},
    credits={
        "monthly_fee": 2000,
        "per_breach": 100,
        "per_breach_percent_of_fee": 5,
        "per_hour_beyond": 10,
    },
)
UP_OFFICE = underpinning("up-office", {"S1": targets(120, 480)}, calendar=OFFICE_HOURS)


class Incident:
    """One incident projected from its opening; every fact it produced is kept in `facts`."""

    def __init__(
        self, cf: Terms = CF, up: Terms = UP, *, severity: str = "S1", at: datetime = T0
    ) -> None:
        book = {(t.contract_id, t.version): t for t in (cf, up)}
        self.projector = Projector(lambda contract_id, version: book[(contract_id, version)])
        self.underpinning = up
        self.state, self.opened = self.projector.open(
            {
                "incident_id": "INC-1",
                "customer": CUSTOMER,
                "partner": PARTNER,
                "provider": PROVIDER,
                "severity": severity,
            },
            at,
            cf,
        )
        self.facts = list(self.opened)

    def advance(self, at: datetime) -> list[SlaFact]:
        self.state, facts = self.projector.advance(self.state, at)
        self.facts += facts
        return facts

    def event(
        self,
        name: str,
        at: datetime,
        actor: str | None = PARTNER,
        visibility: str = "shared",
        **data: Any,
    ) -> list[SlaFact]:
        event = IncidentEvent(name, data, at, actor, visibility)
        self.state, facts = self.projector.evolve(self.state, event, underpinning=self.underpinning)
        self.facts += facts
        return facts

    def ack(self, party: str, at: datetime) -> list[SlaFact]:
        return self.event("acknowledged", at, actor=party, party=party)

    def escalate(self, at: datetime, party: str = PROVIDER, tier: str = "TAC L2") -> list[SlaFact]:
        return self.event("escalated", at, to_party=party, to_tier=tier)

    def status(self, to_status: str, at: datetime, actor: str = PARTNER) -> list[SlaFact]:
        return self.event("status_changed", at, actor=actor, to_status=to_status)

    def note(self, at: datetime, actor: str, visibility: str = "shared") -> list[SlaFact]:
        return self.event(
            "note_added", at, actor=actor, visibility=visibility, note_visibility=visibility
        )

    def clock(self, contract_id: str, name: str) -> Clock:
        return next(c for c in self.state.coverages if c.contract_id == contract_id).clocks[name]

    def due(self, contract_id: str, name: str) -> datetime | None:
        calendar = self.projector.terms_of(contract_id, 1).calendar
        return self.clock(contract_id, name).due_at(calendar)

    def timer(self, contract_id: str, name: str) -> datetime | None:
        return self.projector.timers(self.state)[f"INC-1|{contract_id}|{name}"]


def instant(fact: SlaFact, field: str = "at") -> datetime:
    return datetime.fromisoformat(getattr(fact, field))


def thresholds(facts: list[SlaFact]) -> list[tuple[str, str, int | None, datetime]]:
    """(clock, warning|breached, percent, at) of every threshold fact."""
    return [
        (f.clock, f.NAME, f.to_data().get("percent"), instant(f))
        for f in facts
        if f.NAME in ("warning", "breached")
    ]


def only(facts: list[SlaFact], name: str, clock: str | None = None) -> list[SlaFact]:
    return [f for f in facts if f.NAME == name and (clock is None or f.clock == clock)]


S1_RESPOND_THRESHOLDS = [
    ("respond", "warning", 50, minutes(7.5)),
    ("respond", "warning", 75, minutes(11.25)),
    ("respond", "warning", 90, minutes(13.5)),
    ("respond", "breached", None, minutes(15)),
]


# --- thresholds --------------------------------------------------------------------------------


def test_opening_starts_respond_and_resolve_due_at_their_targets() -> None:
    inc = Incident()
    assert [(f.NAME, f.clock, instant(f, "due_at")) for f in inc.opened] == [
        ("clock_started", "respond", minutes(15)),
        ("clock_started", "resolve", minutes(240)),
    ]
    assert inc.clock("cf", "resolve").original_due_at == minutes(240)


def test_unacknowledged_s1_warns_at_50_75_90_and_breaches_at_15_minutes() -> None:
    inc = Incident()
    steps = [thresholds(inc.advance(minutes(m))) for m in (7.5, 11.25, 13.5, 15)]
    assert steps == [[t] for t in S1_RESPOND_THRESHOLDS]
    assert inc.advance(minutes(16)) == []


def test_a_threshold_does_not_fire_a_microsecond_early() -> None:
    inc = Incident()
    assert thresholds(inc.advance(minutes(7.5) - US)) == []
    assert thresholds(inc.advance(minutes(7.5))) == [S1_RESPOND_THRESHOLDS[0]]


def test_thresholds_fire_once_however_often_and_out_of_order_time_is_advanced() -> None:
    inc = Incident()
    # every 15 s up to 20 min, each time twice and then followed by an earlier instant
    for quarter in range(0, 81):
        for m in (quarter / 4, quarter / 4, quarter / 4 - 1):
            inc.advance(minutes(m))
    assert thresholds(inc.facts) == S1_RESPOND_THRESHOLDS


def test_one_big_jump_catches_up_every_threshold_dated_at_its_own_crossing() -> None:
    inc = Incident()
    facts = inc.advance(minutes(20))
    assert thresholds(facts) == S1_RESPOND_THRESHOLDS
    assert [f.elapsed_seconds for f in facts] == [450.0, 675.0, 810.0, 900.0]
    assert inc.advance(minutes(20)) == []


def test_one_jump_across_several_clocks_reports_their_thresholds_in_time_order() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    inc.escalate(minutes(20))
    facts = inc.advance(minutes(300))
    assert [(f.contract_id, f.clock, f.to_data().get("percent"), instant(f)) for f in facts] == [
        ("up", "respond", 50, minutes(35)),
        ("up", "respond", 75, minutes(42.5)),
        ("up", "respond", 90, minutes(47)),
        ("up", "respond", None, minutes(50)),
        ("cf", "resolve", 50, minutes(120)),
        ("cf", "resolve", 75, minutes(180)),
        ("cf", "resolve", 90, minutes(216)),
        ("cf", "resolve", None, minutes(240)),
        ("up", "resolve", 50, minutes(260)),
    ]


def test_breach_facts_carry_the_outcome_so_far_and_leave_no_timer() -> None:
    inc = Incident()
    [breach] = only(inc.advance(minutes(15)), "breached")
    assert (breach.state, breach.target_seconds, breach.due_at) == (
        "running",
        900.0,
        minutes(15).isoformat(),
    )
    assert inc.timer("cf", "respond") is None  # every threshold fired: nothing left to wait for
    assert inc.timer("cf", "resolve") == minutes(120)


# --- fact identity -----------------------------------------------------------------------------


STORY = [  # (minute, event name, actor, data); every clock kind, pause, re-target, reopen, credits
    (5, "acknowledged", PROVIDER, {"party": PROVIDER}),
    (10, "acknowledged", PARTNER, {"party": PARTNER}),
    (20, "escalated", PARTNER, {"to_party": PROVIDER, "to_tier": "TAC L2"}),
    (40, "note_added", PARTNER, {"note_visibility": "shared"}),
    (60, "status_changed", PARTNER, {"to_status": "pending_customer"}),
    (90, "status_changed", CUSTOMER, {"to_status": "in_progress"}),
    (100, "severity_changed", PARTNER, {"to_severity": "S3"}),
    (130, "severity_changed", PARTNER, {"to_severity": "S1"}),
    (330, "resolved", PROVIDER, {}),
    (400, "reopened", CUSTOMER, {}),
    (500, "resolved", PROVIDER, {}),
]
STORY_CF = customer_facing(
    "cf-s",
    {"S1": targets(15, 240, update=60), "S3": targets(60, 1440, update=240)},
    credits={"per_breach": 50, "per_hour_beyond": 10},
)
STORY_UP = underpinning(
    "up-s",
    {"S1": targets(30, 300, update=120), "S3": targets(120, 2880)},
    credits={"per_breach": 20},
)


def project_story(*, tick_every_minute: bool = False, through_json: bool = False) -> list[SlaFact]:
    inc = Incident(STORY_CF, STORY_UP)
    last = 0
    for minute, name, actor, data in STORY:
        if tick_every_minute:
            for m in range(last + 1, minute + 1):
                inc.advance(minutes(m))
        visibility = data.get("note_visibility", "shared")
        inc.event(name, minutes(minute), actor=actor, visibility=visibility, **data)
        if through_json:  # the service stores the state as JSONB between events
            inc.state = STATE.validate_python(json.loads(STATE.dump_json(inc.state)))
        last = minute
    inc.advance(minutes(600))
    return inc.facts


def by_key(facts: list[SlaFact]) -> dict[str, SlaFact]:
    keyed = {f.key: f for f in facts}
    assert len(keyed) == len(facts), "two different facts share a key"
    return keyed


def test_fact_keys_are_unique_within_an_incident() -> None:
    facts = project_story()
    assert len(facts) > 40
    by_key(facts)


def test_projecting_the_same_events_again_gives_identical_facts() -> None:
    assert project_story() == project_story()


def test_timer_ticks_between_events_change_no_fact() -> None:
    assert by_key(project_story(tick_every_minute=True)) == by_key(project_story())


def test_storing_the_state_as_json_between_events_changes_no_fact() -> None:
    assert project_story(through_json=True) == project_story()


def test_state_round_trips_through_json_unchanged() -> None:
    inc = Incident(STORY_CF, STORY_UP)
    for minute, name, actor, data in STORY[:6]:  # up to a restarted update clock, a pause ended
        inc.event(name, minutes(minute), actor=actor, **data)
    inc.advance(minutes(95))
    assert inc.state.coverages[1].clocks["respond"].outcome == "met"
    assert inc.clock("cf-s", "respond").stops == 1
    assert STATE.validate_python(json.loads(STATE.dump_json(inc.state))) == inc.state


# --- respond -----------------------------------------------------------------------------------


def test_acknowledgement_by_the_owing_party_within_target_meets_respond() -> None:
    inc = Incident()
    facts = inc.ack(PARTNER, minutes(7))
    assert [(f.NAME, f.clock, f.outcome, f.elapsed_seconds) for f in facts] == [
        ("target_met", "respond", "met", 420.0)
    ]
    assert inc.timer("cf", "respond") is None
    assert inc.advance(minutes(60)) == []


def test_acknowledgement_after_the_target_stops_respond_as_breached() -> None:
    inc = Incident()
    facts = inc.ack(PARTNER, minutes(20))
    assert thresholds(facts) == S1_RESPOND_THRESHOLDS  # caught up first, at their own instants
    stopped = facts[-1]
    assert (stopped.NAME, stopped.outcome, stopped.elapsed_seconds) == (
        "clock_stopped",
        "breached",
        1200.0,
    )


def test_acknowledgement_by_another_party_does_not_stop_customer_facing_respond() -> None:
    inc = Incident()
    assert inc.ack(PROVIDER, minutes(5)) == []
    assert inc.clock("cf", "respond").running
    assert inc.timer("cf", "respond") == minutes(7.5)
    assert thresholds(inc.advance(minutes(15))) == S1_RESPOND_THRESHOLDS


# --- pauses ------------------------------------------------------------------------------------


def test_pending_customer_pauses_resolve_and_moves_its_due_time_by_the_pause() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    paused = inc.status("pending_customer", minutes(30))
    assert [(f.NAME, f.clock, f.state, f.elapsed_seconds) for f in paused] == [
        ("clock_paused", "resolve", "paused", 1800.0)
    ]
    assert inc.timer("cf", "resolve") is None
    assert inc.advance(minutes(300)) == []  # the old due time passes: no warning, no breach
    resumed = inc.status("in_progress", minutes(330), actor=CUSTOMER)
    assert [(f.NAME, f.clock, instant(f, "due_at")) for f in resumed] == [
        ("clock_resumed", "resolve", minutes(240 + 300))
    ]
    resolve = inc.clock("cf", "resolve")
    assert resolve.elapsed_at(CF.calendar, minutes(360)) == 60 * 60.0
    assert resolve.original_due_at == minutes(240)


def test_on_hold_pauses_nothing() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    assert inc.status("on_hold", minutes(30)) == []
    assert inc.clock("cf", "resolve").running
    assert inc.due("cf", "resolve") == minutes(240)
    assert thresholds(inc.advance(minutes(240))) == [
        ("resolve", "warning", 50, minutes(120)),
        ("resolve", "warning", 75, minutes(180)),
        ("resolve", "warning", 90, minutes(216)),
        ("resolve", "breached", None, minutes(240)),
    ]


def test_resolving_while_pending_counts_only_the_time_before_the_pause() -> None:
    inc = Incident()
    inc.status("pending_customer", minutes(100))
    [met] = only(inc.event("resolved", minutes(500)), "target_met")
    assert (met.clock, met.elapsed_seconds) == ("resolve", 6000.0)


# --- reopen ------------------------------------------------------------------------------------


def test_reopen_continues_the_resolution_clock_with_the_time_already_spent() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    [met] = only(inc.event("resolved", minutes(100)), "target_met", "resolve")
    assert met.elapsed_seconds == 6000.0
    [resumed] = inc.event("reopened", minutes(1000), actor=CUSTOMER)
    assert (resumed.NAME, resumed.round, instant(resumed, "due_at")) == (
        "clock_resumed",
        1,
        minutes(1000 + 140),
    )
    [met_again] = only(inc.event("resolved", minutes(1050)), "target_met", "resolve")
    assert (met_again.elapsed_seconds, met_again.round) == (9000.0, 1)
    assert met_again.key != met.key


def test_reopen_never_refires_a_warning_or_the_breach() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    inc.advance(minutes(130))  # 50 % fired at 120
    inc.event("resolved", minutes(130))
    inc.event("reopened", minutes(200), actor=CUSTOMER)  # 130 min spent: 75 % at 250, breach at 310
    inc.advance(minutes(330))
    inc.event("resolved", minutes(330))
    inc.event("reopened", minutes(400), actor=CUSTOMER)
    inc.event("resolved", minutes(500))
    assert thresholds(only(inc.facts, "warning") + only(inc.facts, "breached")) == [
        ("resolve", "warning", 50, minutes(120)),
        ("resolve", "warning", 75, minutes(250)),
        ("resolve", "warning", 90, minutes(286)),
        ("resolve", "breached", None, minutes(310)),
    ]
    last = only(inc.facts, "clock_stopped", "resolve")[-1]
    assert (last.outcome, last.elapsed_seconds) == ("breached", 360 * 60.0)


# --- severity changes --------------------------------------------------------------------------


def test_raising_severity_fires_thresholds_now_in_the_past_at_the_change() -> None:
    inc = Incident(severity="S3")
    assert inc.advance(minutes(20)) == []
    facts = inc.event("severity_changed", minutes(25), to_severity="S1")
    assert [(f.NAME, f.clock) for f in facts[:2]] == [
        ("clock_retargeted", "respond"),
        ("clock_retargeted", "resolve"),
    ]
    assert thresholds(facts[2:]) == [
        ("respond", "warning", 50, minutes(25)),
        ("respond", "warning", 75, minutes(25)),
        ("respond", "warning", 90, minutes(25)),
        ("respond", "breached", None, minutes(25)),
    ]
    assert inc.due("cf", "resolve") == minutes(240)
    assert inc.clock("cf", "resolve").original_due_at == minutes(1440)


def test_lowering_severity_moves_the_due_time_later() -> None:
    inc = Incident()
    inc.advance(minutes(10))  # respond warned at 50 %
    facts = inc.event("severity_changed", minutes(10), to_severity="S3")
    assert [(f.clock, f.target_seconds, instant(f, "due_at")) for f in facts] == [
        ("respond", 3600.0, minutes(60)),
        ("resolve", 86400.0, minutes(1440)),
    ]
    assert inc.timer("cf", "respond") == minutes(45)  # 75 % of the new target; 50 % is not repeated
    assert thresholds(inc.advance(minutes(15))) == []


def test_severity_without_a_target_for_a_clock_cancels_that_clock() -> None:
    inc = Incident(
        customer_facing("cf-2", {"S1": targets(15, 240), "S4": {"resolve_minutes": 4320}})
    )
    facts = inc.event("severity_changed", minutes(5), to_severity="S4")
    assert [(f.NAME, f.clock, f.outcome) for f in facts] == [
        ("clock_stopped", "respond", "cancelled"),
        ("clock_retargeted", "resolve", None),
    ]


# --- hand-off to the provider ------------------------------------------------------------------


def test_escalation_to_the_provider_starts_underpinning_coverage_at_the_hand_off() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    facts = inc.escalate(minutes(20))
    assert [(f.contract_id, f.NAME, f.clock, instant(f), instant(f, "due_at")) for f in facts] == [
        ("up", "clock_started", "respond", minutes(20), minutes(50)),
        ("up", "clock_started", "resolve", minutes(20), minutes(500)),
    ]
    assert (facts[0].owing_party, facts[0].owed_party) == (PROVIDER, PARTNER)
    assert inc.state.assigned == "acme/TAC L2"


def test_assignment_to_the_provider_is_a_hand_off_too_but_only_the_first_one_counts() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    inc.event("assigned", minutes(20), party=PROVIDER, tier="L1")
    assert inc.escalate(minutes(30), tier="L2") == []
    assert [c.contract_id for c in inc.state.coverages] == ["cf", "up"]
    assert inc.clock("up", "respond").started_at == minutes(20)


def test_escalation_within_the_partner_starts_no_underpinning_coverage() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    assert inc.escalate(minutes(20), party=PARTNER, tier="L2") == []
    assert [c.contract_id for c in inc.state.coverages] == ["cf"]


def test_provider_acknowledgement_before_the_hand_off_meets_underpinning_respond_at_once() -> None:
    inc = Incident()
    inc.ack(PROVIDER, minutes(5))
    facts = inc.escalate(minutes(20))
    [met] = only(facts, "target_met")
    assert (met.contract_id, met.clock, met.elapsed_seconds, instant(met)) == (
        "up",
        "respond",
        0.0,
        minutes(20),
    )
    assert inc.clock("cf", "respond").running  # the partner still owes its own response


def test_a_hand_off_while_pending_the_customer_starts_underpinning_resolve_paused() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    inc.status("pending_customer", minutes(10))
    facts = inc.escalate(minutes(20))
    assert [(f.NAME, f.clock, f.state) for f in facts] == [
        ("clock_started", "respond", "running"),
        ("clock_started", "resolve", "running"),
        ("clock_paused", "resolve", "paused"),
    ]
    inc.status("in_progress", minutes(50), actor=CUSTOMER)
    assert inc.due("up", "resolve") == minutes(50 + 480)


# --- business hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("friday", "respond_due_utc", "resolve_due_utc"),
    [
        (
            datetime(2026, 11, 20, 16, tzinfo=BERLIN),
            datetime(2026, 11, 23, 9, tzinfo=UTC),
            datetime(2026, 11, 23, 15, tzinfo=UTC),
        ),
        # clocks go forward on Sunday 29 March: Monday 10:00 CEST is 08:00 UTC
        (
            datetime(2026, 3, 27, 16, tzinfo=BERLIN),
            datetime(2026, 3, 30, 8, tzinfo=UTC),
            datetime(2026, 3, 30, 14, tzinfo=UTC),
        ),
        # clocks go back on Sunday 25 October: Fri 16:00 CEST is 14:00 UTC, Mon 10:00 CET 09:00 UTC
        (
            datetime(2026, 10, 23, 16, tzinfo=BERLIN),
            datetime(2026, 10, 26, 9, tzinfo=UTC),
            datetime(2026, 10, 26, 15, tzinfo=UTC),
        ),
    ],
    ids=["november", "spring-forward", "fall-back"],
)
def test_office_hours_clock_started_friday_16_00_is_due_monday(
    friday: datetime, respond_due_utc: datetime, resolve_due_utc: datetime
) -> None:
    inc = Incident(CF, UP_OFFICE, at=friday - timedelta(hours=1))
    inc.ack(PARTNER, friday - timedelta(minutes=50))
    respond, resolve = inc.escalate(friday)
    assert instant(respond, "due_at") == respond_due_utc  # 2 h: Fri 16-17, Mon 09-10
    assert respond.due_at == respond_due_utc.isoformat()
    assert instant(resolve, "due_at") == resolve_due_utc  # 8 h: Fri 16-17, Mon 09-16
    assert thresholds(only(inc.advance(respond_due_utc - US), "warning", "respond")) == [
        ("respond", "warning", 50, datetime(2026, friday.month, friday.day, 17, tzinfo=BERLIN)),
        ("respond", "warning", 75, respond_due_utc - timedelta(minutes=30)),
        ("respond", "warning", 90, respond_due_utc - timedelta(minutes=12)),
    ]
    assert thresholds(only(inc.advance(respond_due_utc), "breached", "respond")) == [
        ("respond", "breached", None, respond_due_utc)
    ]
    assert inc.state.coverage("underpinning").held == {"acme/TAC L2": 2 * 3600.0}


# --- held time ---------------------------------------------------------------------------------


def test_held_time_follows_the_ball_and_sums_to_the_covered_business_time() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    inc.escalate(minutes(20))
    inc.status("pending_customer", minutes(60), actor=PROVIDER)
    inc.status("in_progress", minutes(90), actor=CUSTOMER)
    inc.advance(minutes(120))
    customer_facing, underpinning = inc.state.coverages
    assert customer_facing.held == {"northwind/": 1200.0, "acme/TAC L2": 4200.0, "initech/": 1800.0}
    assert underpinning.held == {"acme/TAC L2": 4200.0, "initech/": 1800.0}
    assert sum(customer_facing.held.values()) == 120 * 60.0
    assert sum(underpinning.held.values()) == 100 * 60.0


def test_held_time_under_office_hours_counts_business_seconds_only() -> None:
    monday = datetime(2026, 11, 23, 15, tzinfo=BERLIN)
    inc = Incident(CF, UP_OFFICE, at=monday - timedelta(minutes=20))
    inc.escalate(monday)
    inc.status("pending_customer", monday + timedelta(minutes=60), actor=PROVIDER)  # 16:00
    inc.status("in_progress", monday + timedelta(hours=3), actor=CUSTOMER)  # 18:00, closed
    tuesday_10 = datetime(2026, 11, 24, 10, tzinfo=BERLIN)
    inc.advance(tuesday_10)
    underpinning = inc.state.coverage("underpinning")
    assert underpinning.held == {"acme/TAC L2": 2 * 3600.0, "initech/": 3600.0}
    covered = UP_OFFICE.calendar.business_seconds(monday, tuesday_10)
    assert sum(underpinning.held.values()) == covered
    customer_facing = inc.state.coverage("customer_facing")  # 24x7
    assert sum(customer_facing.held.values()) == (tuesday_10 - inc.state.opened_at).total_seconds()


def test_no_time_is_held_between_resolution_and_reopen() -> None:
    inc = Incident()
    inc.ack(PARTNER, minutes(5))
    inc.event("resolved", minutes(60))
    inc.event("reopened", minutes(1000), actor=CUSTOMER)
    inc.advance(minutes(1030))
    assert inc.state.coverages[0].held == {"northwind/": 90 * 60.0}


# --- credits -----------------------------------------------------------------------------------


def test_a_breach_credits_the_fixed_amount_plus_a_percentage_of_the_monthly_fee() -> None:
    inc = Incident(CF_CREDITS)
    [credit] = only(inc.advance(minutes(15)), "credit_due")
    assert {
        k: getattr(credit, k) for k in ("clock", "rule", "amount", "currency", "month", "at")
    } == {
        "clock": "respond",
        "rule": "breach",
        "amount": "200",
        "currency": "EUR",
        "month": "2026-11",
        "at": minutes(15).isoformat(),
    }


def test_late_resolution_credits_every_started_hour_and_a_reopen_only_the_additional_ones() -> None:
    inc = Incident(CF_CREDITS)
    inc.ack(PARTNER, minutes(5))
    inc.advance(minutes(240))
    late = only(inc.event("resolved", minutes(240 + 61)), "credit_due")
    assert [(f.rule, f.amount, f.hours, f.through_hour) for f in late] == [
        ("late_hours", "20", 2, 2)
    ]
    inc.event("reopened", minutes(400), actor=CUSTOMER)
    assert only(inc.event("resolved", minutes(429)), "credit_due") == []  # 90 min late: still 2 h
    inc.event("reopened", minutes(500), actor=CUSTOMER)
    more = only(inc.event("resolved", minutes(531)), "credit_due")  # 121 min late: a 3rd hour
    assert [(f.amount, f.hours, f.through_hour) for f in more] == [("10", 1, 3)]
    assert [f.rule for f in only(inc.facts, "credit_due")] == ["breach", "late_hours", "late_hours"]


def test_no_credit_without_credit_rules() -> None:
    inc = Incident()
    inc.advance(minutes(300))
    inc.event("resolved", minutes(400))
    assert only(inc.facts, "credit_due") == []
    assert len(only(inc.facts, "breached")) == 2


# --- update clock ------------------------------------------------------------------------------


def test_update_clock_starts_at_the_owing_partys_acknowledgement() -> None:
    inc = Incident(CF_UPDATES)
    assert "INC-1|cf-u|update" not in inc.projector.timers(inc.state)
    facts = inc.ack(PARTNER, minutes(5))
    assert [(f.NAME, f.clock, f.due_at) for f in facts] == [
        ("target_met", "respond", None),
        ("clock_started", "update", minutes(65).isoformat()),
    ]


def test_a_shared_note_by_the_owing_party_restarts_the_update_clock() -> None:
    inc = Incident(CF_UPDATES)
    inc.ack(PARTNER, minutes(5))
    [started] = inc.note(minutes(30), PARTNER)
    assert (started.NAME, started.round, instant(started, "due_at")) == (
        "clock_started",
        1,
        minutes(90),
    )
    assert inc.timer("cf-u", "update") == minutes(60)


def test_a_status_change_by_the_owing_party_restarts_the_update_clock() -> None:
    inc = Incident(CF_UPDATES)
    inc.ack(PARTNER, minutes(5))
    [started] = inc.status("in_progress", minutes(30))
    assert (started.NAME, started.round) == ("clock_started", 1)


@pytest.mark.parametrize(
    ("actor", "visibility"),
    [(PARTNER, "internal"), (PARTNER, "restricted"), (PROVIDER, "shared"), (CUSTOMER, "shared")],
)
def test_notes_the_customer_cannot_see_or_not_by_the_partner_leave_the_update_clock(
    actor: str, visibility: str
) -> None:
    inc = Incident(CF_UPDATES)
    inc.ack(PARTNER, minutes(5))
    assert inc.note(minutes(30), actor, visibility) == []
    assert inc.due("cf-u", "update") == minutes(65)


def test_a_restricted_note_by_the_provider_updates_the_partner_but_not_the_customer() -> None:
    inc = Incident(CF_UPDATES, UP_UPDATES)
    inc.ack(PARTNER, minutes(5))
    inc.ack(PROVIDER, minutes(10))
    inc.escalate(minutes(20))  # provider acknowledged already: its update clock starts now
    assert inc.due("up-u", "update") == minutes(140)
    facts = inc.note(minutes(30), PROVIDER, "restricted")
    assert [(f.contract_id, f.NAME, f.round) for f in facts] == [("up-u", "clock_started", 1)]
    assert inc.due("up-u", "update") == minutes(150)
    assert inc.due("cf-u", "update") == minutes(65)


def test_a_missed_update_breaches_once_per_interval() -> None:
    inc = Incident(CF_UPDATES)
    inc.ack(PARTNER, minutes(5))
    first = only(inc.advance(minutes(70)), "breached", "update")
    inc.note(minutes(70), PARTNER)
    second = only(inc.advance(minutes(200)), "breached", "update")
    assert [(instant(f), f.round) for f in first + second] == [(minutes(65), 0), (minutes(130), 1)]
    assert first[0].key != second[0].key


def test_a_note_while_pending_restarts_the_update_clock_but_it_stays_paused() -> None:
    inc = Incident(CF_UPDATES)
    inc.ack(PARTNER, minutes(5))
    inc.status("pending_customer", minutes(30))
    facts = inc.note(minutes(40), PARTNER)
    assert [(f.NAME, f.round, f.state) for f in facts] == [
        ("clock_started", 2, "running"),
        ("clock_paused", 2, "paused"),
    ]
    assert inc.timer("cf-u", "update") is None
    assert only(inc.advance(minutes(200)), "breached", "update") == []
    inc.status("in_progress", minutes(200), actor=CUSTOMER)
    assert inc.due("cf-u", "update") == minutes(260)


# --- cancellation and timers -------------------------------------------------------------------


def test_cancellation_stops_every_clock_without_a_breach() -> None:
    inc = Incident(CF_CREDITS)
    inc.advance(minutes(10))
    facts = inc.event("cancelled", minutes(10))
    assert [(f.NAME, f.clock, f.outcome) for f in facts] == [
        ("clock_stopped", "respond", "cancelled"),
        ("clock_stopped", "resolve", "cancelled"),
    ]
    assert inc.projector.timers(inc.state) == {
        "INC-1|cf-c|respond": None,
        "INC-1|cf-c|resolve": None,
    }
    assert inc.advance(minutes(1000)) == []
    assert only(inc.facts, "breached") == only(inc.facts, "credit_due") == []


def test_a_cancelled_incident_is_not_resumed_by_a_reopen() -> None:
    inc = Incident()
    inc.event("cancelled", minutes(10))
    assert inc.event("reopened", minutes(20), actor=CUSTOMER) == []


def test_timers_wait_for_the_next_threshold_of_running_clocks_only() -> None:
    inc = Incident()
    assert inc.projector.timers(inc.state) == {
        "INC-1|cf|respond": minutes(7.5),
        "INC-1|cf|resolve": minutes(120),
    }
    inc.advance(minutes(8))
    inc.ack(PARTNER, minutes(9))
    inc.status("pending_customer", minutes(10))
    assert inc.projector.timers(inc.state) == {"INC-1|cf|respond": None, "INC-1|cf|resolve": None}
    inc.status("in_progress", minutes(40), actor=CUSTOMER)
    inc.escalate(minutes(50))
    assert inc.projector.timers(inc.state) == {
        "INC-1|cf|respond": None,
        "INC-1|cf|resolve": minutes(150),
        "INC-1|up|respond": minutes(65),
        "INC-1|up|resolve": minutes(290),
    }


def test_a_severity_change_starts_a_clock_the_old_severity_had_no_target_for() -> None:
    cf = customer_facing("cf-s4", {"S4": {"resolve_minutes": 4800}, "S1": targets(15, 240)})
    incident = Incident(cf, UP, severity="S4")
    assert set(incident.state.coverages[0].clocks) == {"resolve"}
    facts = incident.event("severity_changed", minutes(10), to_severity="S1")
    started = [f.clock for f in facts if f.NAME == "clock_started"]
    assert started == ["respond"]
    assert incident.due("cf-s4", "respond") == minutes(25)
    # The resolve clock keeps its ten minutes and gets the S1 target.
    assert incident.due("cf-s4", "resolve") == minutes(240)
