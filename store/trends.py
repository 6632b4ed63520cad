"""Which sessions a trend reads (``TrendQuery``), and the outcome trend: per time bucket
and group, the sessions joined with the current verdicts of one prompt version, and the
users' thumbs (every rating of the session, as counted on its row by store/feedback.py).

Counts only; rates and shares are derived by the API schemas. Every bucket of the range is
answered for every group seen in it, empty ones with zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from judge.verdict import Helpfulness
from rules.schemas import Termination
from store.analytics import Grid, GroupKey, T, fill_grid, tune
from store.buckets import SESSION_GROUPS, GroupBy, Placement, positions
from store.models import CurrentVerdict, SessionRow
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


def _outcome_columns() -> list[Any]:
    cv, s = CurrentVerdict, SessionRow
    positive = or_(cv.helpfulness == "helpful", cv.termination == "completed")
    negative = or_(cv.helpfulness == "unhelpful", cv.termination == "abandoned")
    return [
        func.count(),
        func.count(cv.session_pk),
        *(func.count().filter(cv.termination == t) for t in TERMINATIONS),
        *(func.count().filter(cv.helpfulness == h) for h in HELPFULNESS),
        func.avg(cv.confidence),
        func.coalesce(func.sum(s.feedback_count), 0),
        func.coalesce(func.sum(s.feedback_up), 0),
        func.coalesce(func.sum(s.feedback_count).filter(cv.session_pk.is_not(None)), 0),
        func.coalesce(func.sum(s.feedback_count - s.feedback_up).filter(positive), 0),
        func.coalesce(func.sum(s.feedback_up).filter(negative), 0),
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
    """Sessions, verdicts of ``prompt`` and thumbs per (bucket index, group): one pass over
    the sessions (which carry their thumbs), joined with the current verdicts of the same
    time range (which carry their session's time: an index-only range scan on Postgres)."""
    await tune(db)
    cv = CurrentVerdict
    verdict = and_(
        cv.project_id == query.project_id,
        cv.prompt == prompt,
        query.placement.where(cv.occurred_at),
        cv.session_pk == SessionRow.pk,
    )
    rows = await db.execute(query.select(db, *_outcome_columns()).outerjoin(cv, verdict))
    return query.fill({query.key(r): _outcome_counts(r[query.keys :]) for r in rows}, OutcomeCounts)
