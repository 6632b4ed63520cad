"""The one statement behind the LLM dashboard.

It reads the rollups (store/llm_rollup_parts.py) where they cover the range, plus the raw
calls they do not hold: those at partial hours, and those of sessions not rolled up yet
(store/rollup_spans.py). Raw calls are counted and binned exactly as the rollup job
counts them, so the answer is the same before and after a rollup cycle. One statement,
so a rollup committing meanwhile is seen wholly or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.buckets import Timeline, positions
from store.histogram import pairs_sql
from store.llm_rollup_parts import DIMENSIONS, GRAINS, PARTS, Part, read_dimension
from store.models import LlmCall, LlmRollupGroup, SessionRow
from store.rollup_spans import RangeSplit, Span, split_range

LlmDimension = Literal["provider", "model", "tool"]
COUNTERS = max(len(part.values) for part in PARTS)


@dataclass(frozen=True, slots=True)
class LlmQuery:
    project_id: int
    timeline: Timeline
    group_by: tuple[LlmDimension, ...] = ("provider", "model", "tool")
    provider: str | None = None
    model: str | None = None
    tool: str | None = None

    def filters(self, dimensions: Mapping[str, ColumnElement[Any]]) -> list[ColumnElement[bool]]:
        asked = {"provider": self.provider, "model": self.model, "tool": self.tool}
        return [dimensions[k] == v for k, v in asked.items() if v is not None]


def _rollup_rows(query: LlmQuery, part: Part, grain: str, span: Span, dialect: str) -> Select[Any]:
    table = part.table
    dims = {name: read_dimension(name) for name in DIMENSIONS}
    return (
        select(
            query.timeline.key(table.c.bucket_start, dialect),
            *(dims[d] for d in query.group_by),
            *(table.c[k] for k in part.keys),
            *(table.c[v] for v in part.values),
        )
        .join_from(table, LlmRollupGroup, LlmRollupGroup.id == table.c.group_id)
        .where(
            table.c.project_id == query.project_id,
            table.c.grain == GRAINS[grain],
            table.c.bucket_start >= span[0],
            table.c.bucket_start < span[1],
            *(table.c[k] == v for k, v in part.fixed.items()),
            *query.filters(dims),
        )
    )


def _raw_rows(query: LlmQuery, part: Part, span: Span, dialect: str, unrolled: bool) -> Any:
    """The calls of ``span`` counted like ``part`` (only those of sessions not rolled up
    yet when ``unrolled``)."""
    keys = [
        query.timeline.key(LlmCall.ts, dialect),
        *(DIMENSIONS[d] for d in query.group_by),
        *part.keys.values(),
    ]
    stmt = select(*keys, *part.values.values()).where(
        LlmCall.project_id == query.project_id,
        LlmCall.ts >= span[0],
        LlmCall.ts < span[1],
        *query.filters(DIMENSIONS),
    )
    if part.where is not None:
        stmt = stmt.where(part.where)
    if unrolled:
        stmt = stmt.join(SessionRow, SessionRow.pk == LlmCall.session_pk).where(
            SessionRow.project_id == query.project_id, ~SessionRow.rolled_up
        )
    return stmt.group_by(*positions(len(keys)))


def _raw_branches(query: LlmQuery, part: Part, split: RangeSplit, dialect: str) -> list[Any]:
    """The calls the rollups do not hold, counted like ``part``."""
    branches = [_raw_rows(query, part, span, dialect, unrolled=False) for span in split.raw]
    if split.rolled is not None:
        branches.append(_raw_rows(query, part, split.rolled, dialect, unrolled=True))
    return branches


def _summed(query: LlmQuery, part: Part, branches: list[Any]) -> Select[Any]:
    """``bucket key, *dimensions, *part keys, *part values`` summed over ``branches``;
    rows that add up to nothing (a replaced session's leftovers) are dropped."""
    columns = list(union_all(*branches).subquery().c)
    keys = 1 + len(query.group_by) + len(part.keys)
    # bigint, not Postgres' numeric sum: far cheaper to decode
    sums = [cast(func.sum(c), BigInteger) for c in columns[keys:]]
    return select(*columns[:keys], *sums).group_by(*positions(keys)).having(sums[0] > 0)


def _kind(part: Part) -> ColumnElement[str]:
    return literal_column(f"'{part.kind}'", String)


def _no_counters(present: int) -> list[ColumnElement[Any]]:
    return [cast(null(), BigInteger)] * (COUNTERS - present)


def _totals(query: LlmQuery, part: Part, split: RangeSplit, dialect: str) -> Select[Any]:
    """The counters (or errors by type) of every bucket and group, in the shared shape."""
    rolled = [
        *(_rollup_rows(query, part, "day", span, dialect) for span in split.days),
        *(_rollup_rows(query, part, "hour", span, dialect) for span in split.hours),
    ]
    branches = [*rolled, *_raw_branches(query, part, split, dialect)]
    columns = list(_summed(query, part, branches).subquery().c)
    grouped = 1 + len(query.group_by)
    error_type = columns[grouped] if "error_type" in part.keys else cast(null(), String)
    counters = columns[grouped + len(part.keys) :]
    return select(
        _kind(part), *columns[:grouped], error_type, cast(null(), String), *counters,
        *_no_counters(len(counters)),
    )  # fmt: skip


def _rollup_histograms(
    query: LlmQuery, part: Part, grain: str, span: Span, dialect: str
) -> Select[Any]:
    """A histogram per stored bucket and group. Its rows are one per bin already, so they
    are strung together as stored, and the group's dimensions joined on after: merging
    the groups that share dimensions is left to the caller."""
    table = part.table
    dims = {name: read_dimension(name) for name in DIMENSIONS}
    stored = select(
        table.c.bucket_start, table.c.group_id, pairs_sql(table.c.bin, table.c.count).label("pairs")
    ).where(
        table.c.project_id == query.project_id,
        table.c.grain == GRAINS[grain],
        table.c.bucket_start >= span[0],
        table.c.bucket_start < span[1],
        *(table.c[k] == v for k, v in part.fixed.items()),
    )
    if filters := query.filters(dims):
        asked = select(LlmRollupGroup.id).where(LlmRollupGroup.project_id == query.project_id)
        stored = stored.where(table.c.group_id.in_(asked.where(*filters)))
    per_group = stored.group_by(table.c.bucket_start, table.c.group_id).subquery()
    return select(
        _kind(part),
        query.timeline.key(per_group.c.bucket_start, dialect),
        *(dims[d] for d in query.group_by),
        cast(null(), String),
        per_group.c.pairs,
        *_no_counters(0),
    ).join_from(per_group, LlmRollupGroup, LlmRollupGroup.id == per_group.c.group_id)


def _histograms(query: LlmQuery, part: Part, split: RangeSplit, dialect: str) -> list[Any]:
    """``bin,count,…`` texts per bucket and group (several per bucket and group, to be
    added up): a row per bin would cost more to fetch than to compute."""
    found: list[Any] = [
        *(_rollup_histograms(query, part, "day", span, dialect) for span in split.days),
        *(_rollup_histograms(query, part, "hour", span, dialect) for span in split.hours),
    ]
    if raw := _raw_branches(query, part, split, dialect):
        columns = list(_summed(query, part, raw).subquery().c)
        grouped = 1 + len(query.group_by)
        bin_, count = columns[grouped:]
        found.append(
            select(
                _kind(part), *columns[:grouped], cast(null(), String), pairs_sql(bin_, count),
                *_no_counters(0),
            ).group_by(*positions(1 + grouped))
        )  # fmt: skip
    return found


def dashboard_statement(db: DbSession, query: LlmQuery) -> Any:
    """Every part's rows for ``query`` in one shape, ``kind, bucket key, *dimensions,
    error type, histogram, *counters`` (NULL where a part has none), as one statement."""
    dialect = db.get_bind().dialect.name
    timeline = query.timeline
    split = split_range(timeline.start, timeline.end, timeline.bucket)
    return union_all(
        *(
            rows
            for part in PARTS
            for rows in (
                _histograms(query, part, split, dialect)
                if "bin" in part.keys
                else [_totals(query, part, split, dialect)]
            )
        )
    )
