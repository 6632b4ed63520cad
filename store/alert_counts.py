"""Counting ``llm_calls`` for the SLO windows: one indexed scan per evaluation.

One query over the longest window counts, per group, the calls of every window by
conditional aggregation (``count(*) filter (where ts > now - w …)``): in all, failed, and
slower than each latency threshold of the config. It reads ``ix_llm_calls_project_ts``; a
query restricted to named groups reads ``ix_llm_calls_group_ts``.

Groups are (project, provider, model, tool, gateway). ``tool_error_rate`` regroups them
by tool alone: the error rate of the product feature the calls served, across providers,
models and gateways (see README, "Alerts").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession
from sqlalchemy.orm import InstrumentedAttribute

from rules.slo import Objective, WindowCounts, required_windows
from store.analytics import tune
from store.models import LlmCall


@dataclass(frozen=True, slots=True)
class CallGroup:
    """Whose calls are counted. A tool-level group has only project and tool (``gateway``
    is None); in other groups None means the call did not say."""

    project_id: int
    provider: str | None
    model: str | None
    tool: str | None
    gateway: bool | None

    @property
    def by_tool(self) -> bool:
        return self.gateway is None


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """Calls of one group per window (index as in :attr:`CountPlan.windows`)."""

    total: list[int]
    errors: list[int]
    slow: dict[float, list[int]]

    def plus(self, other: GroupCounts) -> GroupCounts:
        return GroupCounts(
            _add(self.total, other.total),
            _add(self.errors, other.errors),
            {t: _add(counts, other.slow[t]) for t, counts in self.slow.items()},
        )

    def window(self, i: int, thresholds: Iterable[float]) -> GroupCounts:
        """Window ``i`` alone, with the slow calls of these thresholds only."""
        slow = {t: [self.slow[t][i]] for t in thresholds}
        return GroupCounts([self.total[i]], [self.errors[i]], slow)


def merge_counts(*parts: dict[CallGroup, GroupCounts]) -> dict[CallGroup, GroupCounts]:
    """Counts of the same windows over disjoint calls, added up per group."""
    out: dict[CallGroup, GroupCounts] = {}
    for part in parts:
        for group, counts in part.items():
            out[group] = out[group].plus(counts) if group in out else counts
    return out


def _add(a: list[int], b: list[int]) -> list[int]:
    return [x + y for x, y in zip(a, b, strict=True)]


@dataclass(frozen=True, slots=True)
class CountPlan:
    """The windows (shortest first) and latency thresholds to count."""

    windows: tuple[timedelta, ...]
    thresholds: tuple[float, ...]

    @classmethod
    def of(cls, objectives: Iterable[Objective]) -> CountPlan:
        """Everything the objectives need, periods included."""
        objectives = list(objectives)
        windows = {w for objective in objectives for w in required_windows(objective)}
        thresholds = {o.latency_threshold_ms for o in objectives if o.latency_threshold_ms}
        return cls(tuple(sorted(windows)), tuple(sorted(thresholds)))

    def with_window(self, window: timedelta) -> CountPlan:
        return CountPlan(tuple(sorted({*self.windows, window})), self.thresholds)


def counts_query(
    plan: CountPlan, now: datetime, project_ids: Sequence[int], groups: Sequence[CallGroup] = ()
) -> Select[Any]:
    """Per group, for each window of the plan: calls, failed calls, and calls slower than
    each threshold, in ``(now - window, now]`` (and only ``groups``, when some are named)."""
    starts = [now - window for window in plan.windows]
    keys = (LlmCall.project_id, LlmCall.provider, LlmCall.model, LlmCall.tool, LlmCall.gateway)
    columns = []
    for start in starts:
        recent = LlmCall.ts > start
        columns += [_count(recent), _count(recent & LlmCall.ok.is_(False))]
        columns += [_count(recent & (LlmCall.latency_ms > t)) for t in plan.thresholds]
    query = (
        select(*keys, *columns)
        .where(LlmCall.project_id.in_(project_ids), LlmCall.ts > starts[-1], LlmCall.ts <= now)
        .group_by(*keys)
    )
    return query.where(or_(*(_matches(group) for group in groups))) if groups else query


async def count_calls(
    db: DbSession,
    plan: CountPlan,
    now: datetime,
    project_ids: Sequence[int],
    groups: Sequence[CallGroup] = (),
) -> dict[CallGroup, GroupCounts]:
    """Run :func:`counts_query`; the counts per group."""
    if not plan.windows or not project_ids:
        return {}
    await tune(db)  # no JIT (it compiles longer than the query runs); bitmaps in memory
    width = 2 + len(plan.thresholds)
    out: dict[CallGroup, GroupCounts] = {}
    for row in await db.execute(counts_query(plan, now, project_ids, groups)):
        values = [int(v or 0) for v in row[5:]]
        windows = [values[i : i + width] for i in range(0, len(values), width)]
        out[CallGroup(*row[:5])] = GroupCounts(
            [w[0] for w in windows],
            [w[1] for w in windows],
            {t: [w[2 + j] for w in windows] for j, t in enumerate(plan.thresholds)},
        )
    return out


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """``count(*) FILTER (WHERE …)``: both backends know it, and Postgres runs it faster
    than ``sum(case when … then 1 else 0 end)``."""
    return func.count().filter(condition)


def _matches(group: CallGroup) -> ColumnElement[bool]:
    """Calls of ``group``; a tool-level group matches on project and tool alone."""
    pairs: list[tuple[InstrumentedAttribute[Any], object]] = [
        (LlmCall.project_id, group.project_id),
        (LlmCall.tool, group.tool),
    ]
    if not group.by_tool:
        pairs += [
            (LlmCall.provider, group.provider),
            (LlmCall.model, group.model),
            (LlmCall.gateway, group.gateway),
        ]
    return and_(*(column.is_(None) if v is None else column == v for column, v in pairs))


def objective_counts(
    objective: Objective, plan: CountPlan, counts: dict[CallGroup, GroupCounts]
) -> dict[CallGroup, dict[timedelta, WindowCounts]]:
    """What one objective is evaluated on: per group, its bad and total calls in each
    window of the plan that the objective needs."""
    groups = _by_tool(counts) if objective.kind == "tool_error_rate" else counts
    wanted = set(required_windows(objective))
    threshold = objective.latency_threshold_ms
    out: dict[CallGroup, dict[timedelta, WindowCounts]] = {}
    for group, c in groups.items():
        bad = c.errors if threshold is None else c.slow[threshold]
        out[group] = {
            w: WindowCounts(bad[i], c.total[i]) for i, w in enumerate(plan.windows) if w in wanted
        }
    return out


def _by_tool(counts: dict[CallGroup, GroupCounts]) -> dict[CallGroup, GroupCounts]:
    """Sum the groups of each (project, tool); calls that name no tool belong to none."""
    return merge_counts(
        *(
            {CallGroup(group.project_id, None, None, group.tool, None): c}
            for group, c in counts.items()
            if group.tool is not None
        )
    )
