"""Termination evidence: what the events alone say about how a session ended.

Only *meaningful* events are read: user and assistant messages, llm and tool calls,
context condensing, errors and completions (feedback, skill_chosen, knowledge_used and
unknown types say nothing about how the work ended). A *failure* is an ``error`` event
or a failed llm or tool call; the session *ends in a failure* when its last meaningful
event is an ``error`` event or a failed llm_call (nothing succeeded after it, retries
included), or when its end reason is ``error``. A failed tool call alone is routine
agent work and does not end a session in failure.

Precedence, first match wins:

1. a ``completion`` event and the session does not end in a failure → completed
   (0.9; 0.6 when failures follow the last completion; +0.05 when the end reason is
   ``completed`` too);
2. end reason ``timeout`` → timed_out (0.9; 0.7 when the session ends in a failure);
3. the session ends in a failure → errored (0.9 when the events and the end reason
   agree, 0.85 from the events alone, 0.7 from the end reason alone; 0.2 less when a
   completion came earlier);
4. end reason ``user_closed`` (there is no completion here) → abandoned (0.8 after an
   assistant question, 0.75 mid-task, 0.5 after a plain assistant message);
5. end reason ``completed`` without a completion event → completed (0.6);
6. otherwise → null (0.2; 0.0 with no events).

*Certain* evidence (``certain_termination``) is evidence the rules would stand on without
an LLM; with the operator's leave the judge then skips the LLM call:

- completed, when a completion is the last meaningful event (nothing at all after it);
- timed_out, when the end reason is ``timeout`` and the last event is no failure;
- errored, when the last meaningful event is a failure, the end reason ``error`` agrees,
  and no completion came earlier.

These are the cases of confidence 0.9 and up, less the completions followed by more
work (the user asked again, the agent kept going), which the confidence cannot tell
apart. Abandoned and unknown endings are never certain: a user who leaves may be done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rules.model import EndReason, Event, EventType, Session
from rules.schemas import Termination, TerminationEvidence

_MEANINGFUL = frozenset(
    {
        EventType.USER_MESSAGE.value,
        EventType.ASSISTANT_MESSAGE.value,
        EventType.LLM_CALL.value,
        EventType.TOOL_CALL.value,
        EventType.CONTEXT_CONDENSED.value,
        EventType.ERROR.value,
        EventType.COMPLETION.value,
    }
)
_CALLS = frozenset({EventType.LLM_CALL.value, EventType.TOOL_CALL.value})
_COMPLETION_CONFIDENCE = 0.9
_COMPLETION_WITH_FAILURES_CONFIDENCE = 0.6
_AGREEING_END_REASON_BONUS = 0.05
_TIMEOUT_CONFIDENCE = 0.9
_TIMEOUT_AFTER_FAILURE_CONFIDENCE = 0.7
_ERRORED_CONFIRMED_CONFIDENCE = 0.9
_ERRORED_EVENTS_CONFIDENCE = 0.85
_ERRORED_END_REASON_CONFIDENCE = 0.7
_EARLIER_COMPLETION_PENALTY = 0.2
_ABANDONED_QUESTION_CONFIDENCE = 0.8
_ABANDONED_MID_TASK_CONFIDENCE = 0.75
_ABANDONED_AFTER_ANSWER_CONFIDENCE = 0.5
_END_REASON_COMPLETED_CONFIDENCE = 0.6
_UNKNOWN_CONFIDENCE = 0.2


@dataclass(frozen=True, slots=True)
class _Ending:
    """The facts of a session's ending that the precedence rules read."""

    end_reason: EndReason | None
    has_events: bool
    last: Event | None
    """The last meaningful event."""
    has_completion: bool
    failures_after_completion: int
    """Failures after the last completion (after everything when there is none)."""
    trailing_failed_llm_calls: int
    """Failed llm_calls at the very end, one after another (the retries that all failed)."""

    @property
    def failure_event(self) -> bool:
        """The last meaningful event is a failure that ends the session."""
        return self.trailing_failed_llm_calls > 0 or (
            self.last is not None and self.last.type == EventType.ERROR
        )

    @property
    def ends_in_failure(self) -> bool:
        return self.failure_event or self.end_reason == "error"


def _is_failure(event: Event) -> bool:
    if event.type == EventType.ERROR:
        return True
    return event.type in _CALLS and event.failed


def _read_ending(session: Session) -> _Ending:
    """Scan backwards to the last completion (or the start), collecting the facts."""
    last: Event | None = None
    trailing_failed = 0
    counting_trailing = True
    failures = 0
    has_completion = False
    for event in reversed(session.events):
        kind = event.type
        if kind not in _MEANINGFUL:
            continue
        if last is None:
            last = event
        if counting_trailing:
            if kind == EventType.LLM_CALL and event.failed:
                trailing_failed += 1
            else:
                counting_trailing = False
        if kind == EventType.COMPLETION:
            has_completion = True
            break
        if _is_failure(event):
            failures += 1
    return _Ending(
        end_reason=session.end_reason,
        has_events=bool(session.events),
        last=last,
        has_completion=has_completion,
        failures_after_completion=failures,
        trailing_failed_llm_calls=trailing_failed,
    )


