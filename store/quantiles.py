"""Percentiles of grouped rows, with the arithmetic of Postgres' ``percentile_cont``
(``rules.stats.percentile``), so both backends answer the same floats on the same data
(tests/test_trends_quantiles.py checks the arithmetic).

Postgres collects each group's values in the grouped read itself (``pg_values``: a hash
aggregation in parallel workers, where ``percentile_cont`` over the rows would first sort
every row by group), and the percentiles of each group's array are taken here
(store/degradations.py); SQLite's values are read apart (``python_quantiles``).
Only the two ranks around each quantile's position are needed, so ``values_quantiles``
partitions the values around them (numpy's introselect) instead of sorting them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, func
from sqlalchemy.ext.asyncio import AsyncSession as DbSession
from sqlalchemy.types import NullType

from rules.stats import percentile

Quantiles = list[float | None]
"""One value per requested quantile, in the order asked; None where there are no values."""


def pg_values(value: Any) -> ColumnElement[Any]:
    """A group's non-NULL values as an array (NULL when there are none), through the
    ``collect_float8`` aggregate of migration 0007: ``array_agg`` that runs in parallel.
    Typed as nothing in particular: the driver's list of floats is used as it comes,
    not walked element by element."""
    return func.collect_float8(value, type_=NullType()).filter(value.is_not(None))


def values_quantiles(values: Sequence[float] | None, qs: Sequence[float]) -> Quantiles:
    """The quantiles ``qs`` of a group's values, in any order (None: no values)."""
    if not values:
        return [None] * len(qs)
    array = np.array(values, dtype=np.float64)
    array.partition(sorted({rank for q in qs for rank in _ranks(q, len(array))}))
    # each rank now holds what a full sort would put there; percentile reads only those
    partitioned = array.tolist()
    return [percentile(partitioned, q) for q in qs]


def _ranks(q: float, size: int) -> tuple[int, int]:
    """The ranks ``rules.stats.percentile`` reads: either side of position q·(size − 1)."""
    position = q * (size - 1)
    return math.floor(position), math.ceil(position)


async def python_quantiles(
    db: DbSession, stmt: Select[Any], keys: int, qs: Sequence[Sequence[float]]
) -> dict[tuple[Hashable, ...], list[Quantiles]]:
    """``stmt`` selects ``keys`` key columns, then one column per entry of ``qs``; answer,
    per key, the quantiles ``qs[j]`` of value column j (NULLs ignored, as in SQL)."""
    values: dict[tuple[Hashable, ...], list[list[float]]] = defaultdict(lambda: [[] for _ in qs])
    for row in await db.execute(stmt):
        columns = values[tuple(row[:keys])]
        for j, value in enumerate(row[keys:]):
            if value is not None:
                columns[j].append(float(value))
    return {
        key: [values_quantiles(column, q) for column, q in zip(columns, qs, strict=True)]
        for key, columns in values.items()
    }
