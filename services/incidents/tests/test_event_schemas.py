"""Every event the incidents service can emit matches its schema in schemas/events/, and every
schema is a compatible revision of its frozen v1 baseline in schemas/compat/v1/.

Fast and pure: events are built by hypothesis and by driving the aggregate's own
`decide_open`/`decide`/`evolve` through a whole lifecycle; the lifecycle's events also go
through `cloudevent.to_kafka` with the metadata `handlers._append` attaches and are checked as
Kafka records. No database, no broker.
"""

from __future__ import annotations

import copy
import dataclasses
import typing
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

import pytest
import schema_check as sc
from hypothesis import given, settings
from hypothesis import strategies as st

from village_incidents.domain import commands as c
from village_incidents.domain import events as e
from village_incidents.domain import outage_rules, provider_incident
from village_incidents.domain.events import CATALOG
from village_incidents.domain.incident import (
    ACTIVE,
    SEVERITIES,
    Incident,
    Note,
    Party,
    evolve,
    evolve_note,
)
from village_incidents.domain.provider_incident import ProviderIncident
from village_incidents.domain.rules import decide, decide_open
from village_incidents.domain.supply import legacy_supplies
from village_platform import cloudevent
from village_platform.eventstore import StoredEvent

EVENT_CLASSES = CATALOG.classes
TYPES = sorted(EVENT_CLASSES)


# --------------------------------------------------------------------------- schema <-> code


def test_one_schema_per_event_type_and_no_orphans() -> None:
    schema_types = set(sc.event_schemas())
    assert set(EVENT_CLASSES) - schema_types == set(), "event types without a schema"
    assert schema_types - set(EVENT_CLASSES) == set(), "schemas without an event class"


@pytest.mark.parametrize("type_", TYPES)
def test_schema_lists_exactly_the_event_fields(type_: str) -> None:
    """asdict() emits every field, so every field is a property; a field without a default is
    required. (A field added to a v1 event later gets a default and stays optional in the schema:
    stored events from before lack it.)"""
    schema = sc.event_schemas()[type_]
    fields = dataclasses.fields(EVENT_CLASSES[type_])
    assert sorted(schema["properties"]) == sorted(f.name for f in fields)
    no_default = {
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert no_default <= set(schema["required"]) <= {f.name for f in fields}


@pytest.mark.parametrize("type_", TYPES)
def test_schema_states_the_event_visibility(type_: str) -> None:
    cls = EVENT_CLASSES[type_]
    rule = sc.event_schemas()[type_]["x-village-visibility"]
    if "note_visibility" in {f.name for f in dataclasses.fields(cls)}:
        assert rule == {"property": "note_visibility"}
    else:
        assert rule == {"fixed": cls.VISIBILITY}


@pytest.mark.parametrize("type_", TYPES)
def test_schema_examples_are_events(type_: str) -> None:
    for example in sc.event_schemas()[type_]["examples"]:
        event = CATALOG.load(type_, copy.deepcopy(example))
        assert event.type == type_
        assert event.to_data() == example


# --------------------------------------------------------------------------- hypothesis

PARTY = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,30}\Z")
USER = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.@-]{0,30}\Z")
TEXT = st.text(min_size=1, max_size=60)
OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
)
INSTANT = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=OFFSETS
)
ISO = INSTANT.map(datetime.isoformat)
EXTERNAL_REF = st.fixed_dictionaries(
    {"owner": PARTY, "type": st.text(min_size=1, max_size=20), "id": TEXT}
)

