"""Session metrics per time bucket and group: percentiles of duration and time to first
response, means, error, stuck and condense counts, tokens, cost and the end-reason mix.

On Postgres one hash aggregation (in parallel workers) answers the counts and collects
each group's timings; ``percentile_cont`` then runs over each group's own array, in the
database, instead of over every row sorted by group first (the bulk of the time before).
On SQLite the timings are read apart and their percentiles taken in Python, with the
same arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules.model import EndReason
from store.analytics import Grid, is_postgres, tune
from store.models import SessionRow
from store.quantiles import Quantiles, pg_values, python_quantiles
from store.trends import TrendQuery

END_REASONS: tuple[str, ...] = get_args(EndReason)
UNKNOWN = "unknown"
"""The end-reason key of sessions that carried none."""
QS = (0.5, 0.9)


@dataclass(frozen=True, slots=True)
class SessionStats:
    sessions: int = 0
    duration_ms: Quantiles = field(default_factory=lambda: [None, None])
    ttfr_ms: Quantiles = field(default_factory=lambda: [None, None])
    """Quantiles ``QS`` (median, p90)."""
    mean_user_turns: float | None = None
    mean_tool_calls: float | None = None
    tool_calls: int = 0
    tool_errors: int = 0
    stuck: int = 0
    condensed: int = 0
    """Sessions whose context was condensed at least once."""
    tokens_total: int = 0
    cost_usd: float = 0.0
    end_reasons: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((*END_REASONS, UNKNOWN), 0)
    )


def _columns() -> list[Any]:
    s = SessionRow
    return [
        func.count(),
        func.avg(s.user_turns),
        func.avg(s.tool_calls),
        func.coalesce(func.sum(s.tool_calls), 0),
        func.coalesce(func.sum(s.tool_errors), 0),
        func.count().filter(s.stuck.is_(True)),
        func.count().filter(s.condense_count > 0),
        func.coalesce(func.sum(s.tokens_total), 0),
        func.coalesce(func.sum(s.cost_usd), 0.0),
        *(func.count().filter(s.end_reason == r) for r in END_REASONS),
        func.count().filter(s.end_reason.is_(None)),
    ]


def _pg_percentiles(values: ColumnElement[Any]) -> ColumnElement[Any]:
    """``percentile_cont`` of quantiles ``QS`` over one group's collected values."""
    value = func.unnest(values).column_valued("v")
    fractions: ColumnElement[Any] = literal_column(
        f"ARRAY[{', '.join(repr(q) for q in QS)}]::float8[]"
    )
    return select(func.percentile_cont(fractions).within_group(value)).scalar_subquery()


def _stats(values: Any, quantiles: list[Quantiles]) -> SessionStats:
    sessions, turns, tools, calls, errors, stuck, condensed, tokens, cost, *reasons = values
    return SessionStats(
        sessions=sessions,
        duration_ms=quantiles[0],
        ttfr_ms=quantiles[1],
        mean_user_turns=None if turns is None else float(turns),
        mean_tool_calls=None if tools is None else float(tools),
        tool_calls=int(calls),
        tool_errors=int(errors),
        stuck=stuck,
        condensed=condensed,
        tokens_total=int(tokens),
        cost_usd=float(cost),
        end_reasons=dict(zip((*END_REASONS, UNKNOWN), reasons, strict=True)),
    )


def _quantiles(values: list[float] | None) -> Quantiles:
    """A group's Postgres percentiles; NULL where it had no values."""
    return list(values) if values is not None else [None] * len(QS)


async def session_trend(db: DbSession, query: TrendQuery) -> Grid[SessionStats]:
    await tune(db)
    k = query.keys
    timings = (SessionRow.duration_ms, SessionRow.ttfr_ms)
    if is_postgres(db):
        grouped = query.select(db, *_columns(), *(pg_values(col) for col in timings)).subquery()
        *counted, durations, ttfrs = grouped.c
        stmt = select(*counted, _pg_percentiles(durations), _pg_percentiles(ttfrs))
        found = {
            query.key(row): _stats(row[k:-2], [_quantiles(v) for v in row[-2:]])
            for row in await db.execute(stmt)
        }
    else:
        values = query.select(db, *timings, grouped=False)
        quantiles = await python_quantiles(db, values, k, [QS, QS])
        found = {
            query.key(row): _stats(row[k:], quantiles[tuple(row[:k])])
            for row in await db.execute(query.select(db, *_columns()))
        }
    return query.fill(found, SessionStats)
