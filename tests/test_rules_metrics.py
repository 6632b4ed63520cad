"""Per-session metrics and per-call records (rules/metrics.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rules import LoopThresholds, Session, SessionMetrics, compute_metrics, llm_call_records


def _session(*events: dict[str, Any], **fields: Any) -> Session:
    """A session of ``events``; ``ts`` is epoch ms, default 1000, 2000, 3000…"""
    timed = [{"ts": i * 1000, **event} for i, event in enumerate(events, start=1)]
    return Session.model_validate({"session_id": "s", **fields, "events": timed})


def test_session_without_events_or_times_has_zero_counts_and_no_times() -> None:
    metrics = compute_metrics(_session())

    assert metrics.duration_ms is None
    assert metrics.time_to_first_response_ms is None
    assert metrics.user_turns == 0
    assert metrics.tool_calls_by_tool == {}
    assert metrics.loops.longest_identical_streak == 0


def test_metrics_hold_exactly_the_issue_names() -> None:
    dumped = compute_metrics(_session()).model_dump(mode="json")

    assert set(dumped) == set(SessionMetrics.model_fields)


def test_duration_is_ended_at_minus_started_at() -> None:
    session = _session(
        {"type": "user_message", "ts": 0},
        started_at="2026-11-21T10:00:00Z",
        ended_at="2026-11-21T10:14:03.5Z",
    )

    assert compute_metrics(session).duration_ms == 843_500.0


def test_duration_without_ended_at_runs_from_first_event_to_last_end() -> None:
    session = _session(
        {"type": "user_message", "ts": 1_000},
        {"type": "llm_call", "ts": 2_000, "latency_ms": 500},
        started_at="2026-11-21T10:00:00Z",
    )

    assert compute_metrics(session).duration_ms == 1_500.0


def test_duration_counts_a_call_that_outlives_later_events() -> None:
    session = _session(
        {"type": "user_message", "ts": 1_000},
        {"type": "llm_call", "ts": 2_000, "latency_ms": 5_000},
        {"type": "assistant_message", "ts": 3_000},
    )

    assert compute_metrics(session).duration_ms == 6_000.0


def test_duration_of_a_tool_call_ends_after_its_duration() -> None:
    session = _session(
        {"type": "user_message", "ts": 1_000},
        {"type": "tool_call", "ts": 2_000, "duration_ms": 250.5},
    )

    assert compute_metrics(session).duration_ms == 1_250.5


def test_time_to_first_response_ends_at_ttft_of_first_successful_call() -> None:
    session = _session(
        {"type": "llm_call", "ts": 500, "ttft_ms": 10},
        {"type": "user_message", "ts": 1_000},
        {"type": "llm_call", "ts": 1_200, "ok": False, "error_type": "rate_limited"},
        {"type": "llm_call", "ts": 1_500, "ttft_ms": 640, "latency_ms": 2_310},
        {"type": "user_message", "ts": 9_000},
    )

    assert compute_metrics(session).time_to_first_response_ms == 1_140.0


def test_time_to_first_response_falls_back_to_latency_then_to_ts() -> None:
    with_latency = _session(
        {"type": "user_message", "ts": 1_000},
        {"type": "llm_call", "ts": 1_500, "latency_ms": 300},
    )
    bare = _session({"type": "user_message", "ts": 1_000}, {"type": "llm_call", "ts": 1_500})

    assert compute_metrics(with_latency).time_to_first_response_ms == 800.0
    assert compute_metrics(bare).time_to_first_response_ms == 500.0


def test_time_to_first_response_prefers_a_later_call_to_an_earlier_message() -> None:
    session = _session(
        {"type": "user_message", "ts": 1_000},
        {"type": "assistant_message", "ts": 1_100},
        {"type": "llm_call", "ts": 2_000, "ttft_ms": 100},
    )

    assert compute_metrics(session).time_to_first_response_ms == 1_100.0


def test_time_to_first_response_without_successful_call_uses_assistant_message() -> None:
    session = _session(
        {"type": "assistant_message", "ts": 500},
        {"type": "user_message", "ts": 1_000},
        {"type": "llm_call", "ts": 1_100, "ok": False},
        {"type": "assistant_message", "ts": 1_700},
    )

    assert compute_metrics(session).time_to_first_response_ms == 700.0


def test_time_to_first_response_is_null_without_a_response() -> None:
    session = _session(
        {"type": "assistant_message", "ts": 500},
        {"type": "user_message", "ts": 1_000},
        {"type": "tool_call", "ts": 1_100},
    )

    assert compute_metrics(session).time_to_first_response_ms is None


def test_time_to_first_response_is_null_without_a_user_message() -> None:
    session = _session({"type": "llm_call", "ts": 1_000}, {"type": "assistant_message"})

    assert compute_metrics(session).time_to_first_response_ms is None


def test_counts_turns_steps_tool_calls_and_failures() -> None:
    session = _session(
        {"type": "user_message"},
        {"type": "llm_call", "ok": True},
        {"type": "llm_call", "ok": False, "error_type": "rate_limited"},
        {"type": "llm_call", "error_message": "boom"},
        {"type": "tool_call", "tool": "read_file", "ok": True},
        {"type": "tool_call", "tool": "read_file", "error": "no such file"},
        {"type": "tool_call"},
        {"type": "user_message"},
        {"type": "error", "error_type": "invalid_model_output"},
        {"type": "error"},
        {"type": "context_condensed"},
        {"type": "context_condensed"},
    )

    metrics = compute_metrics(session)

    assert metrics.user_turns == 2
    assert metrics.steps == 3
    assert metrics.llm_calls_failed == 2
    assert metrics.tool_calls == 3
    assert metrics.tool_calls_by_tool == {"read_file": 2, "unknown": 1}
    assert metrics.tool_errors == 1
    assert metrics.errors_by_type == {
        "rate_limited": 1,
        "llm_error": 1,
        "tool_error": 1,
        "invalid_model_output": 1,
        "error": 1,
    }
    assert metrics.condense_count == 2


def test_tokens_and_cost_sum_over_llm_calls_with_missing_as_zero() -> None:
    session = _session(
        {"type": "llm_call", "input_tokens": 100, "output_tokens": 10, "cost_usd": 0.25},
        {"type": "llm_call", "input_tokens": 50, "cache_read_tokens": 40, "cost_usd": 0.5},
        {"type": "llm_call"},
        {"type": "tool_call", "input_tokens": 999, "cost_usd": 9.0},
    )

    metrics = compute_metrics(session)

    assert metrics.tokens_input == 150
    assert metrics.tokens_output == 10
    assert metrics.tokens_cache_read == 40
    assert metrics.tokens_total == 160
    assert metrics.cost_usd == pytest.approx(0.75)


def test_unknown_event_types_feed_no_metric() -> None:
    known = _session({"type": "user_message", "ts": 1_000})
    with_unknown = _session(
        {"type": "user_message", "ts": 1_000},
        {"type": "plan_updated", "ts": 1_000, "ok": False, "tool": "x", "input_tokens": 5},
    )

    assert compute_metrics(with_unknown) == compute_metrics(known)


def test_end_reason_is_the_sessions() -> None:
    assert compute_metrics(_session(end_reason="timeout")).end_reason == "timeout"
    assert compute_metrics(_session()).end_reason is None


def test_metrics_carry_loop_signals_with_the_given_thresholds() -> None:
    calls = [{"type": "tool_call", "tool": "read_file", "args": {"p": "a"}}] * 3
    session = _session(*calls)

    assert compute_metrics(session).loops.stuck
    assert not compute_metrics(session, LoopThresholds(identical_streak=4)).loops.stuck
    assert compute_metrics(session).loops.identical_tool_calls == 2


def test_metrics_carry_termination_evidence() -> None:
    session = _session({"type": "user_message"}, {"type": "completion", "text": "Done."})

    assert compute_metrics(session).termination_evidence.termination == "completed"


def test_llm_call_records_have_the_event_index_as_seq() -> None:
    session = _session(
        {"type": "user_message"},
        {"type": "llm_call", "model": "a"},
        {"type": "tool_call"},
        {"type": "llm_call", "model": "b"},
    )

    records = llm_call_records(session)

    assert [(r.seq, r.model) for r in records] == [(1, "a"), (3, "b")]


def test_llm_call_record_copies_the_call_with_defaults_for_missing_values() -> None:
    session = _session(
        {
            "type": "llm_call",
            "ts": "2026-11-21T10:00:00Z",
            "provider": "openai",
            "model": "gpt-5",
            "tool": "chat",
            "gateway": True,
            "latency_ms": 120,
            "error_type": "rate_limited",
            "error_message": "429",
            "input_tokens": 7,
        },
        {"type": "llm_call", "ts": "2026-11-21T10:00:01Z"},
    )

    failed, bare = llm_call_records(session)

    assert failed.model_dump() == {
        "seq": 0,
        "ts": datetime(2026, 11, 21, 10, tzinfo=UTC),
        "provider": "openai",
        "model": "gpt-5",
        "tool": "chat",
        "gateway": True,
        "latency_ms": 120.0,
        "ttft_ms": None,
        "ok": False,
        "error_type": "rate_limited",
        "error_message": "429",
        "input_tokens": 7,
        "output_tokens": 0,
        "cache_read_tokens": 0,
        "cost_usd": 0.0,
    }
    assert (bare.ok, bare.gateway, bare.input_tokens, bare.cost_usd) == (True, False, 0, 0.0)
