"""The offline judge: verdicts from the rules' signals and the user's thumbs."""

from __future__ import annotations

from typing import Any

import pytest

from judge.offline import offline_helpfulness_score, offline_verdict
from rules.schemas import LoopSignals, SessionMetrics, TerminationEvidence


def metrics(
    termination: str | None = "completed", confidence: float = 0.9, **fields: Any
) -> SessionMetrics:
    evidence = TerminationEvidence(
        termination=termination,
        confidence=confidence,
        reasons=[f"rules say {termination}"] if termination else [],
    )
    base: dict[str, Any] = {"user_turns": 1, "steps": 6, "tool_calls": 4}
    return SessionMetrics(termination_evidence=evidence, **(base | fields))


def test_clean_completed_session_is_helpful_and_labelled_offline() -> None:
    verdict = offline_verdict(metrics("completed", 0.95), [], [])

    assert verdict.termination == "completed"
    assert verdict.helpfulness == "helpful"
    assert verdict.rationale.startswith("offline judge:")
    assert verdict.evidence == []
    assert verdict.user_sentiment == "unknown"


@pytest.mark.parametrize("termination", ["abandoned", "errored", "timed_out"])
def test_termination_follows_the_rules_evidence(termination: str) -> None:
    verdict = offline_verdict(metrics(termination, 0.8), [], [])

    assert verdict.termination == termination
    assert verdict.helpfulness != "helpful"


@pytest.mark.parametrize(
    ("end_reason", "termination"),
    [("user_closed", "abandoned"), ("completed", "completed"), ("timeout", "timed_out")],
)
def test_without_evidence_the_end_reason_decides(end_reason: str, termination: str) -> None:
    verdict = offline_verdict(metrics(None, 0.0, end_reason=end_reason), [], [])

    assert verdict.termination == termination


def test_without_any_evidence_the_guess_is_abandoned_with_low_confidence() -> None:
    verdict = offline_verdict(metrics(None, 0.0), [], [])

    assert verdict.termination == "abandoned"
    assert verdict.confidence < 0.5


def test_thumbs_up_makes_it_helpful_and_positive_with_high_confidence() -> None:
    verdict = offline_verdict(metrics("errored", 0.9, tool_errors=3), ["up"], [])

    assert verdict.helpfulness == "helpful"
    assert verdict.user_sentiment == "positive"
    assert verdict.confidence >= 0.85


def test_thumbs_down_makes_a_completed_session_unhelpful() -> None:
    verdict = offline_verdict(metrics("completed", 0.95), ["down"], [])

    assert verdict.helpfulness == "unhelpful"
    assert verdict.user_sentiment == "negative"


def test_the_latest_thumbs_win_and_repeated_downs_read_as_frustration() -> None:
    assert offline_verdict(metrics(), ["down", "up"], []).helpfulness == "helpful"
    assert offline_verdict(metrics(), ["up", "down", "down"], []).user_sentiment == "frustrated"


def test_ratings_other_than_up_and_down_are_ignored() -> None:
    assert offline_verdict(metrics(), ["meh"], []) == offline_verdict(metrics(), [], [])


def test_loops_and_errors_lower_the_score() -> None:
    clean = offline_helpfulness_score(metrics(), [], [])
    stuck = offline_helpfulness_score(
        metrics(
            tool_errors=3,
            errors_by_type={"tool_error": 3, "invalid_model_output": 2},
            loops=LoopSignals(stuck=True, repeat_ratio=0.8),
        ),
        [],
        [],
    )

    assert 0.0 <= stuck < clean <= 1.0


def test_every_thumbs_up_scores_above_every_thumbs_down() -> None:
    cases = [metrics("completed", 0.95), metrics("errored", 0.9, tool_errors=4), metrics(None, 0.0)]
    ups = [offline_helpfulness_score(m, ["up"], []) for m in cases]
    downs = [offline_helpfulness_score(m, ["down"], []) for m in cases]

    assert min(ups) > max(downs)
    assert all(0.0 <= score <= 1.0 for score in ups + downs)


def test_an_empty_session_has_unknown_helpfulness() -> None:
    assert offline_verdict(SessionMetrics(), [], []).helpfulness == "unknown"
