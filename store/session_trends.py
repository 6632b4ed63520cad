"""Session metrics per time bucket and group: median and p90 of duration and time to
first response, means, error, stuck and condense counts, tokens, cost and the end-reason
mix, read as store/trend_reads.py says.

The percentiles are estimated from log-bucketed histograms (store/histogram.py, within
2.19 % of the exact ``percentile_cont``): the database counts each group's sessions per
bin, from rollup rows and sessions alike, so the same data answers the same figures
whichever rows it was read from, on Postgres and SQLite.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store import histogram
from store.analytics import Grid, tune
from store.llm_rollup_parts import NANOS
from store.quantiles import Quantiles
from store.trend_query import TrendQuery
from store.trend_reads import histogram_statement, part_statement, sources
from store.trend_rollup_parts import BINS, END_REASONS, SESSIONS, TIMINGS

UNKNOWN = "unknown"
"""The end-reason key of sessions that carried none."""
QS = (0.5, 0.9)
TIMING_OF = {code: name for name, (code, _) in TIMINGS.items()}


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


def _stats(c: dict[str, Any], timings: dict[str, Quantiles]) -> SessionStats:
    n = c["sessions"]
    return SessionStats(
        sessions=n,
        duration_ms=timings["duration_ms"],
        ttfr_ms=timings["ttfr_ms"],
        mean_user_turns=c["user_turns"] / n,
        mean_tool_calls=c["tool_calls"] / n,
        tool_calls=c["tool_calls"],
        tool_errors=c["tool_errors"],
        stuck=c["stuck"],
        condensed=c["condensed"],
        tokens_total=c["tokens_total"],
        cost_usd=c["cost_nanos"] / NANOS,
        end_reasons={r: c[f"end_{r}"] for r in (*END_REASONS, UNKNOWN)},
    )


async def session_trend(db: DbSession, query: TrendQuery) -> Grid[SessionStats]:
    await tune(db)
    split = await sources(db, query)
    rows = await db.execute(part_statement(db, query, [SESSIONS], split))
    counters = {
        query.key(r): dict(zip(SESSIONS.values, r[query.keys :], strict=True)) for r in rows
    }
    timings: dict[Any, dict[str, Quantiles]] = defaultdict(dict)
    for *keys, metric, pairs in await db.execute(histogram_statement(db, query, BINS, split)):
        counts = Counter[int]()
        for bin_, count in histogram.parse_pairs(pairs):
            counts[bin_] += count
        timings[query.key(keys)][TIMING_OF[metric]] = histogram.quantiles(counts.items(), QS)
    empty: Quantiles = [None] * len(QS)
    cells = {
        key: _stats(c, {name: timings[key].get(name, empty) for name in ("duration_ms", "ttfr_ms")})
        for key, c in counters.items()
    }
    return query.fill(cells, SessionStats)
