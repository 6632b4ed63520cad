"""Explicit thumbs feedback on a session, also before the session arrives or long after."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import Db, Ingest
from api.errors import ERROR_RESPONSES
from api.params import SessionIdPath, Text, UtcTime
from store.feedback import FeedbackValues, Outcome, record_feedback
from store.models import Feedback

router = APIRouter(prefix="/v1", tags=["feedback"], responses=ERROR_RESPONSES)
MAX_COMMENT = 10_000


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)
    ts: UtcTime | None = Field(default=None, description="When the user clicked; default: now.")
    user_id: Text | None = Field(default=None, description="One rating per user and session.")

    @field_validator("comment")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        """NUL characters, which no database stores in text, become U+FFFD."""
        return None if value is None else value.replace("\x00", "\ufffd")


class FeedbackOut(BaseModel):
    session_id: str
    user_id: str | None
    rating: str
    comment: str | None
    ts: datetime
    origin: str = Field(description="api, or event (a feedback event of the session)")
    created_at: datetime
    status: Outcome = Field(
        description="created; updated (replaced an older rating); stale (older than the "
        "stored rating, which stands)"
    )

    @classmethod
    def of(cls, row: Feedback, status: Outcome) -> FeedbackOut:
        return cls(
            session_id=row.session_id, user_id=row.user_key or None, rating=row.rating,
            comment=row.comment, ts=row.ts, origin=row.origin, created_at=row.created_at,
            status=status,
        )  # fmt: skip


@router.post(
    "/sessions/{session_id}/feedback", status_code=201, responses={200: {"model": FeedbackOut}}
)
async def give_feedback(
    session_id: SessionIdPath, body: FeedbackIn, response: Response, db: Db, principal: Ingest
) -> FeedbackOut:
    """Record a thumbs up or down: 201 for a user's first rating of the session, 200 when
    it replaced an older one or was older than the stored one (the latest ``ts`` wins)."""
    values = FeedbackValues(
        session_id, body.user_id or "", body.rating, body.comment,
        body.ts or datetime.now(UTC), "api",
    )  # fmt: skip
    row, status = await record_feedback(db, principal.project_id, values)
    if status != "created":
        response.status_code = 200
    return FeedbackOut.of(row, status)
