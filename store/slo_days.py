"""Calls per group and day, counted once a day has left the alert windows, so that the
error budget of a 30-day period reads a row per group, day and measure instead of a month
of calls.

A day ``D`` holds the calls in ``(D, D + 1 day]`` (UTC), the same half-open shape as
every window here. ``slo_days`` says which (project, day) was counted, when, and for which
measures: ``calls``, ``errors`` and ``slow:<threshold ms>`` per latency threshold;
``slo_day_counts`` holds the counts per group and measure (zeros left out). A (project,
day) is written once, by the evaluator whose ``slo_days`` INSERT won (ON CONFLICT DO
NOTHING RETURNING), in the transaction that writes its counts; a recount first deletes
the row it read (its counts cascade) only if ``counted_at`` is still the one it read, so
two evaluators never both count a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules.slo import SloConfig
from store.alert_counts import CallGroup, CountPlan, GroupCounts, count_calls
from store.models import SloDay, SloDayCount

DAY = timedelta(days=1)
CALLS, ERRORS = "calls", "errors"


def floor_day(moment: datetime) -> datetime:
    """The UTC midnight at or before ``moment``."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def ceil_day(moment: datetime) -> datetime:
    """The UTC midnight at or after ``moment``."""
    floor = floor_day(moment)
    return floor if floor == moment else floor + DAY


def counted_span(config: SloConfig, now: datetime) -> tuple[datetime, datetime]:
    """``[first, end)``: the days to keep counted. They start with the longest period
    and end at the first midnight inside the longest alert window (the last midnight,
    when that window is shorter than a day), so the minute's count covers the calls
    after them. Empty when no period is longer than the alert windows."""
    longest_window = max((row.long for o in config.objectives for row in o.windows), default=DAY)
    longest_period = max((o.period for o in config.objectives), default=DAY)
    end = min(ceil_day(now - longest_window), floor_day(now))
    return min(ceil_day(now - longest_period), end), end


def slow_measure(threshold_ms: float) -> str:
    return f"slow:{threshold_ms!r}"


def measures(thresholds: Sequence[float]) -> frozenset[str]:
    """What a day must have been counted for to serve these latency thresholds."""
    return frozenset({CALLS, ERRORS, *map(slow_measure, thresholds)})


@dataclass(frozen=True, slots=True)
class CountedDay:
    project_id: int
    day: datetime
    measures: frozenset[str]
    counted_at: datetime


async def counted_days(
    db: DbSession, projects: Sequence[int], first: datetime, end: datetime
) -> list[CountedDay]:
    """The counted days ``D`` of these projects with ``first <= D < end``."""
    rows = await db.execute(
        select(SloDay.project_id, SloDay.day, SloDay.measures, SloDay.counted_at).where(
            SloDay.project_id.in_(projects), SloDay.day >= first, SloDay.day < end
        )
    )
    return [CountedDay(p, day, frozenset(m), at) for p, day, m, at in rows]


def day_counts_query(
    projects: Sequence[int], first: datetime, end: datetime
) -> Select[int, str | None, str | None, str | None, bool, str, int]:
    """Each measure of each group summed over the counted days ``first <= D < end``."""
    c = SloDayCount
    keys = (c.project_id, c.provider, c.model, c.tool, c.gateway, c.measure)
    return (
        select(*keys, func.sum(c.count))
        .where(c.project_id.in_(projects), c.day >= first, c.day < end)
        .group_by(*keys)
    )


async def day_counts(
    db: DbSession,
    projects: Sequence[int],
    first: datetime,
    end: datetime,
    thresholds: Sequence[float],
) -> dict[CallGroup, GroupCounts]:
    """The calls of the counted days ``first <= D < end`` per group, as one window: all
    of ``(first, end]`` when each of those days was counted for these thresholds."""
    by_group: dict[CallGroup, dict[str, int]] = {}
    rows = await db.execute(day_counts_query(projects, first, end))
    for project, provider, model, tool, gateway, measure, total in rows:
        group = CallGroup(project, provider, model, tool, gateway)
        by_group.setdefault(group, {})[measure] = int(total)
    return {
        group: GroupCounts(
            [m.get(CALLS, 0)],
            [m.get(ERRORS, 0)],
            {t: [m.get(slow_measure(t), 0)] for t in thresholds},
        )
        for group, m in by_group.items()
    }


def _dialect(db: DbSession) -> Any:
    return postgresql if db.get_bind().dialect.name == "postgresql" else sqlite


async def count_day(
    db: DbSession,
    day: datetime,
    projects: Sequence[int],
    thresholds: Sequence[float],
    now: datetime,
) -> list[int]:
    """Count day ``day`` of the projects where nobody has yet; the projects counted."""
    if not projects:
        return []
    marks = [
        {"project_id": p, "day": day, "measures": sorted(measures(thresholds)), "counted_at": now}
        for p in projects
    ]
    stmt = _dialect(db).insert(SloDay).on_conflict_do_nothing().returning(SloDay.project_id)
    won = sorted(await db.scalars(stmt, marks))
    if not won:
        return []
    counts = await count_calls(db, CountPlan((DAY,), tuple(thresholds)), day + DAY, won)
    rows = [
        {"project_id": g.project_id, "day": day, "provider": g.provider, "model": g.model,
         "tool": g.tool, "gateway": g.gateway, "measure": measure, "count": count}
        for g, c in counts.items()
        for measure, count in _measured(c)
        if count
    ]  # fmt: skip
    if rows:
        await db.execute(insert(SloDayCount), rows)
    return won


def _measured(counts: GroupCounts) -> list[tuple[str, int]]:
    slow = [(slow_measure(t), n[0]) for t, n in counts.slow.items()]
    return [(CALLS, counts.total[0]), (ERRORS, counts.errors[0]), *slow]


async def forget_days(db: DbSession, days: Sequence[CountedDay]) -> None:
    """Delete these counted days (their counts cascade), each only if nobody has counted
    it again since it was read."""
    if not days:
        return
    table = cast(Table, SloDay.__table__)
    stmt = delete(table).where(
        table.c.project_id == bindparam("p"),
        table.c.day == bindparam("d"),
        table.c.counted_at == bindparam("at"),
    )
    await db.execute(stmt, [{"p": d.project_id, "d": d.day, "at": d.counted_at} for d in days])


async def forget_days_before(db: DbSession, first: datetime) -> None:
    """Drop the days no period reaches any more (their counts cascade)."""
    await db.execute(delete(SloDay).where(SloDay.day < first))
