"""Which rows answer which part of a dashboard range: daily rollup rows for the whole days
inside it (when buckets are days or weeks, which whole days never straddle), hourly rows
for the whole hours left, and the raw calls for the partial hours at either edge.

Rollup rows hold only the sessions rolled up so far; within ``rolled`` (the span the
rollup rows cover) the calls of the other sessions are read raw as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from store.buckets import WIDTHS, Bucket, floor_time

Span = tuple[datetime, datetime]
"""``[lo, hi)``"""


@dataclass(frozen=True, slots=True)
class RangeSplit:
    days: list[Span]
    hours: list[Span]
    raw: list[Span]
    rolled: Span | None


def _ceil(at: datetime, unit: Bucket) -> datetime:
    start = floor_time(at, unit)
    return start if start == at else start + WIDTHS[unit]


def _nonempty(spans: list[Span]) -> list[Span]:
    return [(lo, hi) for lo, hi in spans if lo < hi]


def split_range(start: datetime, end: datetime, bucket: Bucket) -> RangeSplit:
    first_hour, last_hour = _ceil(start, "hour"), floor_time(end, "hour")
    if first_hour >= last_hour:
        return RangeSplit([], [], _nonempty([(start, end)]), None)
    raw = _nonempty([(start, first_hour), (last_hour, end)])
    rolled = (first_hour, last_hour)
    first_day, last_day = _ceil(start, "day"), floor_time(end, "day")
    if bucket == "hour" or first_day >= last_day:
        return RangeSplit([], [rolled], raw, rolled)
    hours = _nonempty([(first_hour, first_day), (last_day, last_hour)])
    return RangeSplit([(first_day, last_day)], hours, raw, rolled)


def merge_spans(starts: Iterable[datetime], unit: Bucket) -> list[Span]:
    """The buckets of ``unit`` starting at ``starts`` as the fewest spans."""
    spans: list[Span] = []
    for lo in sorted(set(starts)):
        hi = lo + WIDTHS[unit]
        if spans and spans[-1][1] == lo:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


def _starts(spans: Iterable[Span], unit: Bucket) -> list[datetime]:
    found = []
    for lo, hi in spans:
        at = lo
        while at < hi:
            found.append(at)
            at += WIDTHS[unit]
    return found


@dataclass(frozen=True, slots=True)
class TrendSplit:
    """Trend rollup rows to add (``days``, ``hours``) and to take away (``stale``: the
    hourly rows of changed hours inside ``days``, whose daily rows hold them), and the
    spans to read from the sessions (``raw``)."""

    days: list[Span]
    hours: list[Span]
    stale: list[Span]
    raw: list[Span]


def without_changed(split: RangeSplit, changed: set[datetime]) -> TrendSplit:
    """``split`` with the ``changed`` hours (starts of hours whose rollup rows are stale)
    read from the sessions instead. A daily row holds its hours' rows as they were when
    it was computed, so a changed hour inside a whole day is its daily row, less that
    hour's row, plus the hour read raw: every instant of the range counts once."""
    in_days = [h for lo, hi in split.days for h in _starts([(lo, hi)], "hour") if h in changed]
    hours = _starts(split.hours, "hour")
    in_hours = [h for h in hours if h in changed]
    return TrendSplit(
        split.days,
        merge_spans((h for h in hours if h not in changed), "hour"),
        merge_spans(in_days, "hour"),
        sorted(split.raw + merge_spans(in_days + in_hours, "hour")),
    )
