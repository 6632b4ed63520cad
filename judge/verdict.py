"""The judge's answer: the instructor ``response_model`` and what a valid answer must cite.

A verdict's ``evidence`` names events by the ``[index]`` they carry in the rendered
transcript. Validated with ``context={"event_indices": ...}``, or inside
``citable(indices)`` (how the LLM client passes them: instructor would render every
message as a Jinja template if it were given a context), an index the judge made up is a
validation error, which instructor sends back to the model so it can answer again.
Without either the indices cannot be checked and are accepted as they are.

The rationale is asked for in at most ``RATIONALE_TARGET_CHARS`` characters and accepted
up to ``RATIONALE_MAX_CHARS``: models count characters badly, and rejecting a 620-character
rationale would buy a retry for nothing. Past the margin the answer is rejected (and
retried), never cut, so a stored rationale is always the judge's own whole text.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Set
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from rules.schemas import Termination

Helpfulness = Literal["helpful", "partially_helpful", "unhelpful", "unknown"]
Sentiment = Literal["positive", "neutral", "negative", "frustrated", "unknown"]

RATIONALE_TARGET_CHARS = 600
RATIONALE_MAX_CHARS = 700
EVIDENCE_CONTEXT_KEY = "event_indices"
_CITABLE: ContextVar[Set[int] | None] = ContextVar("citable_events", default=None)


@contextmanager
def citable(indices: Set[int]) -> Iterator[None]:
    """Verdicts validated inside this block may cite only ``indices``."""
    token = _CITABLE.set(indices)
    try:
        yield
    finally:
        _CITABLE.reset(token)


@cache
def _schema(model: type[BaseModel], args: tuple[Any, ...], kwargs: tuple[Any, ...]) -> Any:
    return super(Verdict, model).model_json_schema(*args, **dict(kwargs))  # type: ignore[misc]


class Verdict(BaseModel):
    """How an AI coding-agent session ended and whether it helped its user."""

    model_config = ConfigDict(frozen=True)

    termination: Termination = Field(
        description=(
            "completed: the agent finished the task; abandoned: the user left before it was "
            "done; errored: a failure ended the session; timed_out: the session went idle"
        )
    )
    helpfulness: Helpfulness = Field(
        description="How much the session helped the user; unknown when the transcript cannot say"
    )
    confidence: float = Field(ge=0.0, le=1.0, description="Confidence in this verdict, 0 to 1")
    user_sentiment: Sentiment = Field(
        description="The user's mood as their own messages and feedback show it"
    )
    rationale: str = Field(
        min_length=1,
        max_length=RATIONALE_MAX_CHARS,
        description=f"Why, in at most {RATIONALE_TARGET_CHARS} characters",
    )
    evidence: list[int] = Field(
        default_factory=list,
        max_length=20,
        description="Indices of the transcript events that support the verdict, as shown in [n]",
    )

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Cached: instructor asks for the schema on every call, and building it costs ms."""
        schema: dict[str, Any] = _schema(cls, args, tuple(sorted(kwargs.items())))
        return copy.deepcopy(schema)

    @field_validator("termination", "helpfulness", "user_sentiment", mode="before")
    @classmethod
    def _normalise_label(cls, value: Any) -> Any:
        """Accept ``"Timed out"`` for ``timed_out``: a spelling is not worth a retry."""
        if isinstance(value, str):
            return value.strip().lower().replace(" ", "_").replace("-", "_")
        return value

    @field_validator("rationale")
    @classmethod
    def _strip_rationale(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("rationale must not be blank")
        return stripped

    @field_validator("evidence")
    @classmethod
    def _evidence_exists(cls, value: list[int], info: ValidationInfo) -> list[int]:
        known = (info.context or {}).get(EVIDENCE_CONTEXT_KEY) or _CITABLE.get()
        unknown = [] if known is None else sorted({i for i in value if i not in known})
        if unknown:
            raise ValueError(
                f"evidence cites events {unknown} that are not in the transcript; "
                "cite only indices shown in brackets like [12]"
            )
        return list(dict.fromkeys(value))
