"""Reading another service's event feed (`GET /events`) for gap healing and rebuilds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from .envelope import ConsumedEvent
from .http import service_client
from .settings import Settings
from .tokens import ServiceAuth


class NotInFeedYet(LookupError):
    """The topic carried an event its owner's feed does not show yet: the relay records the
    positions it sent only once the broker has acknowledged them all, so a consumer can be
    first. Tried again (ConsumerRunner), never taken as sealed."""


@dataclass(frozen=True)
class FeedPage:
    items: list[ConsumedEvent]
    next_after: int


class FeedClient:
    """Pages an owner's feed as a service (`for_consumer`) or with a given bearer token; `source`
    names the owner for old feeds."""

    def __init__(
        self,
        base_url: str,
        token: str | httpx.Auth,
        *,
        source: str | None = None,
        page_size: int = 500,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url, self.source, self.page_size = base_url.rstrip("/"), source, page_size
        auth = token if isinstance(token, httpx.Auth) else None
        headers = {} if auth is not None else {"Authorization": f"Bearer {token}"}
        self._http = service_client(
            base_url=self.base_url, headers=headers, auth=auth, timeout=timeout, transport=transport
        )

    @classmethod
    def for_consumer(
        cls, base_url: str, settings: Settings, consumer: str, **options: object
    ) -> FeedClient:
        """A client calling as the service `consumer` (a fresh short-lived service token per
        request: a consumer runs for longer than any token should live)."""
        return cls(base_url, ServiceAuth(settings, consumer), **options)  # type: ignore[arg-type]

    async def page(
        self, after: int = 0, limit: int | None = None, stream_id: str | None = None
    ) -> FeedPage:
        params: dict[str, str | int] = {"after": after, "limit": limit or self.page_size}
        if stream_id is not None:
            params["stream_id"] = stream_id
        response = await self._http.get("/events", params=params)
        response.raise_for_status()
        body = response.json()
        items = [ConsumedEvent.from_feed_item(item, self.source) for item in body["items"]]
        return FeedPage(items=items, next_after=int(body["next_after"]))

    async def events(
        self, after: int = 0, stream_id: str | None = None
    ) -> AsyncIterator[ConsumedEvent]:
        """Every event after `after`, page by page, in feed (global position) order."""
        while True:
            page = await self.page(after, stream_id=stream_id)
            for item in page.items:
                yield item
            if page.next_after == after:  # nothing more: the feed's end
                return
            after = page.next_after

    async def stream_events(self, stream_id: str) -> list[ConsumedEvent]:
        """One stream's published events, in version order."""
        found = [e async for e in self.events(0, stream_id=stream_id)]
        return sorted(found, key=lambda e: e.sequence)

    async def whole(self, event: ConsumedEvent) -> ConsumedEvent:
        """The whole event a topic carried only as its fact (`redacted`), as the owner's feed
        gives it to a service; the fact itself if the feed keeps it sealed too; NotInFeedYet if
        the relay's transaction that sent it has not committed yet."""
        if event.position is not None:
            page = await self.page(event.position - 1, limit=1, stream_id=event.stream_id)
            found = [e for e in page.items if e.id == event.id]
        else:
            found = [e for e in await self.stream_events(event.stream_id) if e.id == event.id]
        if not found:
            raise NotInFeedYet(f"{event.id} is not in {self.base_url}/events yet")
        return found[0]

    async def whole_many(self, events: list[ConsumedEvent]) -> dict[str, ConsumedEvent]:
        """`whole` for several redacted events, by id: one feed page for a fetch's run of
        positions (a burst of restricted notes), `whole` one by one for the rest."""
        found: dict[str, ConsumedEvent] = {}
        wanted = {e.id: e for e in events}
        placed = [e.position for e in events if e.position is not None]
        if placed and max(placed) - min(placed) < self.page_size:
            page = await self.page(min(placed) - 1, limit=max(placed) - min(placed) + 1)
            found = {e.id: e for e in page.items if e.id in wanted}
        for event in events:
            if event.id not in found:
                found[event.id] = await self.whole(event)
        return found

    async def latest_position(self) -> int:
        """The highest published position, probed with one-item pages (exponential + bisection)."""

        async def beyond(position: int) -> int | None:
            page = await self.page(position, limit=1)
            return page.items[0].position if page.items else None

        first = await beyond(0)
        if first is None:
            return 0
        # Keep an event beyond `low` and none beyond `high`; then `high` is the last position.
        low, high, step = 0, first, 1024
        while await beyond(high) is not None:
            low, high, step = high, high + step, step * 2
        while high - low > 1:
            middle = (low + high) // 2
            if await beyond(middle) is None:
                high = middle
            else:
                low = middle
        return high

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> FeedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
