"""Which sessions a trend reads, placed in time how, grouped by what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from store.analytics import Grid, GroupKey, T, fill_grid
from store.buckets import GroupBy, Placement
from store.session_queries import SessionFilter


@dataclass(frozen=True, slots=True)
class TrendQuery:
    """Which sessions, placed in time how: ``filters`` carries no time bounds."""

    project_id: int
    placement: Placement
    group_by: GroupBy = "none"
    filters: SessionFilter = field(default_factory=SessionFilter)

    @property
    def keys(self) -> int:
        return 1 if self.group_by == "none" else 2

    def key(self, row: Any) -> tuple[int, GroupKey]:
        """(bucket index, group) of a result row."""
        return (self.placement.index_of(row[0]), row[1] if self.keys == 2 else None)

    def fill(self, found: dict[tuple[int, GroupKey], T], zero: Callable[[], T]) -> Grid[T]:
        return fill_grid(found, self.placement.size, self.group_by != "none", zero)
