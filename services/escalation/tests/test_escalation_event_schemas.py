"""Every event the escalation service can emit on `village.escalations.v1` matches its schema in
schemas/events/, every schema is a compatible revision of its frozen v1 baseline in
schemas/compat/v1/, and schemas/asyncapi.yaml describes them all.

Fast and pure: decisions come from the domain (`open`, `follow`, `advance`, `on_sla_warning`,
`request`) for every kind and trigger and every shape of basis; outcomes from the service's own
`OutcomeLog.record` and `_problem` (with real httpx responses); configuration events from
`ConfigBook.record` with each document kind's examples (its `json_schema_extra`). Both take a
stand-in connection and event store that keep what they are given, and the events they append
also go through `cloudevent.to_kafka` as Kafka records: envelope, key, data and visibility
(`assert_valid_cloudevent`) and the AsyncAPI message's headers. The records the running service
publishes are checked the same way in tests/e2e/test_e2e_escalation.py.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import schema_check as sc
import yaml
from escalation_demo import T0, open_incident, routed, snapshot, warning

from village_escalation import applying, configbook
from village_escalation.applying import ESCALATION_STREAM, OutcomeLog
from village_escalation.configbook import KINDS, ConfigBook, Key
from village_escalation.domain import escalation as esc
from village_escalation.domain.config import ProfileDoc, RulesDoc, TiersDoc
from village_escalation.domain.escalation import Decision
from village_escalation.domain.facts import Acknowledged, Assigned, Resolved
from village_platform import cloudevent
from village_platform.envelope import Metadata
from village_platform.eventstore import NewEvent, StoredEvent

TOPIC = "village.escalations.v1"
TYPES = sorted(sc.event_schemas(TOPIC))
ASYNCAPI_DOC = yaml.safe_load(sc.ASYNCAPI.read_text(encoding="utf-8"))
SOURCE_DIR = Path(applying.__file__).parent
DECIDED = "village.escalation.decided.v1"
CONFIG_REVISED = "village.escalation.config_revised.v1"
SLA_EVENT = "5b0e4c1a-2f3d-4e6b-8a9c-0d1e2f3a4b5c"


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def only(decisions: list[Decision]) -> Decision:
    assert len(decisions) == 1, decisions
    return decisions[0]


# --------------------------------------------------------------------------- schema <-> code


def test_one_schema_per_event_type_the_service_publishes() -> None:
    """The event types named in the service's code (`village.escalation.<name>.v1`; the outcome
    of `OutcomeLog.record` is `applied` or `failed`) are exactly the schemas of the topic."""
    named = set()
    for path in sorted(SOURCE_DIR.rglob("*.py")):
        named |= set(
            re.findall(r"village\.escalation\.([a-z_{}]+)\.v1", path.read_text(encoding="utf-8"))
        )
    if "{outcome}" in named:
        named = (named - {"{outcome}"}) | {"applied", "failed"}
    assert {f"village.escalation.{n}.v1" for n in named} == set(TYPES)


# --------------------------------------------------------------------------- decisions


def _route_by_rule() -> list[Decision]:
    return open_incident(severity="S1", product="firewalls")[1]  # acme's s1-uncertified: TAC L2


def _route_by_partner_rule() -> list[Decision]:
    return open_incident(severity="S1", product="routers")[1]  # northwind's s1-routers: L2


def _route_by_default() -> list[Decision]:
    return open_incident(severity="S3", product="routers")[1]  # northwind L1


def _route_to_the_provider_by_default() -> list[Decision]:
    """The partner has no tiers: the provider's first."""
    return open_incident(
        severity="S3", product="routers", config=snapshot(tiers={"northwind": None})
    )[1]


def _route_for_the_other_partner() -> list[Decision]:
    return open_incident(severity="S2", product="firewalls", customer="umbrella")[1]  # contoso L1


