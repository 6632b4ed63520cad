"""The error budget left over an SLO period, for the groups whose alert opens or resolves,
without counting a month of calls in the minute it is needed.

A period ``(now - period, now]`` is added up from three parts: the calls after the last
counted day, which the minute's count has already counted (its tail); the counted days
(``store.slo_days``); and, counted from ``llm_calls``, what lies before the first counted
day — less than a day once every day is counted, the whole period while none is.
:func:`count_next_day`, run after each cycle, keeps the days counted one at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules.slo import SloConfig, burn_rate
from store.alert_counts import (
    CallGroup,
    CountPlan,
    GroupCounts,
    count_calls,
    merge_counts,
    objective_counts,
)
from store.slo_days import (
    DAY,
    CountedDay,
    ceil_day,
    count_day,
    counted_days,
    counted_span,
    day_counts,
    forget_days,
    forget_days_before,
    measures,
)
from workers.slo_status import MinuteStatus

NAMED_GROUPS_MAX = 16
"""More groups than this (or any tool-level group) and calls are counted for their whole
projects: one scan beats an index probe per group, and a tool-level group has no index of
its own."""

RECOUNT_AFTER = DAY
"""A counted day is counted again once it is this old, so that calls stored late (an
import, a replaced session) reach the budget within a day."""


async def budgets_left(
    db: DbSession,
    config: SloConfig,
    now: datetime,
    wanted: list[tuple[str, CallGroup]],
    minute: MinuteStatus,
) -> dict[tuple[str, CallGroup], float]:
    """The share of the period's error budget left, for (objective name, group) pairs."""
    by_name = {o.name: o for o in config.objectives}
    wanted = [(name, group) for name, group in wanted if name in by_name]
    if not wanted:
        return {}
    objectives = [by_name[name] for name in dict.fromkeys(name for name, _ in wanted)]
    thresholds = CountPlan.of(objectives).thresholds
    groups = list(dict.fromkeys(group for _, group in wanted))
    bad_total: dict[tuple[str, CallGroup], tuple[int, int]] = {}
    for period in {o.period for o in objectives}:
        counts = await period_counts(db, now - period, now, groups, thresholds, minute)
        plan = CountPlan((period,), thresholds)
        for objective in (o for o in objectives if o.period == period):
            for group, windows in objective_counts(objective, plan, counts).items():
                bad_total[objective.name, group] = (windows[period].bad, windows[period].total)
    return {
        (name, group): 1.0 - burn_rate(*bad_total.get((name, group), (0, 0)), by_name[name].target)
        for name, group in wanted
    }


async def period_counts(
    db: DbSession,
    start: datetime,
    now: datetime,
    groups: list[CallGroup],
    thresholds: tuple[float, ...],
    minute: MinuteStatus,
) -> dict[CallGroup, GroupCounts]:
    """Per group, its calls in ``(start, now]`` as one window (right for ``groups``; other
    groups of their projects may be counted in part)."""
    projects = sorted({g.project_id for g in groups})
    named = _by_index(groups)
    if start > minute.tail_start:
        return await count_calls(db, CountPlan((now - start,), thresholds), now, projects, named)
    parts = [{g: c.window(0, thresholds) for g, c in minute.tail.items()}]
    counted = await _counted_since(db, projects, ceil_day(start), minute.tail_start, thresholds)
    for first, members in counted.items():
        if first < minute.tail_start:
            parts.append(await day_counts(db, members, first, minute.tail_start, thresholds))
        if start < first:
            plan = CountPlan((first - start,), thresholds)
            ours = [g for g in named if g.project_id in members]
            parts.append(await count_calls(db, plan, first, members, ours))
    return merge_counts(*parts)


def _by_index(groups: list[CallGroup]) -> list[CallGroup]:
    """The groups to name in a count; none (whole projects) when that is cheaper."""
    if len(groups) > NAMED_GROUPS_MAX or any(g.by_tool for g in groups):
        return []
    return groups


async def _counted_since(
    db: DbSession,
    projects: list[int],
    first: datetime,
    end: datetime,
    thresholds: Sequence[float],
) -> dict[datetime, list[int]]:
    """Projects by the earliest midnight (not before ``first``) from which every day up
    to ``end`` is counted for these thresholds; ``end`` when the day before it is not."""
    needed = measures(thresholds)
    days = await counted_days(db, projects, first, end) if first < end else []
    done = {(d.project_id, d.day) for d in days if needed <= d.measures}
    out: dict[datetime, list[int]] = {}
    for project in projects:
        since = end
        while since > first and (project, since - DAY) in done:
            since -= DAY
        out.setdefault(since, []).append(project)
    return out


async def count_next_day(
    db: DbSession, config: SloConfig, now: datetime, projects: list[int]
) -> datetime | None:
    """Keep the days of :func:`~store.slo_days.counted_span` counted, one day per call:
    the newest day some project lacks (or lacks a measure of), else the day counted
    longest ago, once that is :data:`RECOUNT_AFTER` old. Days before the span are
    dropped. The day counted, if any."""
    first, end = counted_span(config, now)
    await forget_days_before(db, first)
    if first >= end or not projects:
        return None
    thresholds = CountPlan.of(config.objectives).thresholds
    days = await counted_days(db, projects, first, end)
    todo = _next_day(days, projects, first, end, measures(thresholds), now - RECOUNT_AFTER)
    if todo is None:
        return None
    day, lacking, stale = todo
    await forget_days(db, stale)
    await count_day(db, day, lacking, thresholds, now)
    return day


def _next_day(
    days: list[CountedDay],
    projects: list[int],
    first: datetime,
    end: datetime,
    needed: frozenset[str],
    stale_before: datetime,
) -> tuple[datetime, list[int], list[CountedDay]] | None:
    """The day to count, the projects to count it for, and the counts to drop first."""
    by_key = {(d.project_id, d.day): d for d in days}
    day = end - DAY
    while day >= first:
        found = [(p, by_key.get((p, day))) for p in projects]
        lacking = [(p, d) for p, d in found if d is None or not needed <= d.measures]
        if lacking:
            return day, [p for p, _ in lacking], [d for _, d in lacking if d is not None]
        day -= DAY
    old = [d for d in days if d.counted_at <= stale_before]
    if not old:
        return None
    oldest = min(old, key=lambda d: (d.counted_at, d.day)).day
    stale = [d for d in old if d.day == oldest]
    return oldest, [d.project_id for d in stale], stale
