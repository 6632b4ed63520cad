"""tau-bench (OpenAI chat messages) import, checked against facts read off the file by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.formats import detect_format, load_path
from rules import Session

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
AIRLINE = DATA / "tau-bench" / "gpt-4o-airline.json"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared data not found at {DATA} (clone the repo next to shared/)"
)


@pytest.fixture(scope="module")
def sessions() -> list[Session]:
    items = list(load_path(AIRLINE))
    assert [i.error for i in items if i.error] == []
    return [i.session for i in items if i.session]


def _calls(session: Session) -> list[str]:
    return [e.tool or "" for e in session.events if e.type == "tool_call"]


def test_first_task(sessions: list[Session]) -> None:
    session = sessions[0]
    assert session.attributes["label"] == {"reward": 0.0, "task_id": 0, "trial": 0}
    assert _calls(session) == [
        "get_user_details", "search_direct_flight", "search_onestop_flight", "calculate",
        "book_reservation", "think", "calculate", "book_reservation",
    ]  # fmt: skip
    # the first book_reservation answers "Error: payment amount does not add up …"
    failed = [e for e in session.events if e.type == "tool_call" and e.failed]
    assert [e.tool for e in failed] == ["book_reservation"]
    assert sum(e.type == "user_message" for e in session.events) == 8
    assert session.events[-1].text == "Thank you so much for your help! ###STOP###"
    assert session.end_reason == "completed"
    assert "system_prompt" in session.attributes


def test_transfer_and_step_limit(sessions: list[Session]) -> None:
    transfer = sessions[4]  # task 4: ends with transfer_to_human_agents
    assert _calls(transfer)[-1] == "transfer_to_human_agents"
    assert transfer.end_reason == "completed"
    assert transfer.attributes["end_hint"] == "transfer_to_human_agents"
    limit = sessions[33]  # task 33: 30 assistant turns, no ###STOP###, no transfer
    assert len(_calls(limit)) == 23
    assert limit.end_reason == "timeout"
    assert limit.attributes["end_hint"] == "step_limit"


def test_whole_file(sessions: list[Session]) -> None:
    assert len(sessions) == 200
    assert len({s.session_id for s in sessions}) == 200
    assert sum(len(_calls(s)) for s in sessions) == 1164
    assert sum(s.attributes["label"]["reward"] == 1.0 for s in sessions) == 84
    assert detect_format(AIRLINE) == "openai-messages"
