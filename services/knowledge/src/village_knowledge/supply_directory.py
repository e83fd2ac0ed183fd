"""Who supplies whom: the platform's SupplyDirectory (`GET /supplies`), as knowledge's `Supply`
values."""

from __future__ import annotations

from typing import Any

from village_platform import directory

from .domain.supplies import Supply


class SupplyDirectory(directory.SupplyDirectory):
    def _parse(self, items: list[dict[str, Any]]) -> list[Supply]:
        return [Supply.from_view(item) for item in items]
