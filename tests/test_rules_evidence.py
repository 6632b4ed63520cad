"""Termination evidence from the events alone (rules/evidence.py)."""

from __future__ import annotations

from typing import Any

from rules.evidence import termination_evidence
from rules.model import Session
from rules.schemas import TerminationEvidence

_USER = {"type": "user_message", "text": "Add a retry"}
_COMPLETION = {"type": "completion", "text": "Added retries; tests pass."}
_ERROR = {"type": "error", "error_type": "invalid_model_output"}
_OK_CALL = {"type": "llm_call", "ok": True}
_RATE_LIMITED = {"type": "llm_call", "ok": False, "error_type": "rate_limited"}


def _evidence(*events: dict[str, Any], end_reason: str | None = None) -> TerminationEvidence:
    timed = [{"ts": i, **event} for i, event in enumerate(events, start=1)]
    session = Session.model_validate({"session_id": "s", "end_reason": end_reason, "events": timed})
    return termination_evidence(session)


def test_explicit_completion_is_completed_with_high_confidence() -> None:
    evidence = _evidence(_USER, _OK_CALL, _COMPLETION)

    assert evidence.termination == "completed"
    assert evidence.confidence == 0.9
    assert evidence.reasons == ["explicit completion event"]


def test_completion_with_end_reason_completed_is_more_certain() -> None:
    evidence = _evidence(_USER, _COMPLETION, end_reason="completed")

    assert (evidence.termination, evidence.confidence) == ("completed", 0.95)
    assert "end reason completed" in evidence.reasons


def test_completion_followed_by_recovered_failures_is_less_certain() -> None:
    evidence = _evidence(
        _USER,
        _COMPLETION,
        {"type": "tool_call", "ok": False, "error": "exit 1"},
        _OK_CALL,
    )

    assert (evidence.termination, evidence.confidence) == ("completed", 0.6)
    assert "1 failure(s) after the completion" in evidence.reasons


def test_completion_then_idle_timeout_is_completed() -> None:
    evidence = _evidence(_USER, _COMPLETION, end_reason="timeout")

    assert evidence.termination == "completed"


def test_trailing_error_after_a_completion_is_errored_with_less_confidence() -> None:
    evidence = _evidence(_USER, _COMPLETION, _ERROR)

    assert (evidence.termination, evidence.confidence) == ("errored", 0.65)
    assert "a completion event came earlier" in evidence.reasons


def test_end_reason_timeout_is_timed_out() -> None:
    evidence = _evidence(_USER, _OK_CALL, end_reason="timeout")

    assert evidence.model_dump() == {
        "termination": "timed_out",
        "confidence": 0.9,
        "reasons": ["end reason timeout"],
    }


def test_timeout_after_a_trailing_failure_is_timed_out_with_less_confidence() -> None:
    evidence = _evidence(_USER, _ERROR, end_reason="timeout")

    assert (evidence.termination, evidence.confidence) == ("timed_out", 0.7)
    assert "last event is an error (invalid_model_output)" in evidence.reasons


def test_trailing_error_event_is_errored() -> None:
    evidence = _evidence(_USER, _OK_CALL, _ERROR)

    assert evidence.model_dump() == {
        "termination": "errored",
        "confidence": 0.85,
        "reasons": ["last event is an error (invalid_model_output)"],
    }


def test_failed_llm_calls_after_retries_are_errored() -> None:
    evidence = _evidence(_USER, _RATE_LIMITED, _RATE_LIMITED, _RATE_LIMITED)

    assert evidence.termination == "errored"
    assert evidence.reasons == ["last event is a failed llm_call (rate_limited) after 3 attempts"]


def test_single_trailing_failed_llm_call_names_its_error_type() -> None:
    evidence = _evidence(_USER, _RATE_LIMITED)

    assert evidence.reasons == ["last event is a failed llm_call (rate_limited)"]


def test_failed_llm_call_followed_by_a_successful_one_is_not_errored() -> None:
    evidence = _evidence(_USER, _RATE_LIMITED, _OK_CALL)

    assert evidence.termination is None


def test_feedback_and_unknown_events_after_a_failure_do_not_hide_it() -> None:
    evidence = _evidence(
        _USER,
        _ERROR,
        {"type": "feedback", "rating": "down"},
        {"type": "skill_chosen", "skill": "research"},
        {"type": "knowledge_used", "name": "faq"},
        {"type": "plan_updated"},
    )

    assert evidence.termination == "errored"


def test_end_reason_error_alone_is_errored_with_less_confidence() -> None:
    evidence = _evidence(_USER, _OK_CALL, end_reason="error")

    assert evidence.model_dump() == {
        "termination": "errored",
        "confidence": 0.7,
        "reasons": ["end reason error"],
    }


def test_end_reason_error_agreeing_with_a_trailing_failure_is_most_certain() -> None:
    evidence = _evidence(_USER, _RATE_LIMITED, end_reason="error")

    assert (evidence.termination, evidence.confidence) == ("errored", 0.9)


def test_trailing_failed_tool_call_alone_is_not_errored() -> None:
    evidence = _evidence(_USER, {"type": "tool_call", "ok": False, "error": "exit 1"})

    assert evidence.termination is None


def test_user_closing_after_an_assistant_question_is_abandoned() -> None:
    question = {"type": "assistant_message", "text": "Which file should I change? "}

    evidence = _evidence(_USER, question, {"type": "feedback"}, end_reason="user_closed")

    assert (evidence.termination, evidence.confidence) == ("abandoned", 0.8)
    assert evidence.reasons == ["user closed after an assistant question"]


def test_user_closing_mid_task_is_abandoned() -> None:
    evidence = _evidence(_USER, _OK_CALL, {"type": "tool_call"}, end_reason="user_closed")

    assert (evidence.termination, evidence.confidence) == ("abandoned", 0.75)
    assert evidence.reasons == ["user closed mid-task without a completion"]


def test_user_closing_after_a_plain_answer_is_abandoned_with_low_confidence() -> None:
    answer = {"type": "assistant_message", "text": "Here is the fix."}

    evidence = _evidence(_USER, answer, end_reason="user_closed")

    assert (evidence.termination, evidence.confidence) == ("abandoned", 0.5)


def test_user_closing_after_a_trailing_error_is_errored() -> None:
    assert _evidence(_USER, _ERROR, end_reason="user_closed").termination == "errored"


def test_end_reason_completed_without_completion_event_is_less_certain() -> None:
    evidence = _evidence(_USER, _OK_CALL, end_reason="completed")

    assert (evidence.termination, evidence.confidence) == ("completed", 0.6)
    assert evidence.reasons == ["end reason completed without a completion event"]


def test_events_that_say_nothing_give_null_with_low_confidence() -> None:
    evidence = _evidence(_USER, _OK_CALL, {"type": "assistant_message", "text": "Done?"})

    assert evidence.termination is None
    assert evidence.confidence <= 0.3
    assert evidence.reasons


def test_session_without_events_gives_null_with_no_confidence() -> None:
    evidence = _evidence()

    assert evidence.model_dump() == {
        "termination": None,
        "confidence": 0.0,
        "reasons": ["no events"],
    }
