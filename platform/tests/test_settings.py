"""Settings: one shape for every service, read from the environment."""

from __future__ import annotations

import pytest

from village_platform.settings import DEV_JWT_SECRET, Settings


def test_each_service_gets_its_own_database_on_the_named_server(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://village:pw@db.example:5432/postgres")
    settings = Settings.for_service("sla-monitor", 8003)
    assert settings.service_database_url == "postgresql+asyncpg://village:pw@db.example:5432/village_sla_monitor"
    monkeypatch.setenv("SLA_MONITOR_DATABASE_URL", "postgresql://u@h/own")
    monkeypatch.setenv("SLA_MONITOR_PORT", "9003")
    own = Settings.for_service("sla-monitor", 8003)
    assert (own.service_database_url, own.port) == ("postgresql+asyncpg://u@h/own", 9003)


def test_production_refuses_the_public_development_secret(monkeypatch):
    monkeypatch.setenv("VILLAGE_ENV", "production")
    monkeypatch.delenv("VILLAGE_JWT_SECRET", raising=False)
    with pytest.raises(ValueError, match="VILLAGE_JWT_SECRET"):
        Settings.for_service("incidents", 8001)
    monkeypatch.setenv("VILLAGE_JWT_SECRET", "a-secret-of-our-own-" + "x" * 32)
    assert Settings.for_service("incidents", 8001).jwt_secret != DEV_JWT_SECRET
