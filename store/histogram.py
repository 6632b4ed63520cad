"""Log-bucketed histograms of non-negative values: mergeable percentile estimates.

Bins are those of Prometheus native histograms at schema 4: bin ``b`` holds the values in
``[2^(b/16), 2^((b+1)/16))``, so ``b = floor(log2(x) * 16)`` and a bin is ~4.4 % wide.
Values ``<= 0`` share ``ZERO_BIN`` (and are estimated as 0); NULLs are not counted, as
SQL's percentiles ignore them. The bin of a value is computed by :func:`bin_sql` inside
the database (Postgres and SQLite both have ``ln``) and by :func:`bin_of` in Python, with
the same double arithmetic.

:func:`quantiles` mirrors ``percentile_cont``: the rank of ``q`` is ``q * (n - 1)``,
interpolated linearly between the two closest ranks, where each rank's value is estimated
by the geometric midpoint of its bin, ``2^((b + 0.5) / 16)``. A midpoint is within
``RELATIVE_ERROR`` (``2^(1/32) - 1``, 2.19 %) of every value of its bin, and a linear
interpolation of two such estimates is within the same relative error of the
interpolation of the true values, so every answer is within ``RELATIVE_ERROR`` of the
exact ``percentile_cont`` of the same (positive) values.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Integer, String, case, cast, func, literal

SCHEMA = 4
BINS_PER_OCTAVE = 2**SCHEMA
ZERO_BIN = -32768
"""The bin of values <= 0: below the bin of every positive double (the least is -17184)."""
RELATIVE_ERROR = 2 ** (1 / (2 * BINS_PER_OCTAVE)) - 1
_SCALE = BINS_PER_OCTAVE / math.log(2)
"""ln(x) * _SCALE is log2(x) * 16; one multiplication by the same constant everywhere."""


def bin_of(value: float) -> int:
    return math.floor(math.log(value) * _SCALE) if value > 0 else ZERO_BIN


def bin_sql(value: Any) -> ColumnElement[int]:
    """:func:`bin_of` as SQL; NULL stays NULL. ``ln`` and ``floor`` see positives only
    (SQLAlchemy gives SQLite a ``floor`` of its own, Python's, which refuses NULL)."""
    scaled = func.floor(func.ln(value) * literal(_SCALE))
    return case((value > 0, cast(scaled, Integer)), (value <= 0, ZERO_BIN))


def midpoint(bin_: int) -> float:
    """The value that stands for every value of the bin."""
    return 0.0 if bin_ == ZERO_BIN else 2 ** ((bin_ + 0.5) / BINS_PER_OCTAVE)


def quantiles(counts: Iterable[tuple[int, int]], qs: Sequence[float]) -> list[float | None]:
    """The ``qs`` quantiles of the values counted as ``(bin, count)`` pairs (a bin may
    come more than once: its counts add up); None when there are none."""
    ordered = sorted(counts)
    ends: list[int] = list(accumulate(map(itemgetter(1), ordered)))  # count 0: never picked
    if not ends or ends[-1] <= 0:
        return [None] * len(qs)

    def value(rank: int) -> float:
        return midpoint(ordered[bisect_right(ends, rank)][0])

    def quantile(q: float) -> float:
        position = q * (ends[-1] - 1)
        lower = math.floor(position)
        low = value(lower)
        if position == lower:
            return low
        return low + (position - lower) * (value(lower + 1) - low)

    return [quantile(q) for q in qs]


def pairs_sql(bin_: Any, count: Any) -> ColumnElement[str]:
    """An aggregate of ``bin,count,bin,count,…``: the inside of a JSON array, quicker to
    fetch than a row per bin and quick to parse (:func:`parse_pairs`)."""
    return func.aggregate_strings(cast(bin_, String) + "," + cast(count, String), ",")


def parse_pairs(pairs: str) -> Iterable[tuple[int, int]]:
    """``bin,count,…`` as (bin, count) pairs."""
    numbers = orjson.loads(f"[{pairs}]")
    return zip(numbers[::2], numbers[1::2], strict=True)
