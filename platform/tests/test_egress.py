"""THE egress rule: who may see an event, what a party gets of it, what the topic carries."""

from __future__ import annotations

import pytest

from village_platform.egress import (
    Recipient,
    Share,
    describe,
    for_recipient,
    for_topic,
    narrow,
    sees,
    share,
    topic_share,
)

ON_INCIDENT = ["acme", "initech", "northwind"]


def event(
    visibility: str, parties: object = ON_INCIDENT, actor: str = "northwind"
) -> dict[str, object]:
    return {"visibility": visibility, "parties": parties, "actor_party": actor, "provider": "acme"}


@pytest.mark.parametrize(
    "visibility, party, kind, seen",
    [
        ("shared", "initech", "customer", True),
        ("shared", "northwind", "partner", True),
        ("shared", "acme", "provider", True),
        ("restricted", "initech", "customer", False),
        ("restricted", "northwind", "partner", True),
        ("restricted", "acme", "provider", True),
        ("internal", "northwind", "partner", True),  # the author's party
        ("internal", "acme", "provider", False),
        ("internal", "initech", "customer", False),
        ("confidential", "northwind", "partner", False),  # unknown: not seen
    ],
)
def test_visibility_by_kind_and_author(visibility: str, party: str, kind: str, seen: bool) -> None:
    assert sees(event(visibility), party, kind) is seen
    expected = Share.VISIBLE if seen else Share.ABSENT
    assert share(event(visibility), Recipient(party, kind)) is expected


@pytest.mark.parametrize("visibility", ["shared", "restricted", "internal"])
def test_a_party_not_on_the_event_sees_nothing(visibility: str) -> None:
    assert not sees(event(visibility, actor="contoso"), "contoso", "partner")
    assert not sees(event(visibility, actor="umbrella"), "umbrella", "customer")


def test_parties_as_a_list_a_string_or_missing() -> None:
    assert sees(event("shared", ["acme", "initech"]), "initech", "customer")
    assert sees(event("shared", "acme initech"), "initech", "customer")
    assert not sees(event("shared", None), "initech", "customer")
    assert not sees({"visibility": "internal", "parties": "x"}, "x", "partner")  # no author: nobody


def test_outbound_metadata_names_the_recipient_alone() -> None:
    meta = {
        **describe(
            parties=["acme", "initech", "northwind", "contoso"],
            provider="acme",
            actor_party="northwind",
        ),
        "actor_user": "jane",
        "traceparent": "00-x-y-01",
    }
    data, out = for_recipient({"title": "VPN"}, meta, Recipient("initech", "customer"))
    assert out["parties"] == ["initech"] and "provider" not in out and "fact" not in out
    assert (
        out["actor_party"] == "northwind"
        and out["traceparent"] == "00-x-y-01"
        and data == {"title": "VPN"}
    )
    # services read the description whole
    assert for_recipient({}, meta, Recipient("webhooks", "service"))[1]["parties"] == sorted(
        meta["parties"]
    )


def test_a_partners_internal_note_travels_on_the_topic_as_its_fact_only() -> None:
    meta = describe(
        parties=ON_INCIDENT,
        visibility="internal",
        provider="acme",
        actor_party="northwind",
        fact=["note_id", "author_party", "note_visibility"],
        sealed=True,
    )
    data = {
        "note_id": "n1",
        "author_party": "northwind",
        "author_user": "jane",
        "note_visibility": "internal",
        "body": "our margin on this customer is thin",
    }
    assert topic_share(meta) is Share.REDACTED
    shown = for_topic(data, meta)
    assert shown.redacted and shown.data == {
        "note_id": "n1",
        "author_party": "northwind",
        "note_visibility": "internal",
    }
    assert shown.metadata["redacted"] is True
    # sealed: a service reading the feed gets the fact too; the author's party the whole note
    assert for_recipient(data, meta, Recipient("knowledge", "service"))[0] == shown.data
    assert for_recipient(data, meta, Recipient("northwind", "partner"))[0] == data
    assert for_recipient(data, meta, Recipient("acme", "provider")) is None


