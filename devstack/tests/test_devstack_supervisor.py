"""The dev stack's supervisor: a process that dies is started again, with a pause that doubles
while it keeps failing and is back to the first once it has stayed up. Real processes (the
stand-in service of fake_service.py); the supervisor's clock is moved, not waited for."""

import signal
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from village_devstack.services import ServiceProcess, ServiceSpec
from village_devstack.supervisor import STEADY_SECONDS, Supervisor
from village_devstack.testing import free_port

FAKE = Path(__file__).with_name("fake_service.py")


@dataclass(frozen=True)
class FakeSpec(ServiceSpec):
    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(FAKE), *args]


def healthz(service: ServiceProcess) -> int:
    with urllib.request.urlopen(f"{service.url}/healthz", timeout=2) as response:
        return response.status


def kill(service: ServiceProcess) -> None:
    assert service.process is not None
    service.process.send_signal(signal.SIGKILL)
    service.process.wait()


def test_a_killed_process_is_started_again_with_backoff(tmp_path):
    env = {"FAKE_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/village_fake_t1"}
    service = ServiceProcess(
        FakeSpec("fake", 9999),
        env=env,
        port=free_port(),
        log_file=tmp_path / "fake.log",
        startup_timeout=15,
    )
    said: list[str] = []
    now = [0.0]
    supervisor = Supervisor([service], said.append, clock=lambda: now[0])
    try:
        service.start()
        first_pid = service.pid
        supervisor.check()
        assert said == []  # running: nothing to say

        kill(service)
        supervisor.check()
        assert said[-1].startswith("fake exited (exit -9, SIGKILL); starting it again in 1 s")
        supervisor.check()
        assert not service.running()  # the pause is not over
        now[0] += 1
        supervisor.check()
        assert service.running() and service.pid != first_pid
        assert said[-1].startswith(f"fake: restarted (pid {service.pid}, restart 1)")
        assert healthz(service) == 200

        kill(service)  # again at once: the pause doubles
        supervisor.check()
        assert "starting it again in 2 s" in said[-1]
        now[0] += 1
        supervisor.check()
        assert not service.running()
        now[0] += 1
        supervisor.check()
        assert healthz(service) == 200 and "restart 2" in said[-1]

        service.env["FAKE_CRASH"] = "1"  # it cannot start: each failed start doubles the pause
        kill(service)
        supervisor.check()
        assert "starting it again in 4 s" in said[-1]
        now[0] += 4
        supervisor.check()
        assert said[-1].startswith("fake did not come back: fake exited during startup")
        assert "starting it again in 8 s" in said[-1]
        del service.env["FAKE_CRASH"]
        now[0] += 8
        supervisor.check()
        assert healthz(service) == 200 and "restart 3" in said[-1]

        now[0] += STEADY_SECONDS  # up a good while: the next crash is a first one again
        supervisor.check()
        kill(service)
        supervisor.check()
        assert "starting it again in 1 s" in said[-1]
    finally:
        service.close()
