"""Which termination evidence the rules are certain of (rules.evidence.certain_termination)."""

from __future__ import annotations

from typing import Any

import pytest

from rules.evidence import certain_termination, termination_evidence
from rules.model import Session

_USER = {"type": "user_message", "text": "Add a retry"}
_ASKED = {"type": "assistant_message", "text": "Which file?"}
_SAID = {"type": "assistant_message", "text": "Here is the change."}
_COMPLETION = {"type": "completion", "text": "Added retries; tests pass."}
_ERROR = {"type": "error", "error_type": "provider_down"}
_OK_CALL = {"type": "llm_call", "ok": True}
_FAILED_CALL = {"type": "llm_call", "ok": False, "error_type": "rate_limited"}
_FAILED_TOOL = {"type": "tool_call", "tool": "bash", "ok": False, "error": "exit 1"}
_FEEDBACK = {"type": "feedback", "rating": "up"}


def session(*events: dict[str, Any], end_reason: str | None = None) -> Session:
    timed = [{"ts": i, **event} for i, event in enumerate(events, start=1)]
    return Session.model_validate({"session_id": "s", "end_reason": end_reason, "events": timed})


@pytest.mark.parametrize(
    ("events", "end_reason", "termination"),
    [
        ((_USER, _OK_CALL, _COMPLETION), None, "completed"),
        ((_USER, _COMPLETION), "completed", "completed"),
        ((_USER, _COMPLETION, _FEEDBACK), "user_closed", "completed"),
        ((_USER, _COMPLETION), "timeout", "completed"),
        ((_USER, _OK_CALL, _SAID), "timeout", "timed_out"),
        ((_USER, _OK_CALL, _ERROR), "error", "errored"),
        ((_USER, _FAILED_CALL, _FAILED_CALL), "error", "errored"),
    ],
)
def test_certain_endings(
    events: tuple[dict[str, Any], ...], end_reason: str | None, termination: str
) -> None:
    s = session(*events, end_reason=end_reason)

    certain = certain_termination(s)

    assert certain is not None
    assert certain == termination_evidence(s)
    assert certain.termination == termination
    assert certain.confidence >= 0.9


@pytest.mark.parametrize(
    ("events", "end_reason"),
    [
        ((_USER, _COMPLETION, _USER, _OK_CALL, _SAID), None),
        ((_USER, _COMPLETION, _FAILED_TOOL, _OK_CALL), None),
        ((_USER, _OK_CALL, _SAID), "completed"),  # end reason alone
        ((_USER, _OK_CALL, _ERROR), "timeout"),  # a failure, then the timeout
        ((_USER, _OK_CALL, _ERROR), None),  # the events alone say errored
        ((_USER, _OK_CALL, _SAID), "error"),  # the end reason alone says errored
        ((_USER, _COMPLETION, _ERROR), "error"),  # errored after a completion
        ((_USER, _ASKED), "user_closed"),  # abandoned is never certain
        ((_USER, _OK_CALL, _SAID), None),  # nothing to go on
        ((), None),
    ],
)
def test_uncertain_endings(events: tuple[dict[str, Any], ...], end_reason: str | None) -> None:
    assert certain_termination(session(*events, end_reason=end_reason)) is None


def test_more_work_after_a_completion_is_confident_but_not_certain() -> None:
    s = session(_USER, _COMPLETION, _USER, _OK_CALL, _SAID, end_reason="completed")

    assert termination_evidence(s).confidence >= 0.9
    assert certain_termination(s) is None
