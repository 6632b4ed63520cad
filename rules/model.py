"""The canonical session and event model (wire format v1, see DESIGN.md).

Everything else in the service speaks this model: the api validates submissions into it,
the rules compute metrics from it, the judge renders transcripts from it, and the
converters in ``api/formats`` produce it from foreign formats.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

EndReason = Literal["completed", "user_closed", "timeout", "error"]


class EventType(StrEnum):
    USER_MESSAGE = "user_message"
    ASSISTANT_MESSAGE = "assistant_message"
    LLM_CALL = "llm_call"
    TOOL_CALL = "tool_call"
    CONTEXT_CONDENSED = "context_condensed"
    SKILL_CHOSEN = "skill_chosen"
    KNOWLEDGE_USED = "knowledge_used"
    ERROR = "error"
    COMPLETION = "completion"
    FEEDBACK = "feedback"


KNOWN_EVENT_TYPES = frozenset(t.value for t in EventType)
MAX_COUNT = 2**53  # counts beyond this are not real, and would overflow sums in SQL


def parse_timestamp(value: Any) -> Any:
    """Accept RFC 3339 strings and epoch milliseconds; naive times are taken as UTC."""
    if isinstance(value, bool):
        raise ValueError("timestamp must be an RFC 3339 string or epoch milliseconds")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError("epoch milliseconds out of range") from exc
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return parse_timestamp(int(value))
    return value


def as_utc(value: datetime) -> datetime:
    """Naive times are taken as UTC; aware ones are converted to it."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("timestamp out of range") from exc


class _Model(BaseModel):
    """Unknown fields are collected into ``attributes`` instead of being rejected.

    Pydantic keeps them as extras (fast, in Rust); one cheap pass moves them over.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    attributes: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _extras_to_attributes(self) -> Self:
        extra = self.__pydantic_extra__
        if extra:
            self.attributes = {**extra, **self.attributes}
            self.__pydantic_extra__ = {}
        return self


class Event(_Model):
    """One event of a session. A single flat model: ``type`` says which fields matter.

    Unknown ``type`` values are kept (shown in transcripts, counted) but feed no metric.
    """

    type: str = Field(min_length=1, max_length=64)
    ts: datetime
    id: str | None = Field(default=None, max_length=256)
    # messages, completion
    text: str | None = None
    # llm_call
    provider: str | None = None
    model: str | None = None
    tool: str | None = None
    gateway: bool | None = None
    latency_ms: float | None = Field(default=None, ge=0)
    ttft_ms: float | None = Field(default=None, ge=0)
    ok: bool | None = None
    error_type: str | None = None
    error_message: str | None = None
    input_tokens: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    output_tokens: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    cache_read_tokens: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    cost_usd: float | None = Field(default=None, ge=0)
    # tool_call
    args: Any = None
    output: str | None = None
    error: str | None = None
    duration_ms: float | None = Field(default=None, ge=0)
    files: list[str] | None = None
    # context_condensed
    tokens_before: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    tokens_after: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    # skill_chosen, knowledge_used
    skill: str | None = None
    name: str | None = None
    chars: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    # error
    message: str | None = None
    # feedback
    rating: Literal["up", "down"] | None = None
    comment: str | None = None
    user_id: str | None = None

    _ts_before = field_validator("ts", mode="before")(parse_timestamp)

    @field_validator("ts")
    @classmethod
    def _ts_utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    @property
    def failed(self) -> bool:
        """A call failed when it says so, or when it carries an error without saying."""
        if self.ok is not None:
            return not self.ok
        return bool(self.error_type or self.error or self.error_message)

    @property
    def end_ms(self) -> float:
        """When the event finished, in epoch ms (an llm_call ends at ts + latency)."""
        start = self.ts.timestamp() * 1000
        if self.type == EventType.LLM_CALL and self.latency_ms is not None:
            return start + self.latency_ms
        if self.type == EventType.TOOL_CALL and self.duration_ms is not None:
            return start + self.duration_ms
        return start


class Session(_Model):
    """A closed session as submitted: the canonical wire format v1."""

    session_id: str = Field(min_length=1, max_length=256)
    source: str | None = Field(default=None, max_length=128)
    client_version: str | None = Field(default=None, max_length=128)
    user_id: str | None = Field(default=None, max_length=256)
    mode: str | None = Field(default=None, max_length=128)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    events: list[Event] = Field(default_factory=list)

    _times_before = field_validator("started_at", "ended_at", mode="before")(parse_timestamp)

    @field_validator("started_at", "ended_at")
    @classmethod
    def _times_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @field_validator("events")
    @classmethod
    def _sorted_by_ts(cls, events: list[Event]) -> list[Event]:
        """Events out of order are sorted by ``ts``; the sort is stable."""
        return sorted(events, key=lambda e: e.ts)
