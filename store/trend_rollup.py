"""Recomputing the trend rollups (store/trend_rollup_parts.py) of the hours writers named
as changed (store/trend_changes.py).

``refresh`` deletes every change row it can see and, in the same transaction, recomputes
the hourly rows of their hours from the sessions, then the daily rows of their days from
the hourly rows. A writer not yet committed keeps its change row (the delete cannot see
it), so its hour is recomputed again by a later cycle; readers see the change rows and
the rollups of one commit, so each hour they read is either still named (and read from
the sessions) or already recomputed. One job at a time: a transaction-level advisory
lock on Postgres (a second job finds it taken and does nothing); SQLite has one writer.
Callers commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, delete, func, null, or_, select, text, union_all
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.analytics import is_postgres, tune
from store.buckets import SESSION_GROUPS, floor_time, positions
from store.llm_rollup_parts import GRAINS, bucket_start, constant
from store.models import CurrentVerdict, SessionRow
from store.rollup_spans import Span, merge_spans
from store.trend_changes import CHANGES
from store.trend_rollup_parts import DIMENSIONS, PARTS, TrendPart

LOCK = 0x7472656E64
"""The advisory lock of the refreshing job (b'trend')."""
KEY = ["project_id", "grain", "dimension", "bucket_start", "value"]


def within(at: Any, spans: Iterable[Span]) -> ColumnElement[bool]:
    return or_(*(and_(at >= lo, at < hi) for lo, hi in spans))


def sessions_of(part: TrendPart, *columns: Any) -> Any:
    """``columns`` over the sessions ``part`` counts (joined with their current verdicts
    when it counts those)."""
    stmt = select(*columns).where(*part.where)
    if part.verdicts:
        stmt = stmt.join_from(
            SessionRow, CurrentVerdict, CurrentVerdict.session_pk == SessionRow.pk
        )
    return stmt


def _hourly(part: TrendPart, project_id: int, hours: list[Span], dialect: str) -> Any:
    """``part``'s hourly rows of the sessions in ``hours``: the sessions are counted once
    per hour and combination of every dimension, and each dimension's rows added up
    from those."""
    dimensions = {name: SESSION_GROUPS[name] for name in DIMENSIONS if name != "none"}
    keys = {
        "hour": bucket_start(SessionRow.occurred_at, "hour", dialect),
        **dimensions,
        **part.keys,
    }
    base = (
        sessions_of(
            part,
            *(column.label(name) for name, column in keys.items()),
            *(value.label(name) for name, value in part.values.items()),
        )
        .where(SessionRow.project_id == project_id, within(SessionRow.occurred_at, hours))
        .group_by(*positions(len(keys)))
        .cte("counted")
    )
    branches = []
    for name, code in DIMENSIONS.items():
        value = base.c[name] if name in dimensions else sql_cast(null(), String)
        columns = [
            constant(project_id), constant(GRAINS["hour"]), constant(code), base.c.hour, value,
            *(base.c[k] for k in part.keys),
        ]  # fmt: skip
        sums = (func.sum(base.c[v]) for v in part.values)
        branches.append(select(*columns, *sums).group_by(*positions(len(columns))))
    return part.table.insert().from_select([*KEY, *part.keys, *part.values], union_all(*branches))


def _daily(part: TrendPart, project_id: int, days: list[Span], dialect: str) -> Any:
    """The daily rows of ``days`` in ``part``'s table (of every part it holds), added up
    from its hourly rows."""
    t = part.table.c
    day = bucket_start(t.bucket_start, "day", dialect)
    # every dimension named: the key's index is read per dimension and span
    keys = [
        t.project_id, constant(GRAINS["day"]), t.dimension, day, t.value,
        *(t[k] for k in part.keys),
    ]  # fmt: skip
    sums = select(*keys, *(func.sum(t[v]) for v in part.values)).where(
        t.project_id == project_id,
        t.dimension.in_(DIMENSIONS.values()),
        t.grain == GRAINS["hour"],
        within(t.bucket_start, days),
    )
    columns = [*KEY, *part.keys, *part.values]
    return part.table.insert().from_select(columns, sums.group_by(*positions(len(keys))))


def _clear(part: TrendPart, project_id: int, grain: str, spans: list[Span]) -> Any:
    t = part.table.c
    return delete(part.table).where(
        t.project_id == project_id,
        t.dimension.in_(DIMENSIONS.values()),
        t.grain == GRAINS[grain],
        within(t.bucket_start, spans),
    )


async def recompute(db: DbSession, project_id: int, hours: Iterable[datetime]) -> None:
    """Recompute the rollup rows of these hours (starts) of the project and of their days."""
    starts = {floor_time(h, "hour") for h in hours}
    if not starts:
        return
    dialect = db.get_bind().dialect.name
    hour_spans = merge_spans(starts, "hour")
    day_spans = merge_spans({floor_time(h, "day") for h in starts}, "day")
    # a table may hold several parts (one per timing): each is cleared once
    tables = list({part.table.name: part for part in PARTS}.values())
    for part in tables:
        await db.execute(_clear(part, project_id, "hour", hour_spans))
    for part in PARTS:
        await db.execute(_hourly(part, project_id, hour_spans, dialect))
    for part in tables:
        await db.execute(_clear(part, project_id, "day", day_spans))
        await db.execute(_daily(part, project_id, day_spans, dialect))


async def refresh(db: DbSession) -> int:
    """Take every visible change row and recompute what it names; answer how many hours
    were recomputed (0 also when another job holds the lock)."""
    locked = text(f"SELECT pg_try_advisory_xact_lock({LOCK})")
    if is_postgres(db) and not await db.scalar(locked):
        return 0
    await tune(db)
    taken = await db.execute(delete(CHANGES).returning(CHANGES.c.project_id, CHANGES.c.occurred_at))
    hours: dict[int, set[datetime]] = defaultdict(set)
    for project_id, at in taken:
        hours[project_id].add(floor_time(at, "hour"))
    for project_id, starts in sorted(hours.items()):
        await recompute(db, project_id, starts)
    return sum(len(starts) for starts in hours.values())
