"""Settings: one shape for every service, read from the environment."""

from __future__ import annotations

import pytest

from village_platform.settings import DEV_JWT_SECRET, DEV_SERVICE_SECRET, Settings


def test_each_service_gets_its_own_database_on_the_named_server(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://village:pw@db.example:5432/postgres")
    settings = Settings.for_service("sla-monitor", 8003)
    assert (
        settings.service_database_url
        == "postgresql+asyncpg://village:pw@db.example:5432/village_sla_monitor"
    )
    monkeypatch.setenv("SLA_MONITOR_DATABASE_URL", "postgresql://u@h/own")
    monkeypatch.setenv("SLA_MONITOR_PORT", "9003")
    own = Settings.for_service("sla-monitor", 8003)
    assert (own.service_database_url, own.port) == ("postgresql+asyncpg://u@h/own", 9003)


IDP = "https://login.example.com/.well-known/jwks.json"
OWN_SERVICE_SECRET = "a-service-secret-of-our-own-" + "x" * 32


@pytest.fixture
def production(monkeypatch):
    """An environment with an identity provider and secrets of its own (no development mode)."""
    monkeypatch.setenv("VILLAGE_ENV", "production")
    monkeypatch.setenv("VILLAGE_JWKS_URL", IDP)
    monkeypatch.setenv("VILLAGE_SERVICE_SECRET", OWN_SERVICE_SECRET)
    return monkeypatch


@pytest.mark.parametrize("environment", [None, "", "production", "staging", "Development"])
def test_development_tokens_need_development_mode_asked_for_explicitly(monkeypatch, environment):
    if environment is None:
        monkeypatch.delenv("VILLAGE_ENV", raising=False)
    else:
        monkeypatch.setenv("VILLAGE_ENV", environment)
    monkeypatch.delenv("VILLAGE_JWKS_URL", raising=False)
    with pytest.raises(ValueError, match="VILLAGE_JWKS_URL"):
        Settings.for_service("incidents", 8001)
    monkeypatch.setenv("VILLAGE_ENV", "development")
    assert Settings.for_service("incidents", 8001).is_development


def test_production_needs_an_identity_provider_and_a_service_secret_of_its_own(production):
    settings = Settings.for_service("incidents", 8001)
    assert (settings.jwks_url, settings.is_development) == (IDP, False)
    production.delenv("VILLAGE_SERVICE_SECRET")
    with pytest.raises(ValueError, match="VILLAGE_SERVICE_SECRET"):
        Settings.for_service("incidents", 8001)
    assert DEV_SERVICE_SECRET != DEV_JWT_SECRET


@pytest.mark.parametrize("variable", ["VILLAGE_JWT_SECRET", "VILLAGE_SERVICE_SECRET"])
def test_hs256_keys_are_at_least_32_bytes_even_in_development(monkeypatch, variable):
    monkeypatch.setenv("VILLAGE_ENV", "development")
    monkeypatch.setenv(variable, "x" * 31)
    with pytest.raises(ValueError, match=f"{variable} must be at least 32 bytes"):
        Settings.for_service("incidents", 8001)
    monkeypatch.setenv(variable, "y" * 32)
    Settings.for_service("incidents", 8001)


def test_the_service_key_is_not_the_party_key(monkeypatch):
    monkeypatch.setenv("VILLAGE_ENV", "development")
    monkeypatch.setenv("VILLAGE_JWT_SECRET", OWN_SERVICE_SECRET)
    monkeypatch.setenv("VILLAGE_SERVICE_SECRET", OWN_SERVICE_SECRET)
    with pytest.raises(ValueError, match="must differ"):
        Settings.for_service("incidents", 8001)


@pytest.mark.parametrize("algorithms", ["HS256", "RS256,HS512", "none", ""])
def test_identity_provider_tokens_take_asymmetric_algorithms_only(production, algorithms):
    production.setenv("VILLAGE_JWT_ALGORITHMS", algorithms)
    with pytest.raises(ValueError, match="asymmetric"):
        Settings.for_service("incidents", 8001)
    production.setenv("VILLAGE_JWT_ALGORITHMS", "ES256, PS256")
    assert Settings.for_service("incidents", 8001).allowed_jwt_algorithms == ["ES256", "PS256"]


@pytest.mark.parametrize(
    "url,accepted",
    [
        (IDP, True),
        ("http://127.0.0.1:8080/jwks", True),
        ("http://idp.example.com/jwks", False),
        ("file:///etc/keys", False),
    ],
)
def test_the_key_set_is_read_over_https_or_loopback(production, url, accepted):
    production.setenv("VILLAGE_JWKS_URL", url)
    if accepted:
        Settings.for_service("incidents", 8001)
    else:
        with pytest.raises(ValueError, match="https"):
            Settings.for_service("incidents", 8001)


def test_the_identity_provider_cannot_take_the_services_issuer(production):
    production.setenv("VILLAGE_JWT_ISSUER", "village-services")
    with pytest.raises(ValueError, match="VILLAGE_JWT_ISSUER"):
        Settings.for_service("incidents", 8001)
