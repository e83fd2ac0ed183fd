"""The webhook dispatcher's pure rules: subscriptions, retry policy, URL checks, signatures."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from village_platform.applier import ConsumedEvent
from village_platform.egress import Recipient
from village_webhooks.config import WebhookSettings
from village_webhooks.domain import signing
from village_webhooks.domain.payloads import structured
from village_webhooks.domain.retry import RetryPolicy, retry_after, verdict
from village_webhooks.domain.subscriptions import Subscription, valid_pattern
from village_webhooks.domain.targets import (
    TargetRefused,
    check_addresses,
    check_url,
    forbidden,
    parse_networks,
)
from village_webhooks.sealing import DEV_SECRET_KEY, Sealer, SealError, new_key

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PARTIES = frozenset({"acme", "northwind", "initech"})


@pytest.mark.parametrize(
    "patterns, event_type, matched",
    [
        (["village.incident.*"], "village.incident.opened.v1", True),
        (["village.incident.*"], "village.sla.breached.v1", False),
        (["*.breached.v1"], "village.sla.breached.v1", True),
        (["*.breached.v1"], "village.sla.warning.v1", False),
        (["*"], "village.knowledge.article_published.v1", True),
        (["village.incident.opened.v1"], "village.incident.opened.v1", True),
        (["village.incident.opened.v1"], "village.incident.opened.v10", False),
        (
            ["village.sla.clock_*.v1", "village.incident.closed.v1"],
            "village.sla.clock_started.v1",
            True,
        ),
    ],
)
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


@pytest.mark.parametrize(
    "status, expected",
    [
        (None, "retry"),
        (500, "retry"),
        (503, "retry"),
        (408, "retry"),
        (429, "retry"),
        (200, "delivered"),
        (204, "delivered"),
        (400, "failed"),
        (404, "failed"),
        (410, "failed"),
        (301, "failed"),
    ],
)
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


@pytest.mark.parametrize(
    "header",
    [
        "1" + "0" * 30,  # 10^30 seconds
        "9" * 99,  # more digits than any float
        "Fri, 31 Dec 9999 23:59:59 GMT",  # the last HTTP date there is
    ],
)
def test_a_huge_retry_after_is_clamped_to_the_cap(header: str) -> None:
    policy = RetryPolicy(
        base_seconds=1, cap_seconds=60, max_age=timedelta(days=1), random=lambda: 1.0
    )
    seconds = retry_after(header, NOW)
    assert seconds is not None and seconds > 60
    for status in (429, 503):
        assert policy.delay(3, status, seconds) == 60
        assert policy.next_attempt(NOW, NOW, 3, status, seconds) == NOW + timedelta(seconds=60)


@pytest.mark.parametrize(
    "header",
    [
        "-5",
        "soon",
        "1e9",
        "1.5",
        "²",
        "٣",
        "0x10",
        " ",
        "Tue, 99 Foo 2026",
        "Mon, 24 Nov 2026 09:01:30 +9999",
        "x" * 10_000,
        "9" * 200,
    ],
)
def test_garbage_retry_after_is_ignored(header: str) -> None:
    assert retry_after(header, NOW) is None
    policy = RetryPolicy(base_seconds=1, cap_seconds=60, random=lambda: 1.0)
    assert policy.delay(3, 429, retry_after(header, NOW)) == 4  # the backoff, as without the header


def test_retry_after_in_the_past_is_now() -> None:
    assert (
        RetryPolicy(cap_seconds=60).delay(1, 503, retry_after("Mon, 01 Jan 1900 00:00:00 GMT", NOW))
        == 0
    )


def test_retries_span_the_maximum_age_then_park() -> None:
    policy = RetryPolicy(
        base_seconds=1, cap_seconds=3600, max_age=timedelta(days=1), random=lambda: 1.0
    )
    now, attempts = NOW, 0
    while True:
        attempts += 1
        at = policy.next_attempt(now, NOW, attempts)
        if at is None:
            break
        now = at
    assert now - NOW >= timedelta(hours=23) and attempts > 30


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "192.168.1.20",
        "172.16.0.5",
        "169.254.169.254",
        "127.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "0.0.0.0",
        "224.0.0.1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ],
)
def test_private_targets_refused(address: str) -> None:
    with pytest.raises(TargetRefused, match="not an allowed target"):
        check_addresses("h", [ipaddress.ip_address(address)], ())


# IPv6 forms that carry an IPv4 address: a tunnel or translator delivers to the IPv4 address.
@pytest.mark.parametrize(
    "address, form",
    [
        ("::ffff:10.0.0.1", "IPv4-mapped"),
        ("::ffff:93.184.215.14", "IPv4-mapped"),  # refused whatever it carries: no receiver has one
        ("::10.0.0.1", "IPv4-compatible"),
        ("::7f00:1", "IPv4-compatible"),
        ("::ffff:0:127.0.0.1", "IPv4-translated"),
        ("2002:7f00:1::1", "6to4 (loopback"),  # 6to4 of 127.0.0.1
        ("2002:a00:1::", "6to4 (private"),  # 10.0.0.1
        ("2002:a9fe:a9fe::1", "6to4 (link-local"),  # 169.254.169.254, the cloud metadata service
        ("2002:c0a8:0101:1::5", "6to4 (private"),  # 192.168.1.1
        ("2001:0:a00:1::1", "Teredo (private"),  # server 10.0.0.1
        (
            "2001:0:4136:e378:8000:63bf:80ff:fffe",
            "Teredo (loopback",
        ),  # client 127.0.0.1 (obfuscated)
        ("64:ff9b::7f00:1", "NAT64 (loopback"),
        ("64:ff9b::a9fe:a9fe", "NAT64 (link-local"),
        ("64:ff9b::192.168.0.1", "NAT64 (private"),
        ("64:ff9b:1::a00:1", "local-use NAT64"),
        ("2606:4700::5efe:a00:1", "ISATAP (private"),
        ("2606:4700::200:5efe:7f00:1", "ISATAP (loopback"),
    ],
)
def test_tunnelled_and_translated_private_addresses_are_refused(address: str, form: str) -> None:
    assert (forbidden(ipaddress.ip_address(address)) or "").startswith(form)
    with pytest.raises(TargetRefused, match="not an allowed target") as refused:
        check_addresses("hooks.example.com", [ipaddress.ip_address(address)], ())
    # The refusal names the host and the kind, never the address (nor the IPv4 inside).
    assert address not in str(refused.value) and str(ipaddress.ip_address(address)) not in str(
        refused.value
    )
    inner = ipaddress.IPv4Address(int(ipaddress.ip_address(address)) & 0xFFFFFFFF)
    assert str(inner) not in str(refused.value)


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "2606:4700:4700::1111", "64:ff9b::5db8:d70e", "2002:5db8:d70e::1"]
)
def test_public_addresses_and_their_nat64_and_6to4_forms_are_accepted(address: str) -> None:
    assert forbidden(ipaddress.ip_address(address)) is None


def test_refusals_do_not_echo_resolved_addresses() -> None:
    with pytest.raises(TargetRefused) as refused:
        check_addresses("intranet.example.com", [ipaddress.ip_address("10.20.30.40")], ())
    assert (
        str(refused.value)
        == "intranet.example.com resolves to a private address: not an allowed target"
    )


def test_allowed_networks_and_public_addresses() -> None:
    loopback = parse_networks("127.0.0.0/8, ::1/128")
    check_addresses("h", [ipaddress.ip_address("127.0.0.1")], loopback)
    check_addresses("h", [ipaddress.ip_address("93.184.215.14")], ())
    with pytest.raises(TargetRefused):  # one bad address of several is enough
        check_addresses(
            "h", [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.1.1.1")], loopback
        )


def test_url_shape() -> None:
    assert check_url("https://hooks.example.com/x", development=False) == ("hooks.example.com", 443)
    assert check_url("http://127.0.0.1:9000/x", development=True) == ("127.0.0.1", 9000)
    for url, why in [
        ("http://hooks.example.com/x", "https"),
        ("ftp://x/y", "http"),
        ("/relative", "absolute"),
        ("https://u:p@hooks.example.com/", "credentials"),
        ("https://h:99999/", "valid"),
    ]:
        with pytest.raises(TargetRefused, match=why):
            check_url(url, development=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://a..b/x",
        "http://.a/x",
        "http://a..b.:80/x",
        "http://exa mple.com/x",
        "http://-a.example/x",
        "http://a-.example/x",
        "http://a_b.example/x",
        "http://" + "a" * 64 + ".example/x",
        "http://" + ".".join(["abcdefghi"] * 26) + "/x",
        "http://[fe80::1%25eth0]/x",
        "http://[::1/x",
        "http://0x7f.1/x",
        "http://2130706433/x",
        "http://127.1/x",
        "http://xn--a.example/x",
        "http://\u2488.example/x",
        "http://ex\u00adample.com/x",
        "http://%31%32%37.0.0.1/x",
        "http://a.b:0/x",
        "http:///x",
        "http://\u0000.example/x",
    ],
)
def test_malformed_hosts_are_refused_as_invalid_urls(url: str) -> None:
    with pytest.raises(TargetRefused, match="not a valid URL|absolute"):
        check_url(url, development=True)


def test_well_formed_hosts() -> None:
    assert check_url("http://b\u00fccher.example/x", development=True) == (
        "xn--bcher-kva.example",
        80,
    )
    assert check_url("https://hooks.example.com./x", development=False) == (
        "hooks.example.com.",
        443,
    )
    assert check_url("https://[2606:4700::1]:8443/x", development=False) == ("2606:4700::1", 8443)
    assert check_url("https://A-1.Example.COM/x", development=False)[0].lower() == "a-1.example.com"


def test_signatures_verify_with_standardwebhooks_and_rotation_sends_both() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = '{"id": "e-1"}'
    now = datetime.now(UTC)
    both = signing.headers("e-1", now, body, [new, old])
    assert Webhook(old).verify(body, both) == {"id": "e-1"}
    assert Webhook(new).verify(body, both) == {"id": "e-1"}
    only_new = signing.headers("e-1", now, body, [new])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, only_new)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + " ", only_new)


def test_payload_is_a_structured_cloudevent() -> None:
    event = ConsumedEvent(
        id="0d3b1a44-9d1c-4b5e-8f2a-1c2d3e4f5a6b",
        type="village.incident.opened.v1",
        source="/village/incidents",
        stream_id="i-1",
        sequence=1,
        position=7,
        time=NOW,
        data={"title": "VPN down"},
        visibility="shared",
        parties=["acme", "initech"],
        actor_party="northwind",
        traceparent=None,
    )
    body = json.loads(structured(event, Recipient("initech", "customer")))
    assert body["specversion"] == "1.0" and body["id"] == event.id and body["subject"] == "i-1"
    # the egress rule: the payload names its recipient, no other party on the incident
    assert body["data"] == {"title": "VPN down"} and body["parties"] == "initech"
    assert body["time"].startswith("2026-11-24T09:00:00")


def test_sealed_secrets_open_with_any_configured_key_and_reseal_under_the_first() -> None:
    old, new = new_key(), new_key()
    secret = signing.new_secret()
    sealed = Sealer([old]).seal(secret)
    assert secret not in sealed and "whsec_" not in sealed and Sealer([old]).open(sealed) == secret
    rotating = Sealer([new, old])  # the new key first: it seals, both open
    assert rotating.open(sealed) == secret
    resealed = rotating.reseal(sealed)
    assert Sealer([new]).open(resealed) == secret
    with pytest.raises(SealError):  # the old key dropped before resealing: the secret is lost to it
        Sealer([new]).open(sealed)


# Production identity as an operator configures it (docs/identity.md): the keys are the point here.
PRODUCTION = {
    "VILLAGE_JWKS_URL": "https://login.example.com/.well-known/jwks.json",
    "VILLAGE_SERVICE_SECRET": "s" * 48,
}


def test_secret_keys_outside_development_must_be_your_own() -> None:
    own = new_key()
    with pytest.raises(ValueError, match="WEBHOOKS_SECRET_KEYS of your own"):
        WebhookSettings(VILLAGE_ENV="production", **PRODUCTION)
    with pytest.raises(ValueError, match="WEBHOOKS_SECRET_KEYS of your own"):  # even as an old key
        WebhookSettings(
            VILLAGE_ENV="staging", **PRODUCTION, WEBHOOKS_SECRET_KEYS=f"{own},{DEV_SECRET_KEY}"
        )
    settings = WebhookSettings(VILLAGE_ENV="production", **PRODUCTION, WEBHOOKS_SECRET_KEYS=own)
    assert settings.sealer().open(Sealer([own]).seal("whsec_x")) == "whsec_x"
    assert own not in repr(settings)
    assert (
        WebhookSettings().sealer().open(Sealer([DEV_SECRET_KEY]).seal("whsec_x")) == "whsec_x"
    )  # development
    with pytest.raises(ValueError, match="key 2 is not a Fernet key") as bad:
        WebhookSettings(WEBHOOKS_SECRET_KEYS=f"{own},not-a-key-but-maybe-a-password")
    assert "not-a-key-but-maybe-a-password" not in str(bad.value)
