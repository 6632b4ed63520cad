"""Time buckets and group keys shared by trends, dashboards and degradations.

A ``Timeline`` says which rows count (``where``), which bucket each belongs to (``key``,
an SQL expression) and where that bucket sits in the answer (``index_of``). Buckets are
hours, days or weeks in UTC (weeks start on Monday): Postgres bins with ``date_bin`` from
a Monday midnight (integer arithmetic, cheaper per row than ``date_trunc`` of a time zone
conversion; migration 0007 gives the planner statistics of these exact expressions);
SQLite cuts its stored ``YYYY-MM-DD HH:MM:SS.ffffff`` text, which is exact where its date
functions would round fractional seconds. Queries group by column position
(``GROUP BY 1, 2``), so a key expression may carry bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_

from store.models import SessionRow

Bucket = Literal["hour", "day", "week"]
GroupBy = Literal["model", "provider", "source", "client_version", "mode", "none"]

WIDTHS: dict[Bucket, timedelta] = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
SESSION_GROUPS: dict[str, Any] = {
    "model": SessionRow.model,
    "provider": SessionRow.provider,
    "source": SessionRow.source,
    "client_version": SessionRow.client_version,
    "mode": SessionRow.mode,
}


STRIDES: dict[Bucket, str] = {"hour": "1 hour", "day": "1 day", "week": "7 days"}
ORIGIN = "2001-01-01 00:00:00+00"
"""A Monday, midnight UTC: ``date_bin`` from it gives UTC hours, days and ISO weeks."""


def pg_bucket(at: Any, bucket: Bucket) -> ColumnElement[Any]:
    """``date_bin`` as literals, the expression migration 0007 keeps statistics of."""
    stride: ColumnElement[Any] = literal_column(f"'{STRIDES[bucket]}'::interval")
    return func.date_bin(stride, at, literal_column(f"'{ORIGIN}'::timestamptz"))


def floor_time(at: datetime, bucket: Bucket) -> datetime:
    """The start of the bucket holding ``at``."""
    at = at.astimezone(UTC)
    if bucket == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if bucket == "day" else day - timedelta(days=day.weekday())


def bucket_count(time_from: datetime, time_to: datetime, bucket: Bucket) -> int:
    """How many buckets ``[time_from, time_to)`` touches."""
    if time_to <= time_from:
        return 0
    return -(-(time_to - floor_time(time_from, bucket)) // WIDTHS[bucket])


def positions(count: int) -> list[Any]:
    """``GROUP BY 1, …, count``."""
    return [literal_column(str(i)) for i in range(1, count + 1)]


def _sqlite_key(at: Any, bucket: Bucket) -> ColumnElement[Any]:
    day = func.substr(at, literal_column("1"), literal_column("10"))
    if bucket == "hour":
        return func.substr(at, literal_column("1"), literal_column("13"))
    if bucket == "day":
        return day
    return func.date(day, literal_column("'-6 days'"), literal_column("'weekday 1'"))


def _parse_key(key: Any) -> datetime:
    """A bucket key as its start: a naive UTC timestamp (Postgres) or text (SQLite)."""
    if isinstance(key, datetime):
        return key.replace(tzinfo=UTC)
    text = str(key)
    return datetime.fromisoformat(text + ":00" if len(text) == 13 else text).replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Consecutive buckets over ``[start, end)``; bucket i begins at ``starts[i]``."""

    start: datetime
    end: datetime
    bucket: Bucket

    @property
    def starts(self) -> list[datetime]:
        first, width = floor_time(self.start, self.bucket), WIDTHS[self.bucket]
        return [first + i * width for i in range(bucket_count(self.start, self.end, self.bucket))]

    def where(self, at: Any) -> ColumnElement[bool]:
        return and_(at >= self.start, at < self.end)

    def key(self, at: Any, dialect: str) -> ColumnElement[Any]:
        if dialect != "postgresql":
            return _sqlite_key(at, self.bucket)
        return pg_bucket(at, self.bucket)

    def index_of(self, key: Any) -> int:
        return (_parse_key(key) - floor_time(self.start, self.bucket)) // WIDTHS[self.bucket]

    @property
    def size(self) -> int:
        return bucket_count(self.start, self.end, self.bucket)


@dataclass(frozen=True, slots=True)
class Window:
    """Rows with ``lo <= t < hi`` belong to bucket ``index``."""

    index: int
    lo: datetime
    hi: datetime


@dataclass(frozen=True, slots=True)
class Windows:
    """Buckets made of arbitrary windows; several windows may share one index."""

    windows: Sequence[Window]

    def where(self, at: Any) -> ColumnElement[bool]:
        return or_(*(and_(at >= w.lo, at < w.hi) for w in self.windows))

    def key(self, at: Any, dialect: str) -> ColumnElement[Any]:
        return case(*((and_(at >= w.lo, at < w.hi), w.index) for w in self.windows))

    def index_of(self, key: Any) -> int:
        return int(key)

    @property
    def size(self) -> int:
        return max((w.index for w in self.windows), default=-1) + 1


Placement = Timeline | Windows
"""Where rows fall in time: regular buckets, or windows."""
