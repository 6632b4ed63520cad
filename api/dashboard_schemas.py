"""Response models of the LLM dashboard (conventions as in ``api.trend_schemas``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.trend_schemas import Median90, ratio
from store.analytics import GroupKey
from store.dashboards import LlmStats


class Latency(BaseModel):
    p50: float | None
    p90: float | None
    p99: float | None


class LlmPoint(BaseModel):
    bucket_start: datetime
    group: dict[str, str | None] = Field(description="The grouping dimensions' values.")
    calls: int
    errors: int
    error_rate: float | None
    errors_by_type: dict[str, int] = Field(description="unknown: failed without a type.")
    latency_ms: Latency
    ttft_ms: Median90 = Field(description="Time to first token.")
    input_tokens: int
    output_tokens: int
    cost_usd: float

    @classmethod
    def of(cls, start: datetime, dims: tuple[str, ...], key: GroupKey, s: LlmStats) -> LlmPoint:
        values = key if isinstance(key, tuple) else ()
        return cls(
            bucket_start=start,
            group=dict(zip(dims, values, strict=True)),
            calls=s.calls,
            errors=s.errors,
            error_rate=ratio(s.errors, s.calls),
            errors_by_type=s.errors_by_type,
            latency_ms=Latency(p50=s.latency_ms[0], p90=s.latency_ms[1], p99=s.latency_ms[2]),
            ttft_ms=Median90(p50=s.ttft_ms[0], p90=s.ttft_ms[1]),
            input_tokens=s.input_tokens,
            output_tokens=s.output_tokens,
            cost_usd=s.cost_usd,
        )


class LlmDashboard(BaseModel):
    time_from: datetime = Field(serialization_alias="from")
    time_to: datetime = Field(serialization_alias="to")
    bucket: str
    group_by: list[str]
    points: list[LlmPoint]
