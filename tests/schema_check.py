"""Checks against schemas/, shared by the schema tests and the end-to-end tests.

Self-contained on purpose: the e2e tests load this file by path (no package, no sys.path), so
it imports nothing from the test tree and finds schemas/ relative to itself.

- `assert_valid_cloudevent(headers, key, value)`: one Kafka record of a Village topic is a
  binary-mode CloudEvent whose attributes match schemas/envelope.json and whose value matches
  schemas/events/<ce_type>.json, keyed by its stream id (the incident id, mostly).
- `validate_event_data(type_, data)`: one event's `data` against its schema (any topic's).
- `event_schemas(topic)`: the data schemas of the event types one topic carries (`TOPICS`).
- `asyncapi_registry()`: the schemas plus asyncapi.yaml, to validate through the document's
  own `$ref`s (a message's headers or payload).
- `compat_problems(baseline, current)`: why `current` is not a compatible revision of the
  frozen `baseline` (empty list: compatible). Rules in its docstring and schemas/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
EVENTS_DIR = SCHEMAS / "events"
BASELINE_DIR = SCHEMAS / "compat" / "v1"
ENVELOPE_ID = "https://village.dev/schemas/envelope.json"
BASE_URI = "https://village.dev/schemas/"
ASYNCAPI = SCHEMAS / "asyncapi.yaml"
ASYNCAPI_URI = BASE_URI + "asyncapi.yaml"

#: Topic -> the prefix of the event types on it: one topic per owning service and major version.
TOPICS = {
    "village.incidents.v1": ("village.incident.", "village.outage.", "village.directory."),
    "village.sla.v1": "village.sla.",
    "village.escalations.v1": "village.escalation.",
    "village.knowledge.v1": "village.knowledge.",
    "village.webhooks.v1": "village.webhook.",
}

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _rfc3339(value: object) -> bool:
    # jsonschema checks date-time only with an optional extra installed; this one always runs.
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        raise ValueError(f"{value!r} has no 'T' between date and time")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return True


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def event_schema_path(type_: str) -> Path:
    return EVENTS_DIR / f"{type_}.json"


@cache
def all_event_schemas() -> dict[str, dict[str, Any]]:
    """Event type -> its data schema, from schemas/events/<type>.json, every topic's."""
    return {p.name.removesuffix(".json"): load_json(p) for p in sorted(EVENTS_DIR.glob("*.json"))}


@cache
def event_schemas(topic: str = "village.incidents.v1") -> dict[str, dict[str, Any]]:
    """Event type -> its data schema, for the types `topic` carries (default: the incidents')."""
    prefix = TOPICS[topic]
    return {t: s for t, s in all_event_schemas().items() if t.startswith(prefix)}


@cache
def registry() -> Registry:
    """Every current schema under its `$id` (baselines are not in it: they share the ids)."""
    docs = [load_json(SCHEMAS / "envelope.json"), *all_event_schemas().values()]
    return Registry().with_resources((doc["$id"], DRAFT202012.create_resource(doc)) for doc in docs)


@cache
def asyncapi_registry() -> Registry:
    """`registry()` plus asyncapi.yaml under `ASYNCAPI_URI`, so that a reference into the document
    (`{ASYNCAPI_URI}#/components/messages/<message>/headers`) resolves, with the files its own
    `$ref`s name."""
    import yaml  # only the AsyncAPI checks need it

    document = yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8"))
    return registry().with_resource(ASYNCAPI_URI, DRAFT202012.create_resource(document))


def validator_for(schema: Mapping[str, Any], reg: Registry | None = None) -> Draft202012Validator:
    return Draft202012Validator(schema, registry=reg or registry(), format_checker=FORMATS)


def errors_of(schema: Mapping[str, Any], instance: Any, reg: Registry | None = None) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(
            validator_for(schema, reg).iter_errors(instance), key=lambda e: str(list(e.path))
        )
    ]


