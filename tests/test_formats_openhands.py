"""OpenHands import, checked against facts read off the files by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.formats import detect_format, load_path
from rules import Session

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OPENHANDS = DATA / "openhands"
OUTPUT = OPENHANDS / "evaluation/benchmarks/multi_swe_bench/examples/output.jsonl"
TRAJS = OPENHANDS / "tests/runtime/trajs"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared data not found at {DATA} (clone the repo next to shared/)"
)


def _sessions(path: Path) -> list[Session]:
    items = list(load_path(path))
    assert [i.error for i in items if i.error] == []
    return [i.session for i in items if i.session]


def _tools(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in session.events:
        if e.type == "tool_call":
            counts[e.tool or ""] = counts.get(e.tool or "", 0) + 1
    return counts


def test_multi_swe_bench_rows() -> None:
    finished, unfinished, timed_out = _sessions(OUTPUT)
    # ponylang__ponyc-4595: 13 run + 6 read + 2 edit actions, 23 model responses, finish last
    assert finished.attributes["label"]["instance_id"] == "ponylang__ponyc-4595"
    assert _tools(finished) == {"execute_bash": 13, "str_replace_editor": 8}
    assert sum(e.type == "llm_call" for e in finished.events) == 23
    assert finished.end_reason == "completed"
    assert finished.events[-1].type == "completion"
    # ponylang__ponyc-4593: an error observation (id 29) answers no action
    assert _tools(unfinished) == {"execute_bash": 12, "str_replace_editor": 20}
    assert [e.error_type for e in unfinished.events if e.type == "error"] == ["agent_error"]
    assert unfinished.end_reason == "completed"
    # ponylang__ponyc-4588: "Agent reached maximum iteration", no finish
    assert _tools(timed_out) == {"execute_bash": 24, "str_replace_editor": 24}
    assert sum(e.type == "llm_call" for e in timed_out.events) == 49
    assert timed_out.end_reason == "timeout"
    assert not [e for e in timed_out.events if e.type == "completion"]
    assert "maximum iteration" in timed_out.attributes["label"]["error"]


def test_runtime_event_stream() -> None:
    (session,) = _sessions(TRAJS / "wrong_initial_state.json")
    calls = [e for e in session.events if e.type == "tool_call"]
    # read /workspace, mv game_2048.py 2048.py, read /workspace, then finish
    assert [c.tool for c in calls] == ["str_replace_editor", "execute_bash", "str_replace_editor"]
    assert calls[1].args == {"command": "mv /workspace/game_2048.py /workspace/2048.py"}
    assert calls[1].ok is True
    assert session.events[0].type == "user_message"
    assert session.end_reason == "completed"
    assert "synthetic_ts" not in session.attributes


def test_every_openhands_file_imports() -> None:
    # 4 runtime streams, 3 multi-SWE-bench rows, 2 resolver rows; the SWE-bench
    # predictions file holds no sessions and is passed over
    sessions = _sessions(OPENHANDS)
    assert len(sessions) == 9
    assert detect_format(OUTPUT) == "openhands"
    assert detect_format(TRAJS / "basic.json") == "openhands"
