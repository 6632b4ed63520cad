"""Where every objective stands, per group: counts from ``store.alert_counts``, arithmetic
from ``rules.slo``.

The alert evaluator runs every minute, so it counts only the alert rows' windows (at most
the longest long window, 3 days by default); the SLO period (30 days) is counted just for
the groups whose alert opens or resolves, and for ``GET /v1/slos``.
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
    burn_rate,
    evaluate_objective,
    format_duration,
    is_muted,
)
from store.alert_counts import CallGroup, CountPlan, GroupCounts, count_calls, objective_counts
from store.models import Project


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


async def alerting_status(
    db: DbSession, config: SloConfig, now: datetime, projects: list[int]
) -> list[GroupStatus]:
    """The minute's view: every alert row of every objective, without the period."""
    objectives = [without_period(o) for o in config.objectives]
    plan = CountPlan.of(objectives)
    counts = await count_calls(db, plan, now, projects)
    return evaluate_counts(config, objectives, plan, counts, now)


async def full_status(
    db: DbSession, config: SloConfig, now: datetime, project_id: int
) -> list[GroupStatus]:
    """Everything, the period included (``GET /v1/slos``)."""
    plan = CountPlan.of(config.objectives)
    counts = await count_calls(db, plan, now, [project_id])
    return evaluate_counts(config, config.objectives, plan, counts, now)


NAMED_GROUPS_MAX = 16
"""More groups than this (or any tool-level group) and the period is counted for their
whole projects: one scan beats an index probe per group, and a tool-level group has no
index of its own."""


def _by_index(groups: list[CallGroup]) -> list[CallGroup]:
    """The groups to name in the query; none (whole projects) when that is cheaper."""
    if len(groups) > NAMED_GROUPS_MAX or any(g.by_tool for g in groups):
        return []
    return groups


async def budgets_left(
    db: DbSession,
    config: SloConfig,
    now: datetime,
    wanted: list[tuple[str, CallGroup]],
) -> dict[tuple[str, CallGroup], float]:
    """The share of the period's error budget left, for (objective name, group) pairs;
    counts only the named groups (``ix_llm_calls_group_ts``)."""
    by_name = {o.name: o for o in config.objectives}
    wanted = [(name, group) for name, group in wanted if name in by_name]
    if not wanted:
        return {}
    objectives = [by_name[name] for name, _ in wanted]
    periods = CountPlan(
        tuple(sorted({o.period for o in objectives})), CountPlan.of(objectives).thresholds
    )
    groups = list(dict.fromkeys(group for _, group in wanted))
    projects = sorted({g.project_id for g in groups})
    counts = await count_calls(db, periods, now, projects, _by_index(groups))
    per_objective = {o.name: objective_counts(o, periods, counts) for o in objectives}
    out = {}
    for name, group in wanted:
        objective = by_name[name]
        period = per_objective[name].get(group, {}).get(objective.period)
        bad, total = (period.bad, period.total) if period else (0, 0)
        out[name, group] = 1.0 - burn_rate(bad, total, objective.target)
    return out