def _ack_timeout() -> list[Decision]:
    state = routed("S3", "routers")
    return esc.advance(state, minutes(31)).decisions


def _no_progress() -> list[Decision]:
    state = routed("S3", "firewalls")  # acme TAC L1: ack 15, progress 60
    state, _ = esc.follow(state, Acknowledged.of({"party": "acme", "user": "sam"}, minutes(2)))
    return esc.advance(state, minutes(61)).decisions


def _sla_warning() -> list[Decision]:
    state = routed("S3", "routers")  # northwind L1: warning at 75 %
    return esc.on_sla_warning(state, warning(75), SLA_EVENT, minutes(5)).decisions


def _manual() -> list[Decision]:
    state = routed("S3", "routers")
    return [
        esc.request(
            state,
            "Customer's CFO escalated: quarter-end close blocked",
            "northwind",
            "jane.doe",
            "req-1",
            minutes(3),
        )[1]
    ]


def _manual_by_the_provider_past_a_ceiling() -> list[Decision]:
    ceiling = {"tiers": [{"name": "TAC L1"}, {"name": "TAC L2"}], "ceiling": "TAC L1"}
    state = routed("S3", "firewalls", config=snapshot(tiers={"acme": ceiling}))  # acme TAC L1
    assert esc.next_due(state) is None  # automatic escalation stops at the ceiling
    return [esc.request(state, "needs TAC L2", "acme", "sam", "req-4", minutes(2))[1]]


def _manual_after_a_refused_route() -> list[Decision]:
    """The route was refused for good: the incident is at no tier, so a request has no origin."""
    state, decisions = open_incident(severity="S3", product="routers")
    state = esc.drop_pending(state, only(decisions).decision_id)
    return [esc.request(state, "nobody has it", "acme", "sam", "req-2", minutes(2))[1]]


def _manual_from_off_the_ladder() -> list[Decision]:
    """Assigned by hand without a tier: the incident is at northwind "" (off the ladder)."""
    state, decisions = open_incident(severity="S3", product="routers")
    assigned = {"party": "northwind", "tier": None, "assignee": "jane.doe"}
    state, _ = esc.follow(state, Assigned.of(assigned, minutes(1)))
    return [esc.request(state, "needs acme", "northwind", "jane.doe", "req-3", minutes(2))[1]]


def _hand_back() -> list[Decision]:
    state = routed("S1", "firewalls")  # acme TAC L2
    return esc.follow(
        state,
        Resolved.of(
            {
                "from_status": "in_progress",
                "resolution_code": "fixed",
                "resolution_notes": "patched",
            },
            minutes(30),
        ),
    ).decisions


def _hand_back_to_a_partner_without_tiers() -> list[Decision]:
    state = routed("S1", "firewalls", config=snapshot(tiers={"northwind": None}))
    return esc.follow(state, Resolved.of({}, minutes(30))).decisions


DECISIONS: list[Callable[[], list[Decision]]] = [
    _route_by_rule,
    _route_by_partner_rule,
    _route_by_default,
    _route_to_the_provider_by_default,
    _route_for_the_other_partner,
    _ack_timeout,
    _no_progress,
    _sla_warning,
    _manual,
    _manual_by_the_provider_past_a_ceiling,
    _manual_after_a_refused_route,
    _manual_from_off_the_ladder,
    _hand_back,
    _hand_back_to_a_partner_without_tiers,
]


def all_decisions() -> list[Decision]:
    return [d for make in DECISIONS for d in make()]


@pytest.mark.parametrize("make", DECISIONS, ids=lambda f: f.__name__.strip("_"))
def test_every_decision_matches_its_schema(make: Callable[[], list[Decision]]) -> None:
    for decision in make():
        sc.validate_event_data(DECIDED, decision.to_data())