# By field name, what the domain puts there (independent of the schemas under test).
BY_NAME: dict[str, st.SearchStrategy[Any]] = {
    "incident_id": st.uuids().map(str),
    "note_id": st.one_of(st.uuids().map(str), TEXT),
    "description": st.text(max_size=200),
    "severity": st.sampled_from(SEVERITIES),
    "from_severity": st.sampled_from(SEVERITIES),
    "to_severity": st.sampled_from(SEVERITIES),
    "from_status": st.sampled_from(sorted(ACTIVE)),
    "to_status": st.sampled_from(["in_progress", "pending_customer", "on_hold"]),
    "external_refs": st.lists(EXTERNAL_REF, max_size=3),
    "rating": st.integers(1, 5),
    "started_at": ISO,
    "ended_at": ISO,
    "automatic": st.booleans(),
    "may_invite": st.booleans(),
    "chain": st.lists(PARTY, min_size=3, max_size=8, unique=True),
    "products": st.lists(TEXT, min_size=1, max_size=5, unique=True),
    "customers": st.lists(PARTY, max_size=5),
    "outage_id": st.uuids().map(str),
    "update_id": st.uuids().map(str),
    "total": st.integers(0, 10_000),
    "impacted_services": st.lists(TEXT, max_size=3),
    "regions": st.lists(TEXT, max_size=3),
    "cascade": st.lists(st.uuids().map(str), max_size=3),
}
PARTY_FIELDS = {
    "customer",
    "partner",
    "provider",
    "requester",
    "supplier",
    "buyer",
    "party",
    "from_party",
    "to_party",
    "author_party",
    "changed_by_party",
    "invited_by",
    "revoked_by",
    "rated_by",
    "linked_by",
    "unlinked_by",
}
USER_FIELDS = {"opened_by", "user", "assignee", "author_user", "changed_by_user", "declared_by"}


def _field_strategy(name: str, hint: Any) -> st.SearchStrategy[Any]:
    args = typing.get_args(hint)
    optional = type(None) in args
    if typing.get_origin(hint) is Literal:
        base: st.SearchStrategy[Any] = st.sampled_from(args)
    elif name in BY_NAME:
        base = BY_NAME[name]
    elif name in PARTY_FIELDS:
        base = PARTY
    elif name in USER_FIELDS:
        base = USER
    else:
        base = TEXT
    return st.one_of(st.none(), base) if optional else base


def event_strategy(cls: type[e.Event]) -> st.SearchStrategy[e.Event]:
    hints = typing.get_type_hints(cls)
    return st.builds(
        cls, **{f.name: _field_strategy(f.name, hints[f.name]) for f in dataclasses.fields(cls)}
    )


