"""What the rules compute: per-session metrics, loop signals and termination evidence.

``SessionMetrics.model_dump(mode="json")`` is the ``metrics`` object the API serves; it
holds exactly the names of the core-service issue, no more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Termination = Literal["completed", "abandoned", "errored", "timed_out"]


class LoopThresholds(BaseModel):
    """When a session counts as ``stuck`` (configurable per deployment)."""

    identical_streak: int = Field(default=3, ge=1)
    identical_failing: int = Field(default=2, ge=1)
    oscillation: int = Field(default=6, ge=4)


class LoopSignals(BaseModel):
    identical_tool_calls: int = 0
    identical_failing_tool_calls: int = 0
    longest_identical_streak: int = 0
    oscillation_run: int = 0
    unique_files: int = 0
    unique_tools: int = 0
    repeat_ratio: float = 0.0
    stuck: bool = False


class TerminationEvidence(BaseModel):
    termination: Termination | None = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    reasons: list[str] = Field(default_factory=list)


class SessionMetrics(BaseModel):
    duration_ms: float | None = None
    time_to_first_response_ms: float | None = None
    user_turns: int = 0
    steps: int = 0
    llm_calls_failed: int = 0
    tool_calls: int = 0
    tool_calls_by_tool: dict[str, int] = Field(default_factory=dict)
    tool_errors: int = 0
    errors_by_type: dict[str, int] = Field(default_factory=dict)
    tokens_input: int = 0
    tokens_output: int = 0
    tokens_cache_read: int = 0
    tokens_total: int = 0
    cost_usd: float = 0.0
    condense_count: int = 0
    end_reason: str | None = None
    loops: LoopSignals = Field(default_factory=LoopSignals)
    termination_evidence: TerminationEvidence = Field(default_factory=TerminationEvidence)


class LlmCallRecord(BaseModel):
    """One ``llm_call`` event as a row for the per-call table (phase 1a)."""

    seq: int
    ts: datetime
    provider: str | None = None
    model: str | None = None
    tool: str | None = None
    gateway: bool = False
    latency_ms: float | None = None
    ttft_ms: float | None = None
    ok: bool = True
    error_type: str | None = None
    error_message: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0