def test_the_decisions_cover_every_kind_trigger_and_basis() -> None:
    """So the test above covers everything the domain can decide."""
    decided = [d.to_data() for d in all_decisions()]
    schema = sc.event_schemas(TOPIC)[DECIDED]["properties"]
    assert {d["kind"] for d in decided} == set(schema["kind"]["enum"])
    assert {d["trigger"] for d in decided} == set(schema["trigger"]["enum"])
    assert {d["basis"]["type"] for d in decided} == set(
        schema["basis"]["properties"]["type"]["enum"]
    )
    assert {d["basis"].get("policy") for d in decided} - {None} == set(
        schema["basis"]["properties"]["policy"]["enum"]
    )
    # Every basis property occurs, and every property of `from`/`to` in its edge cases.
    assert set().union(*(d["basis"] for d in decided)) == set(schema["basis"]["properties"])
    assert None in [d["from"] for d in decided if d["kind"] == "escalate"]
    assert "" in [d["from"]["tier"] for d in decided if d["from"]]
    assert "" in [d["to"]["tier"] for d in decided]


def test_decided_schema_rejects_drift() -> None:
    data = only(_ack_timeout()).to_data()
    for broken in (
        {**data, "kind": "promote"},
        {**data, "trigger": "timeout"},
        {k: v for k, v in data.items() if k != "from"},
        {**data, "to": {"party": "acme"}},
        {**data, "to": {"party": "acme", "tier": "TAC L2", "assignee": None}},
        {**data, "basis": {**data["basis"], "value": "15"}},
        {**data, "basis": {**data["basis"], "rule": "x"}},
        {**data, "basis": {k: v for k, v in data["basis"].items() if k != "type"}},
        {**data, "decision_id": "not-a-uuid"},
        {**data, "at": "2026-11-23T09:16:00"},
        {**data, "reason": ""},
    ):
        with pytest.raises(AssertionError):
            sc.validate_event_data(DECIDED, broken)


# --------------------------------------------------------------------------- stand-ins


class _NoRows:
    """A statement's result with nothing returned."""

    def scalars(self) -> list[Any]:
        return []


class Recorder:
    """Stands in for the connection and the event store: keeps what it is given, and numbers each
    stream's events as the store would."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, dict[str, Any]]] = []
        self.records: list[StoredEvent] = []

    async def execute(self, statement: Any, params: dict[str, Any] | None = None) -> _NoRows:
        self.statements.append((str(statement), params or {}))
        return _NoRows()

    def _store(self, stream_id: str, events: list[NewEvent], metadata: dict[str, Any]) -> None:
        for event in events:
            version = 1 + sum(1 for r in self.records if r.stream_id == stream_id)
            self.records.append(
                StoredEvent(
                    event.event_id,
                    stream_id,
                    version,
                    event.type,
                    json.loads(json.dumps(event.data)),
                    {**metadata, **event.metadata},
                    datetime(2026, 11, 23, 9, 20, 0, 512000, tzinfo=UTC),
                    position=len(self.records) + 1,
                )
            )

    async def append_streams(
        self, conn: Any, appends: dict[str, list[NewEvent]], metadata: dict[str, Any]
    ) -> int:
        for stream_id, events in appends.items():
            self._store(stream_id, list(events), metadata)
        return sum(len(e) for e in appends.values())

    async def append(
        self,
        conn: Any,
        stream_id: str,
        expected_version: int,
        events: list[NewEvent],
        metadata: dict[str, Any],
    ) -> list[StoredEvent]:
        assert expected_version == sum(1 for r in self.records if r.stream_id == stream_id)
        self._store(stream_id, list(events), metadata)
        return self.records[-len(events) :]


def decided_record(
    recorder: Recorder, decision: Decision, partner: str = "northwind", provider: str = "acme"
) -> None:
    """What `EscalationRepository.save` appends for a new decision."""
    event = NewEvent(DECIDED, decision.to_data(), event_id=uuid.UUID(decision.decision_id))
    metadata = {
        "parties": sorted({partner, provider}),
        "visibility": "shared",
        "actor_party": "escalation",
        "actor_user": "escalation",
        "traceparent": None,
    }
    recorder._store(ESCALATION_STREAM.format(decision.incident_id), [event], metadata)


def row_of(
    decision: Decision, partner: str = "northwind", provider: str = "acme"
) -> SimpleNamespace:
    """A `decisions` row as `apply_pending` selects it (with the incident's parties)."""
    return SimpleNamespace(
        decision_id=uuid.UUID(decision.decision_id),
        incident_id=decision.incident_id,
        kind=decision.kind,
        to_party=decision.to_tier.party,
        to_tier=decision.to_tier.tier,
        partner=partner,
        provider=provider,
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )


def assert_valid_record(event: StoredEvent) -> dict[str, Any]:
    """The Kafka record the relay would publish: envelope, key, data, visibility, and the AsyncAPI
    message's headers (EscalationCloudEventHeaders, its `ce_type` pinned) and payload."""
    message = cloudevent.to_kafka(event, "/village/escalation")
    data = sc.assert_valid_cloudevent(message.headers, message.key, message.value)
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in message.headers.items()}
    key = next(
        k for k, m in ASYNCAPI_DOC["components"]["messages"].items() if m["name"] == event.type
    )
    reference = f"{sc.ASYNCAPI_URI}#/components/messages/{key}"
    registry = sc.asyncapi_registry()
    assert sc.errors_of({"$ref": f"{reference}/headers"}, headers, registry) == []
    assert sc.errors_of({"$ref": f"{reference}/payload"}, data, registry) == []
    binding = ASYNCAPI_DOC["components"]["messages"][key]["bindings"]["$ref"].rsplit("/", 1)[1]
    key_schema = {"$ref": f"{sc.ASYNCAPI_URI}#/components/messageBindings/{binding}/kafka/key"}
    assert sc.errors_of(key_schema, event.stream_id, registry) == [], (binding, event.stream_id)
    return data