def test_the_providers_own_internal_note_travels_whole_on_its_channel() -> None:
    meta = describe(
        parties=ON_INCIDENT,
        visibility="internal",
        provider="acme",
        actor_party="acme",
        fact=["note_id"],
        sealed=True,
    )
    assert topic_share(meta) is Share.VISIBLE
    assert for_topic({"note_id": "n", "body": "b"}, meta).data == {"note_id": "n", "body": "b"}


def test_a_contract_no_provider_is_party_to_is_a_fact_on_the_topic_but_whole_for_services() -> None:
    meta = describe(parties=["initech", "northwind"], provider=None, fact=["incident_id"])
    assert topic_share(meta) is Share.REDACTED
    assert for_topic({"incident_id": "i", "due_at": "t"}, meta).data == {"incident_id": "i"}
    # not sealed: escalation and webhooks, working for the partner, read it whole from the feed
    assert share(meta, Recipient("escalation", "service")) is Share.VISIBLE


def test_events_stored_before_they_named_their_provider() -> None:
    assert topic_share({"visibility": "shared", "parties": ON_INCIDENT}) is Share.VISIBLE
    assert (
        topic_share({"visibility": "internal", "parties": ON_INCIDENT, "actor_kind": "partner"})
        is Share.REDACTED
    )
    assert (
        topic_share({"visibility": "internal", "parties": ON_INCIDENT, "actor_kind": "provider"})
        is Share.VISIBLE
    )


CHAIN = ["litware", "fabrikam", "northwind", "acme"]


def test_a_narrowed_field_leaves_only_for_its_own_audience() -> None:
    """The customer is on the incident but not told who is between its partner and the
    provider: `chain` is narrowed to the working parties, on every channel."""
    meta = describe(parties=CHAIN, provider="acme", narrowed={"chain": CHAIN[1:]})
    data = {"incident_id": "i", "chain": CHAIN}
    customer = for_recipient(data, meta, Recipient("litware", "customer"))
    assert customer is not None
    assert customer[0] == {"incident_id": "i"}
    assert "narrowed" not in customer[1]  # the description names parties: it never leaves
    assert for_recipient(data, meta, Recipient("northwind", "partner"))[0] == data
    assert for_recipient(data, meta, Recipient("sla-monitor", "service"))[0] == data
    assert narrow(data, meta, "litware") == {"incident_id": "i"}
    shown = for_topic(data, meta)  # acme's channel: acme is in the chain's audience
    assert shown.data == data and not shown.redacted


def test_a_field_narrowed_away_from_the_provider_makes_the_topic_event_redacted() -> None:
    meta = describe(parties=CHAIN, provider="acme", narrowed={"margin": ["fabrikam"]})
    shown = for_topic({"incident_id": "i", "margin": 3}, meta)
    assert shown.data == {"incident_id": "i"}
    assert shown.redacted and shown.metadata["redacted"] is True


def test_the_narrowing_travels_with_the_cloudevent_and_back() -> None:
    """The webhooks service builds each recipient's payload from the topic's CloudEvent: the
    narrowing must reach it, and a malformed one is a poison message, not a crash later."""
    import uuid
    from datetime import UTC, datetime

    from village_platform.cloudevent import consumed, to_kafka
    from village_platform.eventstore import StoredEvent

    meta = describe(parties=CHAIN, provider="acme", narrowed={"chain": CHAIN[1:]})
    stored = StoredEvent(
        uuid.uuid4(), "inc-1", 1, "village.incident.opened.v1", {"chain": CHAIN}, meta,
        datetime.now(UTC), position=7,
    )  # fmt: skip
    message = to_kafka(stored, "/village/incidents")
    event = consumed(message.headers.items(), message.key, message.value)
    assert event.narrowed == {"chain": sorted(CHAIN[1:])}
    assert narrow(event.data, event.description, "litware") == {}
    headers = {**message.headers, "ce_narrowed": b'{"chain": "fabrikam"}'}
    with pytest.raises(ValueError):
        consumed(headers.items(), message.key, message.value)
