"""The names of the providers' own topics: always legal Kafka topic names, one provider's never
under another's prefix (the prefixed ACL that grants a provider's tooling its channel)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from village_platform.settings import Settings
from village_platform.topics import MAX_PART, provider_part, provider_topic

BUS_TOPICS = ("village.incidents.v1", "village.sla.v1", "village.escalations.v1")
# The party ids the directory accepts (village_incidents.schemas.Name).
PARTY_IDS = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}\Z")
LEGAL = re.compile(r"[A-Za-z0-9._-]{1,249}")
LONGEST_PREFIX = "p" * 99 + "."


def test_an_ordinary_id_names_its_topics_as_it_is() -> None:
    assert provider_topic("village.incidents.v1", "acme") == "village.acme.incidents.v1"
    assert provider_topic("village.sla.v1", "globex-eu") == "village.globex-eu.sla.v1"


@pytest.mark.parametrize(
    ("provider", "part"),
    [("acme.eu", "acme_2eeu"), ("acme:eu", "acme_3aeu"), ("acme_eu", "acme_5feu")],
)
def test_a_dot_colon_or_underscore_is_written_as_hex(provider: str, part: str) -> None:
    assert provider_part(provider) == part


def test_a_bus_topic_name_is_village_and_a_rest() -> None:
    for wrong in ("test.relay.x", "village.", "incidents.v1"):
        with pytest.raises(ValueError):
            provider_topic(wrong, "acme")


@given(PARTY_IDS)
def test_every_party_id_names_legal_topics_under_the_longest_prefix(provider: str) -> None:
    part = provider_part(provider)
    assert "." not in part and len(part) <= MAX_PART
    for bus in BUS_TOPICS:
        assert LEGAL.fullmatch(LONGEST_PREFIX + provider_topic(bus, provider))


@given(PARTY_IDS, PARTY_IDS)
def test_no_provider_reads_under_another_providers_prefix(a: str, b: str) -> None:
    """Distinct providers: distinct parts, neither's ACL prefix covers the other's topics, and no
    two names collide in Kafka's eyes (it treats `.` and `_` alike in metric names)."""
    if a == b:
        return
    assert provider_part(a) != provider_part(b)
    prefix_a = f"village.{provider_part(a)}."
    for bus in BUS_TOPICS:
        assert not provider_topic(bus, b).startswith(prefix_a)
    names_a = {provider_topic(t, a).replace(".", "_") for t in BUS_TOPICS}
    names_b = {provider_topic(t, b).replace(".", "_") for t in BUS_TOPICS}
    assert not names_a & names_b


def test_a_long_id_with_many_escapes_is_named_by_its_hash() -> None:
    long_a, long_b = "a" + ".:" * 49 + "a", "a" + ":." * 49 + "a"
    assert provider_part(long_a).startswith("_h") and len(provider_part(long_a)) == 42
    assert provider_part(long_a) != provider_part(long_b)
    assert provider_part("a" * 100) == "a" * 100  # 100 plain characters still read as they are


def test_the_topic_prefix_is_legal_and_short_enough() -> None:
    assert Settings(KAFKA_TOPIC_PREFIX=LONGEST_PREFIX).topic("village.sla.v1").startswith("ppp")
    for wrong in ("p" * 101, "my prefix.", "a/b."):
        with pytest.raises(ValidationError):
            Settings(KAFKA_TOPIC_PREFIX=wrong)