# --------------------------------------------------------------------------- outcomes


def problem_answers() -> httpx.Response:
    """A batch's answer with a refusal of each shape an answer may have."""
    request = httpx.Request("POST", "http://incidents/incident-commands")
    results = [
        {
            "status": 409,
            "problem": {
                "type": "/problems/invalid-transition",
                "title": "Conflict",
                "status": 409,
                "detail": "cannot escalate an incident that is closed",
            },
        },
        {
            "status": 404,
            "problem": {
                "type": "/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": "no such incident",
            },
        },
        {"status": 422, "problem": {"detail": "x" * 5000}},  # long, no type or title
        {"status": 403},  # no problem
        {"status": 400, "problem": ["not", "an", "object"]},
        {"status": 307},  # a redirect is not followed: final too
    ]
    return httpx.Response(200, json={"results": results}, request=request)


async def test_applied_and_failed_outcomes_match_their_schemas() -> None:
    recorder = Recorder()
    applier = OutcomeLog(recorder)
    decisions = all_decisions()
    now = datetime(2026, 11, 23, 9, 20, 0, 318000, tzinfo=UTC)
    for decision in decisions:
        decided_record(recorder, decision)
        assert await applier.record(recorder, row_of(decision), "applied", now, None) == "applied"
    answers = applying._results(problem_answers(), 6)
    for decision, (_, problem) in zip(decisions, answers, strict=False):
        assert await applier.record(recorder, row_of(decision), "failed", now, problem) == "failed"
    kinds = {r.type for r in recorder.records}
    assert kinds == {DECIDED, "village.escalation.applied.v1", "village.escalation.failed.v1"}
    for record in recorder.records:
        sc.validate_event_data(record.type, record.data)
        assert_valid_record(record)
    failed = [r.data for r in recorder.records if r.type.endswith("failed.v1")]
    assert {f["problem"]["status"] for f in failed} == {409, 404, 422, 403, 400, 307}


