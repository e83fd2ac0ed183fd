"""Pages over one incident's versions (its events, its notes), filtered before their limit, with
bounded work: each query reads one window of versions, so that what it costs does not depend on
how long the incident is, nor on the plan PostgreSQL picks for a filter it cannot estimate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
WINDOW = 500  # versions one query reads at most

# fetch(first, last, n): up to n items with versions first..last, in the page's order.
Fetch = Callable[[int, int, int], Awaitable[list[T]]]


async def windowed(
    fetch: Fetch[T],
    *,
    head: int,
    cursor: int | None,
    limit: int,
    newest_first: bool = False,
    window: int = WINDOW,
) -> list[T]:
    """Up to `limit` + 1 items (one more tells that more follow) after version `cursor` (before
    it, `newest_first`) among versions 1..`head`, window after window until enough are found
    or the versions run out."""
    found: list[T] = []
    if newest_first:
        last = head if cursor is None else min(cursor - 1, head)
        while len(found) <= limit and last >= 1:
            first = max(last - window + 1, 1)
            found += await fetch(first, last, limit + 1 - len(found))
            last = first - 1
    else:
        first = 1 if cursor is None else cursor + 1
        while len(found) <= limit and first <= head:
            last = min(first + window - 1, head)
            found += await fetch(first, last, limit + 1 - len(found))
            first = last + 1
    return found
