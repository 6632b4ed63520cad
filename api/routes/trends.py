"""Outcome and session trends, the LLM dashboard and the degradation check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends

from api.dashboard_schemas import LlmDashboard, LlmPoint
from api.degradation_schemas import DegradationReport, RuleOut, compare_groups
from api.deps import Db, Reader, app_state
from api.errors import ERROR_RESPONSES
from api.params import Text, TimeFrom, TimeTo
from api.state import AppState
from api.trend_params import (
    AtParam,
    BucketParam,
    GroupByParam,
    LlmGroupParam,
    PromptParam,
    WindowParam,
    parse_window,
    resolve_range,
)
from api.trend_schemas import OutcomePoint, OutcomeTrend, SessionPoint, SessionTrend
from rules.degradation import Rule
from rules.model import EndReason
from store.dashboards import LlmDimension, LlmQuery, llm_dashboard
from store.degradations import comparison_windows, degradation_counts
from store.prompt_pins import current_prompt
from store.session_queries import SessionFilter
from store.session_trends import session_trend
from store.trend_query import TrendQuery
from store.trends import outcome_trend

router = APIRouter(prefix="/v1", tags=["trends"], responses=ERROR_RESPONSES)
State = Annotated[AppState, Depends(app_state)]


class Filters:
    """The session filters every trend takes (times come from the range)."""

    def __init__(
        self,
        source: Text | None = None,
        model: Text | None = None,
        end_reason: EndReason | None = None,
        stuck: bool | None = None,
    ) -> None:
        self.value = SessionFilter(None, None, source, model, end_reason, stuck)


SessionFilters = Annotated[Filters, Depends()]


async def _prompt(db: Db, state: AppState, project_id: int, prompt: str | None) -> str:
    return prompt or await current_prompt(db, project_id, state.settings.prompt)


@router.get("/trends/outcomes")
async def outcomes(
    db: Db, state: State, principal: Reader, filters: SessionFilters,
    time_from: TimeFrom = None, time_to: TimeTo = None, bucket: BucketParam = "day",
    group_by: GroupByParam = "none", prompt: PromptParam = None,
) -> OutcomeTrend:  # fmt: skip
    """Sessions, verdicts (of one prompt version) and thumbs per bucket and group."""
    timeline = resolve_range(time_from, time_to, bucket, state.settings.trends_max_buckets)
    used = await _prompt(db, state, principal.project_id, prompt)
    query = TrendQuery(principal.project_id, timeline, group_by, filters.value)
    rows, starts = await outcome_trend(db, query, used), timeline.starts
    return OutcomeTrend(
        time_from=timeline.start, time_to=timeline.end, bucket=bucket, group_by=group_by,
        prompt=used, points=[OutcomePoint.of(starts[i], g, c) for i, g, c in rows],
    )  # fmt: skip


@router.get("/trends/sessions")
async def sessions(
    db: Db, state: State, principal: Reader, filters: SessionFilters,
    time_from: TimeFrom = None, time_to: TimeTo = None, bucket: BucketParam = "day",
    group_by: GroupByParam = "none",
) -> SessionTrend:  # fmt: skip
    """Session metrics per bucket and group: percentiles, means, rates, end reasons."""
    timeline = resolve_range(time_from, time_to, bucket, state.settings.trends_max_buckets)
    query = TrendQuery(principal.project_id, timeline, group_by, filters.value)
    rows, starts = await session_trend(db, query), timeline.starts
    return SessionTrend(
        time_from=timeline.start, time_to=timeline.end, bucket=bucket, group_by=group_by,
        points=[SessionPoint.of(starts[i], g, s) for i, g, s in rows],
    )  # fmt: skip


DIMENSIONS: tuple[LlmDimension, ...] = ("provider", "model", "tool")


def _dimensions(group_by: Sequence[str] | None) -> tuple[LlmDimension, ...]:
    """The dimensions asked for, in a fixed order; all three by default."""
    if group_by is None:
        return DIMENSIONS
    return tuple(d for d in DIMENSIONS if d in group_by)


@router.get("/dashboards/llm")
async def llm(
    db: Db, state: State, principal: Reader,
    time_from: TimeFrom = None, time_to: TimeTo = None, bucket: BucketParam = "day",
    group_by: LlmGroupParam = None,
    provider: Text | None = None, model: Text | None = None, tool: Text | None = None,
) -> LlmDashboard:  # fmt: skip
    """LLM calls per bucket and provider/model/tool: errors, latency, tokens, cost."""
    timeline = resolve_range(time_from, time_to, bucket, state.settings.trends_max_buckets)
    dims = _dimensions(group_by)
    query = LlmQuery(principal.project_id, timeline, dims, provider, model, tool)
    rows, starts = await llm_dashboard(db, query), timeline.starts
    return LlmDashboard(
        time_from=timeline.start, time_to=timeline.end, bucket=bucket, group_by=list(dims),
        points=[LlmPoint.of(starts[i], dims, g, s) for i, g, s in rows],
    )  # fmt: skip


@router.get("/degradations")
async def degradations(
    db: Db, state: State, principal: Reader, filters: SessionFilters,
    window: WindowParam = "6h", at: AtParam = None, group_by: GroupByParam = "model",
    prompt: PromptParam = None,
) -> DegradationReport:  # fmt: skip
    """The last ``window`` against the same hours of the previous days, per group."""
    settings = state.settings
    end, length = parse_window(window, at)
    used = await _prompt(db, state, principal.project_id, prompt)
    days = settings.degradation_baseline_days
    windows = comparison_windows(end, length, days)
    counts = await degradation_counts(
        db, principal.project_id, windows, group_by, filters.value, used
    )
    rule = Rule(
        settings.degradation_p_value,
        settings.degradation_min_samples,
        settings.degradation_latency_change,
    )
    groups, moved = compare_groups(counts, rule)
    return DegradationReport(
        at=end, window=window, window_start=end - length, baseline_days=days,
        group_by=group_by, prompt=used,
        rule=RuleOut(p_value=rule.alpha, min_samples=rule.min_samples,
                     latency_change=rule.max_change),
        groups=groups,
        moved=moved,
    )  # fmt: skip
