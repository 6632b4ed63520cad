"""The verdict schema: what a judge's answer must look like to be stored."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from judge.verdict import RATIONALE_MAX_CHARS, Verdict


def answer(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "termination": "completed",
        "helpfulness": "helpful",
        "confidence": 0.8,
        "user_sentiment": "positive",
        "rationale": "The agent added the retry and the tests passed.",
        "evidence": [0, 7],
    }
    return base | changes


def test_answer_citing_shown_events_is_valid() -> None:
    verdict = Verdict.model_validate(answer(), context={"event_indices": frozenset({0, 7, 9})})

    assert verdict.termination == "completed"
    assert verdict.evidence == [0, 7]


def test_answer_citing_an_event_not_in_the_transcript_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"evidence cites events \[3, 99\]"):
        Verdict.model_validate(
            answer(evidence=[0, 99, 3]), context={"event_indices": frozenset({0, 7})}
        )


def test_evidence_is_not_checked_without_a_transcript_context() -> None:
    assert Verdict.model_validate(answer(evidence=[12345])).evidence == [12345]


def test_repeated_evidence_is_kept_once_in_order() -> None:
    assert Verdict.model_validate(answer(evidence=[7, 0, 7])).evidence == [7, 0]


@pytest.mark.parametrize(
    ("given", "stored"),
    [("Timed out", "timed_out"), ("TIMED-OUT", "timed_out"), (" errored ", "errored")],
)
def test_label_spelling_is_normalised_instead_of_retried(given: str, stored: str) -> None:
    assert Verdict.model_validate(answer(termination=given)).termination == stored


@pytest.mark.parametrize(
    "changes",
    [
        {"termination": "finished"},
        {"helpfulness": "very"},
        {"user_sentiment": "angry"},
        {"confidence": 1.2},
        {"confidence": -0.1},
        {"rationale": "   "},
        {"rationale": "x" * (RATIONALE_MAX_CHARS + 1)},
        {"evidence": ["first"]},
    ],
)
def test_answer_outside_the_schema_is_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Verdict.model_validate(answer(**changes))


def test_rationale_a_little_over_the_asked_length_is_accepted_whole() -> None:
    rationale = "y" * RATIONALE_MAX_CHARS

    assert Verdict.model_validate(answer(rationale=rationale)).rationale == rationale


def test_tool_schema_names_every_class() -> None:
    properties = Verdict.model_json_schema()["properties"]

    assert properties["termination"]["enum"] == ["completed", "abandoned", "errored", "timed_out"]
    assert "unknown" in properties["helpfulness"]["enum"]
    assert properties["rationale"]["maxLength"] == RATIONALE_MAX_CHARS
