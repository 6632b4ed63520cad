"""Quantiles of a group's values by partitioning: the same floats as a full sort gives to
``rules.stats.percentile`` (the arithmetic of Postgres' ``percentile_cont``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rules.stats import percentile
from store.quantiles import values_quantiles

QS = (0.0, 0.1, 0.5, 0.9, 0.95, 1.0)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(st.lists(finite | st.sampled_from([0.0, 1.0, 1.5]), min_size=1, max_size=300))
def test_partitioned_quantiles_equal_those_of_the_sorted_values(values: list[float]) -> None:
    ordered = sorted(values)
    assert values_quantiles(values, QS) == [percentile(ordered, q) for q in QS]


def test_no_values_answer_none() -> None:
    assert values_quantiles([], (0.5, 0.9)) == [None, None]
    assert values_quantiles(None, (0.5,)) == [None]
