"""Query parameters of the trend, dashboard and degradation routes, and the time range
they resolve to."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import Query

from api.errors import field_error
from api.params import UtcTime
from store.buckets import Bucket, GroupBy, Timeline, bucket_count

BucketParam = Annotated[Bucket, Query(description="hour, day or week (UTC; weeks from Monday)")]
GroupByParam = Annotated[GroupBy, Query(description="A session column, or none.")]
LlmGroupParam = Annotated[
    list[Literal["provider", "model", "tool", "none"]] | None,
    Query(description="Repeat to group by several; none: no grouping. Default: all three."),
]
PromptParam = Annotated[
    str | None,
    Query(
        pattern=r"^[^\x00]*$",
        max_length=128,
        description="Whose verdicts count; default: the project's current prompt version.",
    ),
]
WindowParam = Annotated[
    str,
    Query(pattern=r"^[1-9][0-9]{0,4}[mhd]$", description="e.g. 30m, 6h, 1d; at most 24h"),
]
AtParam = Annotated[UtcTime | None, Query(description="End of the current window (default: now).")]

# Far enough for any real data; keeps date arithmetic clear of datetime's limits.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
DEFAULT_SPAN = timedelta(days=30)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def _in_bounds(at: datetime | None, name: str) -> None:
    if at is not None and not EARLIEST <= at < LATEST:
        raise field_error(
            ["query", name], f"must lie in [{EARLIEST.year}, {LATEST.year})", "value_error"
        )


def resolve_range(
    time_from: datetime | None, time_to: datetime | None, bucket: Bucket, max_buckets: int
) -> Timeline:
    """The buckets of ``[from, to)`` (default: the 30 days up to now); 422 when the range
    is empty or spans more than ``max_buckets`` buckets."""
    _in_bounds(time_from, "from")
    _in_bounds(time_to, "to")
    end = time_to or datetime.now(UTC)
    start = time_from or max(EARLIEST, end - DEFAULT_SPAN)
    if start >= end:
        raise field_error(["query", "to"], "must be later than from", "value_error")
    if bucket_count(start, end, bucket) > max_buckets:
        raise field_error(
            ["query", "bucket"],
            f"the range spans more than {max_buckets} {bucket} buckets; narrow it",
            "value_error",
        )
    return Timeline(start, end, bucket)


def parse_window(window: str, at: datetime | None) -> tuple[datetime, timedelta]:
    """The window's end and length; 422 past 24 h (it must fit between baseline days)."""
    _in_bounds(at, "at")
    match = re.fullmatch(r"(\d+)([mhd])", window)
    assert match is not None  # the pattern checked it
    length = int(match[1]) * _UNITS[match[2]]
    if length > timedelta(days=1):
        raise field_error(["query", "window"], "at most 24h", "value_error")
    return at or datetime.now(UTC), length
