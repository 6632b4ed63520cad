"""Per-session metrics and per-call records, computed in a few linear passes.

One pass counts (``_Tally``), one computes the loop signals, one reads the ending
backwards for the termination evidence, and a short scan from the first user message
finds the first response. Unknown event types feed no metric.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from itertools import islice

from rules.evidence import termination_evidence
from rules.loops import loop_signals
from rules.model import Event, EventType, Session
from rules.schemas import LlmCallRecord, LoopThresholds, SessionMetrics

_USER_MESSAGE = EventType.USER_MESSAGE.value
_ASSISTANT_MESSAGE = EventType.ASSISTANT_MESSAGE.value
_LLM_CALL = EventType.LLM_CALL.value
_MS_DIGITS = 3
"""Times are rounded to the microsecond, the resolution of the timestamps."""


def _ms(delta: timedelta) -> float:
    return round(delta.total_seconds() * 1000, _MS_DIGITS)


class _Tally:
    """Counters of the main pass over the events, one handler per event type that counts."""

    __slots__ = (
        "condense_count",
        "cost_usd",
        "errors_by_type",
        "latest_call_end_ms",
        "llm_calls_failed",
        "steps",
        "tokens_cache_read",
        "tokens_input",
        "tokens_output",
        "tool_calls",
        "tool_calls_by_tool",
        "tool_errors",
        "user_turns",
    )

    def __init__(self) -> None:
        self.user_turns = 0
        self.steps = 0
        self.llm_calls_failed = 0
        self.tool_calls = 0
        self.tool_calls_by_tool: dict[str, int] = {}
        self.tool_errors = 0
        self.errors_by_type: dict[str, int] = {}
        self.tokens_input = 0
        self.tokens_output = 0
        self.tokens_cache_read = 0
        self.cost_usd = 0.0
        self.condense_count = 0
        # The latest end (epoch ms) of a call with a duration: it may outlive later events.
        self.latest_call_end_ms = float("-inf")

    def _count_error(self, error_type: str) -> None:
        self.errors_by_type[error_type] = self.errors_by_type.get(error_type, 0) + 1

    def _user_message(self, event: Event) -> None:
        self.user_turns += 1

    def _context_condensed(self, event: Event) -> None:
        self.condense_count += 1

    def _error_event(self, event: Event) -> None:
        self._count_error(event.error_type or "error")

    def _llm_call(self, event: Event) -> None:
        self.steps += 1
        self.tokens_input += event.input_tokens or 0
        self.tokens_output += event.output_tokens or 0
        self.tokens_cache_read += event.cache_read_tokens or 0
        self.cost_usd += event.cost_usd or 0.0
        if event.latency_ms is not None:
            self.latest_call_end_ms = max(self.latest_call_end_ms, event.end_ms)
        if event.failed:
            self.llm_calls_failed += 1
            self._count_error(event.error_type or "llm_error")

    def _tool_call(self, event: Event) -> None:
        self.tool_calls += 1
        tool = event.tool or "unknown"
        self.tool_calls_by_tool[tool] = self.tool_calls_by_tool.get(tool, 0) + 1
        if event.duration_ms is not None:
            self.latest_call_end_ms = max(self.latest_call_end_ms, event.end_ms)
        if event.failed:
            self.tool_errors += 1
            self._count_error("tool_error")


_HANDLERS: dict[str, Callable[[_Tally, Event], None]] = {
    EventType.USER_MESSAGE.value: _Tally._user_message,
    EventType.LLM_CALL.value: _Tally._llm_call,
    EventType.TOOL_CALL.value: _Tally._tool_call,
    EventType.ERROR.value: _Tally._error_event,
    EventType.CONTEXT_CONDENSED.value: _Tally._context_condensed,
}
"""The event types that count; any other type (unknown ones included) feeds no metric."""


def _tally(events: Sequence[Event]) -> _Tally:
    tally = _Tally()
    handlers = _HANDLERS
    for event in events:
        handler = handlers.get(event.type)
        if handler is not None:
            handler(tally, event)
    return tally


def _duration_ms(session: Session, latest_call_end_ms: float) -> float | None:
    """``ended_at − started_at``; without both, from the first event to the latest end."""
    if session.started_at is not None and session.ended_at is not None:
        return _ms(session.ended_at - session.started_at)
    events = session.events
    if not events:
        return None
    end_ms = max(latest_call_end_ms, events[-1].end_ms)
    return round(end_ms - events[0].ts.timestamp() * 1000, _MS_DIGITS)


def _response_offset_ms(call: Event) -> float:
    """When a call's answer began, after its ``ts``: ttft, else latency, else at once."""
    if call.ttft_ms is not None:
        return call.ttft_ms
    if call.latency_ms is not None:
        return call.latency_ms
    return 0.0


def _time_to_first_response_ms(events: Sequence[Event]) -> float | None:
    """From the first user message to the first answer after it (in event order).

    The answer is the first successful llm_call's first token; with no such call, the
    first assistant message.
    """
    asked_at = next((i for i, e in enumerate(events) if e.type == _USER_MESSAGE), None)
    if asked_at is None:
        return None
    asked = events[asked_at].ts
    first_message: Event | None = None
    for event in islice(events, asked_at + 1, None):
        if event.type == _LLM_CALL and not event.failed:
            return round(_ms(event.ts - asked) + _response_offset_ms(event), _MS_DIGITS)
        if first_message is None and event.type == _ASSISTANT_MESSAGE:
            first_message = event
    return None if first_message is None else _ms(first_message.ts - asked)


def compute_metrics(session: Session, thresholds: LoopThresholds | None = None) -> SessionMetrics:
    """Every per-session metric, loop signal and the termination evidence of ``session``."""
    tally = _tally(session.events)
    return SessionMetrics(
        duration_ms=_duration_ms(session, tally.latest_call_end_ms),
        time_to_first_response_ms=_time_to_first_response_ms(session.events),
        user_turns=tally.user_turns,
        steps=tally.steps,
        llm_calls_failed=tally.llm_calls_failed,
        tool_calls=tally.tool_calls,
        tool_calls_by_tool=tally.tool_calls_by_tool,
        tool_errors=tally.tool_errors,
        errors_by_type=tally.errors_by_type,
        tokens_input=tally.tokens_input,
        tokens_output=tally.tokens_output,
        tokens_cache_read=tally.tokens_cache_read,
        tokens_total=tally.tokens_input + tally.tokens_output,
        cost_usd=tally.cost_usd,
        condense_count=tally.condense_count,
        end_reason=session.end_reason,
        loops=loop_signals(session.events, thresholds),
        termination_evidence=termination_evidence(session),
    )


def _record(seq: int, call: Event) -> LlmCallRecord:
    return LlmCallRecord.model_construct(
        seq=seq,
        ts=call.ts,
        provider=call.provider,
        model=call.model,
        tool=call.tool,
        gateway=bool(call.gateway),
        latency_ms=call.latency_ms,
        ttft_ms=call.ttft_ms,
        ok=not call.failed,
        error_type=call.error_type,
        error_message=call.error_message,
        input_tokens=call.input_tokens or 0,
        output_tokens=call.output_tokens or 0,
        cache_read_tokens=call.cache_read_tokens or 0,
        cost_usd=call.cost_usd or 0.0,
    )


def llm_call_records(session: Session) -> list[LlmCallRecord]:
    """One record per ``llm_call`` event; ``seq`` is the event's index in ``session.events``."""
    return [
        _record(seq, event) for seq, event in enumerate(session.events) if event.type == _LLM_CALL
    ]
