"""Cline SDK session import, checked against facts read off the files by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.formats import detect_format, load_path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CLINE = DATA / "cline-sdk"
SESSION = CLINE / "session"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared data not found at {DATA} (clone the repo next to shared/)"
)


def test_session_with_manifest() -> None:
    items = list(load_path(SESSION / "session.messages.json"))
    assert [i.error for i in items] == [None]
    session = items[0].session
    assert session is not None
    assert session.session_id == "1784094124598_rruoq"
    calls = [e for e in session.events if e.type == "tool_call"]
    # 11 tool_use blocks: read_files ×6, editor ×4, run_commands ×1
    assert len(calls) == 11
    assert {c.tool: sum(d.tool == c.tool for d in calls) for c in calls} == {
        "editor": 4,
        "read_files": 6,
        "run_commands": 1,
    }
    assert all(c.ok for c in calls)
    llm = [e for e in session.events if e.type == "llm_call"]
    assert len(llm) == 16
    assert sum(e.input_tokens or 0 for e in llm) == 630254
    assert {(e.provider, e.gateway) for e in llm} == {("cline", True)}  # Cline's own gateway
    assert sum(e.type == "user_message" for e in session.events) == 5
    # manifest session.json: status completed, exit_code 0
    assert session.end_reason == "completed"
    assert session.attributes["label"] == {"status": "completed", "exit_code": 0}
    assert session.mode == "act"


def test_manifest_is_read_once_in_a_walk() -> None:
    items = list(load_path(CLINE))
    assert [i.error for i in items if i.error] == []
    # success.messages.json, two compaction snapshots, the session (manifest paired)
    assert len(items) == 4
    condensed = [
        e for i in items if i.session for e in i.session.events if e.type == "context_condensed"
    ]
    assert len(condensed) == 2
    assert detect_format(SESSION / "session.json") == "cline-sdk"
