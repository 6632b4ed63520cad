"""Response models of the degradation check, and the shifts of each group."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from rules.degradation import Rule, Shift, latency_shift, rate_shift
from store.analytics import GroupKey, group_order
from store.degradations import SideCounts


class ShiftOut(BaseModel):
    """Rates compare with a two-proportion z-test (``p_value``, ``z``); the p90 latency by
    its relative ``change``. ``significant``: moved by the rule, with enough samples."""

    metric: str
    current: float | None
    baseline: float | None
    current_n: int
    baseline_n: int
    direction: Literal["up", "down", "flat"]
    worse: bool
    significant: bool
    p_value: float | None
    z: float | None
    change: float | None

    @classmethod
    def of(cls, shift: Shift) -> ShiftOut:
        return cls.model_validate(shift, from_attributes=True)


def _completed(s: SideCounts) -> tuple[int, int]:
    return s.outcomes.termination["completed"], s.outcomes.judged


def _helpful(s: SideCounts) -> tuple[int, int]:
    return s.outcomes.helpfulness["helpful"], s.outcomes.judged


RATES: list[tuple[str, Callable[[SideCounts], tuple[int, int]], bool]] = [
    # (metric, (successes, n) of one side, higher is worse)
    ("completion_rate", _completed, False),
    ("helpful_rate", _helpful, False),
    ("thumbs_up_rate", lambda s: (s.outcomes.thumbs_up, s.outcomes.feedback), False),
    ("stuck_rate", lambda s: (s.stuck, s.sessions), True),
    ("llm_error_rate", lambda s: (s.errors, s.calls), True),
]


def shifts(cur: SideCounts, base: SideCounts, rule: Rule) -> list[Shift]:
    """The six metrics of one group: current against baseline."""
    rates = [
        rate_shift(name, pick(cur), pick(base), higher_is_worse=worse_up, rule=rule)
        for name, pick, worse_up in RATES
    ]
    latency = latency_shift(
        "p90_latency_ms", (cur.p90_latency_ms, cur.calls), (base.p90_latency_ms, base.calls),
        rule=rule,
    )  # fmt: skip
    return [*rates, latency]


class Side(BaseModel):
    sessions: int
    judged: int
    feedback: int
    calls: int

    @classmethod
    def of(cls, s: SideCounts) -> Side:
        return cls(
            sessions=s.sessions, judged=s.outcomes.judged, feedback=s.outcomes.feedback,
            calls=s.calls,
        )  # fmt: skip


class GroupShifts(BaseModel):
    group: str | None
    current: Side
    baseline: Side
    metrics: list[ShiftOut]


class Moved(ShiftOut):
    group: str | None


class RuleOut(BaseModel):
    p_value: float = Field(description="A rate moved when the z-test's p is below this …")
    min_samples: int = Field(description="… and both sides hold this many observations.")
    latency_change: float = Field(description="p90 latency moved past this relative change.")


class DegradationReport(BaseModel):
    at: datetime
    window: str
    window_start: datetime
    baseline_days: int
    group_by: str
    prompt: str
    rule: RuleOut
    groups: list[GroupShifts]
    moved: list[Moved] = Field(
        description="The significant shifts: rates by p-value (lowest first), then latencies."
    )


def compare_groups(
    counts: Mapping[GroupKey, tuple[SideCounts, SideCounts]], rule: Rule
) -> tuple[list[GroupShifts], list[Moved]]:
    """Every group's shifts, and the significant ones: rates by p-value, then latencies."""
    groups, moved = [], []
    for group in sorted(counts, key=group_order):
        cur, base = counts[group]
        found = [ShiftOut.of(s) for s in shifts(cur, base, rule)]
        groups.append(
            GroupShifts(group=group, current=Side.of(cur), baseline=Side.of(base), metrics=found)
        )
        moved += [Moved(group=group, **s.model_dump()) for s in found if s.significant]
    return groups, sorted(moved, key=lambda m: (m.p_value is None, m.p_value or 0.0))
