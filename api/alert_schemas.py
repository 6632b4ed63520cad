"""Answers of ``GET /v1/alerts`` and ``GET /v1/slos``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from rules.slo import ObjectiveKind, Severity, format_duration
from workers.alert_messages import AlertDoc
from workers.slo_status import GroupStatus, firing_rows


class AlertPage(BaseModel):
    items: list[AlertDoc]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next (older) page.")


class WindowOut(BaseModel):
    window: str
    bad: int
    total: int
    burn_rate: float


class SloGroupOut(BaseModel):
    provider: str | None
    model: str | None
    tool: str | None
    gateway: bool | None = Field(description="None: a tool-level group (tool_error_rate).")
    windows: list[WindowOut]
    budget_remaining: float = Field(description="Share of the period's budget left.")
    severity: Severity | None = Field(description="What would fire now; None: nothing.")
    firing_rows: list[str]
    muted: bool

    @classmethod
    def of(cls, status: GroupStatus) -> SloGroupOut:
        result, group = status.result, status.group
        burns = [result.burn_rates[w] for w in sorted(status.counts)]
        return cls(
            provider=group.provider,
            model=group.model,
            tool=group.tool,
            gateway=group.gateway,
            windows=[
                WindowOut(window=format_duration(w), bad=c.bad, total=c.total, burn_rate=burn)
                for (w, c), burn in zip(sorted(status.counts.items()), burns, strict=True)
            ],
            budget_remaining=result.budget_remaining,
            severity=result.severity,
            firing_rows=list(firing_rows(result)),
            muted=status.muted,
        )


class SloOut(BaseModel):
    name: str
    kind: ObjectiveKind
    target: float
    period: str
    latency_threshold_ms: float | None
    groups: list[SloGroupOut]


class SlosOut(BaseModel):
    evaluated_at: datetime
    objectives: list[SloOut]
