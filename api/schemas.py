"""Response models of the session routes (the OpenAPI schema clients read)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from store.models import Run, SessionRow, VerdictRow
from store.runs import RunCounts

JudgeStatus = Literal["pending", "queued", "judged", "skipped", "failed"]


class VerdictOut(BaseModel):
    id: int
    session_id: str
    prompt: str
    prompt_hash: str
    judge_model: str
    input_hash: str
    termination: str
    helpfulness: str
    confidence: float
    user_sentiment: str
    rationale: str
    evidence: list[int]
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    attempts: int
    run_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, row: VerdictRow, session_id: str) -> VerdictOut:
        fields = {name: getattr(row, name) for name in cls.model_fields if name != "session_id"}
        return cls(session_id=session_id, **fields)


class VerdictPage(BaseModel):
    items: list[VerdictOut]
    next_cursor: str | None


class PromptOut(BaseModel):
    key: str
    name: str
    version: str
    content_hash: str
    description: str
    current: bool
    registered_at: datetime | None
    first_used_at: datetime | None


class RunFilter(BaseModel):
    """The session list's filters, for choosing what a run judges."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    time_from: AwareDatetime | None = Field(default=None, alias="from")
    time_to: AwareDatetime | None = Field(default=None, alias="to")
    source: str | None = None
    model: str | None = None
    end_reason: str | None = None
    stuck: bool | None = None


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(examples=["outcome/v2"])
    filter: RunFilter = Field(default_factory=RunFilter)
    dry_run: bool = False
    force: bool = Field(default=False, description="Judge again even an identical input.")


class DryRunOut(BaseModel):
    prompt: str
    sessions: int
    estimated_input_tokens: int
    sampled: int


class RunOut(BaseModel):
    id: int
    prompt: str
    filter: dict[str, Any]
    force: bool
    status: Literal["queued", "running", "done", "cancelled", "failed"]
    error: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    total: int
    queued: int
    done: int
    failed: int
    skipped: int
    input_tokens: int
    output_tokens: int
    cost_usd: float

    @classmethod
    def of(cls, run: Run, counts: RunCounts) -> RunOut:
        fields = {name: getattr(run, name) for name in ("id", "prompt", "filter", "force",
                  "status", "error", "created_by", "created_at", "finished_at")}  # fmt: skip
        return cls(**fields, **asdict(counts))


class IngestResult(BaseModel):
    session_id: str | None
    status: Literal["created", "duplicate", "replaced", "conflict", "rejected"]
    status_code: int
    error: str | None = None
    detail: Any = None


class BatchResult(BaseModel):
    items: list[IngestResult]
    created: int
    duplicates: int
    replaced: int
    conflicts: int
    rejected: int


class SessionOut(BaseModel):
    session_id: str
    source: str | None
    client_version: str | None
    user_id: str | None
    mode: str | None
    model: str | None
    provider: str | None
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    attributes: dict[str, Any]
    event_count: int
    received_at: datetime
    judge_status: JudgeStatus
    judge_reason: str | None
    metrics: dict[str, Any]
    verdicts: list[VerdictOut] = Field(
        default_factory=list, description="Newest first; listed on single-session reads."
    )

    @classmethod
    def of(cls, row: SessionRow) -> SessionOut:
        return cls.model_validate(row, from_attributes=True)


class SessionPage(BaseModel):
    items: list[SessionOut]
    next_cursor: str | None


class EventsOut(BaseModel):
    session_id: str
    events: list[dict[str, Any]]


class Flip(BaseModel):
    session_id: str
    baseline: dict[str, str]
    candidate: dict[str, str]


class Agreement(BaseModel):
    labels: list[str]
    matrix: dict[str, dict[str, int]]
    agreement: float | None
    kappa: float | None


class ComparisonOut(BaseModel):
    run_id: int
    prompt: str
    baseline: str
    sessions: int
    termination: Agreement
    helpfulness: Agreement
    flipped: list[Flip]
