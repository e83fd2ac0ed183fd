import signal
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from village_devstack.services import ServiceError, ServiceProcess, ServiceSpec
from village_devstack.testing import free_port

FAKE = Path(__file__).with_name("fake_service.py")


@dataclass(frozen=True)
class FakeSpec(ServiceSpec):
    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(FAKE), *args]


def make(tmp_path, **env) -> ServiceProcess:
    base = {"FAKE_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/village_fake_t1", **env}
    return ServiceProcess(
        FakeSpec("fake", 9999),
        env=base,
        port=free_port(),
        log_file=tmp_path / "fake.log",
        startup_timeout=15,
    )


def healthz(service: ServiceProcess) -> int:
    with urllib.request.urlopen(f"{service.url}/healthz", timeout=2) as response:
        return response.status


def test_lifecycle_stop_kill_restart_on_same_port(tmp_path):
    service = make(tmp_path)
    assert service.env["FAKE_PORT"] == str(service.port)
    assert service.database_url == "postgresql://postgres@127.0.0.1:1/village_fake_t1"
    service.migrate()
    service.start()
    try:
        assert healthz(service) == 200
        assert service.stop() == -signal.SIGTERM
        assert not service.running()
        service.start()
        assert healthz(service) == 200
        service.kill()
        assert service.process.returncode == -signal.SIGKILL
        service.start()
        assert healthz(service) == 200
    finally:
        service.close()
    log = (tmp_path / "fake.log").read_text()
    assert "migrated" in log and log.count("serving on") == 3


def test_startup_failure_reports_the_log_tail(tmp_path):
    service = make(tmp_path, FAKE_CRASH="1")
    with pytest.raises(ServiceError, match=r"(?s)exited during startup.*boom: cannot start"):
        service.start()
    service.close()


def test_migrate_failure_is_reported(tmp_path):
    service = make(tmp_path, FAKE_MIGRATE_EXIT="4")
    with pytest.raises(ServiceError, match=r"(?s)migrate failed \(exit 4\).*migrated"):
        service.migrate()
    service.close()


def test_database_url_defaults_to_the_service_database_on_the_server(tmp_path):
    service = ServiceProcess(
        ServiceSpec("sla-monitor", 8003),
        env={"DATABASE_URL": "postgresql+asyncpg://u:p@db:5432/postgres"},
        log_file=tmp_path / "x.log",
    )
    assert service.database_url == "postgresql://u:p@db:5432/village_sla_monitor"
    assert service.env["SLA_MONITOR_PORT"] == "8003"
    assert service.url == "http://127.0.0.1:8003"


def test_make_run_prints_the_console_first(capsys, tmp_path):
    """The console starts last (it reads every other service's feed) and is printed first: it
    is the URL a person opens. The curl example still names the incidents service."""
    from types import SimpleNamespace

    from village_devstack.cli import _banner
    from village_devstack.services import SERVICES

    assert SERVICES[-1].name == "console"
    services = [
        SimpleNamespace(
            spec=spec,
            name=spec.name,
            replica="",
            url=f"http://127.0.0.1:{spec.port}",
            database_url=f"postgresql://postgres@127.0.0.1:5433/{spec.default_database}",
            log_file=tmp_path / f"{spec.name}.log",
        )
        for spec in SERVICES
    ]
    _banner(
        services,
        "postgresql://postgres@127.0.0.1:5433/postgres",
        "127.0.0.1:9092",
        "http://127.0.0.1:8009",
        tmp_path / "deliveries.jsonl",
    )
    printed = capsys.readouterr().out
    names = {spec.name for spec in SERVICES}
    listed = [line.split() for line in printed.splitlines() if line.startswith("  ")]
    assert [words[1] for words in listed if words and words[0] in names][0] == (
        "http://127.0.0.1:8000"
    )
    assert 'Bearer $TOKEN_NORTHWIND" http://127.0.0.1:8001/incidents' in printed
