"""What the trend rollups hold, defined once for the job that writes them
(store/trend_rollup.py) and the trends that read them (store/trend_reads.py): each
counter is an aggregate over sessions (joined with their current verdicts of one prompt,
for the verdict side) whose values add up across rows, so a bucket read from rollup rows,
from the sessions themselves or from both answers the same numbers.

Rows hold one dimension each (``DIMENSIONS``): a session counts in six rows per bucket,
one per way trends group, so any grouping reads only its own rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast, get_args

from sqlalchemy import ColumnElement, Table, func, or_

from judge.verdict import Helpfulness
from rules.model import EndReason
from rules.schemas import Termination
from store.histogram import bin_sql
from store.llm_rollup_parts import constant, cost_nanos
from store.models import CurrentVerdict, SessionRow, TrendRollup, TrendRollupBin, VerdictRollup

DIMENSIONS: dict[str, int] = {
    "none": 0,
    "model": 1,
    "provider": 2,
    "source": 3,
    "client_version": 4,
    "mode": 5,
}
"""The stored code of each way trends group (``store.buckets.GroupBy``)."""
TIMINGS: dict[str, tuple[int, Any]] = {
    "duration_ms": (1, SessionRow.duration_ms),
    "ttfr_ms": (2, SessionRow.ttfr_ms),
}
"""The stored code and column of each timing kept as a histogram."""
END_REASONS: tuple[str, ...] = get_args(EndReason)
TERMINATIONS: tuple[str, ...] = get_args(Termination)
HELPFULNESS: tuple[str, ...] = get_args(Helpfulness)


@dataclass(frozen=True, slots=True)
class TrendPart:
    """Sessions (``where``; joined with their current verdicts when ``verdicts``) counted
    into the rows of ``table`` per bucket, dimension value and ``keys`` (its further key
    columns, computed from a session), as ``values`` (aggregates that add up)."""

    kind: str
    table: Table
    keys: dict[str, Any]
    values: dict[str, ColumnElement[Any]]
    where: list[ColumnElement[bool]] = field(default_factory=list)
    verdicts: bool = False


def _session_counters() -> dict[str, ColumnElement[Any]]:
    s = SessionRow
    return {
        "sessions": func.count(),
        "user_turns": func.sum(s.user_turns),
        "tool_calls": func.sum(s.tool_calls),
        "tool_errors": func.sum(s.tool_errors),
        "stuck": func.count().filter(s.stuck.is_(True)),
        "condensed": func.count().filter(s.condense_count > 0),
        "tokens_total": func.sum(s.tokens_total),
        "cost_nanos": func.sum(cost_nanos(s.cost_usd)),
        **{f"end_{r}": func.count().filter(s.end_reason == r) for r in END_REASONS},
        "end_unknown": func.count().filter(s.end_reason.is_(None)),
        "feedback": func.sum(s.feedback_count),
        "feedback_up": func.sum(s.feedback_up),
    }


def _verdict_counters() -> dict[str, ColumnElement[Any]]:
    """Over sessions joined with their current verdicts of one prompt."""
    cv, s = CurrentVerdict, SessionRow
    positive = or_(cv.helpfulness == "helpful", cv.termination == "completed")
    negative = or_(cv.helpfulness == "unhelpful", cv.termination == "abandoned")
    return {
        "judged": func.count(),
        **{f"term_{t}": func.count().filter(cv.termination == t) for t in TERMINATIONS},
        **{f"help_{h}": func.count().filter(cv.helpfulness == h) for h in HELPFULNESS},
        "confidence_sum": func.coalesce(func.sum(cv.confidence), 0.0),
        "confidence_n": func.count(cv.confidence),
        "judged_feedback": func.sum(s.feedback_count),
        "down_on_positive": func.coalesce(
            func.sum(s.feedback_count - s.feedback_up).filter(positive), 0
        ),
        "up_on_negative": func.coalesce(func.sum(s.feedback_up).filter(negative), 0),
    }


def _timing(name: str) -> TrendPart:
    code, column = TIMINGS[name]
    return TrendPart(
        name,
        cast(Table, TrendRollupBin.__table__),
        {"metric": constant(code), "bin": bin_sql(column)},
        {"count": func.count()},
        [column.is_not(None)],
    )


SESSIONS = TrendPart("sessions", cast(Table, TrendRollup.__table__), {}, _session_counters())
BINS = [_timing(name) for name in TIMINGS]
VERDICTS = TrendPart(
    "verdicts",
    cast(Table, VerdictRollup.__table__),
    {"prompt": CurrentVerdict.prompt},
    _verdict_counters(),
    verdicts=True,
)
PARTS = [SESSIONS, *BINS, VERDICTS]
