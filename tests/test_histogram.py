"""The log-bucketed histogram behind the LLM dashboard's percentiles."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from rules.stats import percentile
from store.histogram import RELATIVE_ERROR, ZERO_BIN, bin_of, midpoint, quantiles

QS = (0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0)


def counts(values: list[float]) -> Counter[int]:
    return Counter(bin_of(v) for v in values)


def test_bins_are_sixteen_per_octave() -> None:
    assert [bin_of(v) for v in (1.0, 2.0, 4.0, 0.5, 1024.0)] == [0, 16, 32, -16, 160]
    rng = random.Random(1)
    for value in (rng.lognormvariate(5, 3) for _ in range(2000)):
        b = bin_of(value)
        assert 2 ** (b / 16) <= value * (1 + 1e-12)
        assert value < 2 ** ((b + 1) / 16) * (1 + 1e-12)
        assert abs(midpoint(b) - value) <= RELATIVE_ERROR * value


def test_zero_and_negative_values_share_the_zero_bin() -> None:
    assert bin_of(0.0) == bin_of(-5.0) == ZERO_BIN < bin_of(5e-324)
    assert quantiles(counts([0.0, 0.0, 100.0]).items(), [0.5, 1.0])[0] == 0.0


def test_no_values_no_quantiles() -> None:
    assert quantiles([], [0.5, 0.9]) == [None, None]
    assert quantiles([(3, 0)], [0.5]) == [None]


@pytest.mark.parametrize("size", [1, 2, 3, 10, 101, 5000])
def test_quantiles_stay_within_the_stated_error_of_percentile_cont(size: int) -> None:
    rng = random.Random(size)
    for sigma in (0.05, 1.0, 3.0):
        values = sorted(rng.lognormvariate(6, sigma) for _ in range(size))
        estimates = quantiles(counts(values).items(), QS)
        for q, estimate in zip(QS, estimates, strict=True):
            exact = percentile(values, q)
            assert exact is not None
            assert estimate is not None
            assert abs(estimate - exact) <= RELATIVE_ERROR * exact * (1 + 1e-9), (q, sigma)


def test_the_bound_is_tight_enough_to_tell_neighbouring_values_apart() -> None:
    """2.19 %: a 5 % change in latency always shows."""
    assert 0.021 < RELATIVE_ERROR < 0.022
    [low] = quantiles(counts([100.0]).items(), [0.5])
    [high] = quantiles(counts([105.0]).items(), [0.5])
    assert low is not None
    assert high is not None
    assert high > low
