"""How the transcript saves tokens without losing what the judge needs.

Long messages are cut but present; text repeated verbatim is shown once; arguments lose
their quoting but not their secrets' masks; wrappers around every output are stated
once; the middle of a session is cut tighter than its ends; the header states only what
is informative.
"""

from __future__ import annotations

import re

import pytest

from judge.transcript import _LEVELS, render_transcript
from rules.schemas import LoopSignals, SessionMetrics
from tests.test_judge_transcript import DONE, LLM, call, numbered, render, session, user

STORY = "The retry loop gives up after the first timeout, and the client never sees why."


def assistant(text: str) -> dict[str, object]:
    return {"type": "assistant_message", "text": text}


def test_a_long_user_message_is_cut_but_present_with_its_head_and_tail() -> None:
    request = "PLEASE START " + "the HTTP client must retry. " * 400 + "AND THEN STOP"

    text = render(session(user(request), DONE))

    assert numbered(text) == [0, 1]
    line = text[text.index("[0] user: ") : text.index("[1] ")]
    assert line.startswith("[0] user: PLEASE START")
    assert line.rstrip().endswith("AND THEN STOP")
    assert re.search(r"…\[\d+ chars cut\]…", line)
    assert len(line) < 2000


def test_a_text_just_over_its_limit_is_kept_whole() -> None:
    limit = _LEVELS[0].ends.message
    message = "x" * (limit + 10)  # a cut marker would cost more than the cut saves

    text = render(session(user(message), DONE))

    assert message in text
    assert "chars cut" not in text


def test_a_message_repeated_verbatim_is_shown_once() -> None:
    s = session(user("fix it"), assistant(STORY), user("and?"), assistant(STORY), DONE)

    text = render(s)

    assert text.count(STORY) == 1
    assert "[3] assistant: (same as [1])" in text


def test_a_completion_repeating_an_output_is_shown_in_full_and_the_output_refers_to_it() -> None:
    diff = "diff --git a/src/http.py b/src/http.py\n+    retries = 3\n" * 3
    s = session(user("fix it"), call("bash", args={"command": "git diff"}, output=diff),
                {"type": "completion", "text": diff})  # fmt: skip

    text = render(s)

    assert "[1] call bash git diff\n → (same as [2])" in text
    assert "[2] completion: " + diff.strip().replace("\n", "\n ") in text


def test_an_error_the_output_repeats_is_shown_once() -> None:
    error = "Error: payment amount does not add up, total price is 305, but paid 255"
    s = session(call("book", ok=False, error=error, output=error), DONE)

    text = render(s)

    assert text.count("payment amount does not add up") == 1
    assert "[0] call book src/http.py FAILED\n → Error: payment amount" in text


def test_arguments_lose_their_quoting_noise() -> None:
    args = {"origin": "JFK", "date": "2024-05-20", "flights": [{"number": "HAT136", "seats": 2}],
            "note": "two bags", "paid": True, "ref": "true"}  # fmt: skip
    s = session(call("book", args=args), call("bash", args={"command": "ls -la"}))

    text = render(s)

    assert (
        "[0] call book origin=JFK, date=2024-05-20, flights=[{ number=HAT136, seats=2}], "
        'note="two bags", paid=true, ref="true"'
    ) in text
    assert "[1] call bash ls -la" in text


@pytest.mark.parametrize(
    "args",
    [
        {"api_key": "hunter2 hunter3"},
        {"db": {"password": "hunter2 hunter3"}, "host": "db"},
        {"servers": [{"name": "a", "token": "hunter2"}]},
        {"user": "me", "client_secret": "hunter2"},
        {"api_key": "hunter2;hunter3&x"},
    ],
)
def test_compact_arguments_keep_secret_values_masked(args: dict[str, object]) -> None:
    text = render(session(call("connect", args=args)))

    assert "hunter" not in text
    assert "[REDACTED]" in text


def test_wrappers_around_every_output_are_stated_once_and_cut_from_each() -> None:
    outputs = [f"<returncode>0</returncode>\n<output>\nresult {i}\n</output>" for i in range(5)]
    s = session(user("go"), *(call("bash", args={"command": f"step {i}"}, output=o)
                              for i, o in enumerate(outputs)))  # fmt: skip

    text = render(s)

    assert text.count("<output>") == 1
    assert "lines cut from the edges of every output:" in text
    assert "[1] call bash step 0\n → result 0\n[2]" in text


def test_content_that_starts_every_output_is_not_taken_for_a_wrapper() -> None:
    code = "import os\nimport sys\n"
    reads = [call("read", args={"path": f"f{i}.py"}, output=f"{code}x = {i}") for i in range(5)]

    text = render(session(*reads))

    assert "lines cut" not in text
    assert text.count("→ import os\n import sys") == 5


def test_the_middle_of_a_session_is_cut_tighter_than_its_ends() -> None:
    long = "word " * 400
    middle = [assistant(f"step {i}: {long}") for i in range(10)]

    text = render(session(user("go"), *middle, DONE))

    cut = {int(n): int(c) for n, c in re.findall(r"^\[(\d+)\].*?…\[(\d+) chars cut\]", text, re.M)}
    assert cut[5] > cut[10]  # the fifth message sits in the middle, the tenth at the end
    assert numbered(text) == list(range(12))


def test_the_header_leaves_out_zero_metrics_and_default_loop_signals() -> None:
    metrics = SessionMetrics(user_turns=1, tool_calls=2, loops=LoopSignals(unique_tools=1))

    text = render_transcript(session(user("hi"), call(), call(tool="grep")), metrics).text
    header = text[: text.index("[0]")]

    assert "metrics: user_turns=1 tool_calls=2\n" in header
    assert "loops" not in header
    assert "errors" not in header
    assert "=0" not in header


def test_hidden_llm_calls_are_still_counted_when_the_middle_is_summarised() -> None:
    events = [user("go")]
    for i in range(60):
        events += [LLM, call(args={"path": f"src/f{i}.py"}, output="x" * 500)]
    events.append(DONE)

    text = render(session(*events), budget=600)

    counted = re.findall(r"^… (\d+) events omitted: .*?(\d+) llm_call", text, re.M)
    assert counted
    assert all(int(llm) > 0 for _, llm in counted)
