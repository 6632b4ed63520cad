"""Did a metric move between a baseline and the current window? Pure decisions over counts.

A rate moved when a two-proportion z-test gives ``p < alpha`` and both sides hold at least
``min_samples`` observations. A latency (a percentile, which the z-test does not cover)
moved when both sides hold ``min_samples`` calls and the current value differs from the
baseline by more than ``max_change`` of it (0.5: 50 % slower, or 50 % faster).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rules.stats import two_proportion_z

Direction = Literal["up", "down", "flat"]


@dataclass(frozen=True, slots=True)
class Rule:
    alpha: float = 0.01
    min_samples: int = 20
    max_change: float = 0.5


@dataclass(frozen=True, slots=True)
class Shift:
    """One metric, current against baseline. For rates ``current``/``baseline`` are the
    rates and ``p_value`` the test's; for latencies they are the values and ``change`` the
    relative difference."""

    metric: str
    current: float | None
    baseline: float | None
    current_n: int
    baseline_n: int
    direction: Direction
    worse: bool
    significant: bool
    p_value: float | None = None
    z: float | None = None
    change: float | None = None


def _direction(current: float | None, baseline: float | None) -> Direction:
    if current is None or baseline is None or current == baseline:
        return "flat"
    return "up" if current > baseline else "down"


def _worse(direction: Direction, higher_is_worse: bool) -> bool:
    return direction != "flat" and (direction == "up") == higher_is_worse


def rate_shift(
    metric: str,
    current: tuple[int, int],
    baseline: tuple[int, int],
    *,
    higher_is_worse: bool,
    rule: Rule,
) -> Shift:
    """``current`` and ``baseline`` are (successes, n)."""
    (s_cur, n_cur), (s_base, n_base) = current, baseline
    test = two_proportion_z(s_cur, n_cur, s_base, n_base)
    rate_cur = s_cur / n_cur if n_cur else None
    rate_base = s_base / n_base if n_base else None
    direction = _direction(rate_cur, rate_base)
    enough = min(n_cur, n_base) >= rule.min_samples
    return Shift(
        metric, rate_cur, rate_base, n_cur, n_base, direction,
        _worse(direction, higher_is_worse), enough and test.p_value < rule.alpha,
        p_value=test.p_value, z=test.z,
    )  # fmt: skip


def latency_shift(
    metric: str,
    current: tuple[float | None, int],
    baseline: tuple[float | None, int],
    *,
    rule: Rule,
) -> Shift:
    """``current`` and ``baseline`` are (value, calls); higher latency is worse."""
    (v_cur, n_cur), (v_base, n_base) = current, baseline
    change = v_cur / v_base - 1 if v_cur is not None and v_base else None
    direction = _direction(v_cur, v_base)
    enough = min(n_cur, n_base) >= rule.min_samples
    moved = enough and change is not None and abs(change) > rule.max_change
    return Shift(
        metric, v_cur, v_base, n_cur, n_base, direction, _worse(direction, True), moved,
        change=change,
    )  # fmt: skip