@pytest.mark.parametrize("type_", TYPES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_generated_events_match_their_schema(type_: str, data: st.DataObject) -> None:
    event = data.draw(event_strategy(EVENT_CLASSES[type_]))
    assert event.type == type_
    sc.validate_event_data(type_, event.to_data())


def test_schema_rejects_drift() -> None:
    """The schemas are strict enough to catch a renamed, missing or mistyped field."""
    example = sc.event_schemas()["village.incident.severity_changed.v1"]["examples"][0]
    for broken in (
        {**example, "to_severity": "S5"},
        {k: v for k, v in example.items() if k != "reason"},
        {**example, "changed_by": example["changed_by_party"]},
        {**example, "reason": None},
    ):
        with pytest.raises(AssertionError):
            sc.validate_event_data("village.incident.severity_changed.v1", broken)


# ------------------------------------------------------------------ the aggregate, end to end

DIRECTORY = {
    "acme": Party("acme", "provider", "Acme Networks"),
    "northwind": Party(
        "northwind", "partner", "Northwind", provider="acme", customers=("initech",)
    ),
    "contoso": Party("contoso", "partner", "Contoso", provider="acme"),
    "fabrikam": Party("fabrikam", "partner", "Fabrikam"),
    "initech": Party("initech", "customer", "Initech", partner="northwind"),
}
NORTHWIND = c.Actor("northwind", "partner", "jane.doe")
ACME = c.Actor("acme", "provider", "sam.tac")
CONTOSO = c.Actor("contoso", "partner", "kim")
INITECH = c.Actor("initech", "customer", "bob")
SCHEDULER = c.Actor("village", "service", "autoclose")


class Lifecycle:
    """Drives the pure aggregate like handlers.py does and records each event as it would be
    stored (data + the metadata `_append` attaches)."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.state: Incident | None = None
        self.stored: list[StoredEvent] = []
        self.notes: dict[str, Note] = {}  # as the notes read model holds them

    def _append(self, actor: c.Actor, events: list[e.Event]) -> None:
        before = self.state
        after = before
        for event in events:
            after = evolve(after, event, self.now)
            if isinstance(event, e.NoteEvent):
                note = self.notes.get(event.note_id)
                self.notes[event.note_id] = evolve_note(note, event, self.now, after)
        assert after is not None
        parties = sorted({*(before.parties if before else []), *after.parties})
        for event in events:
            self.stored.append(
                StoredEvent(
                    event_id=uuid.uuid4(),
                    stream_id=after.id,
                    stream_version=len(self.stored) + 1,
                    type=event.type,
                    data=event.to_data(),
                    metadata={
                        "visibility": event.visibility,
                        "actor_party": actor.party,
                        "actor_kind": actor.kind,
                        "actor_user": actor.user,
                        "correlation_id": None,
                        "causation_id": f"idem-{len(self.stored)}",
                        "traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
                        "parties": parties,
                    },
                    recorded_at=self.now,
                    position=1000 + len(self.stored),
                )
            )
        self.state = after

    def open(self, cmd: c.OpenIncident, actor: c.Actor) -> None:
        self._append(actor, decide_open(cmd, actor, DIRECTORY))

    def do(self, actor: c.Actor, cmd: object, *, later: timedelta = timedelta(minutes=5)) -> None:
        self.now += later
        assert self.state is not None
        self._append(actor, decide(self.state, cmd, actor, self.now, DIRECTORY, self.notes))

    def link(self, actor: c.Actor, outage: ProviderIncident) -> None:
        """Linked to a provider incident: the incident's half of the link."""
        self.now += timedelta(minutes=5)
        _, incident_events = outage_rules.link(outage, self.state, actor, PARTNERS)
        self._append(actor, list(incident_events))

    def unlink(self, actor: c.Actor, outage: ProviderIncident, reason: str) -> None:
        self.now += timedelta(minutes=5)
        _, incident_events = outage_rules.unlink(outage, self.state, actor, reason)
        self._append(actor, list(incident_events))


PARTNERS = ["contoso", "northwind"]  # acme's (DIRECTORY's) partners


def _acme_outage(now: datetime) -> ProviderIncident:
    cmd = c.DeclareOutage(
        str(uuid.uuid4()), "Router firmware 7.2", "Tunnels drop", ["routers"], "S1"
    )
    [declared] = outage_rules.declare(cmd, ACME, legacy_supplies(DIRECTORY.values()), now)
    return provider_incident.evolve(None, declared, now)


def _full_lifecycle() -> Lifecycle:
    life = Lifecycle(datetime(2026, 11, 23, 9, 12, tzinfo=UTC))
    life.open(
        c.OpenIncident(
            incident_id=str(uuid.uuid4()),
            title="Branch office VPN down",
            description="Tunnel to Leeds dropped.",
            severity="S1",
            product="routers",
            impacted_service="branch-vpn",
            customer="initech",
            external_refs=[{"owner": "northwind", "type": "servicenow", "id": "INC0012345"}],
        ),
        NORTHWIND,
    )
    life.do(NORTHWIND, c.Acknowledge())
    life.do(ACME, c.Acknowledge())
    life.do(NORTHWIND, c.Assign("northwind", tier="L2", assignee="jane.doe"))
    life.do(NORTHWIND, c.Escalate("acme", "TAC L2", "needs the vendor", decision_id="d-1"))
    life.do(NORTHWIND, c.AddNote("n-1", "IKE logs attached.", "shared"))
    life.do(ACME, c.AddNote("n-2", "Looks like a firmware bug.", "internal"))
    life.do(ACME, c.AddNote("n-3", "Partner-only detail.", "restricted"))
    life.do(INITECH, c.AddNote("n-4", "Still down here.", "shared"))
    life.do(NORTHWIND, c.EditNote("n-1", "IKE and syslog attached."))
    life.do(ACME, c.DeleteNote("n-2"))
    life.do(ACME, c.ChangeStatus("in_progress"))
    life.do(ACME, c.ChangeStatus("on_hold", reason="waiting on a firmware fix"))
    life.do(NORTHWIND, c.ChangeStatus("pending_customer"))
    life.do(NORTHWIND, c.ChangeSeverity("S2", "workaround in place"))
    outage = _acme_outage(life.now)
    life.link(NORTHWIND, outage)
    life.unlink(ACME, outage, "not this outage")
    life.do(
        NORTHWIND,
        c.StartImpact(started_at=life.now - timedelta(minutes=30), description="branch offline"),
    )
    life.do(NORTHWIND, c.EndImpact())
    life.do(
        NORTHWIND,
        c.InviteCollaborator(
            "contoso", scope="firewall rules review", may_invite=True, reason="runs the firewalls"
        ),
    )
    life.do(CONTOSO, c.Assign("contoso", tier="L3"))
    life.do(CONTOSO, c.InviteCollaborator("fabrikam", scope="VPN logs", reason="VPN specialist"))
    # contoso's revocation takes fabrikam's with it: a collaborator_revoked with cascade_of.
    life.do(NORTHWIND, c.RevokeCollaborator("contoso", reason="review done"))
    life.do(
        ACME, c.ChangeStatus("resolved", resolution_code="config-fix", resolution_notes="Rekeyed.")
    )
    life.do(INITECH, c.ChangeStatus("reopened", reason="dropped again at 14:02"))
    life.do(
        ACME,
        c.ChangeStatus("resolved", resolution_code="firmware", resolution_notes="Upgraded to 7.2."),
    )
    life.do(INITECH, c.ChangeStatus("closed", reason="confirmed"))
    life.do(INITECH, c.Rate(5, reason="fixed within the hour"))
    return life


def _cancelled_lifecycle() -> Lifecycle:
    life = Lifecycle(datetime(2026, 11, 24, 8, 0, tzinfo=timezone(timedelta(hours=1))))
    life.open(
        c.OpenIncident(
            incident_id=str(uuid.uuid4()),
            title="Printer",
            description="",
            severity="S4",
            product="printers",
        ),
        INITECH,
    )
    life.do(INITECH, c.ChangeStatus("cancelled", reason="opened by mistake"))
    return life


def _autoclosed_lifecycle() -> Lifecycle:
    life = Lifecycle(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    life.open(
        c.OpenIncident(
            incident_id=str(uuid.uuid4()),
            title="Slow DNS",
            description="p95 at 2 s",
            severity="S3",
            product="dns",
            customer="initech",
        ),
        NORTHWIND,
    )
    life.do(
        NORTHWIND, c.ChangeStatus("resolved", resolution_code="cache", resolution_notes="Flushed.")
    )
    life.do(SCHEDULER, c.AutoClose(quiet_hours=72), later=timedelta(hours=73))
    life.do(INITECH, c.Rate(3))
    return life


LIFECYCLES = [_full_lifecycle, _cancelled_lifecycle, _autoclosed_lifecycle]


@pytest.mark.parametrize("run", LIFECYCLES, ids=lambda f: f.__name__.strip("_"))
def test_every_event_of_a_lifecycle_matches_its_schema(run: Any) -> None:
    for event in run().stored:
        sc.validate_event_data(event.type, event.data)


@pytest.mark.parametrize("run", LIFECYCLES, ids=lambda f: f.__name__.strip("_"))
def test_every_event_of_a_lifecycle_is_a_valid_kafka_cloudevent(run: Any) -> None:
    for event in run().stored:
        message = cloudevent.to_kafka(event, "/village/incidents")
        sc.assert_valid_cloudevent(
            list(message.headers.items()), message.key.encode(), message.value
        )


def test_the_lifecycles_emit_every_event_type() -> None:
    """So the lifecycle tests above cover everything the aggregate can emit (the directory's
    supply events: test_value_web.py)."""
    emitted = {event.type for run in LIFECYCLES for event in run().stored}
    assert emitted == {t for t in EVENT_CLASSES if t.startswith("village.incident.")}


class OutageLife:
    """Drives a provider incident's rules like outages.py does and records each event as it
    would be stored (data + the audience `describe` gives it + the actor)."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.state: ProviderIncident | None = None
        self.stored: list[StoredEvent] = []

    def append(self, actor: c.Actor, events: list[e.OutageEvent], incident: Incident | None = None):
        self.now += timedelta(minutes=5)
        for event in events:
            self.state = provider_incident.evolve(self.state, event, self.now)
            audience = provider_incident.describe(self.state, event, PARTNERS, incident)
            self.stored.append(
                StoredEvent(
                    event_id=uuid.uuid4(),
                    stream_id=self.state.stream_id,
                    stream_version=self.state.version,
                    type=event.type,
                    data=event.to_data(),
                    metadata={**audience, "actor_party": actor.party, "actor_kind": actor.kind},
                    recorded_at=self.now,
                    position=2000 + len(self.stored),
                )
            )


def _outage_lifecycle() -> OutageLife:
    """acme declares, moves on, northwind links its incident and unlinks it, acme cancels."""
    life = OutageLife(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    incident = Lifecycle(life.now)
    incident.open(
        c.OpenIncident(str(uuid.uuid4()), "VPN", "", "S1", "routers", customer="initech"),
        NORTHWIND,
    )
    cmd = c.DeclareOutage(str(uuid.uuid4()), "Firmware 7.2", "", ["routers"], "S1", regions=["eu"])
    life.append(
        ACME, outage_rules.declare(cmd, ACME, legacy_supplies(DIRECTORY.values()), life.now)
    )
    for status in ("investigating", "monitoring"):
        life.append(
            ACME, outage_rules.change_status(life.state, c.ChangeOutageStatus(status, "x"), ACME)
        )
    linked, _ = outage_rules.link(life.state, incident.state, NORTHWIND, PARTNERS)
    life.append(NORTHWIND, linked, incident.state)
    incident.link(NORTHWIND, life.state)
    unlinked, _ = outage_rules.unlink(life.state, incident.state, NORTHWIND, "not ours")
    life.append(NORTHWIND, unlinked, incident.state)
    # A swarm two hops deep, revoked from the top (northwind's hop and contoso's below it).
    ask = c.InviteToSwarm("northwind", "routers", "firmware", "logs", may_invite=True)
    life.append(ACME, outage_rules.invite_to_swarm(life.state, ask, ACME, PARTNERS))
    ask = c.InviteToSwarm("contoso", "routers", "tunnels")
    life.append(NORTHWIND, outage_rules.invite_to_swarm(life.state, ask, NORTHWIND, PARTNERS))
    top = life.state.swarm.hops[0].hop_id
    revoke = c.RevokeSwarmHop(top, "fixed")
    life.append(ACME, outage_rules.revoke_swarm_hop(life.state, revoke, ACME, PARTNERS))
    update = c.PostOutageUpdate(str(uuid.uuid4()), "Fix in test", "partners")
    life.append(ACME, outage_rules.post_update(life.state, update, ACME))
    life.append(ACME, outage_rules.cancel(life.state, c.CancelOutage("false alarm"), ACME))
    return life


def _resolved_outage() -> OutageLife:
    """acme declares and resolves."""
    life = OutageLife(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    cmd = c.DeclareOutage(str(uuid.uuid4()), "Firmware 7.2", "", ["routers"], "S1")
    life.append(
        ACME, outage_rules.declare(cmd, ACME, legacy_supplies(DIRECTORY.values()), life.now)
    )
    resolve = c.ResolveOutage("fixed", "7.2.1", "Upgrade to 7.2.1")
    life.append(ACME, outage_rules.resolve(life.state, resolve, ACME))
    return life


def test_every_event_of_a_provider_incident_is_a_valid_kafka_cloudevent() -> None:
    stored = _outage_lifecycle().stored + _resolved_outage().stored
    for event in stored:
        message = cloudevent.to_kafka(event, "/village/incidents")
        data = sc.assert_valid_cloudevent(
            list(message.headers.items()), message.key.encode(), message.value
        )
        assert data == event.data  # its provider sees every one: on its topic whole
    emitted = {event.type for event in stored}
    assert emitted == {t for t in EVENT_CLASSES if t.startswith("village.outage.")}


# --------------------------------------------------------------------------- compatibility


@pytest.mark.parametrize("type_", TYPES)
def test_schema_is_backward_compatible_with_its_v1_baseline(type_: str) -> None:
    path = sc.BASELINE_DIR / f"{type_}.json"
    assert path.is_file(), (
        f"freeze the first published version: cp schemas/events/{type_}.json {path}"
    )
    assert sc.compat_problems(sc.load_json(path), sc.event_schemas()[type_]) == []


@pytest.mark.parametrize("type_", TYPES)
def test_baseline_examples_are_still_valid(type_: str) -> None:
    """Old events (the baseline's examples) validate against the current schema."""
    for example in sc.load_json(sc.BASELINE_DIR / f"{type_}.json")["examples"]:
        sc.validate_event_data(type_, example)


def _opened() -> dict[str, Any]:
    return copy.deepcopy(sc.load_json(sc.BASELINE_DIR / "village.incident.opened.v1.json"))


def _edit(change: Any) -> dict[str, Any]:
    schema = _opened()
    change(schema)
    return schema


def _add_optional(s: dict[str, Any]) -> None:
    s["properties"]["region"] = {"type": ["string", "null"], "description": "new, optional"}


def _add_required(s: dict[str, Any]) -> None:
    _add_optional(s)
    s["required"].append("region")


COMPATIBLE = {
    "description changed": lambda s: s.update(description="reworded"),
    "examples changed": lambda s: s.update(examples=[]),
    "optional property added": _add_optional,
    "enum value added": lambda s: s["properties"]["severity"]["enum"].append("S5"),
    "additionalProperties opened": lambda s: s.pop("additionalProperties"),
    "property description changed": lambda s: s["properties"]["title"].update(description="x"),
}
BREAKING = {
    "property removed": lambda s: (s["properties"].pop("product"), s["required"].remove("product")),
    "property newly required": _add_required,
    "property no longer required": lambda s: s["required"].remove("impacted_service"),
    "type narrowed": lambda s: s["properties"]["impacted_service"].update(type="string"),
    "type widened": lambda s: s["properties"]["title"].update(type=["string", "null"]),
    "type changed": lambda s: s["properties"]["severity"].update(type="integer"),
    "enum value removed": lambda s: s["properties"]["severity"]["enum"].remove("S4"),
    "minLength raised": lambda s: s["properties"]["title"].update(minLength=5),
    "pattern added": lambda s: s["properties"]["product"].update(pattern="^[a-z]+$"),
    "nested property removed": lambda s: s["properties"]["external_refs"]["items"][
        "properties"
    ].pop("type"),
    "nested type changed": lambda s: s["properties"]["external_refs"]["items"]["properties"][
        "id"
    ].update(type="integer"),
    "visibility changed": lambda s: s.update({"x-village-visibility": {"fixed": "restricted"}}),
    "$id changed": lambda s: s.update({"$id": "https://village.dev/schemas/events/other.json"}),
}


@pytest.mark.parametrize("name", COMPATIBLE)
def test_compat_checker_allows(name: str) -> None:
    assert sc.compat_problems(_opened(), _edit(COMPATIBLE[name])) == []


@pytest.mark.parametrize("name", BREAKING)
def test_compat_checker_reports(name: str) -> None:
    assert sc.compat_problems(_opened(), _edit(BREAKING[name])) != []


def test_compat_checker_reports_closing_additional_properties() -> None:
    baseline = _edit(lambda s: s.pop("additionalProperties"))
    assert sc.compat_problems(baseline, _opened()) == ["<root>: additionalProperties True -> False"]
