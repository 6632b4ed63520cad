"""mini-swe-agent ``.traj.json`` import, checked against facts read off the files by hand."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from api.formats import detect_format, load_path
from rules import Session

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MINI = DATA / "mini-swe-agent"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared data not found at {DATA} (clone the repo next to shared/)"
)


def _one(instance: str) -> Session:
    items = list(load_path(MINI / "trajs" / instance))
    assert [i.error for i in items] == [None]
    session = items[0].session
    assert session is not None
    return session


def test_django_11119() -> None:
    session = _one("django__django-11119")
    calls = [e for e in session.events if e.type == "tool_call"]
    # 31 assistant turns, each with exactly one bash block
    assert len(calls) == 31
    assert {c.tool for c in calls} == {"bash"}
    assert calls[0].args == {"command": "ls -R"}
    # 4 observations carry a non-zero <returncode>; the last (the diff) carries none
    assert sum(c.failed for c in calls) == 4
    assert calls[-1].ok is None
    llm = [e for e in session.events if e.type == "llm_call"]
    assert len(llm) == 31
    assert sum(e.input_tokens or 0 for e in llm) == 410647
    assert sum(e.output_tokens or 0 for e in llm) == 4645
    assert {e.model for e in llm} == {"google/gemini-3-pro-preview"}
    assert session.end_reason == "completed"
    assert session.events[-1].type == "completion"
    assert session.attributes["label"] == {
        "exit_status": "Submitted",
        "instance_id": "django__django-11119",
    }


def test_format_errors_are_error_events() -> None:
    session = _one("django__django-15554")
    # 90 assistant turns: 83 with one bash block, 7 answered "provide EXACTLY ONE action"
    assert sum(e.type == "llm_call" for e in session.events) == 90
    assert sum(e.type == "tool_call" for e in session.events) == 83
    errors = [e for e in session.events if e.type == "error"]
    assert [e.error_type for e in errors] == ["format_error"] * 7


def test_every_run_imports_and_matches_resolved_json() -> None:
    items = list(load_path(MINI))
    assert [i.error for i in items if i.error] == []
    sessions = [i.session for i in items if i.session]
    resolved = orjson.loads((MINI / "resolved.json").read_bytes())
    assert sorted(s.attributes["label"]["instance_id"] for s in sessions) == sorted(resolved)
    assert {s.end_reason for s in sessions} == {"completed"}
    path = MINI / "trajs/django__django-11119/django__django-11119.traj.json"
    assert detect_format(path) == "mini-swe-agent"
