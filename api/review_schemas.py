"""Request and response models of the review queue, labels and the review item."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.schemas import SessionOut, VerdictOut
from judge import Helpfulness
from rules import Termination
from store.models import Feedback, Label

Reason = Literal["judge_user_disagree", "low_confidence", "prompts_disagree", "calibration"]
Note = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=4000)]


class LabelIn(BaseModel):
    """A reviewer's label; give termination, helpfulness or both."""

    model_config = ConfigDict(extra="forbid")

    termination: Termination | None = None
    helpfulness: Helpfulness | None = None
    note: Note | None = None
    verdict_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="The verdict reviewed, if any."
    )

    @model_validator(mode="after")
    def _some_class(self) -> LabelIn:
        if self.termination is None and self.helpfulness is None:
            raise ValueError("a label needs a termination, a helpfulness or both")
        return self


class LabelOut(BaseModel):
    id: int
    session_id: str
    verdict_id: int | None
    reviewer: str
    termination: str | None
    helpfulness: str | None
    note: str | None
    created_at: datetime

    @classmethod
    def of(cls, label: Label, session_id: str) -> LabelOut:
        fields = {name: getattr(label, name) for name in cls.model_fields if name != "session_id"}
        return cls(session_id=session_id, **fields)


class LabelsOut(BaseModel):
    session_id: str
    latest: list[LabelOut] = Field(description="The newest label of each reviewer: these count.")
    history: list[LabelOut] = Field(description="Every label, oldest first.")


class Thumbs(BaseModel):
    up: int
    down: int


class QueueVerdict(BaseModel):
    id: int
    prompt: str
    termination: str
    helpfulness: str
    confidence: float
    judge_model: str


class QueueItem(BaseModel):
    session_id: str
    source: str | None
    model: str | None
    occurred_at: datetime
    verdict: QueueVerdict
    reasons: list[Reason] = Field(description="Every reason that applies, the first decides.")
    thumbs: Thumbs


class QueuePage(BaseModel):
    prompt: str
    reviewer: str
    items: list[QueueItem]
    next_cursor: str | None


class TranscriptOut(BaseModel):
    """The transcript exactly as the judge is shown it; events are numbered ``[n]``."""

    prompt: str
    text: str
    event_indices: list[int]
    tokens: int


class FeedbackOut(BaseModel):
    user_key: str
    rating: str
    comment: str | None
    ts: datetime

    @classmethod
    def of(cls, row: Feedback) -> FeedbackOut:
        return cls.model_validate(row, from_attributes=True)


class SessionBundle(BaseModel):
    """A labelled session as a dataset row: one line of the labels export."""

    session: SessionOut
    transcript: TranscriptOut
    verdicts: list[VerdictOut] = Field(description="The current verdict of each prompt version.")
    feedback: list[FeedbackOut]
    labels: list[LabelOut] = Field(description="The newest label of each reviewer.")
    label_history: list[LabelOut]


class ReviewItemOut(SessionBundle):
    """Everything the review page shows of one session."""

    prompt: str = Field(description="The prompt version whose queue ``reasons`` refer to.")
    reasons: list[Reason]
