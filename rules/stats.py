"""Small statistics used by trends, dashboards and the judge-versus-user comparison.

Pure functions over plain numbers: no I/O, no third-party dependencies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

ConfusionMatrix = dict[str, dict[str, int]]
"""``matrix[reference][candidate]`` is how many items the reference labelled ``reference``
and the candidate labelled ``candidate`` (rows: reference, columns: candidate)."""


# --- percentiles -------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile of ascending ``sorted_values``, exactly as PostgreSQL's
    ``percentile_cont(q)``; None when there are no values.

    The position is ``q * (n - 1)`` (0-based); between the two closest ranks the value is
    interpolated linearly. The arithmetic mirrors PostgreSQL's (``lo + frac * (hi - lo)``,
    no interpolation when the position is a whole number) so both give the same float.
    """
    _check_quantile(q)
    if not sorted_values:
        return None
    position = q * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    low_value = float(sorted_values[lower])
    if lower == upper:
        return low_value
    high_value = float(sorted_values[upper])
    return low_value + (position - lower) * (high_value - low_value)


def percentiles(values: Iterable[float], qs: Iterable[float]) -> dict[float, float | None]:
    """Several quantiles of unsorted ``values`` at once, keyed by quantile."""
    ordered = sorted(values)
    return {q: percentile(ordered, q) for q in qs}


def _check_quantile(q: float) -> None:
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {q}")


# --- comparing two rates -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZTest:
    """A two-proportion z-test: ``z`` is positive when sample a's rate is the higher."""

    z: float
    p_value: float


def two_proportion_z(successes_a: int, n_a: int, successes_b: int, n_b: int) -> ZTest:
    """Two-sided two-proportion z-test with the pooled proportion.

    When the test is undefined (an empty sample, or a pooled rate of exactly 0 or 1 so
    there is no variance) there is no evidence of a difference: ``z = 0``, ``p = 1``.
    """
    _check_count(successes_a, n_a)
    _check_count(successes_b, n_b)
    if n_a == 0 or n_b == 0:
        return ZTest(z=0.0, p_value=1.0)
    pooled = (successes_a + successes_b) / (n_a + n_b)
    variance = pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b)
    if variance <= 0.0:
        return ZTest(z=0.0, p_value=1.0)
    z = (successes_a / n_a - successes_b / n_b) / math.sqrt(variance)
    return ZTest(z=z, p_value=math.erfc(abs(z) / math.sqrt(2.0)))


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion; ``(0.0, 1.0)`` when ``n == 0``."""
    _check_count(successes, n)
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z / denominator * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n))
    return (max(0.0, centre - half_width), min(1.0, centre + half_width))


def _check_count(successes: int, n: int) -> None:
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")


# --- agreement between two labellers ------------------------------------------------------


def confusion_matrix(pairs: Iterable[tuple[str, str]], labels: Sequence[str]) -> ConfusionMatrix:
    """Count ``(reference, candidate)`` label pairs into a square matrix over ``labels``.

    Every label gets a row and a column, even if unused; a label outside ``labels`` is a
    ``ValueError`` (add e.g. ``"unknown"`` to ``labels`` to count it).
    """
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels must be distinct, got {list(labels)}")
    matrix = {row: dict.fromkeys(labels, 0) for row in labels}
    for reference, candidate in pairs:
        if reference not in matrix or candidate not in matrix:
            raise ValueError(f"label pair {(reference, candidate)} not in labels {list(labels)}")
        matrix[reference][candidate] += 1
    return matrix


def accuracy(matrix: Mapping[str, Mapping[str, int]]) -> float | None:
    """Share of items both labellers agree on; None for an empty matrix."""
    total = _total(matrix)
    return _diagonal(matrix) / total if total else None


def cohens_kappa(matrix: Mapping[str, Mapping[str, int]]) -> float | None:
    """Cohen's kappa: agreement corrected for chance, ``(po - pe) / (1 - pe)``.

    None for an empty matrix. When chance agreement ``pe`` is 1 the formula is 0/0; that
    happens only when both labellers put every item in the same single class, so they
    agree perfectly (``po`` is then 1 too) and the result is 1.0. Computed on integer
    counts, so that case is detected exactly.
    """
    total = _total(matrix)
    if total == 0:
        return None
    labels = list(matrix)
    row_sums = [sum(matrix[label].values()) for label in labels]
    column_sums = [_column_sum(matrix, label) for label in labels]
    chance = sum(r * c for r, c in zip(row_sums, column_sums, strict=True))
    if chance == total * total:
        return 1.0
    return (total * _diagonal(matrix) - chance) / (total * total - chance)


class ClassScores(TypedDict):
    """Precision and recall of the candidate for one label; None when undefined."""

    precision: float | None
    recall: float | None
    support: int


def per_class_precision_recall(
    matrix: Mapping[str, Mapping[str, int]],
) -> dict[str, ClassScores]:
    """Per label: precision (of the candidate's uses of it), recall (of the reference's)
    and support (how many items the reference gave that label)."""
    scores: dict[str, ClassScores] = {}
    for label in matrix:
        hits = matrix[label].get(label, 0)
        support = sum(matrix[label].values())
        predicted = _column_sum(matrix, label)
        scores[label] = ClassScores(
            precision=hits / predicted if predicted else None,
            recall=hits / support if support else None,
            support=support,
        )
    return scores


def _total(matrix: Mapping[str, Mapping[str, int]]) -> int:
    return sum(sum(row.values()) for row in matrix.values())


def _diagonal(matrix: Mapping[str, Mapping[str, int]]) -> int:
    return sum(row.get(label, 0) for label, row in matrix.items())


def _column_sum(matrix: Mapping[str, Mapping[str, int]], label: str) -> int:
    return sum(row.get(label, 0) for row in matrix.values())
