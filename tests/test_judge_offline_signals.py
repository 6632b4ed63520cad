"""The event signals of the offline judge: effort, failures at the end, a passing test run."""

from __future__ import annotations

from typing import Any

import pytest

from judge.offline import offline_helpfulness_score, offline_verdict
from judge.offline_signals import read_signals
from rules.model import Event
from rules.schemas import SessionMetrics, TerminationEvidence

COMPLETED = SessionMetrics(
    user_turns=1,
    steps=10,
    tool_calls=10,
    termination_evidence=TerminationEvidence(
        termination="completed", confidence=0.95, reasons=["explicit completion event"]
    ),
)


def call(command: str, ok: bool = True, **fields: Any) -> Event:
    return Event(type="tool_call", ts=0, tool="bash", args={"command": command}, ok=ok, **fields)


def said(text: str) -> Event:
    return Event(type="assistant_message", ts=0, text=text)


def work(n: int) -> list[Event]:
    """``n`` successful actions that are not test runs."""
    return [call(f"cat f{i}.py") for i in range(n)]


def score(events: list[Event], metrics: SessionMetrics = COMPLETED) -> float:
    return offline_helpfulness_score(metrics, [], events)


def test_signals_count_actions_and_failures_among_the_last_tool_calls() -> None:
    events = [said("Looking."), *work(6), call("make", ok=False), call("make", ok=False)]

    signals = read_signals(events)

    assert signals.actions == 9
    assert signals.tail_failure_share == 2 / 5
    assert signals.verified_at_end is False


def test_a_passing_test_run_at_the_end_is_verification() -> None:
    passed = [*work(3), call("python -m pytest tests/test_x.py"), call("git diff")]
    failed_after = [*passed, call("python reproduce.py", ok=False)]
    failing_run = [*work(3), call("npm test", ok=False)]

    assert read_signals(passed).verified_at_end is True
    assert read_signals(failed_after).verified_at_end is False
    assert read_signals(failing_run).verified_at_end is False


def test_only_test_runners_near_the_end_count_as_verification() -> None:
    long_ago = [call("go test ./..."), *work(8)]
    not_a_runner = [call("cat tests/contest.py"), call("echo latest")]
    tool_args = [Event(type="tool_call", ts=0, tool="update_bags", args={"checked": 2}, ok=True)]

    assert read_signals(long_ago).verified_at_end is False
    assert read_signals(not_a_runner).verified_at_end is False
    assert read_signals(tool_args).verified_at_end is False


def test_verification_and_failures_at_the_end_move_the_score() -> None:
    plain = score([*work(20), call("git diff")])
    verified = score([*work(20), call("cargo test")])
    failing = score([*work(20), call("cargo build", ok=False)])

    assert failing < plain < verified


def test_longer_sessions_score_lower_within_a_cap() -> None:
    short, typical, long, huge = (score(work(n)) for n in (4, 32, 1024, 4096))

    assert short > typical > long
    assert long == pytest.approx(huge)  # the cap: length alone pulls no further
    assert short - typical <= 0.06 + 1e-9


def test_length_cannot_make_a_completed_session_unhelpful() -> None:
    verdict = offline_verdict(COMPLETED, [], work(4096))

    assert verdict.helpfulness == "helpful"


def test_a_note_follows_the_offline_label_in_the_rationale() -> None:
    verdict = offline_verdict(COMPLETED, [], work(3), note="LLM skipped")

    assert verdict.rationale.startswith("offline judge: LLM skipped; termination completed")
