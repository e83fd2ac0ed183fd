"""When to try a delivery again: which answers are worth retrying, and after how long.

Retried: connection errors, timeouts, 5xx, 408 and 429 (with `Retry-After`, in seconds or an
HTTP date, honoured for 429 and 503, and never beyond the backoff cap: a receiver does not get
to park its deliveries for ever, nor to crash the dispatcher with 10^30 seconds). Anything else
that is not 2xx (other 4xx, 3xx: redirects are not followed, a redirect to a private address
would undo the URL check) is final: the delivery is `failed` and the endpoint's next events go
on. Backoff is exponential with full jitter (uniform between 0 and min(cap, base * 2^attempts));
once the next attempt would fall past `max_age` after the delivery was queued, the endpoint is
`failing` and its deliveries parked.

Each delivery backs off on its own, but a receiver that is down fails all of them: with 5,000
incidents queued for it, 5,000 backoffs would each knock. So the endpoint has a circuit breaker
too: after `BREAKER_FAILURES` failed attempts in a row (any answer that is not worth retrying,
2xx or final 4xx, resets the count) it is paused for a backoff of its own, then tried with one
delivery at a time (a probe) until one gets through. A 429 or 503 with `Retry-After` pauses the
endpoint at once: the receiver said when to come back, and meant all of it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

Verdict = Literal["delivered", "retry", "failed"]
BREAKER_FAILURES = 5  # failed attempts in a row that pause an endpoint
_SECONDS = re.compile(r"[0-9]{1,30}")  # ASCII digits only ("²".isdigit() is true); 10^30 is plenty


def verdict(status: int | None) -> Verdict:
    """`status` None: no answer (connection error, timeout)."""
    if status is None or status >= 500 or status in (408, 429):
        return "retry"
    if 200 <= status < 300:
        return "delivered"
    return "failed"


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date), or None when
    it is neither (garbage, negative). Unbounded: `RetryPolicy.delay` caps it."""
    if not value or len(value) > 100:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value) if _SECONDS.fullmatch(value) else float("inf")
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max((when - now).total_seconds(), 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 1.0
    cap_seconds: float = 3600.0
    max_age: timedelta = timedelta(days=1)
    random: Callable[[], float] = random.random

    def delay(
        self, attempts: int, status: int | None = None, retry_after_seconds: float | None = None
    ) -> float:
        """Seconds until the next attempt after `attempts` tries (the one that just failed
        included)."""
        if retry_after_seconds is not None and status in (429, 503):
            return min(max(retry_after_seconds, 0.0), self.cap_seconds)
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** min(max(attempts - 1, 0), 40))
        return ceiling * self.random()

    def next_attempt(
        self,
        now: datetime,
        queued_at: datetime,
        attempts: int,
        status: int | None = None,
        retry_after_seconds: float | None = None,
    ) -> datetime | None:
        """When to try again; None when that is past the maximum age: park instead."""
        at = now + timedelta(seconds=self.delay(attempts, status, retry_after_seconds))
        return None if at > queued_at + self.max_age else at

    def endpoint_pause(
        self, failures: int, status: int | None = None, retry_after_seconds: float | None = None
    ) -> float | None:
        """Seconds to pause an endpoint after an attempt failed, its `failures`-th in a row;
        None: not paused (its other deliveries go on)."""
        if retry_after_seconds is not None and status in (429, 503):
            return self.delay(failures, status, retry_after_seconds)
        if failures < BREAKER_FAILURES:
            return None
        return self.delay(failures - BREAKER_FAILURES + 1)
