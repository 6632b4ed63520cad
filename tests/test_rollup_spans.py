"""Which rows answer which part of a dashboard or trend range."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from store.rollup_spans import RangeSplit, split_range, without_changed


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_whole_days_come_from_daily_rows_the_rest_from_hourly_and_raw_rows() -> None:
    assert split_range(at(20, 2, 30), at(23, 5, 15), "day") == RangeSplit(
        days=[(at(21), at(23))],
        hours=[(at(20, 3), at(21)), (at(23), at(23, 5))],
        raw=[(at(20, 2, 30), at(20, 3)), (at(23, 5), at(23, 5, 15))],
        rolled=(at(20, 3), at(23, 5)),
    )


def test_weeks_use_daily_rows_too() -> None:
    assert split_range(at(2), at(30), "week").days == [(at(2), at(30))]


def test_hourly_buckets_never_use_daily_rows() -> None:
    assert split_range(at(20), at(23), "hour") == RangeSplit(
        days=[], hours=[(at(20), at(23))], raw=[], rolled=(at(20), at(23))
    )


def test_a_range_inside_one_hour_is_read_raw() -> None:
    assert split_range(at(20, 4, 10), at(20, 4, 50), "day") == RangeSplit(
        days=[], hours=[], raw=[(at(20, 4, 10), at(20, 4, 50))], rolled=None
    )


def test_changed_hours_are_read_raw_and_every_instant_counts_once() -> None:
    rng = random.Random(3)
    start, end = at(20, 2, 30), at(24, 5, 15)
    for _ in range(30):
        split = split_range(start, end, rng.choice(["hour", "day"]))
        changed = {at(rng.randrange(20, 25), rng.randrange(24)) for _ in range(rng.randrange(6))}
        trend = without_changed(split, changed)
        minute = start
        while minute < end:
            adds = sum(lo <= minute < hi for lo, hi in [*trend.days, *trend.hours, *trend.raw])
            takes = sum(lo <= minute < hi for lo, hi in trend.stale)
            assert adds - takes == 1, minute
            hour = minute.replace(minute=0)
            if hour in changed:  # a changed hour is read from the sessions
                assert any(lo <= minute < hi for lo, hi in trend.raw)
            minute += timedelta(minutes=15)