def test_outcome_schemas_reject_drift() -> None:
    data = {
        "decision_id": "3a626624-bcfb-530f-b4cf-a864f56cf57e",
        "incident_id": "inc-1",
        "kind": "route",
        "to": {"party": "acme", "tier": "TAC L2"},
        "at": "2026-11-23T09:00:00+00:00",
    }
    sc.validate_event_data("village.escalation.applied.v1", data)
    problem = {
        "status": 409,
        "type": "/problems/invalid-transition",
        "title": "Conflict",
        "detail": "closed",
    }
    sc.validate_event_data("village.escalation.failed.v1", {**data, "problem": problem})
    for type_, broken in (
        ("village.escalation.applied.v1", {**data, "problem": problem}),
        ("village.escalation.applied.v1", {k: v for k, v in data.items() if k != "to"}),
        ("village.escalation.failed.v1", data),
        ("village.escalation.failed.v1", {**data, "problem": {**problem, "status": 503}}),
        ("village.escalation.failed.v1", {**data, "problem": {**problem, "status": "409"}}),
        ("village.escalation.failed.v1", {**data, "problem": {**problem, "instance": "/x"}}),
    ):
        with pytest.raises(AssertionError):
            sc.validate_event_data(type_, broken)


# --------------------------------------------------------------------------- configuration


def documents() -> list[tuple[str, str, Any]]:
    """(party, kind, document) for each example of each kind's model, as the API validates it."""
    out: list[tuple[str, str, Any]] = []
    for example, party in zip(
        TiersDoc.model_config["json_schema_extra"]["examples"], ("northwind", "acme"), strict=True
    ):
        out.append((party, "tiers", TiersDoc.model_validate(example)))
    for example, party in zip(
        ProfileDoc.model_config["json_schema_extra"]["examples"],
        ("northwind", "contoso"),
        strict=True,
    ):
        out.append((party, "profile", ProfileDoc.model_validate(example)))
    for example, party in zip(
        RulesDoc.model_config["json_schema_extra"]["examples"], ("acme", "northwind"), strict=True
    ):
        out.append((party, "rules", RulesDoc.for_owner(example, party, "acme")))
    # The smallest documents: no tiers, no specialisations, no rules.
    out += [
        ("contoso", "tiers", TiersDoc()),
        ("contoso", "profile", ProfileDoc(level="registered")),
        ("contoso", "rules", RulesDoc()),
    ]
    # Every condition of a match, and a ceiling below the top.
    out.append(
        (
            "acme",
            "rules",
            RulesDoc.for_owner(
                {
                    "rules": [
                        {
                            "id": "umbrella.vip_1",
                            "priority": 0,
                            "route_to": {"party": "acme", "tier": "TAC L2"},
                            "match": {
                                "severities": ["S1", "S2"],
                                "products": ["firewalls"],
                                "customers": ["umbrella"],
                                "partners": ["contoso"],
                                "partner_levels": ["select"],
                                "partner_certified": True,
                            },
                        }
                    ]
                },
                "acme",
                "acme",
            ),
        )
    )
    out.append(
        (
            "acme",
            "tiers",
            TiersDoc.model_validate(
                {
                    "tiers": [
                        {
                            "name": "TAC L1",
                            "policy": {
                                "ack_minutes": 1,
                                "progress_minutes": 100_000,
                                "sla_warning_percent": 100,
                            },
                        },
                        {"name": "TAC L2"},
                        {"name": "Engineering L3"},
                    ],
                    "ceiling": "TAC L2",
                }
            ),
        )
    )
    assert {kind for _, kind, _ in out} == set(KINDS)
    return out


