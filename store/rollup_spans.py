"""Which rows answer which part of a dashboard range: daily rollup rows for the whole days
inside it (when buckets are days or weeks, which whole days never straddle), hourly rows
for the whole hours left, and the raw calls for the partial hours at either edge.

Rollup rows hold only the sessions rolled up so far; within ``rolled`` (the span the
rollup rows cover) the calls of the other sessions are read raw as well.
"""

from __future__ import annotations

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
