"""Loop signals over the tool calls of a session (rules/loops.py)."""

from __future__ import annotations

from typing import Any

from rules.loops import loop_signals
from rules.model import Event, Session
from rules.schemas import LoopThresholds


def _events(*events: dict[str, Any]) -> list[Event]:
    """Events with ts 1, 2, 3… (epoch ms) in the order given."""
    timed = [{"ts": i, **event} for i, event in enumerate(events, start=1)]
    return Session.model_validate({"session_id": "s", "events": timed}).events


def _call(tool: str = "read_file", **fields: Any) -> dict[str, Any]:
    return {"type": "tool_call", "tool": tool, **fields}


def _calls(pattern: str) -> list[Event]:
    """One tool call per letter; equal letters are identical calls."""
    return _events(*(_call(args={"key": letter}) for letter in pattern))


def test_no_tool_calls_gives_zero_signals() -> None:
    signals = loop_signals(_events({"type": "user_message"}, {"type": "llm_call"}))

    assert signals.model_dump() == {
        "identical_tool_calls": 0,
        "identical_failing_tool_calls": 0,
        "longest_identical_streak": 0,
        "oscillation_run": 0,
        "unique_files": 0,
        "unique_tools": 0,
        "repeat_ratio": 0.0,
        "stuck": False,
    }


def test_single_tool_call_has_streak_one() -> None:
    signals = loop_signals(_calls("A"))

    assert signals.longest_identical_streak == 1
    assert signals.identical_tool_calls == 0


def test_identical_calls_count_repeats_of_an_earlier_signature() -> None:
    signals = loop_signals(_calls("ABAAC"))

    assert signals.identical_tool_calls == 2


def test_argument_key_order_does_not_change_the_signature() -> None:
    events = _events(_call(args={"a": 1, "b": [1, 2]}), _call(args={"b": [1, 2], "a": 1}))

    assert loop_signals(events).identical_tool_calls == 1


def test_same_arguments_to_another_tool_are_not_identical() -> None:
    events = _events(_call("read_file", args={"p": 1}), _call("write_file", args={"p": 1}))

    assert loop_signals(events).identical_tool_calls == 0


def test_identical_failing_needs_the_same_error_text() -> None:
    events = _events(
        _call(args={"c": "pytest"}, ok=False, error="exit 1"),
        _call(args={"c": "pytest"}, ok=False, error="exit 2"),
        _call(args={"c": "pytest"}, ok=False, error="exit 1"),
    )

    signals = loop_signals(events)

    assert signals.identical_failing_tool_calls == 1
    assert signals.identical_tool_calls == 2


def test_identical_failing_falls_back_to_error_type() -> None:
    events = _events(
        _call(args={}, error_type="timeout"),
        _call(args={}, error_type="timeout"),
    )

    assert loop_signals(events).identical_failing_tool_calls == 1


def test_successful_repeat_of_a_failed_call_is_not_identical_failing() -> None:
    events = _events(_call(args={}, ok=False, error="boom"), _call(args={}, ok=True))

    assert loop_signals(events).identical_failing_tool_calls == 0


def test_longest_identical_streak_counts_consecutive_identical_calls() -> None:
    assert loop_signals(_calls("AABAAAB")).longest_identical_streak == 3


def test_events_other_than_tool_calls_do_not_break_a_streak() -> None:
    events = _events(
        _call(args={}),
        {"type": "llm_call"},
        {"type": "assistant_message", "text": "again"},
        _call(args={}),
    )

    assert loop_signals(events).longest_identical_streak == 2


def test_llm_calls_with_a_tool_name_take_no_part() -> None:
    events = _events({"type": "llm_call", "tool": "chat"}, {"type": "llm_call", "tool": "chat"})

    signals = loop_signals(events)

    assert signals.identical_tool_calls == 0
    assert signals.unique_tools == 0


def test_oscillation_abab_a_counts_five() -> None:
    assert loop_signals(_calls("ABABA")).oscillation_run == 5


def test_oscillation_abab_counts_four() -> None:
    assert loop_signals(_calls("ABAB")).oscillation_run == 4


def test_oscillation_shorter_than_four_counts_zero() -> None:
    assert loop_signals(_calls("ABA")).oscillation_run == 0


def test_identical_run_is_not_an_oscillation() -> None:
    assert loop_signals(_calls("AAAAAA")).oscillation_run == 0


def test_oscillation_takes_the_longest_run() -> None:
    # A B A B, then C D C D C D (the B C and A B … boundaries break the alternation)
    assert loop_signals(_calls("ABABCDCDCD")).oscillation_run == 6


def test_oscillation_restarts_after_a_repeat() -> None:
    # A B A B B A B A B: the B B pair ends the first run; B A B A B is the second
    assert loop_signals(_calls("ABABBABAB")).oscillation_run == 5


def test_unique_files_and_tools_are_distinct_counts() -> None:
    events = _events(
        _call("read_file", files=["a.py", "b.py"]),
        _call("read_file", files=["a.py"]),
        _call("write_file", files=["c.py"]),
        {"type": "tool_call"},
    )

    signals = loop_signals(events)

    assert signals.unique_files == 3
    assert signals.unique_tools == 2


def test_repeat_ratio_is_repeats_over_distinct_signatures() -> None:
    assert loop_signals(_calls("AAAB")).repeat_ratio == 1.0
    assert loop_signals(_calls("ABCA")).repeat_ratio == 1 / 3


def test_stuck_on_identical_streak_of_three() -> None:
    assert not loop_signals(_calls("AAB")).stuck
    assert loop_signals(_calls("AAAB")).stuck


def test_stuck_on_two_identical_failing_calls() -> None:
    failing = _call(args={}, ok=False, error="boom")
    other = _call("other", args={})

    assert not loop_signals(_events(failing, other, failing)).stuck
    assert loop_signals(_events(failing, other, failing, other, failing)).stuck


def test_stuck_on_oscillation_of_six() -> None:
    assert not loop_signals(_calls("ABABA")).stuck
    assert loop_signals(_calls("ABABAB")).stuck


def test_custom_thresholds_decide_stuck() -> None:
    thresholds = LoopThresholds(identical_streak=10, identical_failing=10, oscillation=10)

    assert not loop_signals(_calls("AAAAAABABABA"), thresholds).stuck


def test_arguments_json_cannot_sort_still_get_a_signature() -> None:
    # Only Python callers can send keys JSON cannot sort (here an int beside a str).
    call = {"type": "tool_call", "ts": 1, "args": {1: "x", "a": 2}}
    events = [Event.model_validate(call), Event.model_validate(call)]

    assert loop_signals(events).identical_tool_calls == 1
