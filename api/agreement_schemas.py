"""Response models of the agreement figures and of the current prompt version."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.params import Text
from store.models import PromptChange


class ClassScoresOut(BaseModel):
    precision: float | None
    recall: float | None
    support: int


class AxisOut(BaseModel):
    """One axis; ``matrix[human][judge]``, rows are the human's labels."""

    model_config = ConfigDict(from_attributes=True)

    labels: list[str]
    pairs: int
    matrix: dict[str, dict[str, int]]
    accuracy: float | None
    accuracy_interval: tuple[float, float] = Field(description="95 % Wilson score interval.")
    kappa: float | None = Field(description="Cohen's kappa.")
    per_class: dict[str, ClassScoresOut]


class RateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hits: int
    n: int
    rate: float | None
    interval: tuple[float, float] = Field(description="95 % Wilson score interval.")


class ThumbsOut(BaseModel):
    """Thumbs as weak labels: sessions with thumbs, by the judge's helpfulness."""

    down_when_judged_helpful: RateOut
    up_when_judged_unhelpful: RateOut
    sessions_with_thumbs: int


class ReviewerPairOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reviewers: tuple[str, str]
    sessions: int
    termination: AxisOut
    helpfulness: AxisOut


class AgreementOut(BaseModel):
    prompt: str
    labelled_sessions: int = Field(description="Labelled sessions this version judged.")
    pairing: Literal["each_reviewer"] = Field(
        default="each_reviewer",
        description="Each reviewer's latest label of a session is a pair with the verdict.",
    )
    termination: AxisOut
    helpfulness: AxisOut
    thumbs: ThumbsOut
    reviewers: list[ReviewerPairOut] = Field(description="Reviewers against each other.")


class PromptFigures(BaseModel):
    prompt: str
    termination: AxisOut
    helpfulness: AxisOut


class CompareOut(BaseModel):
    prompts: list[str]
    sessions: int = Field(description="Labelled sessions every listed version judged.")
    items: list[PromptFigures]


class CurrentPromptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: Text = Field(examples=["outcome/v2"])


class PromptChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    from_prompt: str | None
    to_prompt: str
    changed_by: str
    changed_at: datetime

    @classmethod
    def of(cls, row: PromptChange) -> PromptChangeOut:
        return cls.model_validate(row)


class CurrentPromptOut(BaseModel):
    prompt: str
    previous: str
    changed: bool = Field(description="False when the version was current already.")
    change: PromptChangeOut | None
    agreement: AgreementOut


class PromptChangesOut(BaseModel):
    current: str
    items: list[PromptChangeOut] = Field(description="Newest first.")
