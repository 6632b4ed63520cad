"""Response models of the session routes (the OpenAPI schema clients read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from store.models import SessionRow

JudgeStatus = Literal["pending", "queued", "judged", "skipped", "failed"]


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

    @classmethod
    def of(cls, row: SessionRow) -> SessionOut:
        return cls.model_validate(row, from_attributes=True)


class SessionPage(BaseModel):
    items: list[SessionOut]
    next_cursor: str | None


class EventsOut(BaseModel):
    session_id: str
    events: list[dict[str, Any]]
