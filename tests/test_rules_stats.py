"""rules.stats: percentiles as PostgreSQL computes them, rate tests and agreement scores."""

from __future__ import annotations

import pytest

from rules.stats import (
    ZTest,
    accuracy,
    cohens_kappa,
    confusion_matrix,
    per_class_precision_recall,
    percentile,
    percentiles,
    two_proportion_z,
    wilson_interval,
)

# --- percentile --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        # Each expected value is what PostgreSQL 15's percentile_cont returns.
        ([1, 2, 3, 4], 0.9, 3.7),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([1, 2, 3, 4], 0.0, 1.0),
        ([1, 2, 3, 4], 1.0, 4.0),
        ([10, 20, 30, 40, 50], 0.25, 20.0),
        (list(range(1, 11)), 0.5, 5.5),
        # Not 9.55: PostgreSQL's float arithmetic gives this, and so must ours.
        (list(range(1, 11)), 0.95, 9.549999999999999),
        ([42], 0.99, 42.0),
    ],
)
def test_percentile_matches_postgres_percentile_cont(
    values: list[float], q: float, expected: float
) -> None:
    assert percentile(values, q) == expected


def test_percentile_of_no_values_is_none() -> None:
    assert percentile([], 0.5) is None


@pytest.mark.parametrize("q", [-0.01, 1.01])
def test_percentile_rejects_quantile_outside_unit_interval(q: float) -> None:
    with pytest.raises(ValueError, match="quantile"):
        percentile([1.0], q)


def test_percentiles_sorts_values_and_keys_results_by_quantile() -> None:
    assert percentiles([4, 1, 3, 2], [0.5, 0.9]) == {0.5: 2.5, 0.9: 3.7}


def test_percentiles_of_no_values_are_none() -> None:
    assert percentiles([], [0.5, 0.99]) == {0.5: None, 0.99: None}


# --- two-proportion z-test ---------------------------------------------------------------


def test_z_test_agrees_with_chi_square_of_textbook_two_by_two() -> None:
    # 45/100 against 30/100: R's prop.test(c(45, 30), c(100, 100), correct = FALSE)
    # reports X-squared = 4.8 (= z²), p-value = 0.02846.
    result = two_proportion_z(45, 100, 30, 100)
    assert result.z**2 == pytest.approx(4.8)
    assert result.z > 0
    assert result.p_value == pytest.approx(0.02846, abs=1e-5)


def test_z_test_is_antisymmetric_in_its_samples() -> None:
    forward = two_proportion_z(45, 100, 30, 100)
    backward = two_proportion_z(30, 100, 45, 100)
    assert backward.z == pytest.approx(-forward.z)
    assert backward.p_value == pytest.approx(forward.p_value)


def test_z_test_of_equal_rates_has_no_evidence() -> None:
    assert two_proportion_z(10, 100, 20, 200) == ZTest(z=0.0, p_value=1.0)


@pytest.mark.parametrize(
    "counts",
    [(0, 0, 5, 10), (5, 10, 0, 0), (0, 10, 0, 20), (10, 10, 20, 20)],
    ids=["empty-a", "empty-b", "all-failures", "all-successes"],
)
def test_z_test_without_variance_returns_no_evidence(counts: tuple[int, int, int, int]) -> None:
    assert two_proportion_z(*counts) == ZTest(z=0.0, p_value=1.0)


def test_z_test_rejects_more_successes_than_trials() -> None:
    with pytest.raises(ValueError, match="successes"):
        two_proportion_z(11, 10, 1, 10)


# --- Wilson interval ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", table I.
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611)],
)
def test_wilson_interval_matches_published_values(
    successes: int, n: int, low: float, high: float
) -> None:
    assert wilson_interval(successes, n) == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_stays_within_unit_interval_at_the_extremes() -> None:
    low, high = wilson_interval(10, 10)
    assert 0.0 < low < 1.0
    assert high == 1.0
    assert wilson_interval(0, 10)[0] == 0.0


def test_wilson_interval_of_no_trials_is_everything() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


# --- confusion matrix and agreement ------------------------------------------------------

# Wikipedia, "Cohen's kappa", worked example: 50 grant proposals read by A (rows) and
# B (columns): 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no; po = 0.7, pe = 0.5.
WIKIPEDIA_PAIRS = (
    [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
)


def test_confusion_matrix_counts_reference_rows_and_candidate_columns() -> None:
    matrix = confusion_matrix(WIKIPEDIA_PAIRS, ["yes", "no"])
    assert matrix == {"yes": {"yes": 20, "no": 5}, "no": {"yes": 10, "no": 15}}


def test_confusion_matrix_includes_unused_labels() -> None:
    matrix = confusion_matrix([("a", "a")], ["a", "b"])
    assert matrix == {"a": {"a": 1, "b": 0}, "b": {"a": 0, "b": 0}}


def test_confusion_matrix_rejects_label_outside_the_list() -> None:
    with pytest.raises(ValueError, match="not in labels"):
        confusion_matrix([("a", "c")], ["a", "b"])


def test_confusion_matrix_rejects_repeated_labels() -> None:
    with pytest.raises(ValueError, match="distinct"):
        confusion_matrix([], ["a", "a"])


def test_cohens_kappa_of_wikipedia_example_is_point_four() -> None:
    matrix = confusion_matrix(WIKIPEDIA_PAIRS, ["yes", "no"])
    assert cohens_kappa(matrix) == pytest.approx(0.4)
    assert accuracy(matrix) == pytest.approx(0.7)


def test_cohens_kappa_is_one_for_perfect_agreement_and_zero_for_chance() -> None:
    perfect = confusion_matrix([("a", "a"), ("b", "b")], ["a", "b"])
    assert cohens_kappa(perfect) == 1.0
    chance = {"a": {"a": 25, "b": 25}, "b": {"a": 25, "b": 25}}
    assert cohens_kappa(chance) == 0.0


def test_cohens_kappa_is_negative_for_systematic_disagreement() -> None:
    opposite = confusion_matrix([("a", "b"), ("b", "a")], ["a", "b"])
    assert cohens_kappa(opposite) == -1.0


def test_cohens_kappa_when_both_use_a_single_class_is_one() -> None:
    # Chance agreement is 1, so the formula is 0/0; they did agree on every item.
    matrix = confusion_matrix([("a", "a")] * 3, ["a", "b"])
    assert cohens_kappa(matrix) == 1.0


def test_agreement_scores_of_empty_matrix_are_none() -> None:
    empty = confusion_matrix([], ["a", "b"])
    assert cohens_kappa(empty) is None
    assert accuracy(empty) is None


def test_per_class_precision_recall_of_wikipedia_example() -> None:
    scores = per_class_precision_recall(confusion_matrix(WIKIPEDIA_PAIRS, ["yes", "no"]))
    assert scores["yes"] == {"precision": pytest.approx(20 / 30), "recall": 0.8, "support": 25}
    assert scores["no"] == {"precision": 0.75, "recall": 0.6, "support": 25}


def test_per_class_precision_recall_is_none_where_undefined() -> None:
    # The candidate never says "b" (no precision) and the reference never says "c"
    # (no recall).
    matrix = confusion_matrix([("a", "a"), ("b", "a"), ("a", "c")], ["a", "b", "c"])
    scores = per_class_precision_recall(matrix)
    assert scores["b"] == {"precision": None, "recall": 0.0, "support": 1}
    assert scores["c"] == {"precision": 0.0, "recall": None, "support": 0}
    assert scores["a"] == {"precision": 0.5, "recall": 0.5, "support": 2}
