"""`village-dev run` keeps its processes up, as a process supervisor would: one that exits is
started again after a pause that doubles with each failure in a row (1 s, 2 s, 4 s ... 30 s),
and is back to 1 s once the process has stayed up for a minute. It says so on the console."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .services import ServiceError, ServiceProcess

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
STEADY_SECONDS = 60.0  # up this long: the next crash is a first one again


@dataclass
class _Watched:
    process: ServiceProcess
    up_since: float
    pause: float = FIRST_PAUSE
    retry_at: float | None = None  # set while it is down, waiting to be started again
    restarts: int = 0


class Supervisor:
    """`check()` every so often (from the thread that started the processes): notes exits and
    starts a process again once its pause is over."""

    def __init__(
        self,
        processes: Sequence[ServiceProcess],
        say: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.say, self.clock = say, clock
        self.watched = [_Watched(p, clock()) for p in processes]

    def check(self) -> None:
        for watched in self.watched:
            if watched.retry_at is None:
                self._look(watched)
            elif self.clock() >= watched.retry_at:
                self._start_again(watched)

    def _look(self, watched: _Watched) -> None:
        process, now = watched.process, self.clock()
        if process.running():
            if now - watched.up_since >= STEADY_SECONDS:
                watched.pause = FIRST_PAUSE
            return
        code = process.process.returncode if process.process is not None else None
        self._down(watched, f"{process.name} exited ({_exit(code)})")

    def _start_again(self, watched: _Watched) -> None:
        process = watched.process
        try:
            process.start()
        except ServiceError as exc:
            self._down(watched, f"{process.name} did not come back: {str(exc).splitlines()[0]}")
            return
        watched.retry_at, watched.up_since = None, self.clock()
        watched.restarts += 1
        self.say(
            f"{process.name}: restarted (pid {process.pid}, restart {watched.restarts}), "
            f"healthy on {process.instance_url}"
        )

    def _down(self, watched: _Watched, what: str) -> None:
        watched.retry_at = self.clock() + watched.pause
        self.say(
            f"{what}; starting it again in {watched.pause:.0f} s (log {watched.process.log_file})"
        )
        watched.pause = min(watched.pause * 2, LONGEST_PAUSE)


def _exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"exit {code}, {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"exit {code}"
