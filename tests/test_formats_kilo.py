"""Kilo Code / Roo Code / Cline task folders (fixtures written from the public types)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.formats import detect_format, load_path
from rules import Session

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "kilo"


def _one(folder: str, fmt: str = "auto") -> Session:
    items = list(load_path(FIXTURES / folder, fmt))
    assert [i.error for i in items] == [None]
    session = items[0].session
    assert session is not None
    return session


def _types(session: Session, kind: str) -> list[str]:
    return [e.tool or "" for e in session.events if e.type == kind]


def test_completed_task_with_api_history() -> None:
    session = _one("kilo-retry-completed")
    assert session.session_id == "kilo-retry-completed"
    assert session.source == "kilocode"
    assert session.events[0].type == "user_message"
    calls = [e for e in session.events if e.type == "tool_call"]
    assert [c.tool for c in calls] == [
        "read_file", "apply_diff", "execute_command", "apply_diff", "execute_command",
    ]  # fmt: skip
    assert calls[0].files == ["src/http.ts"]
    assert calls[2].error == "exit code 1"  # from the tool_result's "Exit code: 1"
    assert [c.ok for c in calls] == [True, True, False, True, True]
    llm = [e for e in session.events if e.type == "llm_call"]
    assert len(llm) == 6
    assert sum(e.input_tokens or 0 for e in llm) == 5120 + 5790 + 6410 + 6980 + 7410 + 7650
    assert session.events[-1].type == "completion"  # the empty completion ask adds nothing
    assert session.end_reason == "completed"
    assert "synthetic_ts" not in session.attributes


def test_errors_without_api_history() -> None:
    session = _one("kilo-rename-errored")
    errors = [e.error_type for e in session.events if e.type == "error"]
    assert errors == ["invalid_model_output", "api_req_failed", "mistake_limit_reached"]
    llm = [e for e in session.events if e.type == "llm_call"]
    # the 429 fails the 4th request; the retry is a new attempt that takes its tokens
    assert [e.ok for e in llm] == [True, True, True, False, True]
    assert llm[3].error_type == "rate_limited"
    assert llm[3].input_tokens is None
    assert llm[4].input_tokens == 42700
    calls = [e for e in session.events if e.type == "tool_call"]
    assert [(c.tool, c.ok) for c in calls] == [
        ("read_file", None),
        ("apply_diff", False),
        ("apply_diff", False),
    ]
    (condensed,) = [e for e in session.events if e.type == "context_condensed"]
    assert (condensed.tokens_before, condensed.tokens_after) == (182400, 41250)
    assert session.end_reason == "error"


def test_cline_task_abandoned() -> None:
    folder = FIXTURES / "cline-ci-hang-abandoned"
    assert detect_format(folder) == "cline"
    session = _one("cline-ci-hang-abandoned")
    assert session.source == "cline"
    assert _types(session, "tool_call") == [
        "execute_command",
        "mcp__github__get_workflow_run_logs",
    ]
    # provider, model and mode from task_metadata.json's model_usage
    assert (session.events[1].provider, session.events[1].model) == (
        "anthropic",
        "claude-sonnet-4-5-20250929",
    )
    assert session.events[1].gateway is False
    assert session.mode == "act"
    llm = [e for e in session.events if e.type == "llm_call"]
    assert [e.ok for e in llm] == [True, True, False, True, True]  # 529, then a retry
    assert llm[-1].attributes["cancelReason"] == "user_cancelled"
    assert [e.type for e in session.events if e.type.endswith("_message")] == [
        "user_message",
        "assistant_message",
        "assistant_message",
        "user_message",
        "assistant_message",
    ]
    # the user cancelled, left, and came back to a resume_task ask
    assert session.end_reason == "user_closed"


@pytest.mark.parametrize(("fmt", "source"), [("roo", "roo-code"), ("cline", "cline")])
def test_aliases_set_the_source(fmt: str, source: str) -> None:
    assert _one("kilo-retry-completed", fmt).source == source


def test_a_task_file_loads_its_folder() -> None:
    items = list(load_path(FIXTURES / "kilo-retry-completed" / "ui_messages.json"))
    assert [i.session.session_id for i in items if i.session] == ["kilo-retry-completed"]
    assert detect_format(FIXTURES / "kilo-retry-completed") == "kilo"
    assert len(list(load_path(FIXTURES))) == 3
