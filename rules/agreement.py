"""Agreement figures of a candidate labeller against a reference one, built on ``stats``.

The reference is a human (a reviewer's label), the candidate the judge or another
reviewer; matrices are ``matrix[reference][candidate]``. Pure: plain labels in, numbers out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from rules.stats import (
    ClassScores,
    ConfusionMatrix,
    accuracy,
    cohens_kappa,
    confusion_matrix,
    per_class_precision_recall,
    wilson_interval,
)

Pair = tuple[str, str]
"""``(reference, candidate)``: the human's label and the candidate's."""


@dataclass(frozen=True, slots=True)
class AxisAgreement:
    """One axis (termination or helpfulness): how often the candidate matches the reference."""

    labels: list[str]
    pairs: int
    matrix: ConfusionMatrix
    accuracy: float | None
    accuracy_interval: tuple[float, float]
    """95 % Wilson score interval of the accuracy; ``(0, 1)`` with no pairs."""
    kappa: float | None
    per_class: dict[str, ClassScores]


def axis_agreement(pairs: Sequence[Pair], labels: Sequence[str]) -> AxisAgreement:
    matrix = confusion_matrix(pairs, labels)
    agreed = sum(1 for reference, candidate in pairs if reference == candidate)
    return AxisAgreement(
        labels=list(labels),
        pairs=len(pairs),
        matrix=matrix,
        accuracy=accuracy(matrix),
        accuracy_interval=wilson_interval(agreed, len(pairs)),
        kappa=cohens_kappa(matrix),
        per_class=per_class_precision_recall(matrix),
    )


@dataclass(frozen=True, slots=True)
class Rate:
    """``hits`` out of ``n``, with the 95 % Wilson interval; ``rate`` is None when n is 0."""

    hits: int
    n: int
    rate: float | None
    interval: tuple[float, float]


def rate(hits: int, n: int) -> Rate:
    return Rate(hits, n, hits / n if n else None, wilson_interval(hits, n))


@dataclass(frozen=True, slots=True)
class ReviewerPair:
    """Two reviewers on the sessions both labelled (the first is the reference)."""

    reviewers: tuple[str, str]
    sessions: int
    termination: AxisAgreement
    helpfulness: AxisAgreement


Classes = tuple[str | None, str | None]
"""A label's ``(termination, helpfulness)``; either may be missing."""
Labels = Mapping[str, Mapping[int, Classes]]
"""``labels[reviewer][session]``: each reviewer's latest label of each session."""


def between_reviewers(
    labels: Labels, terminations: Sequence[str], helpfulness: Sequence[str]
) -> list[ReviewerPair]:
    """Every pair of reviewers (by name) that labelled at least one session in common."""
    result = []
    for first, second in combinations(sorted(labels), 2):
        shared = sorted(labels[first].keys() & labels[second].keys())
        if not shared:
            continue
        pairs = [(labels[first][pk], labels[second][pk]) for pk in shared]
        result.append(
            ReviewerPair(
                reviewers=(first, second),
                sessions=len(shared),
                termination=axis_agreement(_both(pairs, 0), terminations),
                helpfulness=axis_agreement(_both(pairs, 1), helpfulness),
            )
        )
    return result


def _both(pairs: list[tuple[Classes, Classes]], axis: int) -> list[Pair]:
    """The pairs where both reviewers gave a label on ``axis``."""
    both: list[Pair] = []
    for first, second in pairs:
        a, b = first[axis], second[axis]
        if a is not None and b is not None:
            both.append((a, b))
    return both
