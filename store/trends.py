"""Which sessions a trend reads (``TrendQuery``), and the outcome trend: per time bucket
and group, the sessions joined with the current verdicts of one prompt version and the
users' thumbs.

Counts only; rates and shares are derived by the API schemas. Every bucket of the range is
answered for every group seen in it, empty ones with zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, get_args

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from judge.verdict import Helpfulness
from rules.schemas import Termination
from store.analytics import Grid, GroupKey, T, fill_grid, tune
from store.buckets import SESSION_GROUPS, GroupBy, Placement, positions
from store.models import CurrentVerdict, Feedback, SessionRow
from store.session_queries import SessionFilter

TERMINATIONS: tuple[str, ...] = get_args(Termination)
HELPFULNESS: tuple[str, ...] = get_args(Helpfulness)


@dataclass(frozen=True, slots=True)
class TrendQuery:
    """Which sessions, placed in time how: ``filters`` carries no time bounds."""

    project_id: int
    placement: Placement
    group_by: GroupBy = "none"
    filters: SessionFilter = field(default_factory=SessionFilter)

    def select(self, db: DbSession, *columns: Any, grouped: bool = True) -> Select[Any]:
        """``bucket key, [group,] *columns`` over the project's sessions in the placement,
        grouped by the keys unless ``grouped`` is false."""
        place = self.placement
        group = SESSION_GROUPS.get(self.group_by)
        bucket = place.key(SessionRow.occurred_at, db.get_bind().dialect.name)
        keys = [bucket] if group is None else [bucket, group]
        stmt = select(*keys, *columns).where(
            SessionRow.project_id == self.project_id, place.where(SessionRow.occurred_at)
        )
        return self.filters.apply(stmt.group_by(*positions(len(keys))) if grouped else stmt)

    @property
    def keys(self) -> int:
        return 1 if self.group_by == "none" else 2

    def key(self, row: Any) -> tuple[int, GroupKey]:
        """(bucket index, group) of a result row."""
        return (self.placement.index_of(row[0]), row[1] if self.keys == 2 else None)

    def fill(self, found: dict[tuple[int, GroupKey], T], zero: Callable[[], T]) -> Grid[T]:
        return fill_grid(found, self.placement.size, self.group_by != "none", zero)


@dataclass(frozen=True, slots=True)
class OutcomeCounts:
    sessions: int = 0
    judged: int = 0
    termination: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TERMINATIONS, 0))
    helpfulness: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HELPFULNESS, 0))
    mean_confidence: float | None = None
    feedback: int = 0
    thumbs_up: int = 0
    judged_feedback: int = 0
    """Ratings of sessions that have a verdict: the base of the disagreement rate."""
    down_on_positive: int = 0
    """Thumbs down on sessions judged helpful or completed."""
    up_on_negative: int = 0
    """Thumbs up on sessions judged unhelpful or abandoned."""


FEEDBACK_LEAD = timedelta(days=1)
"""Thumbs count from this long before the range: a click precedes the start of its
session only by the client's clock skew, and bounding the scan by time keeps it from
growing with the project's history (ratings older than that are not counted)."""


def _feedback_per_session(query: TrendQuery) -> Any:
    up = func.sum(case((Feedback.rating == "up", 1), else_=0))
    return (
        select(Feedback.session_id, func.count().label("n"), up.label("up"))
        .where(
            Feedback.project_id == query.project_id,
            Feedback.ts >= query.placement.earliest - FEEDBACK_LEAD,
        )
        .group_by(Feedback.session_id)
        .subquery("fb")
    )


async def _pk_range(db: DbSession, query: TrendQuery) -> tuple[int, int] | None:
    """The lowest and highest pk of the sessions in range: bounds the current verdicts
    read to those that can match (exact, and a range scan of their primary key)."""
    # count(*) keeps Postgres from answering min/max by walking the primary key
    bounds = (func.min(SessionRow.pk), func.max(SessionRow.pk), func.count())
    stmt: Any = select(*bounds).where(
        SessionRow.project_id == query.project_id, query.placement.where(SessionRow.occurred_at)
    )
    low, high, _ = (await db.execute(query.filters.apply(stmt))).one()
    return None if low is None else (low, high)


def _outcome_columns(fb: Any) -> list[Any]:
    cv = CurrentVerdict
    positive = or_(cv.helpfulness == "helpful", cv.termination == "completed")
    negative = or_(cv.helpfulness == "unhelpful", cv.termination == "abandoned")
    return [
        func.count(),
        func.count(cv.session_pk),
        *(func.count().filter(cv.termination == t) for t in TERMINATIONS),
        *(func.count().filter(cv.helpfulness == h) for h in HELPFULNESS),
        func.avg(cv.confidence),
        func.coalesce(func.sum(fb.c.n), 0),
        func.coalesce(func.sum(fb.c.up), 0),
        func.coalesce(func.sum(fb.c.n).filter(cv.session_pk.is_not(None)), 0),
        func.coalesce(func.sum(fb.c.n - fb.c.up).filter(positive), 0),
        func.coalesce(func.sum(fb.c.up).filter(negative), 0),
    ]


def _outcome_counts(values: Any) -> OutcomeCounts:
    sessions, judged, *rest = values
    terminations, rest = rest[: len(TERMINATIONS)], rest[len(TERMINATIONS) :]
    helpfulness, rest = rest[: len(HELPFULNESS)], rest[len(HELPFULNESS) :]
    confidence, *feedback = rest
    return OutcomeCounts(
        sessions,
        judged,
        dict(zip(TERMINATIONS, terminations, strict=True)),
        dict(zip(HELPFULNESS, helpfulness, strict=True)),
        None if confidence is None else float(confidence),
        *(int(v) for v in feedback),
    )


async def outcome_trend(db: DbSession, query: TrendQuery, prompt: str) -> Grid[OutcomeCounts]:
    """Sessions, verdicts of ``prompt`` and thumbs per (bucket index, group)."""
    await tune(db)
    pks = await _pk_range(db, query)
    if pks is None:
        return query.fill({}, OutcomeCounts)
    fb = _feedback_per_session(query)
    cv = CurrentVerdict
    verdict = and_(cv.session_pk == SessionRow.pk, cv.prompt == prompt, cv.session_pk.between(*pks))
    stmt = (
        query.select(db, *_outcome_columns(fb))
        .outerjoin(cv, verdict)
        .outerjoin(fb, fb.c.session_id == SessionRow.session_id)
    )
    rows = await db.execute(stmt)
    return query.fill({query.key(r): _outcome_counts(r[query.keys :]) for r in rows}, OutcomeCounts)