async def test_every_configuration_revision_matches_its_schema() -> None:
    recorder = Recorder()
    book = ConfigBook(recorder)  # type: ignore[arg-type]
    for party, kind, document in documents():
        # Profiles: acme's and globex's each of the partner, each its own document.
        for provider in ("acme", "globex") if kind == "profile" else ("acme",):
            key = Key(party, kind, provider if kind == "profile" else "")
            version = 1 + sum(1 for r in recorder.records if r.stream_id == key.new_stream)
            origin = Metadata(actor_party=provider, actor_user="ada")
            at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
            await book.record(
                recorder,  # type: ignore[arg-type]
                key,
                document,
                version,
                provider,
                at,
                origin,
            )
    assert {r.type for r in recorder.records} == {CONFIG_REVISED}
    profiles = 0
    for record in recorder.records:
        data = assert_valid_record(record)
        if data["kind"] == "profile":
            profiles += 1
            assert data["provider"] == record.metadata["provider"]
            assert record.stream_id == f"config:{data['party']}:profile:{data['provider']}"
        else:
            assert "provider" not in data  # the shape of v1's tiers and rules, unchanged
            assert record.stream_id == f"config:{data['party']}:{data['kind']}"
        assert record.stream_version == data["version"]
        # Exactly the kind's properties, every one of them.
        assert set(data["document"]) == set(KINDS[data["kind"]].model_fields)
    assert profiles == 2 * sum(1 for _, kind, _ in documents() if kind == "profile")


def test_config_schema_rejects_drift() -> None:
    data = {
        "party": "acme",
        "kind": "tiers",
        "version": 1,
        "document": TiersDoc.model_validate(
            TiersDoc.model_config["json_schema_extra"]["examples"][1]
        ).model_dump(mode="json"),
    }
    sc.validate_event_data(CONFIG_REVISED, data)
    tiers = data["document"]["tiers"]
    for broken in (
        {**data, "kind": "policies"},
        {**data, "version": 0},
        {**data, "document": {**data["document"], "levels": []}},
        {**data, "document": {**data["document"], "ceiling": ""}},
        {
            **data,
            "document": {
                **data["document"],
                "tiers": [
                    {
                        **tiers[0],
                        "policy": {
                            "ack_minutes": 0,
                            "progress_minutes": None,
                            "sla_warning_percent": None,
                        },
                    }
                ],
            },
        },
        {**data, "document": {**data["document"], "tiers": [{"name": "L1"}]}},
        {**data, "document": {**data["document"], "tiers": [{**tiers[0], "name": " L1"}]}},
    ):
        with pytest.raises(AssertionError):
            sc.validate_event_data(CONFIG_REVISED, broken)


def test_the_service_publishes_where_asyncapi_says() -> None:
    from village_escalation import app

    channel = ASYNCAPI_DOC["channels"]["escalations"]
    assert channel["address"] == app.TOPIC
    headers = ASYNCAPI_DOC["components"]["schemas"]["EscalationCloudEventHeaders"]
    assert headers["properties"]["ce_source"]["const"] == app.SOURCE
    assert configbook.CONFIG_STREAM.startswith("config:")
    # Configuration events are keyed by their stream, as the ConfigKey schema says: a party's
    # tiers and rules, a provider's profile of a partner, and a profile from before those.
    key = re.compile(ASYNCAPI_DOC["components"]["schemas"]["ConfigKey"]["pattern"])
    for stream in (
        Key("northwind", "rules").new_stream,
        Key("northwind", "profile", "globex").new_stream,
        "config:northwind:profile",
    ):
        assert key.fullmatch(stream), stream


# --------------------------------------------------------------------------- AsyncAPI


# (That the channel carries exactly these types, each with its schema as payload, is
# tests/test_schemas.py::test_asyncapi_has_one_message_per_event_type, for every channel.)


@pytest.mark.parametrize("type_", TYPES)
def test_schema_states_shared_visibility(type_: str) -> None:
    """Every escalation event is shared, among its `parties`: never the customer."""
    schema = sc.event_schemas(TOPIC)[type_]
    assert schema["x-village-visibility"] == {"fixed": "shared"}
    assert (
        "never the customer" in schema["description"]
        or "partners never see each other's" in schema["description"]
    )


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