def validate_event_data(type_: str, data: Any) -> None:
    schemas = all_event_schemas()
    assert type_ in schemas, (
        f"no schema for event type {type_} (expected {event_schema_path(type_)})"
    )
    problems = errors_of(schemas[type_], data)
    assert not problems, f"{type_} data does not match its schema: {problems}; data={data!r}"


def validate_event_fact(type_: str, data: Any) -> None:
    """A `redacted` event's data: exactly the fields its schema names as its fact
    (`x-village-fact`), each valid by the schema; nothing else of the event."""
    schema = all_event_schemas()[type_]
    fact = schema.get("x-village-fact")
    assert fact is not None, f"{type_} travelled redacted but its schema names no fact"
    assert isinstance(data, dict) and set(data) == set(fact), (
        f"redacted {type_} carries {sorted(data)}, its fact is {sorted(fact)}"
    )
    problems = errors_of({**schema, "required": list(fact)}, data)
    assert not problems, f"redacted {type_} does not match its schema: {problems}; data={data!r}"


def _as_text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    assert isinstance(value, (bytes, bytearray)), f"{what} is {type(value).__name__}, not bytes"
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError as err:  # pragma: no cover - message only
        raise AssertionError(f"{what} is not UTF-8: {value!r}") from err


def cloudevent_attributes(headers: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Binary-mode headers -> CloudEvent attributes (`ce_x` -> `x`, content-type ->
    datacontenttype). Other headers are ignored; a repeated attribute header is an error."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    attributes: dict[str, str] = {}
    for name, raw in items:
        lower = name.lower()
        if lower.startswith("ce_"):
            attribute = lower[3:]
        elif lower == "content-type":
            attribute = "datacontenttype"
        else:
            continue
        assert raw is not None, f"header {name} has no value"
        assert attribute not in attributes, f"attribute {attribute} appears twice ({name})"
        attributes[attribute] = _as_text(raw, f"header {name}")
    return attributes


def assert_valid_cloudevent(
    headers: Mapping[str, Any] | Iterable[tuple[str, Any]], key: Any, value: Any
) -> dict[str, Any]:
    """Assert one `village.incidents.v1` record is a valid Village CloudEvent; returns its data.

    `headers` as a dict or as Kafka's list of (name, bytes) pairs; `key` and `value` as bytes
    (str accepted). Checks: the attributes against schemas/envelope.json, `datacontenttype`
    sent as `content-type` (not `ce_datacontenttype`), the key equal to `subject` and
    `partitionkey`, the value JSON matching schemas/events/<type>.json, and the `visibility`
    attribute agreeing with the schema's `x-village-visibility`.
    """
    items = list(headers.items() if isinstance(headers, Mapping) else headers)
    assert not any(n.lower() == "ce_datacontenttype" for n, _ in items), (
        "binary mode carries datacontenttype in the content-type header, not ce_datacontenttype"
    )
    attributes = cloudevent_attributes(items)
    envelope = load_json(SCHEMAS / "envelope.json")
    problems = errors_of(envelope, attributes)
    assert not problems, (
        f"CloudEvent attributes do not match schemas/envelope.json: {problems}; {attributes!r}"
    )

    assert key is not None, "the Kafka key is the incident id, never null"
    key_text = _as_text(key, "the Kafka key")
    assert key_text == attributes["subject"] == attributes["partitionkey"], (
        f"key {key_text!r}, subject {attributes['subject']!r} and partitionkey "
        f"{attributes['partitionkey']!r} must all be the incident id"
    )

    assert value is not None, "the message value is the event's JSON data, never null"
    data = json.loads(_as_text(value, "the message value"))
    type_ = attributes["type"]
    if attributes.get("redacted") == "true":
        validate_event_fact(type_, data)
        return data
    validate_event_data(type_, data)

    rule = all_event_schemas()[type_].get("x-village-visibility", {})
    expected = rule.get("fixed") or data.get(rule.get("property", ""))
    if expected is not None:
        assert attributes["visibility"] == expected, (
            f"{type_} carries visibility {attributes['visibility']!r}, its schema says {expected!r}"
        )
    if type_ == "village.incident.opened.v1":
        assert attributes["sequence"] == "1", "opened is the first event of its incident"
        assert data["incident_id"] == attributes["subject"], (
            "opened names the incident of its subject"
        )
    return data


# --------------------------------------------------------------------------- compatibility

#: Keywords that only document; changing them never breaks anyone.
#: `x-village-fact` names what a `redacted` event keeps; the whole event's shape is unchanged.
ANNOTATIONS = frozenset(
    {"title", "description", "examples", "$comment", "deprecated", "x-village-fact"}
)


def _types(schema: Mapping[str, Any]) -> set[str] | None:
    t = schema.get("type")
    return None if t is None else ({t} if isinstance(t, str) else set(t))


def compat_problems(
    baseline: Mapping[str, Any], current: Mapping[str, Any], path: str = ""
) -> list[str]:
    """Why `current` may not replace `baseline` within the same major version ([] if it may).

    Events of a major version live forever (the store, the topic, the feed): new code replays
    old events, and consumers written against the baseline read new events. So a change must
    keep both working. The allowed changes are an allow-list; everything else must stay equal:

    - annotations (title, description, examples, $comment, deprecated) may change;
    - a property may be added if it is optional (`required` does not name it);
    - enum values may be added (consumers treat unknown values as "other");
    - `additionalProperties` may go from false to true/absent (consumers ignore unknown fields).

    In particular these are reported: a property removed; a property newly required (old events
    lack it) or no longer required (old consumers rely on it); a type narrowed (old events fail)
    or widened (old consumers get values they do not expect); an enum value removed; any other
    keyword (const, pattern, format, min/max, $id, x-village-visibility, ...) changed, added or
    removed. Subschemas under `properties` and `items` are compared recursively.
    """
    problems: list[str] = []
    here = path or "<root>"
    for keyword in sorted((set(baseline) | set(current)) - ANNOTATIONS):
        old, new = baseline.get(keyword), current.get(keyword)
        if keyword == "properties":
            old, new = old or {}, new or {}
            for name in sorted(set(old) - set(new)):
                problems.append(f"{path}/{name}: property removed")
            for name in sorted(set(old) & set(new)):
                problems += compat_problems(old[name], new[name], f"{path}/{name}")
        elif keyword == "required":
            old_req, new_req = set(old or ()), set(new or ())
            for name in sorted(new_req - old_req):
                problems.append(f"{path}/{name}: newly required (stored v1 events lack it)")
            for name in sorted(old_req - new_req):
                problems.append(f"{path}/{name}: no longer required (v1 consumers rely on it)")
        elif keyword == "type":
            old_t, new_t = _types(baseline), _types(current)
            if old_t is None or new_t is None:
                if old_t != new_t:
                    problems.append(
                        f"{here}: type constraint {'added' if old_t is None else 'removed'}"
                    )
                continue
            if old_t - new_t:
                problems.append(f"{here}: type narrowed, no longer {sorted(old_t - new_t)}")
            if new_t - old_t:
                widened = sorted(new_t - old_t)
                problems.append(f"{here}: type widened to {widened} (v1 consumers do not expect)")
        elif keyword == "enum":
            if old is None or new is None:
                if old != new:
                    problems.append(f"{here}: enum {'added' if old is None else 'removed'}")
                continue
            removed = [v for v in old if v not in new]
            if removed:
                problems.append(f"{here}: enum values removed: {removed}")
        elif keyword == "additionalProperties":
            old_ap = True if old is None else old
            new_ap = True if new is None else new
            if old_ap is False and new_ap is True:
                continue
            if isinstance(old_ap, dict) and isinstance(new_ap, dict):
                problems += compat_problems(old_ap, new_ap, f"{path}/<additional>")
            elif old_ap != new_ap:
                problems.append(f"{here}: additionalProperties {old_ap!r} -> {new_ap!r}")
        elif keyword == "items" and isinstance(old, dict) and isinstance(new, dict):
            problems += compat_problems(old, new, f"{path}[]")
        elif old != new:
            problems.append(f"{here}: {keyword} changed: {old!r} -> {new!r}")
    return problems
