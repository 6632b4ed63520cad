"""The statements behind outcome and session trends: each part's counters
(store/trend_rollup_parts.py) per bucket and group, added up from the trend rollups where
they are current and from the sessions themselves everywhere else.

A trend over regular buckets without session filters reads daily rollup rows for whole
days, hourly rows for the other whole hours, and the sessions of the partial hours at the
edges and of every hour a write has named as changed since its rollup rows were computed
(``sources``). Any other trend (session filters, or degradations' windows) reads only the
sessions. Both ways count with the same aggregates, so they answer the same numbers; each
hour is read from one source, so nothing is counted twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union_all
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.buckets import SESSION_GROUPS, Timeline, positions
from store.histogram import pairs_sql
from store.llm_rollup_parts import GRAINS, bucket_start
from store.models import CurrentVerdict, SessionRow
from store.rollup_spans import Span, TrendSplit, split_range, without_changed
from store.trend_changes import CHANGES
from store.trend_query import TrendQuery
from store.trend_rollup import sessions_of, within
from store.trend_rollup_parts import DIMENSIONS, TrendPart


def _hour(value: Any) -> datetime:
    """An hour start as the database answered it (text on SQLite)."""
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


async def sources(db: DbSession, query: TrendQuery) -> TrendSplit | None:
    """Which spans of ``query``'s range to read from which rows; None: all from the
    sessions."""
    timeline = query.placement
    if not isinstance(timeline, Timeline) or query.filters.narrows:
        return None
    split = split_range(timeline.start, timeline.end, timeline.bucket)
    if split.rolled is None:
        return None
    dialect = db.get_bind().dialect.name
    changed = select(bucket_start(CHANGES.c.occurred_at, "hour", dialect)).where(
        CHANGES.c.project_id == query.project_id, within(CHANGES.c.occurred_at, [split.rolled])
    )
    hours = {_hour(h) for h in await db.scalars(changed.distinct())}
    return without_changed(split, hours)


def _raw(
    query: TrendQuery, part: TrendPart, keys: dict[str, Any], spans: list[Span] | None,
    fixed: dict[str, Any], dialect: str,
) -> Select[Any]:  # fmt: skip
    """``part`` counted over the sessions of ``spans`` (of the whole placement if None)."""
    group = SESSION_GROUPS.get(query.group_by)
    columns = [
        query.placement.key(SessionRow.occurred_at, dialect),
        *([] if group is None else [group]),
        *(column.label(name) for name, column in keys.items()),
    ]

    def when(at: Any) -> ColumnElement[bool]:
        return query.placement.where(at) if spans is None else within(at, spans)

    stmt = sessions_of(part, *columns, *part.values.values()).where(
        SessionRow.project_id == query.project_id, when(SessionRow.occurred_at)
    )
    if part.verdicts:  # the verdicts of the same range: an index range scan on Postgres
        stmt = stmt.where(
            CurrentVerdict.project_id == query.project_id, when(CurrentVerdict.occurred_at)
        )
    stmt = stmt.where(*(part.keys[k] == v for k, v in fixed.items()))
    return query.filters.apply(stmt).group_by(*positions(len(columns)))


def _rolled(
    query: TrendQuery, part: TrendPart, keys: dict[str, Any], grain: str, spans: list[Span],
    fixed: dict[str, Any], dialect: str, sign: int = 1,
) -> Select[Any]:  # fmt: skip
    """``part``'s rollup rows of ``grain`` in ``spans`` (taken away when ``sign`` is -1)."""
    t = part.table.c
    # the whole key in every span's arm: Postgres reads one index range per span
    key = (t.project_id == query.project_id, t.dimension == DIMENSIONS[query.group_by],
           t.grain == GRAINS[grain])  # fmt: skip
    return select(
        query.placement.key(t.bucket_start, dialect),
        *([] if query.group_by == "none" else [t.value]),
        *(t[k] for k in keys),
        *(t[v] if sign > 0 else -t[v] for v in part.values),
    ).where(
        or_(*(and_(*key, t.bucket_start >= lo, t.bucket_start < hi) for lo, hi in spans)),
        *(t[k] == v for k, v in fixed.items()),
    )


def _rows(
    db: DbSession, query: TrendQuery, parts: list[TrendPart], split: TrendSplit | None,
    fixed: dict[str, Any],
) -> list[Any]:  # fmt: skip
    """The columns of every row that counts, ``bucket key, [group,] *part keys, *part
    values``, several per bucket, group and key, to be added up."""
    dialect = db.get_bind().dialect.name
    part = parts[0]

    def keys(p: TrendPart) -> dict[str, Any]:
        return {k: v for k, v in p.keys.items() if k not in fixed}

    raw_spans = None if split is None else split.raw
    rolled = [] if split is None else [
        ("day", split.days, 1), ("hour", split.hours, 1), ("hour", split.stale, -1)
    ]  # fmt: skip
    branches = [
        _rolled(query, part, keys(part), grain, spans, fixed, dialect, sign)
        for grain, spans, sign in rolled
        if spans
    ]
    if split is None or split.raw:
        branches += [_raw(query, p, keys(p), raw_spans, fixed, dialect) for p in parts]
    return list(union_all(*branches).subquery().c)


def part_statement(
    db: DbSession, query: TrendQuery, parts: list[TrendPart], split: TrendSplit | None,
    fixed: dict[str, Any] | None = None,
) -> Select[Any]:  # fmt: skip
    """``bucket key, [group,] *part keys, *part values`` added up per bucket, group and
    key, of ``parts`` (which share one table), where their ``fixed`` keys have the given
    values (and are not answered)."""
    fixed = fixed or {}
    part = parts[0]
    columns = _rows(db, query, parts, split, fixed)
    width = query.keys + len([k for k in part.keys if k not in fixed])
    # typed as stored: Postgres would answer numeric sums of bigints, slower to decode
    sums = [
        sql_cast(func.sum(c), part.table.c[name].type)
        for c, name in zip(columns[width:], part.values, strict=True)
    ]
    # cells that add up to no row (a changed hour's sessions moved away) are no cells
    return select(*columns[:width], *sums).group_by(*positions(width)).having(sums[0] > 0)


def histogram_statement(
    db: DbSession, query: TrendQuery, parts: list[TrendPart], split: TrendSplit | None
) -> Select[Any]:
    """``bucket key, [group,] metric, bin,count,…`` per bucket, group and metric of the
    histogram ``parts``; a bin may come several times, with counts to add up (negative
    ones too: rows taken away). Strung together as they come: summing per bin first
    would sort every row."""
    *grouped, bin_, count = _rows(db, query, parts, split, {})
    return select(*grouped, pairs_sql(bin_, count)).group_by(*positions(len(grouped)))
