"""Counts for degradation checks: the current window against the same hours of the
previous days, per group.

Window 0 is ``[at - window, at)``; window 1 pools ``[at - d·24h - window, at - d·24h)`` for
d = 1..days. Session counts (outcomes, stuck) come from the trend queries over those two
windows; LLM calls are counted by their own ``ts`` and grouped by their own provider or
model (a session's grouping column otherwise), through their session for the filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.analytics import GroupKey, is_postgres, tune
from store.buckets import SESSION_GROUPS, GroupBy, Window, Windows, positions
from store.models import LlmCall, SessionRow
from store.quantiles import pg_values, python_quantiles, values_quantiles
from store.session_queries import SessionFilter
from store.session_trends import session_trend
from store.trend_query import TrendQuery
from store.trends import OutcomeCounts, outcome_trend

CURRENT, BASELINE = 0, 1


@dataclass(frozen=True, slots=True)
class SideCounts:
    """One side (current or baseline) of one group."""

    outcomes: OutcomeCounts = field(default_factory=OutcomeCounts)
    sessions: int = 0
    stuck: int = 0
    calls: int = 0
    errors: int = 0
    p90_latency_ms: float | None = None


def comparison_windows(at: datetime, window: timedelta, days: int) -> Windows:
    day = timedelta(days=1)
    return Windows(
        [
            Window(CURRENT if d == 0 else BASELINE, at - d * day - window, at - d * day)
            for d in range(days + 1)
        ]
    )


def _llm_select(
    db: DbSession, query: TrendQuery, *columns: Any, grouped: bool = True
) -> Select[Any]:
    """``side, [group,] *columns`` over the calls in the windows, through their session
    when a filter or the group is the session's (every call has its session)."""
    own = {"model": LlmCall.model, "provider": LlmCall.provider}
    group = own.get(query.group_by, SESSION_GROUPS.get(query.group_by))
    side = query.placement.key(LlmCall.ts, db.get_bind().dialect.name)
    keys = [side] if group is None else [side, group]
    stmt = select(*keys, *columns).where(
        LlmCall.project_id == query.project_id, query.placement.where(LlmCall.ts)
    )
    if query.filters != SessionFilter() or query.group_by not in (*own, "none"):
        stmt = query.filters.apply(stmt.join(SessionRow, SessionRow.pk == LlmCall.session_pk))
    return stmt.group_by(*positions(len(keys))) if grouped else stmt


async def _llm_counts(db: DbSession, query: TrendQuery) -> dict[tuple[int, GroupKey], Any]:
    """(calls, errors, p90 latency) per (side, group)."""
    counts = [func.count(), func.count().filter(LlmCall.ok.is_(False))]
    k = query.keys
    if is_postgres(db):
        stmt = _llm_select(db, query, *counts, pg_values(LlmCall.latency_ms))
        rows = await db.execute(stmt)
        return {query.key(r): (r[k], r[k + 1], values_quantiles(r[k + 2], [0.9])[0]) for r in rows}
    values = _llm_select(db, query, LlmCall.latency_ms, grouped=False)
    p90 = await python_quantiles(db, values, k, [[0.9]])
    rows = await db.execute(_llm_select(db, query, *counts))
    return {query.key(r): (r[k], r[k + 1], p90[tuple(r[:k])][0][0]) for r in rows}


async def degradation_counts(
    db: DbSession,
    project_id: int,
    windows: Windows,
    group_by: GroupBy,
    filters: SessionFilter,
    prompt: str,
) -> dict[GroupKey, tuple[SideCounts, SideCounts]]:
    """Per group seen on either side: (current, baseline) counts."""
    query = TrendQuery(project_id, windows, group_by, filters)
    await tune(db)
    outcomes = {(i, g): c for i, g, c in await outcome_trend(db, query, prompt)}
    sessions = {(i, g): s for i, g, s in await session_trend(db, query)}
    calls = await _llm_counts(db, query)

    def side(key: tuple[int, GroupKey]) -> SideCounts:
        stats = sessions.get(key)
        return SideCounts(
            outcomes.get(key, OutcomeCounts()),
            stats.sessions if stats else 0,
            stats.stuck if stats else 0,
            *calls.get(key, (0, 0, None)),
        )

    groups = {g for _, g in outcomes} | {g for _, g in calls}
    return {g: (side((CURRENT, g)), side((BASELINE, g))) for g in groups}
