"""Where every objective stands, per group: counts from ``store.alert_counts``, arithmetic
from ``rules.slo``.

The alert evaluator runs every minute, so it counts only the alert rows' windows (at most
the longest long window, 3 days by default), plus the calls since the last counted day
(``store.slo_days``), which lie inside that window; the SLO period (30 days) is added up
only for the groups whose alert opens or resolves (``workers.slo_budgets``), and counted
in full for ``GET /v1/slos``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules.slo import (
    Objective,
    ObjectiveResult,
    SloConfig,
    WindowCounts,
    evaluate_objective,
    format_duration,
    is_muted,
)
from store.alert_counts import CallGroup, CountPlan, GroupCounts, count_calls, objective_counts
from store.models import Project
from store.slo_days import counted_span


@dataclass(frozen=True, slots=True)
class GroupStatus:
    """One objective evaluated for one group at ``now``."""

    objective: Objective
    group: CallGroup
    result: ObjectiveResult
    counts: dict[timedelta, WindowCounts]
    muted: bool


def firing_rows(result: ObjectiveResult) -> tuple[str, ...]:
    """The alert rows that fire, named by their windows: ``("5m/1h", "30m/6h")``."""
    return tuple(
        f"{format_duration(r.window.short)}/{format_duration(r.window.long)}"
        for r in result.rows
        if r.firing
    )


def without_period(objective: Objective) -> Objective:
    """The objective with its period cut to its longest alert window: it fires exactly like
    the original while needing no count of the period (its ``budget_remaining`` is then
    that of the longest window, not the period's)."""
    longest = max(row.long for row in objective.windows)
    return objective.model_copy(update={"period": longest})


def evaluate_counts(
    config: SloConfig,
    objectives: list[Objective],
    plan: CountPlan,
    counts: dict[CallGroup, GroupCounts],
    now: datetime,
) -> list[GroupStatus]:
    """Every objective for every group that had calls in the plan's longest window."""
    out = []
    for objective in objectives:
        for group, windows in objective_counts(objective, plan, counts).items():
            result = evaluate_objective(
                objective,
                windows,
                gateway=bool(group.gateway),
                model=group.model,
                recommended_models=config.recommended_models,
            )
            muted = is_muted(
                config.mutes, objective.name, group.provider, group.model, group.tool, now
            )
            out.append(GroupStatus(objective, group, result, windows, muted))
    return out


async def project_ids(db: DbSession) -> list[int]:
    return list(await db.scalars(select(Project.id).order_by(Project.id)))


@dataclass(frozen=True, slots=True)
class MinuteStatus:
    """The minute's view: every objective per group, and per group its calls since
    ``tail_start``, where the counted days end (one window, every latency threshold)."""

    statuses: list[GroupStatus]
    tail_start: datetime
    tail: dict[CallGroup, GroupCounts]


async def alerting_status(
    db: DbSession, config: SloConfig, now: datetime, projects: list[int]
) -> MinuteStatus:
    """Every alert row of every objective, without the period; and the tail, one more
    window of the same count."""
    objectives = [without_period(o) for o in config.objectives]
    tail_start = counted_span(config, now)[1]
    if not objectives:
        return MinuteStatus([], tail_start, {})
    plan = CountPlan.of(objectives).with_window(now - tail_start)
    counts = await count_calls(db, plan, now, projects)
    i = plan.windows.index(now - tail_start)
    tail = {group: c.window(i, plan.thresholds) for group, c in counts.items()}
    return MinuteStatus(evaluate_counts(config, objectives, plan, counts, now), tail_start, tail)


async def full_status(
    db: DbSession, config: SloConfig, now: datetime, project_id: int
) -> list[GroupStatus]:
    """Everything, the period included (``GET /v1/slos``)."""
    plan = CountPlan.of(config.objectives)
    counts = await count_calls(db, plan, now, [project_id])
    return evaluate_counts(config, config.objectives, plan, counts, now)
