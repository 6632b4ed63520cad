"""SWE-agent ``.traj`` import, checked against facts read off the files by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.formats import detect_format, load_path
from rules import Session

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TRAJS = DATA / "swe-agent"
PYDICOM = (
    TRAJS
    / "tests/test_data/trajectories"
    / "gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1"
    / "pydicom__pydicom-1458.traj"
)
SIMPLE = TRAJS / "trajectories/demonstrations/function_calling_simple.traj"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared data not found at {DATA} (clone the repo next to shared/)"
)


def _one(path: Path) -> Session:
    items = list(load_path(path))
    assert [i.error for i in items] == [None]
    session = items[0].session
    assert session is not None
    return session


def test_pydicom_trajectory() -> None:
    session = _one(PYDICOM)
    calls = [e for e in session.events if e.type == "tool_call"]
    # trajectory[]: create, edit, python, find_file, open, edit ×4, python, rm, submit
    assert [c.tool for c in calls] == [
        "create", "edit", "bash", "find_file", "open",
        "edit", "edit", "edit", "edit", "bash", "bash", "submit",
    ]  # fmt: skip
    # step 2 prints a traceback, steps 5-7 are edits the linter refused
    assert [i for i, c in enumerate(calls) if c.failed] == [2, 5, 6, 7]
    assert calls[0].args == {"command": "create reproduce_bug.py"}
    llm = [e for e in session.events if e.type == "llm_call"]
    assert len(llm) == 12
    assert sum(e.input_tokens or 0 for e in llm) == 122612
    assert sum(e.output_tokens or 0 for e in llm) == 1369
    assert session.end_reason == "completed"
    assert [e.type for e in session.events][-1] == "completion"
    assert session.attributes["label"] == {
        "exit_status": "submitted",
        "instance_id": "pydicom__pydicom-1458",
    }
    assert session.attributes["synthetic_ts"] is True


def test_history_only_file() -> None:
    session = _one(SIMPLE)
    calls = [e for e in session.events if e.type == "tool_call"]
    assert [c.tool for c in calls] == ["find_file", "open", "edit", "bash", "submit"]
    assert session.events[0].type == "user_message"
    assert session.end_reason is None  # no info.exit_status in this file
    assert not [e for e in session.events if e.type == "llm_call"]


def test_every_swe_agent_file_imports() -> None:
    items = list(load_path(TRAJS))
    assert [i.error for i in items if i.error] == []
    assert len(items) == 22
    assert {i.session.end_reason for i in items if i.session} == {"completed", None}
    assert detect_format(PYDICOM) == "swe-agent"
