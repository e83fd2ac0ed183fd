"""The webhook dispatcher's pure rules: subscriptions, retry policy, URL checks, signatures."""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from village_platform.egress import Recipient
from village_platform.applier import ConsumedEvent
from village_webhooks.domain import signing
from village_webhooks.domain.payloads import structured
from village_webhooks.domain.retry import RetryPolicy, retry_after, verdict
from village_webhooks.domain.subscriptions import Subscription, valid_pattern
from village_webhooks.domain.targets import TargetRefused, check_addresses, check_url, parse_networks

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
PARTIES = frozenset({"acme", "northwind", "initech"})


@pytest.mark.parametrize("patterns, event_type, matched", [
    (["village.incident.*"], "village.incident.opened.v1", True),
    (["village.incident.*"], "village.sla.breached.v1", False),
    (["*.breached.v1"], "village.sla.breached.v1", True),
    (["*.breached.v1"], "village.sla.warning.v1", False),
    (["*"], "village.knowledge.article_published.v1", True),
    (["village.incident.opened.v1"], "village.incident.opened.v1", True),
    (["village.incident.opened.v1"], "village.incident.opened.v10", False),
    (["village.sla.clock_*.v1", "village.incident.closed.v1"], "village.sla.clock_started.v1", True),
])
def test_event_type_patterns(patterns: list[str], event_type: str, matched: bool) -> None:
    assert Subscription.of(patterns, None).matches(event_type, "i-1", PARTIES) is matched


def test_pattern_syntax() -> None:
    assert valid_pattern("village.incident.*") and valid_pattern("*")
    assert not valid_pattern("village.[a-z]") and not valid_pattern("") and not valid_pattern("a b")


def test_incident_filter() -> None:
    by_id = Subscription.of(["*"], {"incident_ids": ["i-1"]})
    assert by_id.matches("village.incident.opened.v1", "i-1", PARTIES)
    assert not by_id.matches("village.incident.opened.v1", "i-2", PARTIES)
    by_party = Subscription.of(["*"], {"parties": ["initech"]})
    assert by_party.matches("x", "i-2", PARTIES)
    assert not by_party.matches("x", "i-2", frozenset({"acme", "contoso", "umbrella"}))


@pytest.mark.parametrize("status, expected", [
    (None, "retry"), (500, "retry"), (503, "retry"), (408, "retry"), (429, "retry"),
    (200, "delivered"), (204, "delivered"), (400, "failed"), (404, "failed"), (410, "failed"), (301, "failed"),
])
def test_verdicts(status: int | None, expected: str) -> None:
    assert verdict(status) == expected


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after("120", NOW) == 120
    assert retry_after("Tue, 24 Nov 2026 09:01:30 GMT", NOW) == 90
    assert retry_after("Tue, 24 Nov 2026 08:00:00 GMT", NOW) == 0
    assert retry_after("soon", NOW) is None and retry_after(None, NOW) is None


def test_backoff_is_exponential_full_jitter_capped() -> None:
    top = RetryPolicy(base_seconds=1, cap_seconds=3600, random=lambda: 1.0)
    assert [top.delay(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert top.delay(30) == 3600
    assert RetryPolicy(random=lambda: 0.25).delay(5) == 4
    assert top.delay(3, 429, 30.0) == 30 and top.delay(3, 503, 30.0) == 30
    assert top.delay(3, 500, 30.0) == 4  # Retry-After counts on 429 and 503 only


def test_retries_span_the_maximum_age_then_park() -> None:
    policy = RetryPolicy(base_seconds=1, cap_seconds=3600, max_age=timedelta(days=1), random=lambda: 1.0)
    now, attempts = NOW, 0
    while True:
        attempts += 1
        at = policy.next_attempt(now, NOW, attempts)
        if at is None:
            break
        now = at
    assert now - NOW >= timedelta(hours=23) and attempts > 30


@pytest.mark.parametrize("address", ["10.0.0.1", "192.168.1.20", "172.16.0.5", "169.254.169.254", "127.0.0.1",
                                     "::1", "fe80::1", "fc00::1", "0.0.0.0", "224.0.0.1", "::ffff:127.0.0.1",
                                     "100.64.0.1"])
def test_private_targets_refused(address: str) -> None:
    with pytest.raises(TargetRefused, match="not an allowed target"):
        check_addresses("h", [ipaddress.ip_address(address)], ())


def test_allowed_networks_and_public_addresses() -> None:
    loopback = parse_networks("127.0.0.0/8, ::1/128")
    check_addresses("h", [ipaddress.ip_address("127.0.0.1")], loopback)
    check_addresses("h", [ipaddress.ip_address("93.184.215.14")], ())
    with pytest.raises(TargetRefused):  # one bad address of several is enough
        check_addresses("h", [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.1.1.1")], loopback)


def test_url_shape() -> None:
    assert check_url("https://hooks.example.com/x", development=False) == ("hooks.example.com", 443)
    assert check_url("http://127.0.0.1:9000/x", development=True) == ("127.0.0.1", 9000)
    for url, why in [("http://hooks.example.com/x", "https"), ("ftp://x/y", "http"), ("/relative", "absolute"),
                     ("https://u:p@hooks.example.com/", "credentials"), ("https://h:99999/", "valid")]:
        with pytest.raises(TargetRefused, match=why):
            check_url(url, development=False)


def test_signatures_verify_with_standardwebhooks_and_rotation_sends_both() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = '{"id": "e-1"}'
    now = datetime.now(timezone.utc)
    both = signing.headers("e-1", now, body, [new, old])
    assert Webhook(old).verify(body, both) == {"id": "e-1"}
    assert Webhook(new).verify(body, both) == {"id": "e-1"}
    only_new = signing.headers("e-1", now, body, [new])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, only_new)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + " ", only_new)


def test_payload_is_a_structured_cloudevent() -> None:
    event = ConsumedEvent(id="0d3b1a44-9d1c-4b5e-8f2a-1c2d3e4f5a6b", type="village.incident.opened.v1",
                          source="/village/incidents", stream_id="i-1", sequence=1, position=7, time=NOW,
                          data={"title": "VPN down"}, visibility="shared", parties=["acme", "initech"],
                          actor_party="northwind", traceparent=None)
    body = json.loads(structured(event, Recipient("initech", "customer")))
    assert body["specversion"] == "1.0" and body["id"] == event.id and body["subject"] == "i-1"
    # the egress rule: the payload names its recipient, no other party on the incident
    assert body["data"] == {"title": "VPN down"} and body["parties"] == "initech"
    assert body["time"].startswith("2026-11-24T09:00:00")
