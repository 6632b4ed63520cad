"""Percentiles of grouped rows: ``percentile_cont`` inside Postgres, ``rules.stats.percentile``
over the fetched values on SQLite. The latter mirrors the former's arithmetic, so both
backends answer the same floats on the same data (tests/test_trends.py checks it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, func, literal_column
from sqlalchemy.ext.asyncio import AsyncSession as DbSession
from sqlalchemy.types import ARRAY

from rules.stats import percentile

Quantiles = list[float | None]
"""One value per requested quantile, in the order asked; None where there are no values."""


def pg_quantiles(value: Any, qs: Sequence[float]) -> ColumnElement[Any]:
    """``percentile_cont(ARRAY[qs]) WITHIN GROUP (ORDER BY value)``: one sort for all qs."""
    fractions: ColumnElement[Any] = literal_column(
        f"ARRAY[{', '.join(repr(float(q)) for q in qs)}]::float8[]"
    )
    return func.percentile_cont(fractions).within_group(value).cast(ARRAY(Float))


def as_quantiles(value: Sequence[float | None] | None, size: int) -> Quantiles:
    """A Postgres answer as a list; a group without values answers NULL."""
    return list(value) if value is not None else [None] * size


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
        key: [_quantiles(sorted(column), q) for column, q in zip(columns, qs, strict=True)]
        for key, columns in values.items()
    }


def _quantiles(ordered: list[float], qs: Sequence[float]) -> Quantiles:
    return [percentile(ordered, q) for q in qs]
