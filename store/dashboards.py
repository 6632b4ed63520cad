"""The LLM dashboard: per time bucket and provider/model/tool — call and error counts,
errors by type, latency and time-to-first-token percentiles, tokens and cost.

Counters are exact; percentiles are histogram estimates (store/histogram.py) of the
rollups and raw calls that store/llm_dashboard_rows.py reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store import histogram
from store.analytics import Grid, GroupKey, fill_grid, tune
from store.llm_dashboard_rows import LlmDimension, LlmQuery, dashboard_statement
from store.llm_rollup_parts import NANOS
from store.quantiles import Quantiles

__all__ = ["LlmDimension", "LlmQuery", "LlmStats", "llm_dashboard"]
LATENCY_QS = (0.5, 0.9, 0.99)
TTFT_QS = (0.5, 0.9)


@dataclass(frozen=True, slots=True)
class LlmStats:
    calls: int = 0
    errors: int = 0
    errors_by_type: dict[str, int] = field(default_factory=dict)
    latency_ms: Quantiles = field(default_factory=lambda: [None] * len(LATENCY_QS))
    ttft_ms: Quantiles = field(default_factory=lambda: [None] * len(TTFT_QS))
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


def _stats(counters: Sequence[int], errors: dict[str, int], bins: Mapping[str, Any]) -> LlmStats:
    calls, failed, tokens_in, tokens_out, nanos = counters
    return LlmStats(
        calls, failed, errors,
        histogram.quantiles(bins["latency"], LATENCY_QS),
        histogram.quantiles(bins["ttft"], TTFT_QS),
        tokens_in, tokens_out, nanos / NANOS,
    )  # fmt: skip


async def llm_dashboard(db: DbSession, query: LlmQuery) -> Grid[LlmStats]:
    await tune(db)
    counters: dict[tuple[int, GroupKey], Sequence[int]] = {}
    errors: dict[tuple[int, GroupKey], dict[str, int]] = defaultdict(dict)
    bins: dict[tuple[int, GroupKey], dict[str, list[tuple[int, int]]]] = defaultdict(
        lambda: {"latency": [], "ttft": []}
    )
    indexes: dict[Any, int] = {}  # bucket key -> index: few keys, many rows
    width = len(query.group_by)
    for kind, bucket, *row in await db.execute(dashboard_statement(db, query)):
        if bucket not in indexes:
            indexes[bucket] = query.timeline.index_of(bucket)
        key = (indexes[bucket], tuple(row[:width]) if width else None)
        error_type, pairs, *values = row[width:]
        if kind == "calls":
            counters[key] = values
        elif kind == "errors":
            errors[key][error_type] = values[0]
        else:
            bins[key][kind].extend(histogram.parse_pairs(pairs))
    found = {key: _stats(c, errors.get(key, {}), bins[key]) for key, c in counters.items()}
    return fill_grid(found, query.timeline.size, bool(query.group_by), LlmStats)
