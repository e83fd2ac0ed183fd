"""`make bench` stops on SIGTERM and at its time limit (SIGALRM), also while its event loop
idles (uvloop logs and swallows an exception raised by a Python signal handler in a callback)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from benchmarks.run import Aborted, run_stoppable


@pytest.mark.parametrize("uvloop", [True, False], ids=["uvloop", "asyncio"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGALRM], ids=["SIGTERM", "SIGALRM"])
def test_a_signal_stops_an_idle_measurement_and_its_cleanup_runs(uvloop, signum) -> None:
    events: list[str] = []
    previous = {s: signal.signal(s, signal.SIG_DFL) for s in (signal.SIGTERM, signal.SIGALRM)}

    async def measure() -> None:
        try:
            asyncio.get_running_loop().call_later(0.2, os.kill, os.getpid(), signum)
            try:  # an idle loop waiting on what never comes, for 10 s, unless stopped
                await asyncio.wait_for(asyncio.Event().wait(), timeout=10)
            except TimeoutError:
                events.append("ran to the end")
        finally:
            await asyncio.sleep(0)  # a cleanup that awaits still runs
            events.append("cleaned up")

    try:
        with pytest.raises(Aborted, match=signal.Signals(signum).name):
            run_stoppable(measure, uvloop=uvloop)
        assert events == ["cleaned up"]
        # Outside the loop the signal still aborts (the stack's start and stop run there).
        with pytest.raises(Aborted):
            os.kill(os.getpid(), signum)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
