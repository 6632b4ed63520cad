"""The LLM dashboard: per time bucket and provider/model/tool, from the llm_calls rows —
call and error counts, errors by type, latency and time-to-first-token percentiles,
tokens and cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.analytics import Grid, GroupKey, fill_grid, is_postgres, tune
from store.buckets import Timeline, positions
from store.models import LlmCall
from store.quantiles import Quantiles, as_quantiles, pg_quantiles, python_quantiles

LlmDimension = Literal["provider", "model", "tool"]
DIMENSIONS: dict[str, Any] = {
    "provider": LlmCall.provider,
    "model": LlmCall.model,
    "tool": LlmCall.tool,
}
LATENCY_QS = (0.5, 0.9, 0.99)
TTFT_QS = (0.5, 0.9)
UNKNOWN = "unknown"
"""The error type of failed calls that named none."""


@dataclass(frozen=True, slots=True)
class LlmQuery:
    project_id: int
    timeline: Timeline
    group_by: tuple[LlmDimension, ...] = ("provider", "model", "tool")
    provider: str | None = None
    model: str | None = None
    tool: str | None = None

    def select(
        self, db: DbSession, *columns: Any, extra_keys: Sequence[Any] = (), grouped: bool = True
    ) -> Select[Any]:
        """``bucket key, *dimensions, *extra_keys, *columns`` over the calls in range."""
        bucket = self.timeline.key(LlmCall.ts, db.get_bind().dialect.name)
        keys = [bucket, *(DIMENSIONS[d] for d in self.group_by), *extra_keys]
        filters = {"provider": self.provider, "model": self.model, "tool": self.tool}
        stmt = select(*keys, *columns).where(
            LlmCall.project_id == self.project_id,
            self.timeline.where(LlmCall.ts),
            *(DIMENSIONS[k] == v for k, v in filters.items() if v is not None),
        )
        return stmt.group_by(*positions(len(keys))) if grouped else stmt

    def key(self, row: Any) -> tuple[int, GroupKey]:
        """(bucket index, group) of a result row; the group is a tuple of dimensions."""
        group = tuple(row[1 : 1 + len(self.group_by)]) if self.group_by else None
        return (self.timeline.index_of(row[0]), group)


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


COLUMNS = [
    func.count(),
    func.count().filter(LlmCall.ok.is_(False)),
    func.coalesce(func.sum(LlmCall.input_tokens), 0),
    func.coalesce(func.sum(LlmCall.output_tokens), 0),
    func.coalesce(func.sum(LlmCall.cost_usd), 0.0),
]


async def _errors_by_type(db: DbSession, query: LlmQuery) -> dict[tuple[int, GroupKey], Any]:
    """Failed calls per type; they are few, and a partial index finds them."""
    failed = query.select(db, func.count(), extra_keys=[LlmCall.error_type])
    stmt = failed.where(~LlmCall.ok)  # the predicate of ix_llm_calls_failed
    found: dict[tuple[int, GroupKey], dict[str, int]] = {}
    for row in await db.execute(stmt):
        found.setdefault(query.key(row), {})[row[-2] or UNKNOWN] = row[-1]
    return found


def _stats(row: Any, errors: dict[str, int], quantiles: list[Quantiles]) -> LlmStats:
    calls, failed, tokens_in, tokens_out, cost = row
    return LlmStats(
        calls, failed, errors, quantiles[0], quantiles[1],
        int(tokens_in), int(tokens_out), float(cost),
    )  # fmt: skip


async def _stats_by_key(db: DbSession, query: LlmQuery) -> dict[tuple[int, GroupKey], Any]:
    """(counters, [latency, ttft] quantiles) per key: quantiles in Postgres, or over the
    fetched values on SQLite."""
    n = len(COLUMNS)
    if is_postgres(db):
        latency = pg_quantiles(LlmCall.latency_ms, LATENCY_QS)
        stmt = query.select(db, *COLUMNS, latency, pg_quantiles(LlmCall.ttft_ms, TTFT_QS))
        return {
            query.key(row): (row[-n - 2 : -2], [as_quantiles(row[-2], 3), as_quantiles(row[-1], 2)])
            for row in await db.execute(stmt)
        }
    values = query.select(db, LlmCall.latency_ms, LlmCall.ttft_ms, grouped=False)
    keys = 1 + len(query.group_by)
    found = await python_quantiles(db, values, keys, [LATENCY_QS, TTFT_QS])
    return {
        query.key(row): (row[-n:], found[tuple(row[:keys])])
        for row in await db.execute(query.select(db, *COLUMNS))
    }


async def llm_dashboard(db: DbSession, query: LlmQuery) -> Grid[LlmStats]:
    await tune(db)
    errors = await _errors_by_type(db, query)
    found = {
        key: _stats(counters, errors.get(key, {}), quantiles)
        for key, (counters, quantiles) in (await _stats_by_key(db, query)).items()
    }
    return fill_grid(found, query.timeline.size, bool(query.group_by), LlmStats)
