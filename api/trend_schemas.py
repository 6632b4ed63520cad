"""Response models of the trend, dashboard and degradation routes.

Counts come from the store; rates and shares are derived here. A rate whose denominator
is zero is null (an empty bucket has zero counts and null rates). A group is the value of
the grouping column, null where the session (or call) had none and when not grouping.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from store.analytics import GroupKey
from store.session_trends import SessionStats
from store.trends import OutcomeCounts


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def shares(counts: dict[str, int], whole: int) -> dict[str, float | None]:
    return {name: ratio(count, whole) for name, count in counts.items()}


class Range(BaseModel):
    time_from: datetime = Field(serialization_alias="from")
    time_to: datetime = Field(serialization_alias="to")
    bucket: str
    group_by: str


class Disagreement(BaseModel):
    """Where the user's thumbs contradict the verdict."""

    down_on_positive: int = Field(
        description="Thumbs down on sessions judged helpful or completed."
    )
    up_on_negative: int = Field(description="Thumbs up on sessions judged unhelpful or abandoned.")
    total: int
    judged_feedback: int = Field(description="Ratings of judged sessions: the rate's base.")
    rate: float | None


class OutcomePoint(BaseModel):
    bucket_start: datetime
    group: str | None
    sessions: int
    judged: int
    termination: dict[str, int]
    termination_share: dict[str, float | None] = Field(description="Of judged sessions.")
    helpfulness: dict[str, int]
    helpfulness_share: dict[str, float | None] = Field(description="Of judged sessions.")
    mean_confidence: float | None
    feedback: int = Field(description="Ratings (one per user and session, the latest).")
    thumbs_up: int
    thumbs_up_rate: float | None
    disagreement: Disagreement

    @classmethod
    def of(cls, start: datetime, group: GroupKey, c: OutcomeCounts) -> OutcomePoint:
        disagree = c.down_on_positive + c.up_on_negative
        return cls(
            bucket_start=start,
            group=group,
            sessions=c.sessions,
            judged=c.judged,
            termination=c.termination,
            termination_share=shares(c.termination, c.judged),
            helpfulness=c.helpfulness,
            helpfulness_share=shares(c.helpfulness, c.judged),
            mean_confidence=c.mean_confidence,
            feedback=c.feedback,
            thumbs_up=c.thumbs_up,
            thumbs_up_rate=ratio(c.thumbs_up, c.feedback),
            disagreement=Disagreement(
                down_on_positive=c.down_on_positive,
                up_on_negative=c.up_on_negative,
                total=disagree,
                judged_feedback=c.judged_feedback,
                rate=ratio(disagree, c.judged_feedback),
            ),
        )


class OutcomeTrend(Range):
    prompt: str
    points: list[OutcomePoint]


class Median90(BaseModel):
    p50: float | None
    p90: float | None


class SessionPoint(BaseModel):
    bucket_start: datetime
    group: str | None
    sessions: int
    duration_ms: Median90
    ttfr_ms: Median90 = Field(description="Time to first response.")
    mean_user_turns: float | None
    mean_tool_calls: float | None
    tool_error_rate: float | None = Field(description="Tool errors / tool calls.")
    stuck_rate: float | None
    condense_rate: float | None = Field(description="Share of sessions condensed at least once.")
    tokens_per_session: float | None
    cost_per_session: float | None
    end_reasons: dict[str, int] = Field(description="Sessions per end reason; unknown: none.")

    @classmethod
    def of(cls, start: datetime, group: GroupKey, s: SessionStats) -> SessionPoint:
        return cls(
            bucket_start=start,
            group=group,
            sessions=s.sessions,
            duration_ms=Median90(p50=s.duration_ms[0], p90=s.duration_ms[1]),
            ttfr_ms=Median90(p50=s.ttfr_ms[0], p90=s.ttfr_ms[1]),
            mean_user_turns=s.mean_user_turns,
            mean_tool_calls=s.mean_tool_calls,
            tool_error_rate=ratio(s.tool_errors, s.tool_calls),
            stuck_rate=ratio(s.stuck, s.sessions),
            condense_rate=ratio(s.condensed, s.sessions),
            tokens_per_session=ratio(s.tokens_total, s.sessions),
            cost_per_session=ratio(s.cost_usd, s.sessions),
            end_reasons=s.end_reasons,
        )


class SessionTrend(Range):
    points: list[SessionPoint]
