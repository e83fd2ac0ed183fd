"""schemas/: the files are valid JSON Schema / AsyncAPI 3.0.0, every reference resolves, and a
message made by `cloudevent.to_kafka` passes `assert_valid_cloudevent` (tests/schema_check.py,
which the e2e tests run on every record they read from Kafka). Fast: no services."""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from schema_check import (
    ASYNCAPI,
    ASYNCAPI_URI,
    BASE_URI,
    BASELINE_DIR,
    EVENTS_DIR,
    SCHEMAS,
    TOPICS,
    all_event_schemas,
    assert_valid_cloudevent,
    asyncapi_registry,
    cloudevent_attributes,
    errors_of,
    event_schemas,
    load_json,
)

from village_platform import cloudevent
from village_platform.eventstore import StoredEvent
from village_platform.topics import provider_topic

SOURCE = "/village/incidents"
INCIDENT = "7d0c9f3e-5b1a-4f0e-9a77-0c2a1e4b8d11"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TYPE_PATTERN = re.compile(
    r"^village\.(incident|outage|directory|sla|escalation|knowledge|webhook)\.[a-z_]+\.v[0-9]+$"
)

# Keywords that mean the same in JSON Schema draft-07 (AsyncAPI 3.0's Schema Object) and 2020-12,
# plus our `x-village-visibility` annotation. Event schemas use nothing else, so AsyncAPI tools
# that read them as draft-07 see exactly what a 2020-12 validator sees.
PORTABLE_KEYWORDS = {
    "$schema",
    "$id",
    "title",
    "description",
    "examples",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "x-village-visibility",
    "x-village-fact",
}