def _evidence(
    termination: Termination | None, confidence: float, *reasons: str
) -> TerminationEvidence:
    return TerminationEvidence(
        termination=termination, confidence=round(confidence, 2), reasons=list(reasons)
    )


def _failure_reason(ending: _Ending) -> str:
    """Describe the failure that ends the session."""
    last = ending.last
    if last is None or not ending.failure_event:
        return "end reason error"
    detail = f" ({last.error_type})" if last.error_type else ""
    if last.type == EventType.ERROR:
        return f"last event is an error{detail}"
    attempts = ending.trailing_failed_llm_calls
    retries = f" after {attempts} attempts" if attempts > 1 else ""
    return f"last event is a failed llm_call{detail}{retries}"


def _completed_explicitly(ending: _Ending) -> TerminationEvidence | None:
    if not ending.has_completion or ending.ends_in_failure:
        return None
    reasons = ["explicit completion event"]
    confidence = _COMPLETION_CONFIDENCE
    if ending.failures_after_completion:
        confidence = _COMPLETION_WITH_FAILURES_CONFIDENCE
        reasons.append(f"{ending.failures_after_completion} failure(s) after the completion")
    if ending.end_reason == "completed":
        confidence += _AGREEING_END_REASON_BONUS
        reasons.append("end reason completed")
    return _evidence("completed", confidence, *reasons)


def _timed_out(ending: _Ending) -> TerminationEvidence | None:
    if ending.end_reason != "timeout":
        return None
    if ending.failure_event:
        return _evidence(
            "timed_out",
            _TIMEOUT_AFTER_FAILURE_CONFIDENCE,
            "end reason timeout",
            _failure_reason(ending),
        )
    return _evidence("timed_out", _TIMEOUT_CONFIDENCE, "end reason timeout")


def _errored(ending: _Ending) -> TerminationEvidence | None:
    if not ending.ends_in_failure:
        return None
    reasons = [_failure_reason(ending)]
    if not ending.failure_event:
        confidence = _ERRORED_END_REASON_CONFIDENCE
    elif ending.end_reason == "error":
        confidence = _ERRORED_CONFIRMED_CONFIDENCE
        reasons.append("end reason error")
    else:
        confidence = _ERRORED_EVENTS_CONFIDENCE
    if ending.has_completion:
        confidence -= _EARLIER_COMPLETION_PENALTY
        reasons.append("a completion event came earlier")
    return _evidence("errored", confidence, *reasons)


def _is_question(event: Event) -> bool:
    text = event.text
    return text is not None and text.rstrip().endswith("?")


def _abandoned(ending: _Ending) -> TerminationEvidence | None:
    if ending.end_reason != "user_closed":
        return None
    last = ending.last
    if last is not None and last.type == EventType.ASSISTANT_MESSAGE:
        if _is_question(last):
            return _evidence(
                "abandoned",
                _ABANDONED_QUESTION_CONFIDENCE,
                "user closed after an assistant question",
            )
        return _evidence(
            "abandoned",
            _ABANDONED_AFTER_ANSWER_CONFIDENCE,
            "user closed after an assistant message, without a completion",
        )
    return _evidence(
        "abandoned", _ABANDONED_MID_TASK_CONFIDENCE, "user closed mid-task without a completion"
    )


def _completed_by_end_reason(ending: _Ending) -> TerminationEvidence | None:
    if ending.end_reason != "completed":
        return None
    return _evidence(
        "completed",
        _END_REASON_COMPLETED_CONFIDENCE,
        "end reason completed without a completion event",
    )


def _unknown(ending: _Ending) -> TerminationEvidence:
    if not ending.has_events:
        return _evidence(None, 0.0, "no events")
    return _evidence(
        None, _UNKNOWN_CONFIDENCE, "no completion, failure or end reason in the events"
    )


_RULES: Sequence[Callable[[_Ending], TerminationEvidence | None]] = (
    _completed_explicitly,
    _timed_out,
    _errored,
    _abandoned,
    _completed_by_end_reason,
)


def _decide(ending: _Ending) -> TerminationEvidence:
    for rule in _RULES:
        evidence = rule(ending)
        if evidence is not None:
            return evidence
    return _unknown(ending)


def termination_evidence(session: Session) -> TerminationEvidence:
    """How the session ended, as far as its events and end reason say (see module doc)."""
    return _decide(_read_ending(session))


def _is_certain(ending: _Ending, termination: Termination | None) -> bool:
    if termination == "completed":
        return ending.last is not None and ending.last.type == EventType.COMPLETION
    if termination == "timed_out":
        return not ending.failure_event
    if termination == "errored":
        return ending.failure_event and ending.end_reason == "error" and not ending.has_completion
    return False


def certain_termination(session: Session) -> TerminationEvidence | None:
    """The termination evidence when the rules are certain of it (see module doc)."""
    ending = _read_ending(session)
    evidence = _decide(ending)
    return evidence if _is_certain(ending, evidence.termination) else None
