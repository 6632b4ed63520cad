"""Plumbing shared by the analytical reads (trends, dashboards, degradations)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

T = TypeVar("T")
GroupKey = Hashable
"""A group's key: a value of the grouping column (None where it is NULL), or a tuple."""
Grid = list[tuple[int, GroupKey, T]]
"""(bucket index, group, value) for every bucket and group."""


def is_postgres(db: DbSession) -> bool:
    return db.get_bind().dialect.name == "postgresql"


async def tune(db: DbSession) -> None:
    """Settings for one analytical read, for the rest of its transaction (Postgres).

    JIT compiles these plans for 30–300 ms, longer than they run; a larger ``work_mem``
    keeps their hash tables and percentile sorts in memory.
    """
    if is_postgres(db):
        await db.execute(text("SET LOCAL jit = off"))
        await db.execute(text("SET LOCAL work_mem = '64MB'"))


def group_order(key: GroupKey) -> tuple[bool, str]:
    """Groups sort by name, the NULL group last."""
    return (key is None, str(key))


def fill_grid(
    found: Mapping[tuple[int, GroupKey], T], buckets: int, grouped: bool, zero: Callable[[], T]
) -> Grid[T]:
    """Every bucket for every group seen anywhere in the range (just the buckets when not
    grouped), missing cells filled with ``zero()``; ordered by bucket, then group."""
    groups = sorted({g for _, g in found}, key=group_order) if grouped else [None]
    return [
        (i, g, found[(i, g)] if (i, g) in found else zero()) for i in range(buckets) for g in groups
    ]