def all_schema_files() -> list[Path]:
    return sorted(SCHEMAS.rglob("*.json"))


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _parsed(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return yaml.load(text, Loader=_LOADER) if path.suffix == ".yaml" else json.loads(text)


def parsed(path: Path) -> Any:
    """A fresh copy of a parsed schemas/ file (YAML or JSON)."""
    return copy.deepcopy(_parsed(path.resolve()))


def asyncapi() -> dict[str, Any]:
    return parsed(ASYNCAPI)


def stored(
    type_: str = "village.incident.acknowledged.v1",
    data: dict[str, Any] | None = None,
    version: int = 2,
    **meta: Any,
) -> StoredEvent:
    metadata = {
        "visibility": "shared",
        "parties": ["acme", "initech", "northwind"],
        "actor_party": "northwind",
        "actor_kind": "partner",
        "actor_user": "jane.doe",
        "traceparent": TRACEPARENT,
        "correlation_id": "corr-1",
        "causation_id": "idem-1",
        **meta,
    }
    return StoredEvent(
        event_id=uuid.uuid4(),
        stream_id=INCIDENT,
        stream_version=version,
        type=type_,
        data=data if data is not None else {"party": "northwind", "user": "jane.doe"},
        metadata=metadata,
        recorded_at=datetime(2026, 11, 23, 9, 14, 2, 512000, tzinfo=UTC),
        position=42,
    )


def kafka_record(event: StoredEvent) -> tuple[list[tuple[str, bytes]], bytes, bytes]:
    """What a consumer gets: headers as (str, bytes) pairs, key and value as bytes."""
    message = cloudevent.to_kafka(event, SOURCE)
    key = message.key.encode() if isinstance(message.key, str) else message.key
    return list(message.headers.items()), key, message.value


# --------------------------------------------------------------------------- JSON Schema files


@pytest.mark.parametrize("path", all_schema_files(), ids=lambda p: str(p.relative_to(SCHEMAS)))
def test_every_json_file_is_a_2020_12_schema_with_valid_examples(path: Path) -> None:
    schema = load_json(path)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema.get("title") and schema.get("description")
    assert schema.get("examples"), f"{path.name}: give at least one example"
    for example in schema["examples"]:
        assert errors_of(schema, example) == []


@pytest.mark.parametrize(
    "path", [SCHEMAS / "envelope.json", *sorted(EVENTS_DIR.glob("*.json"))], ids=lambda p: p.name
)
def test_id_names_the_file(path: Path) -> None:
    assert load_json(path)["$id"] == BASE_URI + path.relative_to(SCHEMAS).as_posix()


@pytest.mark.parametrize("path", sorted(EVENTS_DIR.glob("*.json")), ids=lambda p: p.name)
def test_event_schema_shape(path: Path) -> None:
    type_ = path.name.removesuffix(".json")
    schema = load_json(path)
    assert TYPE_PATTERN.match(type_)
    assert any(type_.startswith(prefix) for prefix in TOPICS.values()), "on no topic"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False, "producer contract: exactly these properties"
    assert set(schema["required"]) <= set(schema["properties"])
    assert all(p.get("description") for p in schema["properties"].values())

    def keywords(node: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            found |= set(node)
            for k, v in node.items():
                if k in ("properties",):
                    for sub in v.values():
                        found |= keywords(sub)
                elif k in ("items", "additionalProperties") and isinstance(v, dict):
                    found |= keywords(v)
        return found

    assert keywords(schema) <= PORTABLE_KEYWORDS, keywords(schema) - PORTABLE_KEYWORDS


def test_baselines_are_frozen_copies_with_the_same_ids() -> None:
    """The compat check itself is in services/incidents/tests/test_event_schemas.py."""
    baselines = {p.name for p in BASELINE_DIR.glob("*.json")}
    current = {p.name for p in EVENTS_DIR.glob("*.json")}
    assert baselines == current, (
        "each v1 event schema has a frozen baseline, and no baseline is orphaned"
    )
    for name in baselines:
        assert load_json(BASELINE_DIR / name)["$id"] == load_json(EVENTS_DIR / name)["$id"]


# --------------------------------------------------------------------------- envelope


def test_envelope_example_decodes_like_the_sdk() -> None:
    envelope = load_json(SCHEMAS / "envelope.json")
    assert set(envelope["required"]) <= set(envelope["properties"])
    example = envelope["examples"][0]
    headers = {
        ("content-type" if k == "datacontenttype" else f"ce_{k}"): v.encode()
        for k, v in example.items()
    }
    assert cloudevent_attributes(headers) == example


def test_a_message_from_to_kafka_is_a_valid_cloudevent() -> None:
    headers, key, value = kafka_record(stored())
    data = assert_valid_cloudevent(headers, key, value)
    assert data == {"party": "northwind", "user": "jane.doe"}
    # the dict form, as `cloudevent.to_kafka` returns it, with a str key
    message = cloudevent.to_kafka(stored(), SOURCE)
    assert_valid_cloudevent(message.headers, message.key, message.value)


def test_a_narrowed_field_is_described_on_the_message() -> None:
    """`opened` names its chain for the parties working the incident only (`ce_narrowed`)."""
    event = stored(narrowed={"chain": ["acme", "northwind"]}, provider="acme")
    headers, key, value = kafka_record(event)
    assert dict(headers)["ce_narrowed"] == b'{"chain": ["acme", "northwind"]}'
    assert_valid_cloudevent(headers, key, value)


def test_optional_attributes_may_be_absent() -> None:
    event = stored(traceparent=None, correlation_id=None, causation_id=None)
    headers, key, value = kafka_record(event)
    names = {n for n, _ in headers}
    assert not names & {"ce_traceparent", "ce_correlationid", "ce_causationid"}
    assert_valid_cloudevent(headers, key, value)


def test_foreign_headers_are_ignored() -> None:
    headers, key, value = kafka_record(stored())
    headers += [("traceparent", TRACEPARENT.encode()), ("village_error", b"boom")]
    assert_valid_cloudevent(headers, key, value)


def _broken(change: str) -> tuple[list[tuple[str, Any]], Any, Any]:
    headers, key, value = kafka_record(stored())
    h = dict(headers)
    match change:
        case "key":
            key = b"another-incident"
        case "null key":
            key = None
        case "no sequence":
            del h["ce_sequence"]
        case "sequence 0":
            h["ce_sequence"] = b"0"
        case "bad traceparent":
            h["ce_traceparent"] = b"not-a-trace"
        case "bad type":
            h["ce_type"] = b"incident.acknowledged"
        case "unknown type":
            h["ce_type"] = b"village.incident.teleported.v1"
        case "bad id":
            h["ce_id"] = b"42"
        case "no parties":
            h["ce_parties"] = b""
        case "no actor":
            h["ce_actorparty"] = b""
        case "visibility":
            h["ce_visibility"] = b"internal"
        case "unknown attribute":
            h["ce_colour"] = b"blue"
        case "structured content type":
            h["content-type"] = b"application/cloudevents+json"
        case "ce_datacontenttype":
            h["ce_datacontenttype"] = b"application/json"
        case "extra data":
            value = json.dumps({"party": "northwind", "user": "jane.doe", "mood": "calm"}).encode()
        case "missing data":
            value = json.dumps({"party": "northwind"}).encode()
        case "not json":
            value = b"party=northwind"
        case "naive time":
            h["ce_time"] = b"2026-11-23T09:14:02"
        case "duplicate":
            return [*headers, ("ce_type", b"village.incident.acknowledged.v1")], key, value
        case _:
            raise AssertionError(change)
    return list(h.items()), key, value


@pytest.mark.parametrize(
    "change",
    [
        "key",
        "null key",
        "no sequence",
        "sequence 0",
        "bad traceparent",
        "bad type",
        "unknown type",
        "bad id",
        "no parties",
        "no actor",
        "visibility",
        "unknown attribute",
        "structured content type",
        "ce_datacontenttype",
        "extra data",
        "missing data",
        "not json",
        "naive time",
        "duplicate",
    ],
)
def test_assert_valid_cloudevent_rejects(change: str) -> None:
    headers, key, value = _broken(change)
    with pytest.raises((AssertionError, ValueError)):
        assert_valid_cloudevent(headers, key, value)


def test_note_events_carry_the_note_visibility() -> None:
    data = {
        "note_id": "n-1",
        "author_party": "acme",
        "author_user": "sam",
        "note_visibility": "internal",
        "body": "checking the IKE logs",
    }
    ok = stored(
        "village.incident.note_added.v1",
        data,
        visibility="internal",
        actor_party="acme",
        actor_kind="provider",
        provider="acme",
    )
    assert assert_valid_cloudevent(*kafka_record(ok)) == data
    wrong = stored("village.incident.note_added.v1", data, visibility="shared", actor_party="acme")
    with pytest.raises(AssertionError, match="visibility"):
        assert_valid_cloudevent(*kafka_record(wrong))


def test_a_partners_internal_note_is_on_the_topic_as_its_fact() -> None:
    data = {
        "note_id": "n-2",
        "author_party": "northwind",
        "author_user": "jane",
        "note_visibility": "internal",
        "body": "our margin on initech is thin",
    }
    fact = {"note_id": "n-2", "author_party": "northwind", "note_visibility": "internal"}
    event = stored(
        "village.incident.note_added.v1",
        data,
        visibility="internal",
        provider="acme",
        fact=sorted(fact),
        sealed=True,
    )
    headers, key, value = kafka_record(event)
    assert assert_valid_cloudevent(headers, key, value) == fact
    assert dict(headers)["ce_redacted"] == b"true" and b"margin" not in value


def test_opened_is_sequence_one_of_its_own_incident() -> None:
    example = event_schemas()["village.incident.opened.v1"]["examples"][0]
    assert_valid_cloudevent(*kafka_record(stored("village.incident.opened.v1", example, version=1)))
    with pytest.raises(AssertionError, match="first event"):
        assert_valid_cloudevent(
            *kafka_record(stored("village.incident.opened.v1", example, version=3))
        )


# --------------------------------------------------------------------------- AsyncAPI


def _pointer(doc: Any, fragment: str) -> Any:
    node = doc
    for part in [p for p in fragment.lstrip("/").split("/") if p] if fragment else []:
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(base: Path, ref: str) -> Any:
    file_part, _, fragment = ref.partition("#")
    target = (base.parent / file_part).resolve() if file_part else base
    assert target.is_file(), f"{base.name}: $ref {ref!r} names no file"
    assert SCHEMAS.resolve() in target.parents, f"{ref!r} points outside schemas/"
    try:
        return _pointer(_parsed(target), fragment)
    except (KeyError, IndexError, ValueError) as err:
        raise AssertionError(f"{base.name}: $ref {ref!r} points at nothing") from err


@pytest.mark.parametrize(
    "path", [ASYNCAPI, *all_schema_files()], ids=lambda p: str(p.relative_to(SCHEMAS))
)
def test_every_ref_resolves(path: Path) -> None:
    for ref in _refs(parsed(path)):
        assert _resolve(path, ref) is not None


def test_asyncapi_document_structure() -> None:
    doc = asyncapi()
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    description = doc["info"]["description"]
    for duty in (
        "ce_id",
        "ce_visibility",
        "ce_parties",
        "GET /events?stream_id=",
        "ce_sequence",
        ".dlq",
    ):
        assert duty in description, f"info.description should explain {duty}"
    servers = doc["servers"]
    assert {s["protocol"] for s in servers.values()} == {"kafka"}
    assert "127.0.0.1:9092" in {s["host"] for s in servers.values()}

    channels = doc["channels"]
    assert {c["address"] for c in channels.values()} == {
        "village.incidents.v1",
        "village.incidents.v1.dlq",
        "village.sla.v1",
        "village.sla.v1.dlq",
        "village.escalations.v1",
        "village.escalations.v1.dlq",
        "village.knowledge.v1",
        "village.knowledge.v1.dlq",
        "village.webhooks.v1",
        "village.webhooks.v1.dlq",
        "village.{provider}.incidents.v1",
        "village.{provider}.sla.v1",
        "village.{provider}.escalations.v1",
        "village.{provider}.knowledge.v1",
        "village.{provider}.webhooks.v1",
    }
    for channel in channels.values():
        assert channel["bindings"]["kafka"]["topic"] == channel["address"]
        for server in channel.get("servers", []):
            assert _resolve(ASYNCAPI, server["$ref"]) in servers.values()

    for name, operation in doc["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        channel_ref = operation["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/"), name
        channel_key = channel_ref.removeprefix("#/channels/")
        # AsyncAPI 3: an operation's messages are a subset of its channel's messages
        for message in operation.get("messages", []):
            assert message["$ref"].startswith(f"#/channels/{channel_key}/messages/"), (
                name,
                message,
            )
    assert doc["operations"]["receiveIncidentEvents"]["action"] == "receive"
    assert doc["operations"]["receiveSlaEvents"]["action"] == "receive"
    assert doc["operations"]["receiveEscalationEvents"]["action"] == "receive"


# channel key in asyncapi.yaml -> (topic, its send and receive operations)
EVENT_CHANNELS = {
    "incidents": ("village.incidents.v1", "sendIncidentEvents", "receiveIncidentEvents"),
    "sla": ("village.sla.v1", "sendSlaEvents", "receiveSlaEvents"),
    "escalations": ("village.escalations.v1", "sendEscalationEvents", "receiveEscalationEvents"),
    "knowledge": ("village.knowledge.v1", "sendKnowledgeEvents", "receiveKnowledgeEvents"),
    "webhooks": ("village.webhooks.v1", "sendWebhookEvents", "receiveWebhookEvents"),
}


def test_every_event_topic_has_a_channel() -> None:
    assert {topic for topic, _, _ in EVENT_CHANNELS.values()} == set(TOPICS)
    assert set().union(*(event_schemas(t) for t in TOPICS)) == set(all_event_schemas())


@pytest.mark.parametrize("channel_key", EVENT_CHANNELS)
def test_asyncapi_has_one_message_per_event_type(channel_key: str) -> None:
    topic, send, receive = EVENT_CHANNELS[channel_key]
    doc = asyncapi()
    channel = doc["channels"][channel_key]
    assert channel["address"] == topic
    payload_files = {}
    for key, ref in channel["messages"].items():
        message = _resolve(ASYNCAPI, ref["$ref"])
        payload = message["payload"]["$ref"]
        type_ = Path(payload).name.removesuffix(".json")
        assert message["name"] == type_
        assert message["contentType"] == "application/json"
        assert message["bindings"]
        assert _resolve(ASYNCAPI, message["bindings"]["$ref"])["kafka"]["key"]
        type_pin = message["headers"]["allOf"][1]["properties"]["ce_type"]["const"]
        assert type_pin == type_
        for example in message.get("examples", []):
            assert errors_of(load_json(EVENTS_DIR / f"{type_}.json"), example["payload"]) == []
        payload_files[type_] = key
    assert set(payload_files) == set(event_schemas(topic)), "one message per event schema, no more"
    for operation in (send, receive):
        messages = doc["operations"][operation]["messages"]
        assert {m["$ref"].rsplit("/", 1)[1] for m in messages} == set(channel["messages"])


# bus channel key -> the channel of each provider's own topic beside it (village_platform.topics)
PROVIDER_CHANNELS = {
    "incidents": "providerIncidents",
    "sla": "providerSla",
    "escalations": "providerEscalations",
    "knowledge": "providerKnowledge",
    "webhooks": "providerWebhooks",
}


@pytest.mark.parametrize("bus_key", PROVIDER_CHANNELS)
def test_each_provider_topic_has_a_channel_with_the_bus_messages_that_name_a_provider(
    bus_key: str,
) -> None:
    """`village.{provider}.<rest>` beside each bus topic, named as the relay names it, with every
    message of the bus but the directory's (a supply names no provider), and operations for the
    relay and the provider's tooling."""
    doc = asyncapi()
    bus, channel = doc["channels"][bus_key], doc["channels"][PROVIDER_CHANNELS[bus_key]]
    for provider in ("acme", "globex"):
        address = channel["address"].replace("{provider}", provider)
        assert address == provider_topic(bus["address"], provider)
    assert set(channel["parameters"]) == {"provider"}
    assert _resolve(ASYNCAPI, channel["parameters"]["provider"]["$ref"])["description"]
    named = {
        key: ref
        for key, ref in bus["messages"].items()
        if not _resolve(ASYNCAPI, ref["$ref"])["name"].startswith("village.directory.")
    }
    assert channel["messages"] == named
    ref = f"#/channels/{PROVIDER_CHANNELS[bus_key]}"
    assert sorted(
        o["action"] for o in doc["operations"].values() if o["channel"]["$ref"] == ref
    ) == [
        "receive",
        "send",
    ]


def _asyncapi_registry() -> tuple[Registry, str]:
    return asyncapi_registry(), ASYNCAPI_URI


def test_asyncapi_headers_and_payload_schemas_accept_what_to_kafka_produces() -> None:
    """Validate a real record through the AsyncAPI document's own references."""
    reg, uri = _asyncapi_registry()
    headers, _, value = kafka_record(stored())
    header_values = {k: v.decode() for k, v in headers}
    message = f"{uri}#/components/messages/incidentAcknowledged"
    assert errors_of({"$ref": f"{message}/headers"}, header_values, reg) == []
    assert errors_of({"$ref": f"{message}/payload"}, json.loads(value), reg) == []
    wrong = {**header_values, "ce_type": "village.incident.opened.v1"}
    assert errors_of({"$ref": f"{message}/headers"}, wrong, reg)
    assert errors_of({"$ref": f"{message}/payload"}, {"party": "northwind"}, reg)


def test_asyncapi_validates_with_the_asyncapi3_object_model() -> None:
    """Full AsyncAPI 3.0 validation when the optional `asyncapi3` package is installed."""
    models = pytest.importorskip(
        "asyncapi3", reason="pip install asyncapi3 for full AsyncAPI 3.0 validation"
    )
    doc = asyncapi()
    models.AsyncAPI3.model_validate(doc)
    broken = copy.deepcopy(doc)
    broken["operations"]["receiveIncidentEvents"]["action"] = "consume"
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        models.AsyncAPI3.model_validate(broken)
